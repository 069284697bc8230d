"""The hostile inputs of issue 23, each tried by its tests: `python -m bench reliability`.

Each case says what happened before the fix and what happens now, and names the tests that
try it; the section of docs/reliability.md is this table with each case's result, from a run
of those tests (`--only hostile` writes it alone). A case fails when a test it names fails.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]

TESTS = (
    "tests/load/test_hostile_targets.py",
    "tests/load/test_messages_locustfile.py::test_web_ui_starts_a_run_and_shows_spec_rows",
    "tests/test_masking.py",
    "tests/load/test_canary.py",
    "tests/fuzz/test_collect.py",
    "tests/runtime/test_webhook_hostile.py",
    "tests/load/test_listener_hostile.py",
    "tests/load/test_verdicts.py::test_report_and_profile_paths_are_checked_before_the_run",
    "tests/runtime/test_engine.py",
    "tests/test_contract.py",
    "tests/test_files.py",
    "tests/test_spec_errors.py",
)
"""What runs: every file or test a case names."""

# (case, what happened before, what happens now, the tests that try it)
CASES: tuple[tuple[str, str, str, str], ...] = (
    (
        "a reply's `next` link to another host, extracted into the next step's path",
        "sent there, with `Authorization: Bearer <token>`",
        "refused (`refused: ...`), counted, nothing sent; with `absoluteUrl: true`, sent only to the run's hosts or an `--allow-host` one",
        "`tests/load/test_hostile_targets.py::test_an_extracted_link_to_another_host_is_refused`",
    ),
    (
        "a run variable `@other:port/x` (userinfo trick) or `//other/x` as a path",
        "sent to the other host; `//host/x` crashed the user",
        "refused before sending, counted",
        "`tests/load/test_hostile_targets.py::test_a_path_with_userinfo_or_two_slashes_is_refused`",
    ),
    (
        "`--fallback-host` at another host and no `--host`",
        "not checked; it got the embedded gateway's development token",
        "exit 2 before the first request",
        "`tests/load/test_hostile_targets.py::test_a_fallback_host_without_a_host_stops_the_run`",
    ),
    (
        "a redirect to another host",
        "followed, spec headers and a 307 body forwarded",
        "not followed: a 3xx is the step's answer",
        "`tests/load/test_hostile_targets.py::test_a_redirect_is_the_steps_answer_never_followed`",
    ),
    (
        "`POST /swarm` from the web UI with a host the command line did not allow",
        "the users sent their tokens there",
        "refused on the form (`success: false`), nothing starts",
        "`tests/load/test_messages_locustfile.py::test_web_ui_starts_a_run_and_shows_spec_rows`",
    ),
    (
        "a 503 whose body is not UTF-8",
        "a traceback per iteration, 0 requests counted, `Verdict: PASSED`",
        "a counted failure with its message; `Verdict: FAILED`",
        "`tests/load/test_hostile_targets.py::test_a_503_in_latin_1_is_a_counted_failure`",
    ),
    (
        "a gzip bomb (62 KB that inflate to 64 MB)",
        "inflated whole (a 1 MB one took the generator to 2.16 GB)",
        "a failure: `body larger than N bytes once decompressed`; never inflated",
        "`tests/load/test_hostile_targets.py::test_a_gzip_bomb_is_a_failure_and_never_inflated`",
    ),
    (
        "an iteration that raises",
        "the verdict ignored it (`PASSED` with thresholds held)",
        "a `CRASH <spec>` failure, named in the verdict: never PASSED",
        "`tests/load/test_hostile_targets.py::test_a_crashed_iteration_fails_the_run_whatever_the_thresholds`",
    ),
    (
        "`swagger: /etc/passwd` (any absolute path on the machine)",
        "read; `expected a mapping at the top, found a string`",
        "not read: `swagger file '/etc/passwd' is not read: /etc/passwd is outside the spec tree (...)`, an error at its line",
        "`tests/test_spec_errors.py` (`swagger_outside`), `tests/test_contract.py::test_a_file_outside_the_tree_is_refused_not_read`",
    ),
    (
        "`swagger: ../../../../etc/passwd`, `swagger: etc/passwd` (found in `/`, above every spec)",
        "read",
        "not read: outside the spec tree",
        "`tests/test_spec_errors.py` (`swagger_escapes`), `tests/test_contract.py::test_a_file_outside_the_tree_is_refused_not_read`",
    ),
    (
        "`swagger:` naming a JSON file of secrets",
        "the error listed its top-level keys",
        "`not a Swagger/OpenAPI document: no 'swagger' or 'openapi' key (...)`: no key or value quoted; YAML errors quote nothing either",
        "`tests/test_files.py::test_a_file_named_as_a_contract_is_never_quoted`",
    ),
    (
        "a link in the spec tree to `/proc/self/environ`",
        "followed and read",
        "not read: paths are compared after links, it is outside",
        "`tests/test_contract.py::test_a_symlink_out_of_the_tree_and_a_fifo_in_it_are_refused`",
    ),
    (
        "`swagger:` or `data:` naming a FIFO in the tree",
        '"not found" (a warning for `swagger:`)',
        "error: `... is a FIFO, not a regular file`; never opened",
        "`tests/test_files.py::test_a_fifo_in_the_tree_is_refused_by_every_key`",
    ),
    (
        "`data: {file: /etc/passwd}`",
        "read: its first line became the columns, its rows run variables",
        "not read: outside the spec tree",
        "`tests/test_spec_errors.py` (`data_outside`), `tests/test_files.py::test_allow_path_lets_a_spec_name_a_file_elsewhere`",
    ),
    (
        "`file_fields: /proc/self/environ`",
        "passed validation; the process's environment was posted",
        "error at its line: outside the spec tree",
        "`tests/test_spec_errors.py` (`file_fields_environ`), `tests/test_files.py::test_proc_self_environ_is_refused_by_a_spec`",
    ),
    (
        "`file_fields: /dev/zero`",
        "passed validation; the user read until memory ran out and crashed",
        "error at its line (outside the tree; with `--allow-path /dev`, a device); swapped in after validation, the step fails at once, nothing sent",
        "`tests/test_spec_errors.py` (`file_fields_device`), `tests/test_files.py::test_a_device_is_refused_even_where_allowed`, `tests/runtime/test_engine.py::test_a_file_fields_file_swapped_for_a_fifo_or_device_is_refused_unread`",
    ),
    (
        "`file_fields:` a FIFO",
        "passed validation; the user would block on it for ever",
        "error at its line; at send time the step fails at once",
        "`tests/test_files.py::test_a_fifo_in_the_tree_is_refused_by_every_key`, the same runtime test",
    ),
    (
        "`file_fields:` a file over 32 MiB",
        "read whole for every request",
        "error at its line; grown later, the step fails",
        "`tests/test_files.py::test_a_file_fields_file_over_the_cap_is_refused`, the same runtime test",
    ),
    (
        "Locust run, `--junit` naming a folder",
        "the run ran, then `IsADirectoryError` (a traceback)",
        "exit 2 while the locustfile imports, one line, no request",
        "`tests/load/test_verdicts.py::test_report_and_profile_paths_are_checked_before_the_run`",
    ),
    (
        "Locust run, `--html`, `--csv` or `--json-file` a folder, a device, a folder no one may write in",
        "the run ran, then a traceback writing it (exit 1 for `--html`)",
        "exit 2 at import, one line",
        "`tests/load/test_verdicts.py::test_report_and_profile_paths_are_checked_before_the_run`, `tests/test_files.py::test_locust_report_options_are_checked_before_the_run`",
    ),
    (
        "`loadspec fuzz --junit DIR`",
        "the whole fuzz run, then a traceback",
        "exit 2 before any spec is read",
        "`tests/test_files.py::test_fuzz_junit_naming_a_folder_exits_2_before_planning`",
    ),
    (
        "Locust run, `--load-profile /dev/zero`",
        "hung",
        "exit 2 at once: `is a character device, not a regular file`; a FIFO likewise, a profile over 1 MiB refused",
        "`tests/load/test_verdicts.py::test_report_and_profile_paths_are_checked_before_the_run`, `tests/test_files.py::test_a_load_profile_that_is_a_device_is_refused_at_once`",
    ),
    (
        "`--baseline /dev/zero` or a folder",
        "exit 2: `no such file`",
        "exit 2: `is a character device, not a regular file` (`is a folder`)",
        "`tests/test_files.py::test_an_input_must_be_a_regular_file`, `tests/test_files.py::test_run_settings_check_junit_and_baseline_for_every_run`",
    ),
    (
        "masking: a token across the 640 bytes an excerpt reads",
        'cut, then masked: the token\'s first characters shown (`{"error": " canary/…`)',
        "masked, then cut; a token's start at the cut is `[redacted]`",
        "`test_masking.py::test_a_token_at_the_excerpt_cut_shows_nothing`, `::test_an_escaped_token_at_the_excerpt_cut_shows_nothing`; canary `cut`",
    ),
    (
        "masking: the excerpt's 160-character cut inside a token, a token longer than the excerpt or than what it reads",
        "masked whole only when read whole",
        "`[redacted]` (or `[reda…`), nothing of the token",
        "`test_masking.py::test_the_excerpt_cut_inside_a_masked_token`, `::test_a_secret_longer_than_the_excerpt`",
    ),
    (
        "masking: a token across a contract message's 240-character cut (`additionalProperties`)",
        "cut, then masked: its first characters shown",
        "masked, then cut",
        "`test_masking.py::test_a_contract_message_is_masked_before_it_is_cut`; canary `contract`",
    ),
    (
        "masking: a token over the lines a fuzz report clips",
        "clipped, then masked: the part on the last kept line shown",
        "masked, then clipped",
        "`tests/fuzz/test_collect.py`",
    ),
    (
        "masking: JSON `\\u`-escaped, all characters, every other one, upper-case `\\U005A`",
        "shown",
        "`[redacted]`",
        "`test_masking.py::test_every_form_of_a_token_is_masked[JSON \\u-escaped*]`; canary `unicode`, `unicode_partly`",
    ),
    (
        "masking: Python `\\x` escapes",
        "shown",
        "`[redacted]`",
        "`test_every_form_of_a_token_is_masked[Python \\x-escaped]`",
    ),
    (
        "masking: HTML entities, named (`&sol;`), decimal (`&#47;`), hex (`&#x2f;`, `&#X2F;`)",
        "shown",
        "`[redacted]`",
        "`test_every_form_of_a_token_is_masked[HTML *]`; canary `entities`, `hex_entities`, `named_entities`",
    ),
    (
        "masking: hex bytes, lower, upper, spaced",
        "shown",
        "`[redacted]`",
        "`test_every_form_of_a_token_is_masked[hex*]`; canary `hex`, `hex_upper`",
    ),
    (
        "masking: upper-, lower-, mixed-case",
        "shown",
        "`[redacted]`",
        "`test_every_form_of_a_token_is_masked[*case]`; canary `upper`",
    ),
    (
        "masking: split by spaces, tabs, line breaks (any of Python's 29 whitespace characters), JSON `\\n`",
        "shown",
        "one `[redacted]` where the token was",
        "`test_every_form_of_a_token_is_masked[split*]`, `::test_a_token_split_by_any_whitespace_is_masked_in_place`; canary `spaced`, `lines`",
    ),
    (
        "masking: percent-encoded with mixed-case hex (`%2f` and `%2B`)",
        "shown",
        "`[redacted]`",
        "`test_every_form_of_a_token_is_masked[percent-encoded, lower-case]`",
    ),
    (
        "masking: a server quoting 10 characters of a token",
        "shown",
        "`[redacted]` (9 are left: not recognisable)",
        "`test_masking.py::test_a_run_of_RUN_characters_of_a_long_secret_is_recognisable`",
    ),
    (
        "masking: a short token (4-9 characters) upper-cased, split, escaped, as entities, hex or percent-encoded",
        "shown (only the raw form was masked)",
        "`[redacted]`, whole only",
        "`test_masking.py::test_a_short_secret_is_masked_whole_in_every_form`",
    ),
    (
        "listener: half a request head, held (`POST /callbacks HTTP/1.1\\r\\nX-`)",
        "the hold was charged to `--webhook-max-share` as handling time once the head deadline cut it: the next genuine callback waited 2.8 s (deadline 1 s; at the default 10 s, about 40 s)",
        "cut at the head deadline (408), nothing charged; callbacks during and after it answered in under 1 s",
        "`tests/runtime/test_webhook_hostile.py::test_a_stalled_head_delays_no_other_callback`",
    ),
    (
        "listener: a body shorter than its `Content-Length`, held",
        "no body deadline: never answered (5 s tried), and the whole hold charged to the share once the client left",
        "408 at the body deadline (10 s; 1 s in the test), connection closed, counted `incomplete`; callbacks during and after it answered in under 1 s",
        "`test_webhook_hostile.py::test_a_stalled_body_is_cut_at_its_deadline_and_delays_nobody`",
    ),
    (
        "listener: a genuine request trickled in over 0.9 s",
        "0.90 s charged to the share",
        "only the time its handling held the event loop: under 0.05 s",
        "`test_webhook_hostile.py::test_waiting_on_a_slow_client_is_not_counted_in_the_share`",
    ),
    (
        "Locust run: one client holds half a request all run, another sends half requests and drops them every second",
        "activation waits took up to 3.8 s (`WAIT channel_active:max<2500` breached, exit 1); each dropped half counted as a forged callback (`CALLBACK rejected`)",
        "every user's activation arrives and the user resumes, each wait within 1 s of the gateway's activation delay; exit 0; no `CALLBACK rejected`",
        "`tests/load/test_listener_hostile.py::test_a_client_holding_half_a_request_delays_no_activation`",
    ),
    (
        "listener: a correctly signed chunked callback",
        "401 `payload_hash does not match` (the body was read as empty)",
        "200, delivered",
        "`test_webhook_hostile.py::test_a_signed_chunked_callback_is_accepted`",
    ),
    (
        "listener: a forged chunked callback",
        "401 (for the empty body)",
        "401 `payload_hash does not match`, counted `rejected`",
        "`test_webhook_hostile.py::test_a_forged_chunked_callback_is_rejected`",
    ),
    (
        "listener: a chunked body past the size limit",
        "not read (401)",
        "413, connection closed, counted `rejected`",
        "`test_webhook_hostile.py::test_a_chunked_body_past_the_size_limit_gets_413`",
    ),
    (
        "listener: `Content-Length` and `Transfer-Encoding: chunked` with a second request inside the body",
        "chunked framing used: two answers, the smuggled request handled as a second one, connection left open",
        "400, connection closed, one answer, counted `rejected`",
        "`test_webhook_hostile.py::test_content_length_with_transfer_encoding_gets_400_and_the_connection_closes`",
    ),
    (
        "listener: a head cut off by the client",
        "handled as a callback without a signature (401, `CALLBACK rejected`)",
        "no request: 400, nothing counted",
        "`test_webhook_hostile.py::test_a_head_cut_off_is_no_callback`",
    ),
    (
        "listener: 150 unclaimed callbacks of 1 MB",
        "bounded by count only (20,000): the issue measured 65 MB to 214 MB in 1.3 s, about 20 GB allowed",
        "bounded in bytes too, `--webhook-max-pending-bytes` (default 32 MiB): at 8 MiB, 7 kept, 143 dropped oldest first and counted, under 12 MB traced; over real sockets the same",
        "`test_webhook_hostile.py::test_kept_callbacks_are_bounded_in_bytes`, `::test_the_listener_keeps_large_callbacks_within_the_bound`",
    ),
    (
        "`--host` a loopback server, a spec that waits for callbacks, no `LOADSPEC_WEBHOOK_SECRET`",
        "the run started and accepted callbacks signed with the published default secret",
        "exit 2 before any request, one line naming `LOADSPEC_WEBHOOK_SECRET` and `--webhook-signature none`; with `--webhook-signature none` it starts (warned)",
        "`tests/load/test_listener_hostile.py::test_a_named_host_whose_specs_wait_needs_the_webhook_secret`, `test_webhook_hostile.py::test_a_named_host_needs_the_secret_its_callbacks_are_signed_with`",
    ),
    (
        "the web UI's start form at another host, same specs, no secret",
        "the run started",
        "refused before it starts, the same line",
        "`tests/load/test_listener_hostile.py::test_the_web_ui_cannot_start_waits_at_a_named_host_without_the_secret`",
    ),
)


def hostile() -> tuple[str, bool]:
    """Every case's tests, run now; the table of what each did before and does now."""
    failed, ran = _run()
    rows = ["| case | before | now | tests | result |", "|---|---|---|---|---|"]
    held = ran
    for case, before, now, tests in CASES:
        broken = sorted(name for name in failed if re.search(rf"\b{name}\b", tests))
        held = held and not broken
        outcome = f"**failed**: {', '.join(broken)}" if broken else "held" if ran else "not run"
        rows.append(f"| {case} | {before} | {now} | {tests} | {outcome} |")
    intro = (
        f"Each case of issue 23, tried by its tests ({len(TESTS)} files and tests, loopback "
        "only): what happened before, what happens now.\n\n"
    )
    return intro + "\n".join(rows), held


def _run() -> tuple[set[str], bool]:
    """The names of the tests that failed, and whether the tests ran at all."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "junit.xml"
        junit = f"--junitxml={report}"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS, junit],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if not report.is_file():
            return set(), False
        cases = list(ElementTree.parse(report).getroot().iter("testcase"))
        failed = {
            case.get("name", "").split("[")[0]
            for case in cases
            if case.find("failure") is not None or case.find("error") is not None
        }
        return failed, bool(cases)
