"""Any folder of specs as load, from an installed package: `loadspec load PATH [--] OPTIONS`
runs `locust -f <this file> --specs PATH OPTIONS`; `locustfiles/specs.py` in a checkout is the
same file. Its folder holds nothing else: Locust puts it first on `sys.path`."""

from loadspec.locust import spec_users

globals().update(spec_users())
