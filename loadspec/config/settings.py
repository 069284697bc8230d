"""`RunSettings`: what one process runs with, built once from the table's values.

Every command and every Locust process builds one (`RunSettings.build`) from its parsed
options, the environment and the project's `[tool.loadspec]`, and reads nothing else; Locust
processes take the web UI's edits at each test start (`with_options`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loadspec.config.load import LoadModel, load_model
from loadspec.config.options import OPTIONS
from loadspec.config.project import Project, find_project
from loadspec.config.register import option_values
from loadspec.config.table import Command, Option
from loadspec.contract.bundle import RefBases
from loadspec.errors import ConfigError
from loadspec.files import SpecFiles, check_input, check_output
from loadspec.inputs.api_validation import (
    ApiValidationConfig,
    RateLimit,
    load_api_validation_config,
)
from loadspec.inputs.credentials import Credentials
from loadspec.inputs.targets import AllowList
from loadspec.inputs.variables import RunVariables, collect_variables
from loadspec.language.model import TokenType
from loadspec.webhooks.defaults import DEFAULT_HMAC_HEADER, SECRET_ENV
from loadspec.webhooks.limits import WebhookLimits
from loadspec.webhooks.signing import Scheme

__all__ = ["DEFAULT_SPECS", "ListenerSettings", "RunInputs", "RunSettings", "spec_starts"]

DEFAULT_SPECS = Path("specs")


def _table_default(name: str) -> Any:
    """An option's default as the table parses it (for a command that does not take it)."""
    option = next(o for o in OPTIONS if o.name == name)
    return option.value(option.default)


_TABLE_TIMEOUT: float = _table_default("--request-timeout")
_TABLE_BODY: int = _table_default("--max-body-bytes")
_TABLE_MASTER_TIMEOUT: float = _table_default("--master-timeout")
_LIMITS = {
    "webhook_max_age": "max_age",
    "webhook_replay_window": "replay_window",
    "webhook_max_pending": "max_pending",
    "webhook_max_pending_bytes": "max_pending_bytes",
    "webhook_max_rate": "max_rate",
    "webhook_max_share": "max_share",
}


