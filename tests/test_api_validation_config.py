"""The authors' api-validation configuration (`default.json` + `tokens.json`), read as-is.

Shapes come from their `config/default.json`, `config/tokens.example.json` and what
`scripts/setup-business.js` writes; semantics from `src/core/config/index.js` (the deep merge),
`src/core/config/token-validator.js` (placeholder tokens) and `src/core/prerequisite/executor.js`
(the `Admin` scheme of admin and internal tokens).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadspec.cli import main
from loadspec.config.project import Project, find_project
from loadspec.config.settings import RunSettings
from loadspec.config.table import Command
from loadspec.inputs.api_validation import (
    ApiValidationError,
    RateLimit,
    load_api_validation_config,
)
from loadspec.inputs.credentials import Credentials
from loadspec.inputs.masking import Masker
from loadspec.inputs.variables import RunVariables, collect_variables
from loadspec.language.model import TokenType
from tests.conftest import ROOT

# Their default.json, as committed (URLs of their integration environment, never contacted).
AUTHORS_DEFAULT: dict[str, Any] = {
    "swaggerPath": "mcp_swagger",
    "baseUrl": "https://app.meet2know.com/apigw",
    "fallbackUrl": "https://app.meet2know.com/api2",
    "options": {"timeout": 30000, "runDelete": False},
    "rateLimit": {
        "requestsPerSecond": 5,
        "maxConcurrent": 3,
        "delayBetweenRequests": 200,
        "retryOn429": True,
        "maxRetries": 3,
        "backoffMultiplier": 2,
    },
    "ai": {"models": {"resolver": "gpt-4.1-nano"}},
}
STAFF_TOKEN = "staff-jwt-5f1c9a"
INTERNAL_TOKEN = "internal-jwt-77ab02"


def write_config(folder: Path, default: Any = None, tokens: Any = None) -> Path:
    """A configuration folder like theirs: default.json and tokens.json, either one optional."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("default.json", default), ("tokens.json", tokens)):
        if data is not None:
            text = data if isinstance(data, str) else json.dumps(data, indent=2)
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def setup_business_tokens() -> dict[str, Any]:
    """tokens.json as setup-business.js leaves it, with a placeholder or two left over."""
    return {
        "tokens": {
            "staff": STAFF_TOKEN,
            "business": STAFF_TOKEN,
            "internal": INTERNAL_TOKEN,
            "operator": "operator-jwt-3c3c3c",
            "client": "eyJ... (your client JWT token)",
            "admin_url": "https://app.example.invalid/admin?user_id=7",
        },
        "params": {
            "business_id": "biz-9",
            "business_uid": "biz-9",
            "staff_uid": "staff-4",
            "directory_id": "your-directory-id-here",
            "matter_uid": "",
            "service_id": 31,
        },
        "ai": {"anthropicApiKey": "sk-ant-... (your Anthropic API key)"},
    }


def test_default_and_tokens_merge_as_their_tool_does(tmp_path: Path) -> None:
    """default.json then tokens.json, deep-merged: nested objects merge, the rest replaces."""
    overrides = {**setup_business_tokens(), "rateLimit": {"requestsPerSecond": 2}}
    config = load_api_validation_config(write_config(tmp_path, AUTHORS_DEFAULT, overrides))
    assert config.base_url == "https://app.meet2know.com/apigw"
    assert config.fallback_url == "https://app.meet2know.com/api2"
    # requestsPerSecond from tokens.json; the rest of rateLimit kept from default.json.
    assert config.rate_limit == RateLimit(2.0, 3, 200.0, True, 3, 2.0)
    assert config.params["business_uid"] == "biz-9"
    assert config.params["service_id"] == 31  # a number stays a number


def test_token_types_by_their_names_and_placeholders_left_out(tmp_path: Path) -> None:
    """Their type names map to ours; `eyJ...` placeholders and non-token entries are no token."""
    config = load_api_validation_config(write_config(tmp_path, None, setup_business_tokens()))
    assert config.tokens == {
        TokenType.STAFF: STAFF_TOKEN,
        TokenType.BUSINESS: STAFF_TOKEN,
        TokenType.INTERNAL: INTERNAL_TOKEN,
        TokenType.OPERATOR: "operator-jwt-3c3c3c",
    }
    assert TokenType.CLIENT not in config.tokens


