"""loadspec: API spec files as load (Locust) and contract fuzzing (schemathesis).

Only the names in `__all__` are public; every other module is private. They resolve lazily:
`import loadspec` loads no YAML, HTTP or load-testing library until a name is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loadspec._lazy import lazy_exports

if TYPE_CHECKING:
    from loadspec.errors import (
        ConfigError,
        ContractError,
        LoadspecError,
        Problem,
        Severity,
        SpecError,
        TemplateError,
    )
    from loadspec.language import (
        CheckOptions,
        SpecResult,
        find_spec_files,
        load_spec,
        load_specs,
    )
    from loadspec.language.model import (
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
    "ConfigError",
    "ContractError",
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
    "TemplateError",
    "TokenType",
    "Wait",
    "__version__",
    "find_spec_files",
    "load_spec",
    "load_specs",
]

_ERRORS = ("ConfigError", "ContractError", "LoadspecError", "Problem", "Severity", "SpecError")
_READING = ("CheckOptions", "SpecResult", "find_spec_files", "load_spec", "load_specs")
_ORIGINS = (
    dict.fromkeys((*_ERRORS, "TemplateError"), "loadspec.errors")
    | dict.fromkeys(_READING, "loadspec.language")
    | dict.fromkeys(
        (n for n in __all__ if n not in (*_ERRORS, *_READING, "TemplateError", "__version__")),
        "loadspec.language.model",
    )
)

__getattr__ = lazy_exports(globals(), _ORIGINS)
