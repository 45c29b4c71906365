"""Every service that acts for a person refuses a person without the capability.

The services are the only door (docs/architecture.md): the API, the pages, the admin
and the tasks call them and never decide a permission themselves. This test finds
every public function of `checklists.services` that takes an `actor` and calls each
one for a person SPEC §4 refuses: someone who cannot see the object gets NotFound
(its existence must not leak), someone who sees it but lacks the capability gets
NotAllowed. Nothing is written either way (no audit event, no row changed).

A new service taking an `actor` fails `test_it_knows_every_service_that_acts_for_a_person`
until a case is added below (or an exemption, with its reason).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

import checklists.services
from checklists.errors import NotAllowed, NotFound
from checklists.imports import read_table
from checklists.imports.programme_entries import PROGRAMME_ENTRY_COLUMNS
from checklists.models import (
    AuditEvent,
    Conclusion,
    ConclusionSection,
    DayOff,
    Document,
    DocumentTemplate,
    EvidenceFile,
    ImplementationReport,
    ImportJob,
    LegalInstrument,
    Milestone,
    Notification,
    OutgoingRegister,
    Outline,
    Programme,
    ProgrammeEntry,
    Recommendation,
    Reminder,
    ReportRevision,
    ReviewComment,
    TeamMembership,
    Unit,
    User,
    Visit,
)
from checklists.selectors.outlines import outline_data
from checklists.services.conclusions import conclusion_for, conclusion_issue, conclusion_update
from checklists.services.days_off import day_off_declare
from checklists.services.document_templates import document_template_upload
from checklists.services.feeds import calendar_feed_create
from checklists.services.implementation_reports import EvidenceUpload, implementation_report_submit
from checklists.services.imports import UNIT_COLUMNS, USER_COLUMNS
from checklists.services.legal_instruments import legal_instrument_add
from checklists.services.outlines import outline_new_version
from checklists.services.programmes import ProgrammeEntryInput, programme_create
from checklists.services.recommendations import RecommendationInput
from checklists.services.registers import register_create
from checklists.services.report_reviews import CommentInput, report_revision_review
from checklists.services.reports import report_revision_upload
from checklists.services.visits import SessionInput, TeamInput, visit_transition
from tests import factories
from tests.checklists.test_reports_uploads import docx_bytes
from tests.conftest import local
from tests.spreadsheets import xlsx
from tests.template_files import template_docx

# Services that take an `actor` only to record who acted, for steps whose own act was
# checked by the service that calls them.
EXEMPT = {
    "audit_record": "records who acted; every caller checked the act itself",
    "acting_user": "turns an actor into the user recorded in the audit trail",
    "person": "turns an actor into the user recorded on a review",
    "meet_milestone": "the consequence of an upload or an acceptance, both checked",
    "milestone_meet": "the consequence of an upload or an acceptance, both checked",
    "clashes_record_override": "records an override its caller allowed (clash_override_allowed)",
    "legal_instrument_for_reference": (
        "links a visit's or programme's reference as part of the act its caller checked; "
        "registers only for a coordinator, never refuses"
    ),
    "visit_decision_link": "part of visit_create / visit_update, which checked the act",
    "audit_record_many": "records who acted, for an import that checked each row",
    "decision_link": (
        "part of visit_create / visit_update / programme_create / programme_update, "
        "which checked the act"
    ),
}


def services_taking_an_actor() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for module_info in pkgutil.iter_modules(checklists.services.__path__):
        module = importlib.import_module(f"checklists.services.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if "actor" in inspect.signature(function).parameters:
                found[name] = function
    return found


@dataclass(frozen=True)
class Refusal:
    """Call `service` as `role` with the arguments `arguments(world, extra)` builds;
    expect `error`."""

    role: str
    error: type[Exception]
    arguments: Callable[[SimpleNamespace, SimpleNamespace], dict[str, Any]]


def _session(world: SimpleNamespace) -> list[SessionInput]:
    start = local(2024, 6, 3, 8)
    return [SessionInput(start=start, end=start + dt.timedelta(hours=3))]


def _milestone(world: SimpleNamespace) -> Milestone:
    return world.visit.milestones.order_by("id").first()


def _programme_refusals(arguments: Callable[[Any, Any], dict[str, Any]]) -> list[Refusal]:
    """SPEC §4's programme row: coordinators in scope manage it; a coordinator of
    its issuer with a host unit outside their scope sees it (403); anyone else,
    another province's coordinator and the visit's team included, 404."""
    return [
        Refusal("coordinator_out", NotFound, lambda w, x: arguments(w, x.programme)),
        Refusal("lead", NotFound, lambda w, x: arguments(w, x.programme)),
        Refusal("host_in", NotFound, lambda w, x: arguments(w, x.programme)),
        Refusal("coordinator_in", NotAllowed, lambda w, x: arguments(w, x.wide_programme)),
    ]


def _programme_entry(world: SimpleNamespace, programme: Programme) -> ProgrammeEntry:
    return programme.entries.get(host_unit=world.district)


ENTRY_ROWS = [
    ["host_unit", "lead", "members", "window_start", "window_end"],
    ["ha-long", "lead", "", "2025-03-03", "2025-03-07"],
]
UNIT_ROWS = [["code", "name", "kind"], ["moi", "Mới", "district"]]
USER_ROWS = [["username", "full_name", "email"], ["moi", "Mới", "m@example.vn"]]


def _table(columns: Any, rows: list[list[str]]) -> Any:
    return read_table(xlsx(rows), columns)


def _job(world: SimpleNamespace) -> dict[str, Any]:
    """An import job of coordinator_in's, to be read by someone else."""
    job = ImportJob.objects.create(
        kind="units", requested_by=world.people.coordinator_in, file="imports/x"
    )
    return {"job_id": job.pk}


