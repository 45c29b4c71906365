"""The registry of legal instruments (SPEC §12): register one from a pasted
citation, edit it or mark it replaced, and link the texts that cite one.

Who may: any coordinator registers; coordinators of everything edit and mark
replaced; teams and host contacts only read (checklists.policies). Registering
what is stored already answers the stored one; a citation that adds a date, a
body or a title the stored one lacks fills those blanks (nothing it has is
overwritten: that is an edit)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from checklists.errors import Conflict, Invalid
from checklists.legal_citations import DOCUMENT_TYPES, Citation, CitationError, parse_citation
from checklists.models import LegalInstrument, Programme, Visit
from checklists.policies import Person, is_coordinator, require_legal_instruments
from checklists.services.audit import acting_user, audit_record, field_changes

Status = LegalInstrument.Status

# What an edit may change; the number's parts name the instrument and never change.
EDITABLE_FIELDS = ("title", "issued_on", "type_name", "issuer_name", "status", "replaced_by")
# Filled from a later citation when the stored instrument lacks them.
COMPLETABLE_FIELDS = ("issued_on", "issuer_name", "title")


def _same_number(parts: Citation):
    return LegalInstrument.objects.filter(
        style=parts.style,
        number=parts.number,
        type_code=parts.type_code,
        issuer_code=parts.issuer_code,
    )


def legal_instrument_find(parts: Citation) -> LegalInstrument | None:
    """The stored instrument a citation names, or None.

    A citation with a year matches that year, else one stored without a year (the
    same number cited before without its date). One without a year matches the
    only instrument of that number; when several years carry the number, which
    one is meant cannot be told: Invalid, asking for the date."""
    same = _same_number(parts)
    if parts.year is not None:
        return same.filter(year=parts.year).first() or same.filter(year__isnull=True).first()
    found = list(same.order_by("year")[:10])
    if len(found) > 1:
        raise Invalid(
            {
                "citation": _(
                    "Several registered instruments are numbered %(number)s (%(years)s): "
                    "add the date, “ngày dd/mm/yyyy”, to say which one."
                )
                % {
                    "number": parts.reference,
                    "years": ", ".join(str(i.year or "?") for i in found),
                }
            }
        )
    return found[0] if found else None


def _as_citation_errors(error: ValidationError) -> Invalid:
    """A stored field's refusal, said about the citation the person pasted."""
    labels = {field.name: str(field.verbose_name) for field in LegalInstrument._meta.fields}
    messages = [
        f"{labels.get(name, name)}: {message}"
        for name, errors in error.message_dict.items()
        for message in errors
    ]
    return Invalid({"citation": messages})


def _complete(actor: Person | None, instrument: LegalInstrument, parts: Citation) -> None:
    """Fill the blanks of a stored instrument from a citation that has them."""
    changes: dict[str, object] = {}
    for name in COMPLETABLE_FIELDS:
        value = getattr(parts, name)
        if value and not getattr(instrument, name):
            changes[name] = value
    if not changes:
        return
    locked = LegalInstrument.objects.select_for_update().get(pk=instrument.pk)
    before = {name: getattr(locked, name) for name in changes}
    for name, value in changes.items():
        setattr(locked, name, value)
    if locked.year is None and locked.issued_on is not None:
        locked.year = locked.issued_on.year
    locked.write_citations()
    try:
        locked.full_clean()
    except ValidationError as error:
        raise _as_citation_errors(error) from None
    locked.save()
    audit_record(
        actor=actor,
        action="complete",
        obj=locked,
        changes=_jsonable(field_changes(before, changes)),
    )
    instrument.refresh_from_db()


def _register(actor: Person | None, parts: Citation) -> tuple[LegalInstrument, bool]:
    existing = legal_instrument_find(parts)
    if existing is not None:
        _complete(actor, existing, parts)
        return existing, False
    instrument = LegalInstrument(
        style=parts.style,
        number=parts.number,
        type_code=parts.type_code,
        type_name=parts.type_name,
        issuer_code=parts.issuer_code,
        issuer_name=parts.issuer_name,
        year=parts.year,
        year_in_number=parts.year_in_number,
        issued_on=parts.issued_on,
        title=parts.title,
        created_by=acting_user(actor),
    )
    instrument.write_citations()
    try:
        # The uniqueness is the database's (two people pasting the same citation at
        # once): checked below, not here, where it would answer 400.
        instrument.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise _as_citation_errors(error) from None
    try:
        with transaction.atomic():
            instrument.save()
    except IntegrityError:
        # Someone registered it between the look-up and the insert: theirs it is.
        raced = legal_instrument_find(parts)
        if raced is None:
            raise
        return raced, False
    audit_record(
        actor=actor,
        action="create",
        obj=instrument,
        changes={"citation": instrument.citation, "style": instrument.style},
    )
    return instrument, True


@transaction.atomic
def legal_instrument_add(*, actor: Person | None, citation: str) -> tuple[LegalInstrument, bool]:
    """Register the instrument a pasted citation names; (instrument, created).

    A coordinator's act (any coordinator); the citation already stored (in any
    spelling) answers the stored instrument, with created False."""
    require_legal_instruments(actor, edit=False)
    return _register(actor, parse_citation(citation))


