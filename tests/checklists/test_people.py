"""The unit tree and who sees which visit (SPEC §3, §4)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from checklists.models import TeamMembership, Unit
from checklists.selectors import units_in_scope, visits_coordinated_by, visits_visible_to
from checklists.services.visits import SessionInput, TeamInput, visit_create
from tests import factories
from tests.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    central = factories.UnitFactory(kind=Unit.Kind.CENTRAL, code="tw")
    province = factories.UnitFactory(parent=central, code="dong-thap")
    district = factories.UnitFactory(parent=province, kind=Unit.Kind.DISTRICT, code="thanh-binh")
    grassroots = factories.UnitFactory(parent=district, kind=Unit.Kind.GRASSROOTS, code="tan-thanh")
    other = factories.UnitFactory(parent=central, code="quang-ninh")
    return SimpleNamespace(
        central=central, province=province, district=district, grassroots=grassroots, other=other
    )


def test_it_keeps_materialised_paths_when_units_move(tree):
    assert (
        tree.grassroots.path
        == f"/{tree.central.pk}/{tree.province.pk}/{tree.district.pk}/{tree.grassroots.pk}/"
    )
    tree.district.parent = tree.other
    tree.district.save()
    tree.grassroots.refresh_from_db()
    assert (
        tree.grassroots.path
        == f"/{tree.central.pk}/{tree.other.pk}/{tree.district.pk}/{tree.grassroots.pk}/"
    )
    assert tree.grassroots.is_within(tree.other) and not tree.grassroots.is_within(tree.province)


def test_it_refuses_to_put_a_unit_under_its_own_subtree(tree):
    tree.province.parent = tree.grassroots
    with pytest.raises(ValidationError):
        tree.province.save()
    tree.province.refresh_from_db()
    assert tree.province.parent == tree.central


def test_it_scopes_a_coordinator_to_their_subtree(tree):
    scoped = factories.coordinator(scope=tree.province)
    assert set(units_in_scope(scoped)) == {tree.province, tree.district, tree.grassroots}
    assert set(units_in_scope(factories.coordinator())) == set(Unit.objects.all())
    assert not units_in_scope(factories.UserFactory()).exists()


def _visit(outline, unit, team=()):
    start = local(2024, 5, 13)
    return visit_create(
        actor=None,
        outline=outline,
        host_unit=unit,
        title=f"Visit {unit.code}",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=2))],
        team=team,
    )


def test_it_shows_each_person_exactly_the_visits_spec_4_allows(tree, plan10_outline):
    member = factories.UserFactory()
    in_scope = _visit(
        plan10_outline, tree.grassroots, team=[TeamInput(member, TeamMembership.Role.MEMBER)]
    )
    out_of_scope = _visit(plan10_outline, tree.other)

    def visible(user):
        return set(visits_visible_to(user))

    assert visible(factories.coordinator(scope=tree.province)) == {in_scope}
    assert visible(factories.coordinator(scope=tree.other)) == {out_of_scope}
    assert visible(factories.coordinator()) == {in_scope, out_of_scope}
    assert visible(factories.UserFactory(is_superuser=True)) == {in_scope, out_of_scope}
    assert visible(member) == {in_scope}
    assert visible(factories.host_contact(tree.grassroots)) == {in_scope}
    # A host contact of the tree.district does not see its tree.grassroots committees' visits.
    assert visible(factories.host_contact(tree.district)) == set()
    assert visible(factories.UserFactory()) == set()
    assert visible(factories.UserFactory(is_active=False, is_coordinator=True)) == set()
    # Coordinating is a narrower right than seeing: a team member coordinates nothing.
    assert set(visits_coordinated_by(member)) == set()


def test_it_returns_a_visit_once_for_a_person_with_several_roles(tree, plan10_outline):
    person = factories.coordinator(scope=tree.province, host_unit=tree.grassroots)
    visit = _visit(
        plan10_outline, tree.grassroots, team=[TeamInput(person, TeamMembership.Role.LEAD)]
    )
    assert list(visits_visible_to(person)) == [visit]