PROGRAMME_CASES: dict[str, list[Refusal]] = {
    "programme_create": [
        Refusal(
            role,
            NotAllowed,
            lambda w, x: {
                "code": "KH-X",
                "title": "X",
                "issuer": w.district,
                "year": 2025,
                "outline": w.outline,
            },
        )
        for role in ("lead", "host_in")
    ],
    "programme_update": _programme_refusals(lambda w, p: {"programme": p, "title": "X"}),
    "programme_entries_replace": _programme_refusals(lambda w, p: {"programme": p, "entries": []}),
    "programme_approve": _programme_refusals(lambda w, p: {"programme": p}),
    # Refused before the file is read: its rows do not matter.
    "programme_import": _programme_refusals(
        lambda w, p: {
            "programme": p,
            "upload": xlsx([["host_unit", "lead", "window_start", "window_end"]]),
        }
    ),
    "programme_import_allowed": _programme_refusals(lambda w, p: {"programme": p}),
    "programme_import_table": _programme_refusals(
        lambda w, p: {"programme": p, "table": _table(PROGRAMME_ENTRY_COLUMNS, ENTRY_ROWS)}
    ),
    "import_submit": [
        *_programme_refusals(
            lambda w, p: {"programme": p, "kind": "programme_entries", "upload": xlsx(ENTRY_ROWS)}
        ),
        Refusal("host_in", NotAllowed, lambda w, x: {"kind": "units", "upload": xlsx(UNIT_ROWS)}),
        Refusal("lead", NotAllowed, lambda w, x: {"kind": "users", "upload": xlsx(USER_ROWS)}),
    ],
    "programme_close": _programme_refusals(lambda w, p: {"programme": p}),
    "programme_delete": _programme_refusals(lambda w, p: {"programme": p}),
    "programme_authorize": _programme_refusals(lambda w, p: {"programme": p}),
    "programme_create_visits": _programme_refusals(lambda w, p: {"programme": p}),
    "programme_entry_link_visit": _programme_refusals(
        lambda w, p: {"entry": _programme_entry(w, p), "visit": w.visit}
    ),
    "programme_import_job_latest": _programme_refusals(lambda w, p: {"programme": p})[:3],
    # Reading: the coordinator of the issuer reads even the wide programme.
    "programme_clashes": _programme_refusals(lambda w, p: {"programme": p})[:3],
}


def _issued_copy(world: SimpleNamespace, extra: SimpleNamespace) -> Document:
    """The conclusion's frozen copy (the draft issued by the system)."""
    _issued(world, extra)
    return Document.objects.get(kind=Document.Kind.CONCLUSION)


def _own_template(world: SimpleNamespace, extra: SimpleNamespace) -> DocumentTemplate:
    """The "in" province's own conclusion template, uploaded by the system."""
    return document_template_upload(
        actor=None,
        issuer=world.province_in,
        kind="conclusion",
        upload=io.BytesIO(template_docx("{{ issuer_name }}")),
        filename="mau.docx",
    )


