"""loadspec: API spec files as load (Locust) and contract fuzzing (schemathesis).

Only the names in `__all__` are public; every other module is private.
"""

from __future__ import annotations

from loadspec.errors import LoadspecError, Problem, Severity, SpecError
from loadspec.spec import CheckOptions, SpecResult, find_spec_files, load_spec, load_specs
from loadspec.spec.model import (
    Endpoint,
    Expect,
    FileField,
    HttpMethod,
    OnFail,
    Poll,
    PrerequisitesScope,
    Spec,
    Status,
    Step,
    TokenType,
    Wait,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "CheckOptions",
    "Endpoint",
    "Expect",
    "FileField",
    "HttpMethod",
    "LoadspecError",
    "OnFail",
    "Poll",
    "PrerequisitesScope",
    "Problem",
    "Severity",
    "Spec",
    "SpecError",
    "SpecResult",
    "Status",
    "Step",
    "TokenType",
    "Wait",
    "__version__",
    "find_spec_files",
    "load_spec",
    "load_specs",
]
