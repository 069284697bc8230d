"""The authors' 92 real specs load without a crash; the tally and every defect are pinned."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest

from loadspec import CheckOptions, SpecResult, load_specs
from loadspec.cli import main
from loadspec.language import SpecVerdict
from tests.conftest import ROOT

# Each entry is a true defect of that file (checked by hand against the contract it names
# and every other contract of the corpus), not of the loader: file -> fragments of each of
# its errors, in file order.
INVALID: dict[str, list[str]] = {
    # Views live in crm_views.json; the spec names manage_clients.json. The Test Request is a
    # ```json block (the old format), which is documentation, so nothing would run.
    "clients/get_business_search_v1_views_uid.md": [
        "endpoint GET /business/search/v1/views/{uid} is not in swagger/clients/legacy/manage_",
        "'Test Request' section has no ```yaml block with its steps (its ```json block is",
    ],
    # The path is in legacy_v1_clients.json, not in the manage_clients.json it names.
    "clients/get_platform_v1_clients_client_id_estimates.md": [
        "endpoint GET /platform/v1/clients/{client_id}/estimates is not in",
    ],
    # The main request drops the endpoint's /notes: it would call another operation (no
    # contract has POST /business/clients/v1/matters/{matter_uid}).
    "clients/post_business_clients_v1_matters_matter_uid_notes.md": [
        "main request POST /business/clients/v1/matters/{{matter_uid}} does not match endpoint "
        "POST /business/clients/v1/matters/{matter_uid}/notes",
    ],
    # In crm_views.json, not in the manage_clients.json it names.
    "clients/post_business_search_v1_views_bulk.md": [
        "endpoint POST /business/search/v1/views/bulk is not in",
    ],
    # No /client_api path exists in any contract of the corpus (it names mcp_swagger/clients.json
    # by an absolute path from another machine, which resolves and lacks it).
    "clients/post_client_api_v1_portals_business_uid_contact_submit.md": [
        "endpoint POST /client_api/v1/portals/{business_uid}/contact/submit is not in",
    ],
    "clients/post_client_api_v1_portals_business_uid_share_documents_form_submit.md": [
        "endpoint POST /client_api/v1/portals/{business_uid}/share_documents_form/submit is not",
    ],
    # In business_phone_numbers.json, not the v3 voice-call communication.json it names.
    "communication/get_v3_communication_business_phone_numbers.md": [
        "endpoint GET /v3/communication/business_phone_numbers is not in",
    ],
    # No contract has this path: communication.json has
    # /v3/communication/voice_calls/reports/voice_call_stats.
    "communication/get_v3_communication_reports_voice_call_stats.md": [
        "endpoint GET /v3/communication/reports/voice_call_stats is not in",
    ],
    # The reverse: the endpoint is the voice_calls one, the request calls the other path.
    "communication/get_v3_communication_voice_calls_reports_voice_call_stats.md": [
        "main request GET /v3/communication/reports/voice_call_stats does not match endpoint",
    ],
    # Only GET exists for this path (legacy_v2_communication.json); no contract has a POST.
    "communication/post_v2_conversations_uid_messages.md": [
        "endpoint POST /v2/conversations/{uid}/messages is not in",
    ],
    # In activity_message.json, not communication.json. (Its Test Request has five steps: only
    # the first runs, as in the authors' tool, with a warning.)
    "communication/post_v3_communication_activity_messages.md": [
        "endpoint POST /v3/communication/activity_messages is not in",
    ],
}

# Skipped by their status, with true defects too: they show their reason, not "invalid".
SKIPPED_WITH_PROBLEMS: dict[str, tuple[str, list[str]]] = {
    # Deprecated; its reason is in `skip_reason`. In no contract at all; json-only Test Request.
    "clients/get_platform_v1_clients_client_id_payment_client_packages.md": (
        "ENDPOINT NOT IMPLEMENTED",
        [
            "endpoint GET /platform/v1/clients/{client_id}/payment/client_packages is not in",
            "'Test Request' section has no ```yaml block",
        ],
    ),
    # The next five name the v3 voice-call communication.json; these paths are in
    # legacy/communication.json.
    "communication/get_business_communication_sessions.md": (
        "Requires webhook listener",
        ["endpoint GET /business/communication/sessions is not in"],
    ),
    "communication/post_business_communication_sessions.md": (
        "Requires webhook listener",
        ["endpoint POST /business/communication/sessions is not in"],
    ),
    "communication/post_business_communication_sessions_typing.md": (
        "Requires webhook listener",
        ["endpoint POST /business/communication/sessions/typing is not in"],
    ),
    "communication/put_business_communication_channels_uid.md": (
        "Requires webhook listener",
        ["endpoint PUT /business/communication/channels/{uid} is not in"],
    ),
    "communication/put_business_communication_sessions_uid.md": (
        "Requires webhook listener",
        ["endpoint PUT /business/communication/sessions/{uid} is not in"],
    ),
    # /platform/v1/messages has only POST (the spec expects a 404); its reason is in
    # `expectedOutcomeReason`.
    "communication/get_platform_v1_messages.md": (
        "Backend implementation missing",
        ["but not for GET; it has POST"],
    ),
}


def _name(result: SpecResult) -> str:
    return f"{result.path.parent.name}/{result.path.name}"


def _errors_match(result: SpecResult, fragments: list[str]) -> None:
    messages = [p.message for p in result.errors]
    assert len(messages) == len(fragments), (_name(result), messages)
    for message, fragment in zip(messages, fragments, strict=True):
        assert fragment in message, (_name(result), message)


def test_tally_of_the_real_corpus(vcita: Path) -> None:
    """92 files: 57 runnable, 24 skipped (7 with problems), 11 invalid, for pinned reasons."""
    results = load_specs([vcita / "workflows"], CheckOptions(root=vcita))
    by_verdict: dict[SpecVerdict, dict[str, SpecResult]] = {v: {} for v in SpecVerdict}
    for result in results:
        by_verdict[result.verdict][_name(result)] = result
    counts = {verdict.value: len(found) for verdict, found in by_verdict.items()}
    print(f"\nvcita: {len(results)} files, {counts}")
    for name, result in sorted(by_verdict[SpecVerdict.INVALID].items()):
        print(f"  invalid {name}: {result.errors[0].message}")
    assert len(results) == 92
    assert counts == {
        "runnable": 57,
        "skipped": 17,
        "skipped, with problems": 7,
        "invalid": 11,
        "not a spec": 0,
    }
    assert sorted(by_verdict[SpecVerdict.INVALID]) == sorted(INVALID)
    for name, fragments in INVALID.items():
        _errors_match(by_verdict[SpecVerdict.INVALID][name], fragments)
    assert sorted(by_verdict[SpecVerdict.SKIPPED_WITH_PROBLEMS]) == sorted(SKIPPED_WITH_PROBLEMS)
    for name, (reason, fragments) in SKIPPED_WITH_PROBLEMS.items():
        result = by_verdict[SpecVerdict.SKIPPED_WITH_PROBLEMS][name]
        assert result.spec is not None and reason in (result.spec.skip_reason or ""), name
        _errors_match(result, fragments)


def test_same_verdicts_from_the_checkout_and_elsewhere(
    vcita: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """This checkout's [tool.loadspec.vars] (business_id) changes no verdict and no problem."""

    def report() -> list[tuple[str, str, list[Any]]]:
        argv = ["validate", str(vcita / "workflows"), "--root", str(vcita), "--format", "json"]
        assert main(argv) == 1
        files = json.loads(capsys.readouterr().out)["files"]
        return [(f["path"], f["verdict"], f["problems"]) for f in files]

    monkeypatch.chdir(ROOT)
    from_checkout = report()
    monkeypatch.chdir(tmp_path)
    assert report() == from_checkout