DOCUMENT_CASES: dict[str, list[Refusal]] = {
    "document_draft": [
        # The draft conclusion is hidden from host contacts; a member sees it, may not have it.
        Refusal("host_in", NotFound, lambda w, x: {"kind": "conclusion", "visit": w.visit}),
        Refusal("member", NotAllowed, lambda w, x: {"kind": "conclusion", "visit": w.visit}),
        Refusal("host_out", NotFound, lambda w, x: {"kind": "checklist", "visit": w.visit}),
        Refusal("lead", NotFound, lambda w, x: {"kind": "programme", "programme": x.programme}),
    ],
    "document_issue": [
        Refusal("host_in", NotFound, lambda w, x: {"kind": "followup", "visit": w.visit}),
        Refusal("member", NotAllowed, lambda w, x: {"kind": "followup", "visit": w.visit}),
        Refusal(
            "coordinator_out",
            NotFound,
            lambda w, x: {"kind": "programme", "programme": x.programme},
        ),
    ],
    # The .docx's rules: refused before anything is converted.
    "document_pdf_get": [
        Refusal("host_in", NotFound, lambda w, x: {"kind": "conclusion", "visit": w.visit}),
        Refusal("member", NotAllowed, lambda w, x: {"kind": "conclusion", "visit": w.visit}),
        Refusal("lead", NotFound, lambda w, x: {"kind": "programme", "programme": x.programme}),
    ],
    "document_file": [
        Refusal("host_out", NotFound, lambda w, x: {"document": _issued_copy(w, x)}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"document": _issued_copy(w, x)}),
    ],
    "document_authorize": [
        Refusal("stranger", NotFound, lambda w, x: {"document": _issued_copy(w, x)}),
    ],
    # SPEC §4 "templates": coordinators of the issuer; another unit's template does
    # not exist for anyone else.
    "document_template_upload": [
        Refusal(
            role,
            NotAllowed,
            lambda w, x: {
                "issuer": w.province_in,
                "kind": "conclusion",
                "upload": io.BytesIO(template_docx("{{ issuer_name }}")),
                "filename": "mau.docx",
            },
        )
        for role in ("coordinator_out", "lead", "host_in")
    ],
    "document_template_delete": [
        Refusal(role, NotFound, lambda w, x: {"template": _own_template(w, x)})
        for role in ("coordinator_out", "lead", "host_in")
    ],
    "document_template_file": [
        Refusal(role, NotFound, lambda w, x: {"template": _own_template(w, x)})
        for role in ("coordinator_out", "stranger")
    ],
    "document_template_example": [
        Refusal(role, NotAllowed, lambda w, x: {"kind": "conclusion"})
        for role in ("lead", "host_in")
    ],
}


