"""Any folder of specs as load: `locust -f locustfiles/specs.py --specs PATH[,PATH]`.

Without --host the embedded gateway is started and used. Options: see the README. An installed
package ships the same locustfile: `loadspec load PATH [--] OPTIONS` runs it.
"""

from loadspec.locust import spec_users

globals().update(spec_users())
