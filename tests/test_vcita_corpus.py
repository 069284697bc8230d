"""The authors' 92 real specs load without a crash; the tally and every defect are pinned."""

from __future__ import annotations

from pathlib import Path

from loadspec import CheckOptions, load_specs

# Each entry is a true defect of that file (checked by hand against the contract it names),
# not of the loader: file -> fragments of each of its errors, in file order.
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
    # In no contract at all (the spec itself says "not implemented"); json-only Test Request.
    "clients/get_platform_v1_clients_client_id_payment_client_packages.md": [
        "endpoint GET /platform/v1/clients/{client_id}/payment/client_packages is not in",
        "'Test Request' section has no ```yaml block",
    ],
    # The main request drops the endpoint's /notes: it would call another operation.
    "clients/post_business_clients_v1_matters_matter_uid_notes.md": [
        "main request POST /business/clients/v1/matters/{{matter_uid}} does not match endpoint "
        "POST /business/clients/v1/matters/{matter_uid}/notes",
    ],
    "clients/post_business_search_v1_views_bulk.md": [
        "endpoint POST /business/search/v1/views/bulk is not in",
    ],
    # No /client_api path exists anywhere in the corpus.
    "clients/post_client_api_v1_portals_business_uid_contact_submit.md": [
        "endpoint POST /client_api/v1/portals/{business_uid}/contact/submit is not in",
    ],
    "clients/post_client_api_v1_portals_business_uid_share_documents_form_submit.md": [
        "endpoint POST /client_api/v1/portals/{business_uid}/share_documents_form/submit is not",
    ],
    # {{timestamp}} is no built-in of the source system: it would be sent literally, and the
    # "unique" emails and labels would collide.
    "clients/put_business_clients_v1_matters_matter_uid_nest.md": [
        "unknown template name 'timestamp': did you mean 'now_timestamp'?",
    ]
    * 4,
    # Extracts staff_id, then sends {{staff_uid}}.
    "clients/put_business_clients_v1_matters_matter_uid_reassign.md": [
        "unknown template name 'staff_uid': did you mean 'staff_id'?",
    ],
    "clients/put_platform_v1_clients_merges_merge_clients.md": [
        "unknown template name 'timestamp': did you mean 'now_timestamp'?",
    ]
    * 2,
    # The next five name the v3 voice-call communication.json; these paths are in
    # legacy/communication.json.
    "communication/get_business_communication_sessions.md": [
        "endpoint GET /business/communication/sessions is not in",
    ],
    "communication/post_business_communication_sessions.md": [
        "endpoint POST /business/communication/sessions is not in",
    ],
    "communication/post_business_communication_sessions_typing.md": [
        "endpoint POST /business/communication/sessions/typing is not in",
    ],
    "communication/put_business_communication_channels_uid.md": [
        "endpoint PUT /business/communication/channels/{uid} is not in",
    ],
    "communication/put_business_communication_sessions_uid.md": [
        "endpoint PUT /business/communication/sessions/{uid} is not in",
    ],
    # /platform/v1/messages has only POST (the spec expects a 404).
    "communication/get_platform_v1_messages.md": [
        "but not for GET; it has POST",
    ],
    # In business_phone_numbers.json, not communication.json.
    "communication/get_v3_communication_business_phone_numbers.md": [
        "endpoint GET /v3/communication/business_phone_numbers is not in",
    ],
    # The contract has /v3/communication/voice_calls/reports/voice_call_stats.
    "communication/get_v3_communication_reports_voice_call_stats.md": [
        "endpoint GET /v3/communication/reports/voice_call_stats is not in",
    ],
    # The reverse: the endpoint is the voice_calls one, the request calls the other.
    "communication/get_v3_communication_voice_calls_reports_voice_call_stats.md": [
        "main request GET /v3/communication/reports/voice_call_stats does not match endpoint",
    ],
    # Only GET exists for this path.
    "communication/post_v2_conversations_uid_messages.md": [
        "endpoint POST /v2/conversations/{uid}/messages is not in",
    ],
    # In activity_message.json, not communication.json.
    "communication/post_v3_communication_activity_messages.md": [
        "endpoint POST /v3/communication/activity_messages is not in",
    ],
}


def test_tally_of_the_real_corpus(vcita: Path) -> None:
    """92 files: 54 runnable, 17 skipped by status, 21 invalid for the pinned reasons."""
    results = load_specs([vcita / "workflows"], CheckOptions(root=vcita))
    runnable = [r for r in results if r.ok and r.spec and r.spec.runs_by_default]
    skipped = [r for r in results if r.ok and r.spec and not r.spec.runs_by_default]
    invalid = {f"{r.path.parent.name}/{r.path.name}": r for r in results if not r.ok}
    print(
        f"\nvcita: {len(results)} specs, {len(runnable)} runnable, {len(skipped)} skipped, "
        f"{len(invalid)} invalid"
    )
    for name, result in sorted(invalid.items()):
        print(f"  invalid {name}: {result.errors[0].message}")
    assert (len(results), len(runnable), len(skipped), len(invalid)) == (92, 54, 17, 21)
    assert sorted(invalid) == sorted(INVALID)
    for name, fragments in INVALID.items():
        messages = [p.message for p in invalid[name].errors]
        assert len(messages) == len(fragments), (name, messages)
        for message, fragment in zip(messages, fragments, strict=True):
            assert fragment in message, (name, message)


def test_every_skipped_spec_says_why(vcita: Path) -> None:
    """A skipped spec shows its skipReason; one without gets a warning instead."""
    results = load_specs([vcita / "workflows"], CheckOptions(root=vcita, contracts=False))
    for result in results:
        spec = result.spec
        if spec is None or spec.runs_by_default:
            continue
        has_warning = any("without a skipReason" in p.message for p in result.warnings)
        assert spec.skip_reason or has_warning, result.path


def test_unknown_keys_are_kept(vcita: Path) -> None:
    """A front matter key we do not know survives, with a 'did you mean'."""
    spec_path = (
        vcita
        / "workflows"
        / "clients"
        / "get_platform_v1_clients_client_id_payment_client_packages.md"
    )
    (result,) = load_specs([spec_path], CheckOptions(root=vcita, contracts=False))
    assert result.spec is not None
    assert "skip_reason" in result.spec.meta
    assert any("did you mean 'skipReason'" in p.message for p in result.warnings)