# Each service, refused twice where both meanings exist: to someone who cannot see
# the object (NotFound) and to someone who sees it without the capability (NotAllowed).
CASES: dict[str, list[Refusal]] = {
    "visit_create": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {
                "outline": w.outline,
                "host_unit": w.district,
                "title": "Không được phép",
                "sessions": _session(w),
            },
        ),
        Refusal(
            "coordinator_out",
            NotAllowed,
            lambda w, x: {
                "outline": w.outline,
                "host_unit": w.district,
                "title": "Không được phép",
                "sessions": _session(w),
            },
        ),
    ],
    "visit_update": [
        Refusal("member", NotAllowed, lambda w, x: {"visit": w.visit, "title": "X"}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"visit": w.visit, "title": "X"}),
    ],
    "visit_change": [
        Refusal("secretary", NotAllowed, lambda w, x: {"visit": w.visit, "fields": {"title": "X"}}),
        # The lead plans the visit, but only a coordinator overrides clashes (SPEC §13).
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {"visit": w.visit, "sessions": _session(w), "override": True},
        ),
        Refusal("host_out", NotFound, lambda w, x: {"visit": w.visit, "fields": {"title": "X"}}),
    ],
    "visit_set_sessions": [
        Refusal("host_in", NotAllowed, lambda w, x: {"visit": w.visit, "sessions": _session(w)}),
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {"visit": w.visit, "sessions": _session(w), "override": True},
        ),
        Refusal("host_out", NotFound, lambda w, x: {"visit": w.visit, "sessions": _session(w)}),
    ],
    "visit_set_team": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {"visit": w.visit, "team": [TeamInput(w.people.lead, "lead")]},
        ),
        Refusal(
            "coordinator_out",
            NotFound,
            lambda w, x: {"visit": w.visit, "team": [TeamInput(w.people.lead, "lead")]},
        ),
    ],
    "visit_reschedule": [
        Refusal(
            "deputy",
            NotAllowed,
            lambda w, x: {
                "visit": w.visit,
                "first_session_start": local(2024, 6, 3),
                "override": True,
            },
        ),
        Refusal(
            "member",
            NotAllowed,
            lambda w, x: {"visit": w.visit, "first_session_start": local(2024, 6, 3)},
        ),
        Refusal(
            "host_out",
            NotFound,
            lambda w, x: {"visit": w.visit, "first_session_start": local(2024, 6, 3)},
        ),
    ],
    "visit_clashes": [
        Refusal("host_in", NotAllowed, lambda w, x: {"visit": w.visit}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"visit": w.visit}),
    ],
    "new_visit_check": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {
                "host_unit": w.district,
                "outline_code": w.outline.code,
                "sessions": [(s.start, s.end) for s in _session(w)],
                "people": [],
                "override": True,
            },
        ),
    ],
    "clash_override_allowed": [
        Refusal("coordinator_out", NotAllowed, lambda w, x: {"unit": w.district}),
    ],
    "visit_classify": [
        Refusal("lead", NotAllowed, lambda w, x: {"visit": w.visit, "classification": "secret"}),
        Refusal("host_in", NotAllowed, lambda w, x: {"visit": w.visit, "classification": "secret"}),
        Refusal(
            "coordinator_out", NotFound, lambda w, x: {"visit": w.visit, "classification": "secret"}
        ),
    ],
    "visit_transition": [
        Refusal("host_in", NotAllowed, lambda w, x: {"visit": w.visit, "to": "announced"}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"visit": w.visit, "to": "announced"}),
    ],
    "day_off_declare": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {"date": dt.date(2024, 6, 4), "name": "Nghỉ", "kind": "day_off"},
        ),
    ],
    "day_off_remove": [Refusal("host_in", NotAllowed, lambda w, x: {"day": x.day_off})],
    "checklist_item_add": [
        Refusal("host_in", NotAllowed, lambda w, x: {"visit": w.visit, "text": "Thêm"}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"visit": w.visit, "text": "Thêm"}),
    ],
    "checklist_item_update": [
        Refusal("host_in", NotAllowed, lambda w, x: {"item": w.item, "finding": "X"}),
        Refusal("host_out", NotFound, lambda w, x: {"item": w.item, "finding": "X"}),
    ],
    "milestone_add": [
        Refusal(
            "member",
            NotAllowed,
            lambda w, x: {
                "visit": w.visit,
                "key": "extra",
                "title": "X",
                "due_date": x.today,
                "responsible": "team",
            },
        ),
        Refusal(
            "host_out",
            NotFound,
            lambda w, x: {
                "visit": w.visit,
                "key": "extra",
                "title": "X",
                "due_date": x.today,
                "responsible": "team",
            },
        ),
    ],
    "milestone_reschedule": [
        Refusal(
            "secretary", NotAllowed, lambda w, x: {"milestone": _milestone(w), "due_date": x.today}
        ),
        Refusal(
            "coordinator_out",
            NotFound,
            lambda w, x: {"milestone": _milestone(w), "due_date": x.today},
        ),
    ],
    "milestone_mark_done": [
        Refusal("host_in", NotAllowed, lambda w, x: {"milestone": _milestone(w)}),
        Refusal("host_out", NotFound, lambda w, x: {"milestone": _milestone(w)}),
    ],
    "outline_create": [
        Refusal("lead", NotAllowed, lambda w, x: {"data": x.outline_copy}),
        Refusal("host_in", NotAllowed, lambda w, x: {"data": x.outline_copy}),
    ],
    "outline_import": [
        Refusal("lead", NotAllowed, lambda w, x: {"content": b"code: X\n", "filename": "x.yaml"}),
    ],
    "outline_publish": [Refusal("member", NotAllowed, lambda w, x: {"outline": x.draft})],
    "outline_retire": [Refusal("host_in", NotAllowed, lambda w, x: {"outline": w.outline})],
    "outline_new_version": [Refusal("lead", NotAllowed, lambda w, x: {"outline": w.outline})],
    "outline_delete": [Refusal("deputy", NotAllowed, lambda w, x: {"outline": x.draft})],
    "outline_edit_lock": [Refusal("lead", NotAllowed, lambda w, x: {"outline_id": x.draft.pk})],
    "outline_for_change": [Refusal("lead", NotAllowed, lambda w, x: {"outline_id": x.draft.pk})],
    "unit_create": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {"name": "Mới", "code": "moi", "parent": w.province_in},
        ),
        Refusal(
            "coordinator_out",
            NotAllowed,
            lambda w, x: {"name": "Mới", "code": "moi", "parent": w.province_in},
        ),
    ],
    "unit_update": [
        Refusal("host_in", NotAllowed, lambda w, x: {"unit": w.district, "name": "Đổi"}),
        Refusal("coordinator_out", NotAllowed, lambda w, x: {"unit": w.district, "name": "Đổi"}),
    ],
    "unit_delete": [
        Refusal("lead", NotAllowed, lambda w, x: {"unit": x.empty_unit}),
        Refusal("coordinator_out", NotAllowed, lambda w, x: {"unit": x.empty_unit}),
    ],
    "unit_prepare": [
        Refusal(
            "lead", NotAllowed, lambda w, x: {"name": "Mới", "code": "moi", "kind": "district"}
        ),
        Refusal(
            "coordinator_out",
            NotAllowed,
            lambda w, x: {
                "name": "Mới",
                "code": "moi",
                "kind": "district",
                "parent": w.province_in,
            },
        ),
    ],
    "unit_change": [
        Refusal("host_in", NotAllowed, lambda w, x: {"unit": w.district, "name": "Đổi"}),
        Refusal("coordinator_out", NotAllowed, lambda w, x: {"unit": w.district, "name": "Đổi"}),
    ],
    "user_prepare": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {"username": "moi", "full_name": "Người mới", "email": "moi@example.vn"},
        ),
        Refusal(
            "coordinator_out",
            NotAllowed,
            lambda w, x: {"username": "moi", "email": "moi@example.vn", "host_unit": w.district},
        ),
    ],
    "units_import_table": [
        Refusal("host_in", NotAllowed, lambda w, x: {"table": _table(UNIT_COLUMNS, UNIT_ROWS)}),
    ],
    "users_import_table": [
        Refusal("lead", NotAllowed, lambda w, x: {"table": _table(USER_COLUMNS, USER_ROWS)}),
    ],
    # Someone else's job: not told it exists.
    "import_job_get": [
        Refusal(role, NotFound, lambda w, x: _job(w))
        for role in ("coordinator_out", "lead", "host_in")
    ],
    "units_import": [
        Refusal(
            "host_in",
            NotAllowed,
            lambda w, x: {"upload": xlsx([["code", "name", "kind"], ["moi", "Mới", "district"]])},
        ),
    ],
    "users_import": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {
                "upload": xlsx([["username", "full_name", "email"], ["moi", "Mới", "m@example.vn"]])
            },
        ),
    ],
    "import_template": [Refusal("member", NotAllowed, lambda w, x: {"kind": "units"})],
    "user_create": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {"username": "moi", "full_name": "Người mới", "email": "moi@example.vn"},
        ),
    ],
    "user_update": [
        Refusal("lead", NotAllowed, lambda w, x: {"user": w.people.member, "full_name": "Đổi"}),
        Refusal(
            "coordinator_out",
            NotAllowed,
            lambda w, x: {"user": w.people.host_in, "full_name": "Đổi"},
        ),
    ],
    "user_deactivate": [
        Refusal("lead", NotAllowed, lambda w, x: {"user": w.people.member}),
        Refusal("coordinator_out", NotAllowed, lambda w, x: {"user": w.people.host_in}),
    ],
    "user_set_notify": [
        # Only one's own preference, even for a coordinator of everyone involved.
        Refusal("member", NotAllowed, lambda w, x: {"user": w.people.lead, "notify": "digest"}),
        Refusal(
            "coordinator_in",
            NotAllowed,
            lambda w, x: {"user": w.people.host_in, "notify": "digest"},
        ),
    ],
    "calendar_feed_revoke": [Refusal("member", NotFound, lambda w, x: {"feed": x.feed})],
    "notification_mark_read": [
        Refusal("member", NotFound, lambda w, x: {"notification": x.notification})
    ],
    "reminder_retry": [
        Refusal("lead", NotAllowed, lambda w, x: {"reminder": x.reminder}),
        Refusal("coordinator_out", NotAllowed, lambda w, x: {"reminder": x.reminder}),
    ],
    "report_revision_upload": [
        Refusal(
            "member",
            NotAllowed,
            lambda w, x: {"visit": w.visit, "content": x.upload(), "filename": "bao-cao.docx"},
        ),
        Refusal(
            "host_out",
            NotFound,
            lambda w, x: {"visit": w.visit, "content": x.upload(), "filename": "bao-cao.docx"},
        ),
    ],
    "report_revision_download": [
        Refusal("host_out", NotFound, lambda w, x: {"revision": x.revision}),
    ],
    "report_revision_diff": [
        Refusal(
            "coordinator_out",
            NotFound,
            lambda w, x: {"revision": x.revision, "against": x.revision},
        ),
    ],
    "report_revision_coverage": [
        Refusal("host_out", NotFound, lambda w, x: {"revision": x.revision}),
    ],
    "report_revision_review": [
        Refusal("host_in", NotAllowed, lambda w, x: {"revision": x.revision, "decision": "accept"}),
        Refusal("host_out", NotFound, lambda w, x: {"revision": x.revision, "decision": "accept"}),
    ],
    "report_comment_add": [
        Refusal("host_in", NotAllowed, lambda w, x: {"revision": x.revision, "text": "Thêm"}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"revision": x.revision, "text": "Thêm"}),
    ],
    "report_comment_answer": [
        Refusal(
            "member", NotAllowed, lambda w, x: {"comment": x.comment, "response": "Giải trình"}
        ),
        Refusal(
            "host_out", NotFound, lambda w, x: {"comment": x.comment, "response": "Giải trình"}
        ),
    ],
    "report_comment_set_state": [
        Refusal("host_in", NotAllowed, lambda w, x: {"comment": x.comment, "state": "resolved"}),
        Refusal("host_out", NotFound, lambda w, x: {"comment": x.comment, "state": "resolved"}),
    ],
    "report_comment_update": [
        Refusal("host_in", NotAllowed, lambda w, x: {"comment": x.comment, "state": "resolved"}),
        Refusal("lead", NotAllowed, lambda w, x: {"comment": x.comment, "response": "Giải trình"}),
        Refusal("host_out", NotFound, lambda w, x: {"comment": x.comment, "state": "resolved"}),
    ],
    # SPEC §4's conclusion rows: a draft is hidden from host contacts (404); the team
    # member sees it without the right to act (403).
    "conclusion_for": [
        Refusal("host_in", NotFound, lambda w, x: {"visit": w.visit}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"visit": w.visit}),
    ],
    "conclusion_update": [
        Refusal("member", NotAllowed, lambda w, x: {"visit": w.visit, "summary": "X"}),
        Refusal("host_in", NotFound, lambda w, x: {"visit": w.visit, "summary": "X"}),
        Refusal("host_out", NotFound, lambda w, x: {"visit": w.visit, "summary": "X"}),
    ],
    "conclusion_issue": [
        Refusal("secretary", NotAllowed, lambda w, x: {"visit": w.visit}),
        Refusal("host_in", NotFound, lambda w, x: {"visit": w.visit}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"visit": w.visit}),
    ],
    "conclusion_withdraw": [
        Refusal("lead", NotAllowed, lambda w, x: {"visit": w.visit, "reason": "X"}),
        Refusal("host_in", NotFound, lambda w, x: {"visit": w.visit, "reason": "X"}),
        Refusal("host_out", NotFound, lambda w, x: {"visit": w.visit, "reason": "X"}),
    ],
    "recommendation_extend": [
        Refusal(
            "secretary",
            NotAllowed,
            lambda w, x: {
                "recommendation": x.recommendation,
                "due_date": dt.date(2031, 1, 1),
                "extended_by": "Quyết định số 5",
            },
        ),
        Refusal(
            "host_in",
            NotFound,
            lambda w, x: {
                "recommendation": x.recommendation,
                "due_date": dt.date(2031, 1, 1),
                "extended_by": "Quyết định số 5",
            },
        ),
    ],
    # SPEC §4's implementation-report rows, on an issued recommendation to the host
    # unit: the team sees it without the right to report (403); another unit's
    # contact does not see it (404); a secretary may not give the verdict.
    "implementation_report_submit": [
        Refusal(
            "lead",
            NotAllowed,
            lambda w, x: {"recommendation": _issued(w, x), "text": "X", "progress": 10},
        ),
        Refusal(
            "host_out",
            NotFound,
            lambda w, x: {"recommendation": _issued(w, x), "text": "X", "progress": 10},
        ),
    ],
    "implementation_report_verdict": [
        Refusal(
            "secretary",
            NotAllowed,
            lambda w, x: {"report": _implementation_report(w, x), "verdict": "accepted"},
        ),
        Refusal(
            "host_in",
            NotAllowed,
            lambda w, x: {"report": _implementation_report(w, x), "verdict": "accepted"},
        ),
        Refusal(
            "coordinator_out",
            NotFound,
            lambda w, x: {"report": _implementation_report(w, x), "verdict": "accepted"},
        ),
    ],
    "evidence_file_download": [
        Refusal("host_out", NotFound, lambda w, x: {"evidence": _evidence(w, x)}),
        Refusal("coordinator_out", NotFound, lambda w, x: {"evidence": _evidence(w, x)}),
    ],
    "recommendation_cancel": [
        Refusal(
            "member",
            NotAllowed,
            lambda w, x: {"recommendation": x.recommendation, "cancel_reason": "X"},
        ),
        Refusal(
            "coordinator_out",
            NotFound,
            lambda w, x: {"recommendation": x.recommendation, "cancel_reason": "X"},
        ),
    ],
    # SPEC §4's legal-instrument row: any coordinator registers, coordinators of
    # everything edit; the teams and host contacts read (403); anyone else 404.
    "legal_instrument_add": [
        Refusal("lead", NotAllowed, lambda w, x: {"citation": "Chỉ thị số 39-CT/TW"}),
        Refusal("host_in", NotAllowed, lambda w, x: {"citation": "Chỉ thị số 39-CT/TW"}),
        Refusal("stranger", NotFound, lambda w, x: {"citation": "Chỉ thị số 39-CT/TW"}),
    ],
    "legal_instrument_update": [
        Refusal(
            "coordinator_in", NotAllowed, lambda w, x: {"instrument": x.instrument, "title": "X"}
        ),
        Refusal("member", NotAllowed, lambda w, x: {"instrument": x.instrument, "title": "X"}),
        Refusal("stranger", NotFound, lambda w, x: {"instrument": x.instrument, "title": "X"}),
    ],
    **PROGRAMME_CASES,
    # SPEC §12: a coordinator of the issuing unit opens and raises its registers; a
    # register outside one's scope does not exist for them.
    "register_create": [
        Refusal(
            role,
            NotAllowed,
            lambda w, x: {"unit": w.province_in, "type_code": "KH", "year": 2024, "next_number": 9},
        )
        for role in ("coordinator_out", "lead", "host_in")
    ],
    "register_raise": [
        Refusal(role, NotFound, lambda w, x: {"register": x.register, "next_number": 50})
        for role in ("coordinator_out", "lead", "host_in")
    ],
    **DOCUMENT_CASES,
}


