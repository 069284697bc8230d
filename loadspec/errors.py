"""One error family for bad input: every user mistake is a `LoadspecError`.

The tree (user-facing classes are exported by `loadspec`; the rest subclass them):

    LoadspecError                 bad input rather than a bug; never shown as a traceback
    ├── SpecError                 a spec file cannot be used; carries every `Problem` (file:line)
    ├── ConfigError               a run's configuration is wrong: options, run variables,
    │   │                         credentials, thresholds; exit 2 before the first request
    │   ├── StubConfigError       (loadspec.stub) an option of the embedded gateway
    │   ├── ConformanceError      (loadspec.contract.conformance) a bad sample rate
    │   ├── ApiValidationError    (loadspec.inputs.api_validation) the authors' configuration
    │   ├── FileRefused           (loadspec.files) a file outside the spec tree, not a regular
    │   │                         file, or over its cap
    │   └── FuzzError             (loadspec.fuzz.engine) a bad fuzzing option
    ├── ContractError             a contract file cannot be read, or is no Swagger/OpenAPI
    ├── TemplateError             a template or JSONPath that cannot be used
    │   ├── TemplateSyntaxError   (loadspec.templating.render) unclosed `{{`, a bad name
    │   ├── RenderError           (loadspec.templating.render) a name with no value
    │   └── JsonPathSyntaxError   (loadspec.templating.extract) an expression that won't compile
    ├── CallbackSignatureError    (loadspec.webhooks.signing) a callback that fails its signature
    └── StubStartError            (loadspec.stub) the embedded gateway did not come up
"""

from __future__ import annotations

import difflib
import enum
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "ContractError",
    "ExitCode",
    "LoadspecError",
    "Problem",
    "Severity",
    "SpecError",
    "TemplateError",
    "did_you_mean",
]


class ExitCode(enum.IntEnum):
    """What every loadspec command and Locust run exits with."""

    OK = 0
    FAILED = 1
    """Problems found: invalid specs, failed checks, a breached threshold, failures."""
    USAGE = 2
    """Bad input (a `LoadspecError`): decided before the first request."""
    INTERRUPTED = 130


class Severity(enum.StrEnum):
    """How bad a problem is: errors stop a spec from running, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one spec file.

    Attributes:
        path: the file, as the user named it.
        line: 1-based line in the original file (0 when the file as a whole is wrong).
        message: what was found, what was expected, and a hint where one exists.
        severity: error or warning.
        location: a `$.steps[1].extract.channel_uid` style pointer into the spec.
    """

    path: str
    line: int
    message: str
    severity: Severity = Severity.ERROR
    location: str = "$"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity.value}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class LoadspecError(Exception):
    """Base of every error that reports bad input rather than a bug."""


class SpecError(LoadspecError):
    """A spec file cannot be used; carries every problem found in it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(LoadspecError):
    """A run's configuration is wrong (an option, a run variable, a credential, a threshold)."""


class ContractError(LoadspecError):
    """A contract file cannot be read or is not Swagger 2.0 / OpenAPI 3.0 / 3.1."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class TemplateError(LoadspecError):
    """A template or a JSONPath expression that cannot be parsed or rendered."""


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The closest of `choices` to `word`, if one is close enough to be a typo."""
    return _closest(word, frozenset(choices), cutoff)


@functools.lru_cache(maxsize=4096)
def _closest(word: str, choices: frozenset[str], cutoff: float) -> str | None:
    # Cached: a corpus repeats the same unknown keys and names in file after file.
    matches = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None
