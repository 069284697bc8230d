"""Templates, built-ins and extraction behave as specs expect."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from loadspec.templating.extract import Extractor, JsonPathSyntaxError, compile_jsonpath
from loadspec.templating.render import (
    BUILTINS,
    SOURCE_BUILTINS,
    RenderContext,
    RenderError,
    TemplateSyntaxError,
    compile_value,
    fresh_unique_id,
    is_constant,
    parse_template,
)


def test_single_placeholder_keeps_its_type() -> None:
    """An extracted number stays a number when the value is exactly one placeholder."""
    context = RenderContext({"count": 3, "flag": True})
    body = compile_value({"n": "{{count}}", "f": "{{ flag }}", "s": "n={{count}}"})
    assert body(context) == {"n": 3, "f": True, "s": "n=3"}


def test_constant_parts_are_built_once() -> None:
    """A value without placeholders renders to the very same object every time."""
    body = {"a": [1, {"b": "plain"}]}
    render = compile_value(body)
    assert render(RenderContext({})) is body


def test_extracted_values_shadow_run_variables() -> None:
    """An extract of an earlier step wins over a run variable of the same name."""
    context = RenderContext({"uid": "from-var"})
    context.set("uid", "from-extract")
    assert parse_template("/x/{{uid}}").render(context) == "/x/from-extract"


def test_unknown_name_raises_render_error() -> None:
    """Rendering a name nobody defines is a specific error, not a literal '{{x}}'."""
    with pytest.raises(RenderError, match="'missing'"):
        parse_template("{{missing}}").render(RenderContext({}))


@pytest.mark.parametrize("text", ["{{open", "a {{ b", "{{ not a name! }}"])
def test_syntax_errors(text: str) -> None:
    """Unclosed braces and bad names are syntax errors."""
    with pytest.raises(TemplateSyntaxError):
        parse_template(text)


def test_source_builtins_have_the_source_formats() -> None:
    """now_timestamp is Unix seconds, dates are YYYY-MM-DD, datetimes ISO 8601."""
    context = RenderContext({})
    now = datetime.now(UTC).timestamp()
    assert abs(context["now_timestamp"] - now) < 5
    # "Tomorrow" is tomorrow at 17:00 UTC in the source system, a time likely to be free.
    tomorrow = datetime.fromtimestamp(context["tomorrow_timestamp"], UTC)
    assert (tomorrow.date() - datetime.now(UTC).date()).days == 1
    assert (tomorrow.hour, tomorrow.minute, tomorrow.second) == (17, 0, 0)
    assert context["tomorrow_datetime"].endswith("T17:00:00.000Z")
    assert context["next_week_datetime"].endswith("T17:00:00.000Z")
    for name in (
        "today_date",
        "tomorrow_date",
        "yesterday_date",
        "next_week_date",
        "next_month_date",
        "start_of_month_date",
        "end_of_month_date",
    ):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", context[name]), name
    for name in ("now_datetime", "tomorrow_datetime", "next_week_datetime"):
        assert datetime.fromisoformat(context[name].replace("Z", "+00:00")).tzinfo, name
    assert context["start_of_month_date"].endswith("-01")
    assert context["current_year"] == str(datetime.now(UTC).year)
    assert re.fullmatch(r"\d{2}", context["current_month"])
    assert set(SOURCE_BUILTINS) <= set(BUILTINS)


def test_the_other_source_builtins() -> None:
    """timestamp is milliseconds; the rest have the source system's shapes (its variables.js)."""
    context = RenderContext({})
    now_ms = datetime.now(UTC).timestamp() * 1000
    assert isinstance(context["timestamp"], str)
    assert abs(int(context["timestamp"]) - now_ms) < 5_000
    assert context["current_date"] == datetime.now(UTC).date().isoformat()
    for name, hours in (("future_datetime", 24), ("future_datetime_48h", 48)):
        moment = datetime.fromisoformat(context[name].replace("Z", "+00:00"))
        assert abs((moment - datetime.now(UTC)).total_seconds() - hours * 3600) < 5, name
    assert (context["random_firstname"], context["random_lastname"]) == ("APITest", "User")
    assert re.fullmatch(r"\d{1,4}", context["random_number"])
    assert re.fullmatch(r"\d{1,4} Test Street", context["random_address"])
    assert re.fullmatch(r"https://test-\d{13}\.example\.com", context["random_url"])
    assert re.fullmatch(r"test_[a-z0-9]{8}", context["random_string"])
    assert re.fullmatch(r"\+1555\d{7}", context["random_phone"])
    assert re.fullmatch(r"apitest_\d{13}_[a-z0-9]{6}@example\.com", context["random_email"])
    assert context["random_email"] != context["random_email"]  # unique at every use: ours


def test_every_builtin_is_documented() -> None:
    """docs/spec-language.md names each built-in, so a new one cannot go unexplained."""
    from tests.conftest import ROOT

    table = (ROOT / "docs" / "spec-language.md").read_text().split("| built-in | value |")[1]
    table = table.split("\n\n")[0]
    assert [name for name in BUILTINS if f"`{name}`" not in table] == []