def test_it_knows_every_service_that_acts_for_a_person():
    """A service taking an `actor` without a refusal case here (or an exemption) fails."""
    found = set(services_taking_an_actor())
    assert found - set(CASES) - set(EXEMPT) == set(), "add a case for each new service"
    assert set(CASES) - found == set(), "a case names a service that no longer exists"


@pytest.fixture
def extra(world) -> SimpleNamespace:
    """The objects the services act on, made by the system (actor None)."""
    revision = report_revision_upload(
        actor=None,
        visit=world.visit,
        content=io.BytesIO(docx_bytes("I. Đặc điểm tình hình", "Nội dung báo cáo.")),
        filename="bao-cao.docx",
    )
    report_revision_review(
        actor=None,
        revision=revision,
        decision="request_changes",
        comments=[CommentInput(text="Bổ sung số liệu")],
    )
    milestone = _milestone(world)
    reminder = Reminder.objects.create(
        milestone=milestone,
        recipient=world.people.lead,
        offset="-1d",
        state=Reminder.State.FAILED,
        due_at=local(2024, 5, 12),
        lease_until=local(2024, 5, 12),
    )
    notification = Notification.objects.create(
        recipient=world.people.lead, title="Nhắc hạn", visit=world.visit
    )
    feed, _token = calendar_feed_create(owner=world.people.lead, name="Lịch của tôi")
    # A draft conclusion with one recommendation (a draft: hidden from host contacts).
    conclusion_for(actor=None, visit=world.visit)
    conclusion = conclusion_update(
        actor=None,
        visit=world.visit,
        summary="Kết luận",
        recommendations=[
            RecommendationInput(text="Khắc phục", addressee=world.district, offset_days=30)
        ],
    )
    return SimpleNamespace(
        today=dt.date(2024, 6, 10),
        revision=revision,
        comment=ReviewComment.objects.filter(revision=revision).first(),
        reminder=reminder,
        notification=notification,
        feed=feed,
        day_off=day_off_declare(actor=None, date=dt.date(2024, 6, 5), name="Nghỉ bù"),
        draft=outline_new_version(actor=None, outline=world.outline),
        outline_copy=_outline_copy(world.outline),
        empty_unit=Unit.objects.create(
            parent=world.district, kind=Unit.Kind.GRASSROOTS, code="trong", name="Chi bộ trống"
        ),
        upload=lambda: io.BytesIO(docx_bytes("Báo cáo", "Nội dung.")),
        recommendation=conclusion.recommendations.get(),
        instrument=legal_instrument_add(actor=None, citation="Quy định số 126-QĐ/TW")[0],
        programme=_programme(world, "KH-IN", world.district),
        register=register_create(
            actor=None, unit=world.province_in, type_code="KL", year=2024, next_number=5
        ),
        wide_programme=_programme(world, "KH-WIDE", world.district, world.province_out),
    )