@transaction.atomic
def legal_instrument_update(
    *, actor: Person | None, instrument: LegalInstrument, **changes: object
) -> LegalInstrument:
    """Edit an instrument's date, names and title, or mark it replaced (by another
    registered one, `replaced_by`) or amended. Coordinators of everything only.

    Giving `replaced_by` marks it replaced; any other status clears it. A date
    moves a Party instrument's year (and a State one's without a year in its
    number); a State number's own year must match the date."""
    require_legal_instruments(actor, edit=True)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid({name: _("This field cannot be changed here.") for name in unknown})
    locked = LegalInstrument.objects.select_for_update().get(pk=instrument.pk)
    before = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    for name, value in changes.items():
        setattr(locked, name, value)
    _settle_replacement(locked, changes)
    _settle_year(locked)
    if locked.type_name not in DOCUMENT_TYPES[locked.type_code].names:
        raise Invalid(
            {
                "type_name": _("The code %(code)s is for: %(names)s.")
                % {
                    "code": locked.type_code,
                    "names": ", ".join(DOCUMENT_TYPES[locked.type_code].names),
                }
            }
        )
    locked.write_citations()
    locked.full_clean(validate_constraints=False)
    _refuse_duplicate(locked)
    after = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    diff = field_changes(before, after)
    if diff:
        locked.save()
        audit_record(actor=actor, action="update", obj=locked, changes=_jsonable(diff))
    return locked


def _settle_replacement(instrument: LegalInstrument, changes: dict[str, object]) -> None:
    if "replaced_by" in changes and instrument.replaced_by is not None:
        if "status" in changes and instrument.status != Status.REPLACED:
            raise Invalid({"replaced_by": _("Only a replaced instrument names what replaced it.")})
        instrument.status = Status.REPLACED
        # Walk the replacements: none may lead back here (A → B → A).
        seen = {instrument.pk}
        step: LegalInstrument | None = instrument.replaced_by
        while step is not None:
            if step.pk in seen:
                raise Invalid(
                    {"replaced_by": _("An instrument cannot be replaced by itself, even in turn.")}
                )
            seen.add(step.pk)
            step = step.replaced_by
    if instrument.status != Status.REPLACED:
        instrument.replaced_by = None


def _settle_year(instrument: LegalInstrument) -> None:
    issued_on: dt.date | None = instrument.issued_on
    if instrument.year_in_number:
        if issued_on is not None and issued_on.year != instrument.year:
            raise Invalid(
                {
                    "issued_on": _("The number says %(year)s; the date must be in that year.")
                    % {"year": instrument.year}
                }
            )
        return
    instrument.year = issued_on.year if issued_on is not None else None


def _refuse_duplicate(instrument: LegalInstrument) -> None:
    twin = (
        LegalInstrument.objects.filter(
            style=instrument.style,
            number=instrument.number,
            type_code=instrument.type_code,
            issuer_code=instrument.issuer_code,
            year=instrument.year,
        )
        .exclude(pk=instrument.pk)
        .first()
    )
    if twin is not None:
        raise Conflict(
            _("“%(other)s” is registered already with this number and year.")
            % {"other": twin.citation},
            code="duplicate",
        )


def _jsonable(diff: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    def plain(value: object) -> object:
        if isinstance(value, LegalInstrument):
            return value.pk
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return {name: {k: plain(v) for k, v in change.items()} for name, change in diff.items()}


def legal_instrument_for_reference(*, actor: Person | None, text: str) -> LegalInstrument | None:
    """The registered instrument a free-text reference (a visit's or a programme's
    `decision_ref`) cites, or None when it does not read as one citation.

    It never refuses: the caller checked its own act. For a coordinator (or the
    system) an instrument not yet stored is registered, as `legal_instrument_add`
    would; for anyone else (a team lead editing their visit) only a stored one is
    linked, since registering is a coordinator's act (SPEC §4)."""
    if not text:
        return None
    try:
        parts = parse_citation(text)
        if actor is None or is_coordinator(actor):
            with transaction.atomic():
                return _register(actor, parts)[0]
        return legal_instrument_find(parts)
    except (CitationError, ValidationError):
        return None


def decision_link(*, actor: Person | None, obj: Visit | Programme) -> None:
    """Point a visit's or a programme's `decision_instrument` at what its
    `decision_ref` cites (None when it cites nothing readable). Called by their
    services when the reference is set or changed; part of their act, which they
    checked."""
    instrument = legal_instrument_for_reference(actor=actor, text=obj.decision_ref)
    new_id = instrument.pk if instrument is not None else None
    if new_id != obj.decision_instrument_id:
        type(obj)._default_manager.filter(pk=obj.pk).update(decision_instrument_id=new_id)
    obj.decision_instrument = instrument


def visit_decision_link(*, actor: Person | None, visit: Visit) -> None:
    decision_link(actor=actor, obj=visit)


__all__ = [
    "decision_link",
    "legal_instrument_add",
    "legal_instrument_find",
    "legal_instrument_for_reference",
    "legal_instrument_update",
    "visit_decision_link",
]