def test_auth_headers_as_their_executor_sends_them(tmp_path: Path) -> None:
    """Internal (and admin) tokens go as `Admin <token>`, every other type as `Bearer`."""
    config = load_api_validation_config(write_config(tmp_path, None, setup_business_tokens()))
    credentials = Credentials.configured(config.tokens, environ={})
    assert credentials.authorization(TokenType.INTERNAL) == f"Admin {INTERNAL_TOKEN}"
    assert credentials.authorization(TokenType.OPERATOR) == "Bearer operator-jwt-3c3c3c"
    assert credentials.authorization(TokenType.BUSINESS) == f"Bearer {STAFF_TOKEN}"
    assert credentials.missing(TokenType.CLIENT) == (
        "needs a client token: set LOADSPEC_TOKEN_CLIENT"
    )


def test_environment_tokens_win_over_the_configuration(tmp_path: Path) -> None:
    """LOADSPEC_TOKEN_<TYPE> overrides the configuration's token of that type."""
    config = load_api_validation_config(write_config(tmp_path, None, setup_business_tokens()))
    credentials = Credentials.configured(config.tokens, {"LOADSPEC_TOKEN_STAFF": "from-env-1"})
    assert credentials.authorization(TokenType.STAFF) == "Bearer from-env-1"
    assert credentials.authorization(TokenType.INTERNAL) == f"Admin {INTERNAL_TOKEN}"


def test_configured_tokens_are_masked_like_any_token(tmp_path: Path) -> None:
    """The credentials a configuration gives are secrets: masked wherever text shows them."""
    config = load_api_validation_config(write_config(tmp_path, None, setup_business_tokens()))
    credentials = Credentials.configured(config.tokens, environ={})
    text = f"echo {STAFF_TOKEN} {INTERNAL_TOKEN} {config.tokens[TokenType.OPERATOR]}"
    assert Masker(credentials.secrets)(text) == "echo [redacted] [redacted] [redacted]"
    assert STAFF_TOKEN not in repr(config) and STAFF_TOKEN not in repr(credentials)


def test_params_without_a_value_are_declared(tmp_path: Path) -> None:
    """An empty param, or their `your-...-here` placeholder, declares the name, no value."""
    config = load_api_validation_config(write_config(tmp_path, None, setup_business_tokens()))
    assert config.declared == {"directory_id", "matter_uid"}
    assert "directory_id" not in config.params
    assert config.declared_in["matter_uid"] == f"the params of {tmp_path / 'tokens.json'}"