def test_unique_id_is_stable_per_iteration_and_unique_across() -> None:
    """unique_id repeats within one iteration and differs between iterations."""
    first, second = RenderContext({}), RenderContext({})
    assert first["unique_id"] == first["unique_id"]
    assert first["unique_id"] != second["unique_id"]
    assert RenderContext({}, unique_id="u1-i7")["unique_id"] == "u1-i7"


def test_unique_ids_are_32_hex_digits_and_a_forked_child_draws_its_own() -> None:
    """`--processes` forks workers: a child's ids never collide with its parent's."""
    ids = {fresh_unique_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report one id, and leave without running pytest's teardown
        os.write(write, fresh_unique_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    theirs = os.read(read, 64).decode()
    os.close(read)
    ours = fresh_unique_id()
    assert len(theirs) == 32
    assert theirs[:20] != ours[:20]  # a random prefix of its own, not the parent's counter


def test_then_finishes_a_constant_once_and_a_template_every_time() -> None:
    """compile_value(then=...) applies `then` at compile time to what has no placeholder."""
    seen: list[Any] = []

    def then(value: Any) -> Any:
        seen.append(value)
        return f"<{value}>"

    constant = compile_value("/plain", then=then)
    assert is_constant(constant)
    assert [constant(RenderContext({})) for _ in range(3)] == ["</plain>"] * 3
    assert seen == ["/plain"]
    dynamic = compile_value("/x/{{uid}}", then=then)
    assert not is_constant(dynamic)
    assert dynamic(RenderContext({"uid": 1})) == "</x/1>"
    assert dynamic(RenderContext({"uid": 2})) == "</x/2>"


def test_percent_signs_and_the_first_missing_name() -> None:
    """Literal text renders as written; a missing name is named, not a formatting error."""
    context = RenderContext({"n": 5})
    assert parse_template("100% of {{n}} is %s {{n}}%").render(context) == "100% of 5 is %s 5%"
    with pytest.raises(RenderError, match="'gone'"):
        parse_template("{{n}}-{{gone}}-{{also_gone}}").render(context)


def test_prepared_values_sit_between_extracted_values_and_run_variables() -> None:
    """Once-per-user prerequisites' values are read in place, under this iteration's extracts."""
    prepared = {"uid": "prepared", "channel": "c1"}
    context = RenderContext({"uid": "variable", "other": "v"}, prepared=prepared)
    assert (context["uid"], context["channel"], context["other"]) == ("prepared", "c1", "v")
    context.set("uid", "extracted")
    assert context["uid"] == "extracted"
    assert prepared["uid"] == "prepared"  # never written through
    assert dict(context) == {"uid": "extracted", "channel": "c1", "other": "v"}


def test_webhook_url_only_when_provided() -> None:
    """webhook_url exists only when the runtime gives one."""
    assert RenderContext({}, webhook_url="http://127.0.0.1:9/cb")["webhook_url"].endswith("/cb")
    with pytest.raises(RenderError):
        parse_template("{{webhook_url}}").render(RenderContext({}))


def test_extractor_finds_and_reports_missing() -> None:
    """Found values come back by name; expressions that match nothing are listed."""
    extractor = Extractor.from_mapping({"uid": "$.data.channel.uid", "gone": "$.data.nope"})
    values, missing = extractor.extract({"data": {"channel": {"uid": "c-1"}}})
    assert values == {"uid": "c-1"}
    assert [m.text for m in missing] == ["$.data.nope"]


def test_jsonpath_compiled_once() -> None:
    """The same expression is compiled once per process."""
    assert compile_jsonpath("$.data.clients[0].id") is compile_jsonpath("$.data.clients[0].id")


def test_jsonpath_errors_are_ours() -> None:
    """A bad expression raises our error type with the expression in the message."""
    with pytest.raises(JsonPathSyntaxError, match=r"\$\.data\["):
        compile_jsonpath("$.data[")


@pytest.mark.parametrize(
    "path",
    [
        "$.data.clients[0].id",
        "$.data.channel.uid",
        "$.a[1]",
        "$.missing.x",
        "$.data[0]",
        "$.data.clients[5].id",
        "$",
        "$.n",
        "$.data.clients[0].nope",
    ],
)
def test_simple_paths_agree_with_jsonpath_ng(path: str) -> None:
    """The direct walk of simple paths gives exactly what jsonpath-ng's find() gives."""
    document = {"data": {"clients": [{"id": 7}], "channel": {"uid": "c"}}, "a": [1, 2], "n": None}
    compiled = compile_jsonpath(path)
    assert compiled.steps is not None
    matches = compiled.compiled.find(document)
    expected = (True, matches[0].value) if matches else (False, None)
    assert compiled.first(document) == expected


def test_complex_paths_use_jsonpath_ng() -> None:
    """Filters and wildcards go through jsonpath-ng."""
    compiled = compile_jsonpath("$.items[?(@.ok == true)].id")
    assert compiled.steps is None
    assert compiled.first({"items": [{"ok": False, "id": 1}, {"ok": True, "id": 2}]}) == (True, 2)