@dataclass(frozen=True, slots=True)
class ListenerSettings:
    """Where the webhook listener binds, what it advertises, what it verifies.

    Attributes:
        host: the address to bind.
        port: the port to bind (0: a free one).
        url: the public URL offered as {{webhook_url}} (None: the bound address).
        scheme: the signature scheme callbacks must carry.
        header: the header holding an hmac-sha256 signature.
        secret: `LOADSPEC_WEBHOOK_SECRET` (None: not set, the embedded gateway's default).
    """

    host: str = "127.0.0.1"
    port: int = 0
    url: str | None = None
    scheme: Scheme = Scheme.JWT
    header: str = DEFAULT_HMAC_HEADER
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RunInputs:
    """What a run reads besides its own options: variables, configuration, ref bases.

    Attributes:
        variables: run variables (values and names declared without one).
        host: the configuration's baseUrl: the host when --host (--url) is not given.
        fallback_host: the configuration's fallbackUrl.
        tokens: the configuration's tokens, by type or scheme name (LOADSPEC_TOKEN_<TYPE> and
            LOADSPEC_CREDENTIAL_<SCHEME> win over them; `RunSettings.credentials`).
        rate_limit: the configuration's rateLimit, the run's pacing.
        ref_bases: where the contracts' published `$ref`s are read from.
    """

    variables: RunVariables = field(default_factory=RunVariables)
    host: str | None = None
    fallback_host: str | None = None
    tokens: Mapping[TokenType, str] = field(default_factory=dict, repr=False)
    rate_limit: RateLimit | None = None
    ref_bases: RefBases = field(default_factory=RefBases)


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What one process runs with.

    Attributes:
        command: the command (or Locust run) it was built for.
        project: the `[tool.loadspec]` read, and where from.
        values: every option the command takes, parsed, by field (`values["max_examples"]`).
        specs: spec files or folders.
        root: where swagger: paths resolve (None: the nearest folder rule).
        files: where the files specs name may be: the spec trees and --allow-path.
        inputs: run variables, the api-validation configuration's host, tokens and rateLimit,
            the `$ref` bases.
        fallback_host: host for useFallback steps (the option, else the configuration's).
        allowed: the hosts besides loopback the run may send to.
        webhooks: the webhook listener's windows, bounds and rate cap.
        listener: where the webhook listener binds, its public URL, its signature scheme.
        load: think time, pacing, iterations, stages, arrival rate.
    """

    command: Command
    project: Project = field(default_factory=Project)
    values: Mapping[str, Any] = field(default_factory=dict)
    specs: tuple[Path, ...] = ()
    root: Path | None = None
    files: SpecFiles = field(default_factory=SpecFiles)
    inputs: RunInputs = field(default_factory=RunInputs)
    fallback_host: str | None = None
    allowed: AllowList = field(default_factory=AllowList)
    webhooks: WebhookLimits = field(default_factory=WebhookLimits)
    listener: ListenerSettings = field(default_factory=ListenerSettings)
    load: LoadModel = field(default_factory=LoadModel)

    @property
    def variables(self) -> Mapping[str, Any]:
        """The run variables' values, every source merged."""
        return self.inputs.variables.values

    def __getitem__(self, name: str) -> Any:
        """One option's parsed value by field (None when the command does not take it)."""
        return self.values.get(name)

    def credentials(self, environ: Mapping[str, str] | None = None) -> Credentials:
        """The run's credentials: the configuration's tokens, with every
        `LOADSPEC_TOKEN_<TYPE>` and `LOADSPEC_CREDENTIAL_<SCHEME>` over them. The one
        builder load runs, fuzz and check all call."""
        return Credentials.configured(self.inputs.tokens, environ)

    @property
    def include_skipped(self) -> bool:
        """Run specs that are skipped by status too."""
        return bool(self.values.get("include_skipped"))

    @property
    def allow_invalid(self) -> bool:
        """Leave invalid specs out instead of refusing to run."""
        return bool(self.values.get("allow_invalid"))

    @property
    def request_timeout(self) -> float:
        """Seconds before a request without a complete answer fails."""
        return float(self.values.get("request_timeout") or _TABLE_TIMEOUT)

    @property
    def max_body_bytes(self) -> int:
        """The largest response body a step takes, decompressed."""
        return int(self.values.get("max_body_bytes") or _TABLE_BODY)

    @property
    def master_timeout(self) -> float:
        """Seconds a worker waits without word from its master before it stops."""
        return float(self.values.get("master_timeout") or _TABLE_MASTER_TIMEOUT)

    @property
    def validate_responses(self) -> float:
        """The share of responses checked against the contracts (0: none)."""
        return float(self.values.get("validate_responses") or 0.0)

    @property
    def thresholds(self) -> tuple[Any, ...]:
        """The pass criteria checked when the run ends."""
        return tuple(self.values.get("threshold", ()))

    @property
    def junit(self) -> Path | None:
        """Where to write the JUnit report, if anywhere."""
        return _path(self.values.get("junit"))

    @property
    def baseline(self) -> Path | None:
        """A previous run's --json-file output to compare with."""
        return _path(self.values.get("baseline"))

    @property
    def max_regression(self) -> float | None:
        """How much worse than the baseline a row may be (0.2: 20%)."""
        value = self.values.get("max_regression")
        return None if value is None else float(value)

    @classmethod
    def build(
        cls,
        command: Command,
        parsed: Any,
        *,
        project: Project | None = None,
        environ: Mapping[str, str] | None = None,
        specs: tuple[Path, ...] = (),
    ) -> RunSettings:
        """From parsed options (`ConfigError` for any value that cannot be used).

        `specs` overrides the option (a locustfile that names its own); without `project`,
        the nearest above the specs, then the current folder, is read.
        """
        environ = os.environ if environ is None else environ
        if project is None:
            project = find_project(*spec_starts(command, parsed, specs))
        values = option_values(parsed, command, project.values_for(command), environ)
        chosen = specs or values.get("specs") or _default_specs(command)
        config = _api_config(values.get("api_validation_config"))
        inputs = _inputs(values, project, environ, config, values.get("root"))
        return cls(
            command=command,
            project=project,
            values=values,
            specs=chosen,
            root=values.get("root"),
            files=SpecFiles.of(chosen, values.get("root"), values.get("allow_path", ())),
            inputs=inputs,
            fallback_host=values.get("fallback_host") or inputs.fallback_host,
            allowed=AllowList.of(values.get("allow_host", ())),
            webhooks=_limits(values),
            listener=_listener(values, environ),
            load=_load(command, values, project, environ, parsed),
        )._checked()

    def with_options(self, parsed: Any, options: Iterable[Option]) -> RunSettings:
        """These settings with `options` read again from `parsed` (the web UI's start form)."""
        project = self.project.values_for(self.command)
        changed = option_values(parsed, self.command, project, os.environ, only=options)
        values = {**self.values, **changed}
        load = _load(self.command, values, self.project, os.environ, parsed)
        return replace(self, values=values, load=load)._checked()

    def _checked(self) -> RunSettings:
        if self.values.get("max_regression") is not None and not self.values.get("baseline"):
            raise ConfigError(
                "--max-regression needs --baseline FILE (a previous run's --json-file)"
            )
        if self.baseline is not None:
            check_input(self.baseline, "--baseline")
        if self.junit is not None:
            check_output(self.junit, "--junit")
        for report in ("json", "html", "markdown"):
            if self.values.get(report):
                check_output(Path(self.values[report]).expanduser(), f"--{report}")
        if self.root is not None and not self.root.is_dir():
            raise ConfigError(f"--root {self.root}: no such folder")
        for allowed in self.values.get("allow_path", ()):
            if not allowed.exists():
                raise ConfigError(f"--allow-path {allowed}: no such file or folder")
        return self


def _path(text: str | None) -> Path | None:
    return Path(text).expanduser() if text else None


def spec_starts(command: Command, parsed: Any, specs: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """Where to look for the project: above the specs, then the current folder."""
    given: Any = specs or getattr(parsed, "specs", None) or ()
    if isinstance(given, str):
        given = given.split(",")
    return (*(Path(str(p).strip()) for p in given if str(p).strip()), Path.cwd())


def _default_specs(command: Command) -> tuple[Path, ...]:
    if command is Command.LOCUST:
        raise ConfigError("no specs: give --specs PATH[,PATH] or LOADSPEC_SPECS")
    if command.is_stub or DEFAULT_SPECS.is_dir():
        return (DEFAULT_SPECS,)
    raise ConfigError("no PATH given and no specs/ folder here")


def _api_config(where: str | None) -> ApiValidationConfig | None:
    return None if not where else load_api_validation_config(Path(where).expanduser())


def _inputs(
    values: Mapping[str, Any],
    project: Project,
    environ: Mapping[str, str],
    config: ApiValidationConfig | None,
    root: Path | None,
) -> RunInputs:
    variables = collect_variables(
        project,
        values.get("var", ()),
        environ,
        configured=config.params if config else None,
        declared=config.declared_in if config else None,
    )
    return RunInputs(
        variables=variables,
        host=config.base_url if config else None,
        fallback_host=config.fallback_url if config else None,
        tokens=dict(config.tokens) if config else {},
        rate_limit=config.rate_limit if config else None,
        ref_bases=RefBases.of([*project.ref_bases, *values.get("ref_base", ())], root),
    )


def _limits(values: Mapping[str, Any]) -> WebhookLimits:
    given = {name: values[key] for key, name in _LIMITS.items() if values.get(key) is not None}
    return WebhookLimits(**given)


def _listener(values: Mapping[str, Any], environ: Mapping[str, str]) -> ListenerSettings:
    host, port = values.get("webhook_listen") or ("127.0.0.1", 0)
    return ListenerSettings(
        host,
        port,
        values.get("webhook_url"),
        Scheme(values.get("webhook_signature") or Scheme.JWT.value),
        values.get("webhook_signature_header") or DEFAULT_HMAC_HEADER,
        environ.get(SECRET_ENV) or None,
    )


def _load(
    command: Command,
    values: Mapping[str, Any],
    project: Project,
    environ: Mapping[str, str],
    parsed: Any,
) -> LoadModel:
    if command is not Command.LOCUST:
        return LoadModel()
    return load_model(values, project, environ, getattr(parsed, "num_users", None))