def test_run_variables_merge_order(tmp_path: Path) -> None:
    """pyproject, then the configuration's params, then LOADSPEC_VAR_*, then --var."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.loadspec]\ndeclare = ["region"]\n[tool.loadspec.vars]\n'
        'business_id = "from-pyproject"\nstaff_uid = "from-pyproject"\n',
        encoding="utf-8",
    )
    variables = collect_variables(
        find_project(tmp_path),
        [("staff_uid", "from-option")],
        {"LOADSPEC_VAR_BUSINESS_UID": "from-env"},
        configured={"business_id": "from-config", "business_uid": "from-config"},
        declared={"matter_uid": "the params of tokens.json"},
    )
    assert variables.values == {
        "business_id": "from-config",
        "business_uid": "from-env",
        "staff_uid": "from-option",
    }
    assert variables.unvalued == {
        "region": "[tool.loadspec] declare",
        "matter_uid": "the params of tokens.json",
    }
    assert variables.names >= {"region", "matter_uid", "business_id"}


def test_a_declared_name_given_a_value_elsewhere_is_not_unvalued(tmp_path: Path) -> None:
    """A name declared without a value and given one by --var is simply a value."""
    variables = collect_variables(
        Project(), [("matter_uid", "m1")], {}, declared={"matter_uid": "x"}
    )
    assert variables.values == {"matter_uid": "m1"}
    assert not variables.unvalued


def test_refusal_names_the_variable_where_it_was_declared_and_who_needs_it() -> None:
    """A run that needs a name without a value gets one line naming all three."""
    variables = RunVariables({"business_id": "b"}, {"matter_uid": "the params of t.json"})
    needs = {Path("specs/a.md"): frozenset({"business_id", "matter_uid"})}
    assert variables.refusal(needs) == (
        "run variable(s) without a value: 'matter_uid' (declared in the params of t.json; "
        "needed by specs/a.md): give each a value (--var matter_uid=..., "
        "LOADSPEC_VAR_MATTER_UID, or the configuration)"
    )
    assert variables.refusal({Path("specs/b.md"): frozenset({"business_id"})}) is None


def test_a_single_file_is_read_alone(tmp_path: Path) -> None:
    """A FILE (not a folder) is the whole configuration."""
    path = tmp_path / "merged.json"
    path.write_text(json.dumps({**AUTHORS_DEFAULT, **setup_business_tokens()}), encoding="utf-8")
    config = load_api_validation_config(path)
    assert config.base_url == "https://app.meet2know.com/apigw"
    assert config.tokens[TokenType.STAFF] == STAFF_TOKEN


def test_the_environment_variable_names_the_configuration(tmp_path: Path) -> None:
    """LOADSPEC_API_VALIDATION_CONFIG is used when the option is not given."""
    write_config(tmp_path, AUTHORS_DEFAULT, setup_business_tokens())
    env = {"LOADSPEC_API_VALIDATION_CONFIG": str(tmp_path)}
    settings = RunSettings.build(
        Command.VALIDATE, argparse.Namespace(), project=Project(), environ=env
    )
    assert settings.inputs.host == "https://app.meet2know.com/apigw"
    bare = RunSettings.build(Command.VALIDATE, argparse.Namespace(), project=Project(), environ={})
    assert bare.inputs.host is None


def test_rate_limit_defaults_and_pace() -> None:
    """Their defaults for what rateLimit leaves out; the stricter of rate and delay paces."""
    assert RateLimit() == RateLimit(5.0, 3, 200.0, True, 3, 2.0)
    assert RateLimit(requests_per_second=20, delay_ms=200).interval == pytest.approx(0.2)
    assert RateLimit(requests_per_second=2, delay_ms=0).interval == pytest.approx(0.5)
    assert RateLimit(requests_per_second=20, delay_ms=0).as_rate == "20/s"
    assert RateLimit(requests_per_second=2.5, delay_ms=0).as_rate == "150/m"


@pytest.mark.parametrize(
    ("default", "tokens", "message"),
    [
        ('{"baseUrl": "x",', None, "default.json:1: invalid JSON at column 17: Expecting"),
        ("[1, 2]", None, "default.json: expected a JSON object at the top, found a list"),
        ({"baseUrl": "ftp://gw"}, None, "default.json: baseUrl 'ftp://gw' is not an http(s) URL"),
        ({"fallbackUrl": 7}, None, "default.json: fallbackUrl 7 is not an http(s) URL"),
        ({"rateLimit": 5}, None, "default.json: rateLimit must be an object, not a number"),
        (
            {"rateLimit": {"requestsPerSecond": 0}},
            None,
            "rateLimit.requestsPerSecond must be a number, more than 0; got 0",
        ),
        (
            {"rateLimit": {"maxConcurrent": 1.5}},
            None,
            "rateLimit.maxConcurrent must be a whole number, at least 1; got 1.5",
        ),
        (
            {"rateLimit": {"delayBetweenRequests": -1}},
            None,
            "rateLimit.delayBetweenRequests must be a number, at least 0; got -1",
        ),
        (
            {"rateLimit": {"retryOn429": "yes"}},
            None,
            "rateLimit.retryOn429 must be true or false",
        ),
        (None, {"tokens": ["a"]}, "tokens.json: tokens must be an object, not a list"),
        (None, {"tokens": {"staff": 5}}, "tokens.json: tokens.staff must be text, not a number"),
        (
            None,
            {"params": {"business_id": ["b"]}},
            "tokens.json: params.business_id must be text or a number, not a list",
        ),
    ],
)
def test_malformed_configuration_is_one_line(
    tmp_path: Path, default: Any, tokens: Any, message: str
) -> None:
    """Each mistake is one line naming the file (and the key), never a traceback."""
    with pytest.raises(ApiValidationError) as caught:
        load_api_validation_config(write_config(tmp_path, default, tokens))
    text = str(caught.value)
    assert message in text and "\n" not in text


def test_a_folder_without_their_files(tmp_path: Path) -> None:
    """A folder holding neither file, or no such path, says so."""
    with pytest.raises(ApiValidationError, match=r"holds neither default\.json nor tokens\.json"):
        load_api_validation_config(tmp_path)
    with pytest.raises(ApiValidationError, match="no such file or folder"):
        load_api_validation_config(tmp_path / "absent")


SPEC = """---
endpoint: "GET /things/{ref}"
status: verified
---

