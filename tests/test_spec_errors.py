"""Every class of spec mistake gives its message at its line, all in one pass."""

from __future__ import annotations

import time

import pytest

from loadspec import CheckOptions, load_spec
from tests.conftest import DATA

OPTIONS = CheckOptions(variables=frozenset({"business_id"}))

# file -> [(line, severity, message fragment)]; every problem of the file, in order.
CASES: dict[str, list[tuple[int, str, str]]] = {
    "yaml_syntax": [(33, "error", "YAML syntax error: did not find expected ',' or ']' "
                                  "(while parsing a flow sequence at line 32)")],
    "tab_indent": [(34, "error", "tab in indentation: YAML indents with spaces only")],
    "duplicate_key": [(22, "error", "duplicate key 'method' (first at line 14)")],
    "missing_endpoint": [(2, "error", 'front matter has no endpoint (expected endpoint: '
                                      '"METHOD /path")')],
    "malformed_endpoint": [(2, "error", "unknown HTTP method 'SEND'")],
    "front_matter_unclosed": [(1, "error", "front matter opened here is never closed")],
    "no_test_request": [(7, "error", "no '## Test Request' section")],
    "steps_not_list": [(26, "error", "steps must be a list of steps, found a mapping")],
    "step_without_id": [(13, "error", "step has no id")],
    "step_without_method": [(13, "error", "step has no method")],
    "step_without_path": [(13, "error", "step has no path")],
    "unknown_method": [(14, "error", "unknown HTTP method 'POTS'; did you mean 'POST'?")],
    "duplicate_step_id": [(22, "error", "duplicate step id 'create_channel' in this section "
                                        "(first at line 13)")],
    "expect_status_text": [(21, "error", "expect status must be an HTTP status (100..599) or a "
                                         "list of them, found 'created'")],
    "expect_status_range": [(34, "error", "found [200, 701]")],
    "onfail_unknown": [(22, "error", "unknown onFail 'abrot'; did you mean 'abort'?")],
    "sleep_negative": [(22, "error", "sleep must be a non-negative number of milliseconds, "
                                     "found -5")],
    "params_not_mapping": [(16, "error", "params must be a mapping, found a list")],
    "extract_not_mapping": [
        (18, "error", "extract must be a mapping, found text"),
        (30, "warning", "{{channel_uid}} is neither extracted by an earlier step nor built in"),
    ],
    "body_key_not_text": [(17, "error", "mapping keys must be plain text, not a list or mapping")],
    "jsonpath_invalid": [(19, "error", "extract 'channel_uid': JSONPath '$.data[?(@.x==)]' "
                                       "does not compile")],
    "template_unclosed": [(30, "error", "unclosed '{{' at character 5 of 'msg-{{unique_id'")],
    "template_typo": [(31, "error", "unknown template name 'chanel_uid': did you mean "
                                    "'channel_uid'?")],
    "template_undefined": [(32, "warning", "{{message_seed}} is neither extracted by an earlier "
                                           "step nor built in: give it as a run variable "
                                           "(--var message_seed=...)")],
    "now_timestamp_id": [(32, "warning", "now_timestamp repeats within a second: under load "
                                         "this id will collide; use {{unique_id}}")],
    "endpoint_mismatch": [(29, "error", "main request POST /business/communication/channels "
                                        "does not match endpoint POST "
                                        "/business/communication/messages")],
    "swagger_missing": [(3, "warning", "swagger file 'swagger/nowhere.json' not found beside the "
                                       "spec or in any folder above it: the spec runs, but "
                                       "fuzzing and contract checks leave it out")],
    # Issue 23: files a spec names stay in the spec tree (here the checkout, with its
    # pyproject.toml); what is elsewhere is refused unread, whichever way it is named.
    "swagger_outside": [(3, "error", "swagger file '/etc/passwd' is not read: /etc/passwd is "
                                     "outside the spec tree (")],
    "swagger_escapes": [(3, "error", "etc/passwd' is not read: /etc/passwd is outside the "
                                     "spec tree (")],
    "data_outside": [(4, "error", "data file '/etc/passwd' is not read: /etc/passwd is outside "
                                  "the spec tree (")],
    "file_fields_environ": [(37, "error", "file_fields file '/proc/self/environ' cannot be "
                                          "sent: /proc/")],
    "file_fields_device": [(38, "error", "dev/zero' cannot be sent: /dev/zero is outside the "
                                         "spec tree (")],
    "endpoint_not_in_contract": [(2, "error", "endpoint POST /business/communication/sessions "
                                              "is not in contract.json")],
    "python_tag": [(17, "error", "unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:"
                                 "os.system': tags are never executed")],
    "unknown_keys": [
        (5, "warning", "unknown front matter key 'skipReasn' (did you mean 'skipReason'?)"),
        (23, "warning", "unknown step key 'extarct' (did you mean 'extract'?)"),
    ],
    "empty": [(1, "error", "empty file")],
    "not_utf8": [(8, "error", "not UTF-8 text: byte 0xe9 at offset 125 cannot be decoded")],
    "alias_bomb": [(6, "error", "document expands to more than 100000 values (alias bomb?)")],
    "deep_nesting": [(18, "error", "nested deeper than 64 levels")],
}  # fmt: skip


def test_every_case_has_a_file() -> None:
    """The table and the corpus folder name the same cases."""
    assert sorted(CASES) == sorted(p.stem for p in (DATA / "invalid").glob("*.md"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_problem_and_line(case: str) -> None:
    """Each malformed spec reports exactly its problems, with their lines."""
    result = load_spec(DATA / "invalid" / f"{case}.md", OPTIONS)
    found = [(p.line, p.severity.value, p.message) for p in result.problems]
    assert len(found) == len(CASES[case]), found
    for (line, severity, message), expected in zip(found, CASES[case], strict=True):
        assert (line, severity) == expected[:2], found
        assert expected[2] in message, found
    if any(severity == "error" for _, severity, _ in CASES[case]):
        assert not result.ok


def test_valid_spec_has_no_problem() -> None:
    """The spec every malformed case was made from is clean."""
    result = load_spec(DATA / "valid" / "send_message.md", OPTIONS)
    assert result.problems == ()
    assert result.ok


def test_run_variable_silences_the_warning() -> None:
    """A name given as a run variable is not reported."""
    path = DATA / "invalid" / "template_undefined.md"
    given = CheckOptions(variables=frozenset({"business_id", "message_seed"}))
    assert load_spec(path, given).problems == ()


def test_alias_bomb_is_not_expanded() -> None:
    """A billion-laughs document stops at the value budget instead of expanding."""
    started = time.process_time()
    result = load_spec(DATA / "invalid" / "alias_bomb.md", OPTIONS)
    assert not result.ok
    # Not a speed test: 9**9 values would take minutes and gigabytes, so finishing at all
    # within this generous CPU budget proves the expansion was cut off.
    assert time.process_time() - started < 30


def test_python_tag_is_never_executed(tmp_path: pytest.TempPathFactory) -> None:
    """A Python object tag is rejected before anything is constructed."""
    marker = DATA.parent / "pwned"
    text = (
        (DATA / "valid" / "send_message.md")
        .read_text()
        .replace('"{{business_id}}"', f'!!python/object/apply:os.system ["touch {marker}"]')
    )
    from loadspec.language import load_text

    result = load_text(text, DATA / "valid" / "inline.md", OPTIONS)
    assert not result.ok
    assert not marker.exists()
