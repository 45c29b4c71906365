"""Reads of the units' own document templates (SPEC §12), by who asks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from checklists.errors import NotFound
from checklists.models import DocumentTemplate, Unit, User
from checklists.policies import Person
from checklists.selectors import units_in_scope


def _coordinator(user: Person) -> User | None:
    if not isinstance(user, User) or not user.is_active or not user.acts_as_coordinator:
        return None
    return user


def document_templates_visible_to(user: Person) -> QuerySet[DocumentTemplate]:
    """The templates of the units a coordinator is responsible for; none for anyone
    else, to whom a template answers 404 (policies.authorize_document_template)."""
    coordinator = _coordinator(user)
    if coordinator is None:
        return DocumentTemplate.objects.none()
    templates = DocumentTemplate.objects.select_related("issuer", "uploaded_by")
    if coordinator.coordinates_everything:
        return templates
    return templates.filter(issuer__in=units_in_scope(coordinator).values("pk"))


def template_issuers_for(user: Person) -> QuerySet[Unit]:
    """The units a coordinator may upload templates for (the page's choice);
    anyone else is not told the page exists (404)."""
    coordinator = _coordinator(user)
    if coordinator is None:
        raise NotFound(_("There is no such page."))
    return units_in_scope(coordinator).order_by("path")