def test_only_names_nothing_defines_are_warned_about(vcita: Path) -> None:
    """Built-ins, configuration names and extracted names are never typos nor undefined."""
    results = load_specs([vcita / "workflows"], CheckOptions(root=vcita, contracts=False))
    messages = [p.message for r in results for p in r.problems]
    assert not [m for m in messages if "unknown template name" in m]
    undefined = {m.split("}}")[0][2:] for m in messages if "neither extracted" in m}
    # Dotted names are never resolved by the authors' tool either (its names are \w+ only).
    assert undefined == {
        "config.params.client_uid",
        "resolved.uid",
        "resolved.currency",
        "resolved.entity_uid",
        "resolved.matter_uid",
        "uid",
    }


def test_every_skipped_spec_says_why(vcita: Path) -> None:
    """Every skipped spec has a reason, from wherever its authors wrote it."""
    results = load_specs([vcita / "workflows"], CheckOptions(root=vcita, contracts=False))
    skipped = [r for r in results if r.spec is not None and not r.spec.runs_by_default]
    assert len(skipped) == 24
    for result in skipped:
        assert result.spec is not None and result.spec.skip_reason, result.path
        assert not any("without a skipReason" in p.message for p in result.warnings)
    reasons = {_name(r): r.spec.skip_reason for r in skipped if r.spec}
    assert reasons["communication/post_platform_v1_numbers_dedicated_numbers_assign.md"] == (
        "Requires valid external API key for third-party SMS service (Nexmo/Vonage) which "
        "cannot be provided in test environment"
    )  # its expectedOutcomeReason


def test_unknown_keys_are_kept(vcita: Path) -> None:
    """A front matter key we do not know survives, with a warning; skip_reason is a reason."""
    spec_path = (
        vcita
        / "workflows"
        / "clients"
        / "get_platform_v1_clients_client_id_payment_client_packages.md"
    )
    (result,) = load_specs([spec_path], CheckOptions(root=vcita, contracts=False))
    assert result.spec is not None
    assert result.spec.meta["skip"] is True
    assert "unknown front matter key 'skip'; kept as written" in [
        p.message for p in result.warnings
    ]
    assert "skip_reason" in result.spec.meta
    assert (result.spec.skip_reason or "").startswith("ENDPOINT NOT IMPLEMENTED")


def test_reading_makes_no_reference_cycles(vcita: Path) -> None:
    # load_specs pauses the cyclic collector (reading/_cycle_collector_paused): sound only
    # while reading leaves no cyclic garbage, which refcounting alone cannot free.
    gc.collect()
    enabled = gc.isenabled()
    results = load_specs([vcita / "workflows"], CheckOptions(root=vcita))
    assert gc.isenabled() is enabled
    assert gc.collect() == 0
    assert len(results) == 92