def _programme(world: SimpleNamespace, code: str, *units: Unit) -> Programme:
    """A draft of the "in" province (by the system), one entry per unit given."""
    return programme_create(
        actor=None,
        code=code,
        title="Kế hoạch",
        issuer=world.province_in,
        year=2025,
        outline=world.outline,
        entries=[
            ProgrammeEntryInput(
                host_unit=unit,
                lead=world.people.lead,
                window_start=dt.date(2025, 3, 3 + 7 * index),
                window_end=dt.date(2025, 3, 5 + 7 * index),
            )
            for index, unit in enumerate(units)
        ],
    )


def _issued(world: SimpleNamespace, extra: SimpleNamespace) -> Recommendation:
    """The draft's recommendation, issued by the system (the visit moved to reporting)."""
    recommendation = extra.recommendation
    if recommendation.state == Recommendation.State.DRAFT:
        for status in ("announced", "in_progress", "reporting"):
            visit_transition(actor=None, visit=world.visit, to=status)
        conclusion_issue(actor=None, visit=world.visit)
        recommendation.refresh_from_db()
    return recommendation


def _implementation_report(world: SimpleNamespace, extra: SimpleNamespace) -> ImplementationReport:
    return implementation_report_submit(
        actor=None,
        recommendation=_issued(world, extra),
        text="Đã khắc phục",
        progress=50,
        files=[EvidenceUpload(io.BytesIO(docx_bytes("Minh chứng")), "minh-chung.docx")],
    )


