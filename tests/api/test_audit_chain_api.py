"""`audit/` carries the last verification of the chain (SPEC §5), each event its
place in the chain, and notifications their kind."""

from __future__ import annotations

import contextlib

from django.core.management import CommandError, call_command
from drf_spectacular.generators import SchemaGenerator

from checklists.models import AuditEvent, Notification


def test_it_says_the_chain_was_never_verified_before_the_first_pass(world, client_for):
    body = client_for("coordinator_all").get("/api/v1/audit/").json()
    assert body["chain"] == {"verified_at": None, "ok": None, "first_bad_id": None}
    assert {"count", "results", "chain"} <= body.keys()


def test_it_carries_the_last_verification_beside_the_page(world, client_for):
    call_command("audit_verify")
    client = client_for("coordinator_in")
    body = client.get("/api/v1/audit/", {"page_size": 1}).json()
    assert body["chain"]["ok"] is True and body["chain"]["first_bad_id"] is None
    assert body["chain"]["verified_at"].endswith("+07:00")
    event = body["results"][0]
    assert event["seq"] >= 1 and len(event["hash"]) == 64

    bad = AuditEvent.objects.order_by("seq")[1]
    AuditEvent.objects.filter(pk=bad.pk).update(object_id="forged")
    with contextlib.suppress(CommandError):
        call_command("audit_verify")
    chain = client.get("/api/v1/audit/").json()["chain"]
    assert chain["ok"] is False and chain["first_bad_id"] == bad.pk


def test_it_documents_chain_in_the_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    page = schema["components"]["schemas"]["PaginatedAuditEventList"]
    assert set(page["properties"]["chain"]["properties"]) == {"verified_at", "ok", "first_bad_id"}


def test_it_gives_each_notification_its_kind(world, client_for):
    Notification.objects.create(recipient=world.people.lead, title="Hạn", body="")
    Notification.objects.create(
        recipient=world.people.lead,
        title="x",
        kind=Notification.Kind.AUDIT_CHAIN_BROKEN,
    )
    results = client_for("lead").get("/api/v1/notifications/").json()["results"]
    assert sorted(n["kind"] for n in results) == ["audit_chain_broken", "reminder"]