# Things

## Test Request
```yaml
steps:
  - id: main_request
    method: GET
    path: "/things/{{tenant_ref}}"
    params:
      owner: "{{tenant_refs}}"
```
"""


def test_validate_knows_the_configured_and_declared_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Params with and without a value are known names; neither is a typo of the other."""
    spec = tmp_path / "specs" / "things.md"
    spec.parent.mkdir()
    spec.write_text(SPEC, encoding="utf-8")
    # With only one of the two names known, the other reads as its typo.
    assert main(["validate", str(spec), "--var", "tenant_ref=t-1"]) == 1
    assert "unknown template name 'tenant_refs': did you mean 'tenant_ref'?" in (
        capsys.readouterr().out
    )
    tokens = {"params": {"tenant_ref": "t-1", "tenant_refs": ""}}
    config = write_config(tmp_path / "config", None, tokens)
    assert main(["validate", str(spec), "--api-validation-config", str(config)]) == 0
    after = capsys.readouterr()
    assert after.out == "", after.out
    assert "0 errors, 0 warnings" in after.err


def test_cli_configuration_mistake_exits_two_in_one_line(tmp_path: Path) -> None:
    """As a user runs it: a malformed configuration is one line on stderr and exit 2."""
    config = write_config(tmp_path, {"rateLimit": {"maxRetries": -2}})
    option = ("--api-validation-config", str(config))
    for command in (["validate"], ["list"], ["fuzz", "--dry-run"]):
        done = subprocess.run(
            [sys.executable, "-m", "loadspec", *command, "specs/", *option],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr.strip().splitlines() == [
            f"loadspec: error: {config / 'default.json'}: rateLimit.maxRetries must be a whole "
            "number, at least 0; got -2"
        ], command


def test_load_settings_take_host_tokens_params_and_pacing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load run's settings from the configuration; --fallback-host and --var still win."""
    monkeypatch.chdir(ROOT)
    config = write_config(tmp_path, AUTHORS_DEFAULT, setup_business_tokens())
    given = argparse.Namespace(specs="specs", api_validation_config=str(config))
    settings = RunSettings.build(Command.LOCUST, given, environ={})
    assert settings.inputs.host == "https://app.meet2know.com/apigw"
    assert settings.fallback_host == "https://app.meet2know.com/api2"
    assert settings.inputs.tokens[TokenType.INTERNAL] == INTERNAL_TOKEN
    assert settings.inputs.rate_limit == RateLimit()
    assert settings.variables["business_id"] == "biz-9"  # over pyproject's loadspec-demo-business
    assert settings.inputs.variables.unvalued.keys() == {"directory_id", "matter_uid"}
    overridden = argparse.Namespace(
        specs="specs",
        api_validation_config=str(config),
        var=["business_id=from-option"],
        fallback_host="http://127.0.0.1:9",
    )
    settings = RunSettings.build(Command.LOCUST, overridden, environ={})
    assert settings.variables["business_id"] == "from-option"
    assert settings.fallback_host == "http://127.0.0.1:9"
