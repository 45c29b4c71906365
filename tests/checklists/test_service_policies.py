"""The services of outlines, units, people, feeds and the audit trail refuse for
every door (API, admin, pages) alike: each checks checklists.policies itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from api.models import ApiToken
from checklists.errors import Conflict, NotAllowed, NotFound
from checklists.models import AuditEvent, CalendarFeed, Outline, Unit, User, Visit
from checklists.outline_files import OutlineFileError, parse_outline
from checklists.selectors.audit import audit_events_visible_to
from checklists.services.feeds import calendar_feed_create, calendar_feed_revoke
from checklists.services.outlines import (
    outline_delete,
    outline_edit_lock,
    outline_import,
    outline_new_version,
    outline_publish,
    outline_retire,
)
from checklists.services.people import (
    unit_create,
    unit_delete,
    unit_update,
    user_deactivate,
    user_update,
)
from checklists.tokens import token_digest
from tests.api.test_conflicts_and_refusals import SMALL

# --- outlines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "service", [outline_publish, outline_retire, outline_new_version, outline_delete]
)
def test_it_lets_only_coordinators_manage_outlines(world, service):
    draft = outline_import(actor=None, content=SMALL)
    with pytest.raises(NotAllowed, match="Only coordinators manage outlines"):
        service(actor=world.people.lead, outline=draft)
    assert Outline.objects.filter(code="KH-99").count() == 1
    assert Outline.objects.get(code="KH-99").status == Outline.Status.DRAFT


def test_it_refuses_an_outline_file_from_a_non_coordinator_before_reading_it(world):
    with pytest.raises(NotAllowed):
        outline_import(actor=world.people.host_in, content=b"not an outline at all: [")
    assert not Outline.objects.filter(code="KH-99").exists()


def test_it_locks_a_draft_for_an_edit_only_for_a_coordinator(world):
    draft = outline_import(actor=None, content=SMALL)
    with pytest.raises(NotAllowed):
        outline_edit_lock(actor=world.people.member, outline_id=draft.pk)
    assert outline_edit_lock(actor=world.people.coordinator_out, outline_id=draft.pk) == draft


def test_it_refuses_to_edit_a_published_outline_as_a_conflict(world):
    with pytest.raises(Conflict):
        outline_edit_lock(actor=world.people.coordinator_all, outline_id=world.outline.pk)


def test_it_caps_outline_versions_in_files_as_in_the_api():
    content = SMALL.replace(b"version: 1", b"version: 100001")
    with pytest.raises(OutlineFileError) as caught:
        parse_outline(content)
    assert caught.value.problems[0].path == "version"
    assert "at most 100000" in caught.value.problems[0].message
    assert parse_outline(SMALL.replace(b"version: 1", b"version: 100000")).version == 100_000


# --- units -------------------------------------------------------------------------------


def test_it_keeps_a_scoped_coordinator_inside_their_subtree_for_units(world):
    actor = world.people.coordinator_in
    with pytest.raises(NotAllowed, match="outside your scope"):
        unit_create(actor=actor, name="Xã", code="xa", kind="grassroots", parent=world.central)
    with pytest.raises(NotAllowed, match="coordinator of everything"):
        unit_create(actor=actor, name="Gốc", code="goc", kind="central", parent=None)
    with pytest.raises(NotAllowed, match="outside your scope"):
        unit_update(actor=actor, unit=world.province_out, name="Khác")
    with pytest.raises(NotAllowed, match="outside your scope"):
        unit_update(actor=actor, unit=world.district, parent=world.province_out)
    unit = unit_create(actor=actor, name="Xã", code="xa", kind="grassroots", parent=world.district)
    assert unit.parent == world.district


def test_it_lets_only_coordinators_delete_units(world):
    leaf = Unit.objects.create(name="Lá", code="la", kind="grassroots", parent=world.district)
    with pytest.raises(NotAllowed, match="Only coordinators manage units"):
        unit_delete(actor=world.people.host_in, unit=leaf)
    unit_delete(actor=world.people.coordinator_in, unit=leaf)
    assert not Unit.objects.filter(pk=leaf.pk).exists()


def test_it_refuses_to_delete_a_unit_still_in_use_as_a_conflict(world):
    with pytest.raises(Conflict, match="still has sub-units"):
        unit_delete(actor=None, unit=world.province_in)


def test_a_unit_that_issues_a_visits_documents_is_kept_with_a_conflict(world):
    # No child, visit or person of its own, but the issuer of a visit elsewhere.
    issuer = Unit.objects.create(name="Ban", code="ban", kind="agency", parent=world.central)
    Visit.objects.filter(pk=world.visit.pk).update(issuer=issuer)
    with pytest.raises(Conflict, match="still named by other records"):
        unit_delete(actor=world.people.coordinator_all, unit=issuer)
    assert Unit.objects.filter(pk=issuer.pk).exists()
    assert not AuditEvent.objects.filter(action="delete", object_id=str(issuer.pk)).exists()


# --- people ------------------------------------------------------------------------------


def test_it_lets_a_person_change_only_their_own_profile_fields(world):
    member = world.people.member
    assert user_update(actor=member, user=member, language="en").language == "en"
    with pytest.raises(NotAllowed, match="only your own"):
        user_update(actor=member, user=member, is_coordinator=True)
    with pytest.raises(NotAllowed, match="only your own"):
        user_update(actor=member, user=world.people.lead, full_name="X")
    member.refresh_from_db()
    assert not member.is_coordinator


def test_it_keeps_roles_a_scoped_coordinator_gives_within_their_scope(world):
    with pytest.raises(NotAllowed, match="outside your scope"):
        user_update(
            actor=world.people.coordinator_in,
            user=world.people.host_in,
            host_unit=world.province_out,
        )
    world.people.host_in.refresh_from_db()
    assert world.people.host_in.host_unit == world.district


def test_it_refuses_to_let_anyone_deactivate_themselves(world):
    actor = world.people.coordinator_all
    with pytest.raises(NotAllowed, match="cannot deactivate yourself"):
        user_deactivate(actor=actor, user=actor)
    assert User.objects.get(pk=actor.pk).is_active


def test_it_refuses_a_scoped_coordinator_people_outside_their_units(world):
    with pytest.raises(NotAllowed, match="within your scope"):
        user_deactivate(actor=world.people.coordinator_in, user=world.people.lead)
    with pytest.raises(NotAllowed, match="Only coordinators deactivate"):
        user_deactivate(actor=world.people.lead, user=world.people.member)
    assert User.objects.get(pk=world.people.lead.pk).is_active


# --- calendar feeds ----------------------------------------------------------------------


def test_it_creates_feeds_only_of_what_the_owner_sees(world):
    with pytest.raises(NotFound):
        calendar_feed_create(owner=world.people.lead, visit_id=world.other_visit.pk)
    with pytest.raises(NotFound):
        calendar_feed_create(owner=world.people.host_in, host_unit_id=world.province_out.pk)
    with pytest.raises(ValidationError):
        calendar_feed_create(
            owner=world.people.lead, visit_id=world.visit.pk, host_unit_id=world.district.pk
        )
    assert not CalendarFeed.objects.exists()
    feed, raw = calendar_feed_create(owner=world.people.lead, visit_id=world.visit.pk)
    assert feed.visit == world.visit and feed.token_digest == token_digest(raw)


def test_it_lets_only_the_owner_revoke_a_feed(world):
    feed, _raw = calendar_feed_create(owner=world.people.lead)
    with pytest.raises(NotFound):
        calendar_feed_revoke(actor=world.people.coordinator_all, feed=feed)
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is None
    calendar_feed_revoke(actor=world.people.lead, feed=feed)
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is not None


# --- audit trail and tokens --------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "host_in", "member"])
def test_it_hides_the_audit_trail_from_anyone_but_coordinators(world, role):
    with pytest.raises(NotFound):
        audit_events_visible_to(getattr(world.people, role))
    with pytest.raises(NotFound):
        audit_events_visible_to(world.people.coordinator_in, visit_id=world.other_visit.pk)
    assert audit_events_visible_to(world.people.coordinator_in, visit_id=world.visit.pk).exists()


def test_it_hashes_api_tokens_and_feed_tokens_with_one_helper(world):
    token, raw = ApiToken.issue(world.people.lead)
    assert token.digest == token_digest(raw) != raw
    assert token.prefix == raw[:8]