def _evidence(world: SimpleNamespace, extra: SimpleNamespace) -> EvidenceFile:
    return _implementation_report(world, extra).files.get()


def _outline_copy(outline: Outline):
    data = outline_data(outline)
    return type(data)(**{**data.__dict__, "code": "KH-KHAC", "version": 1})


def _rows() -> dict[str, int]:
    models = (
        AuditEvent, Visit, Milestone, ReportRevision, ReviewComment, Outline, Unit, User,
        TeamMembership, DayOff, Conclusion, ConclusionSection, Recommendation, Notification,
        OutgoingRegister, ImplementationReport, EvidenceFile, LegalInstrument, Programme,
        ProgrammeEntry, ImportJob, Document, DocumentTemplate,
    )  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.parametrize(
    ("service", "index"),
    [(name, index) for name, refusals in CASES.items() for index in range(len(refusals))],
)
def test_it_refuses_a_person_without_the_capability(world, extra, service, index):
    refusal = CASES[service][index]
    function = services_taking_an_actor()[service]
    actor = (
        factories.UserFactory(username="stranger")
        if refusal.role == "stranger"
        else getattr(world.people, refusal.role)
    )
    arguments = refusal.arguments(world, extra)
    before = _rows()
    with pytest.raises(refusal.error) as caught:
        function(actor=actor, **arguments)
    assert str(caught.value), "a refusal says why"
    assert _rows() == before, "nothing written"
