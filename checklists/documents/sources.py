"""A document's content read from the records: the conclusion (SPEC §11), the
programme (§13), the follow-up report on a conclusion's recommendations and the
team's checklist record. Who may ask is decided by the services before these run
(checklists.services.documents); these only read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import (
    AnswerType,
    ChecklistItem,
    Conclusion,
    Document,
    ImplementationReport,
    LegalInstrument,
    Programme,
    Recommendation,
    TeamMembership,
    Unit,
    User,
    Visit,
)
from checklists.numbers import format_number

from .content import (
    STATE,
    Block,
    Citer,
    Content,
    keep_line,
    lower_first,
    number_line,
    on_behalf,
    place_date,
    recipient_lines,
    reference,
    short_date,
    symbol,
)

Kind = Document.Kind
QUOTE = 300

ROLE_TITLES = {
    TeamMembership.Role.LEAD: "TRƯỞNG ĐOÀN KIỂM TRA",
    TeamMembership.Role.DEPUTY: "PHÓ TRƯỞNG ĐOÀN KIỂM TRA",
}
STATE_WORDS = {
    Recommendation.State.DRAFT: "Dự thảo",
    Recommendation.State.OPEN: "Đang thực hiện",
    Recommendation.State.REPORTED: "Đã báo cáo, chờ đánh giá",
    Recommendation.State.DONE: "Hoàn thành",
    Recommendation.State.CANCELLED: "Đã hủy",
}


def visit_issuer(visit: Visit) -> Unit:
    """The unit that issues the visit's documents (as conclusion_issue numbers them)."""
    return visit.issuer or visit.host_unit


def _person(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE else text[: QUOTE - 1] + "…"


def header(
    *,
    kind: str,
    issuer: Unit,
    number: int | None,
    issued_on: dt.date | None,
    draft: bool,
    type_name: str,
    summary: str,
    mark: str = "",
) -> Content:
    style = issuer.document_style
    code = Document.TYPE_CODES.get(kind, "")
    return Content(
        style=style,
        kind=kind,
        draft=draft,
        issuer_name=issuer.name.upper(),
        superior=issuer.parent.name.upper() if issuer.parent is not None else "",
        number_line=number_line(style, number, code, symbol(issuer)) if code else "",
        place_date=place_date(issuer, issued_on, year=timezone.localdate().year),
        type_name=type_name,
        summary=summary,
        mark=mark,
        on_behalf=on_behalf(style, issuer),
        issuer_id=issuer.pk,
    )


def _warnings(citer: Citer) -> list[str]:
    warnings = []
    for instrument in citer.replaced:
        if instrument.replaced_by is not None:
            warnings.append(
                _("%(old)s has been replaced by %(new)s: check the document's legal basis.")
                % {"old": instrument.short_citation, "new": instrument.replaced_by.short_citation}
            )
        else:
            warnings.append(
                _("%(old)s is marked replaced: check the document's legal basis.")
                % {"old": instrument.short_citation}
            )
    return warnings


def _visit_instruments(visit: Visit) -> list[LegalInstrument]:
    """The visit's legal basis: its programme's, then the decision(s)."""
    instruments: list[LegalInstrument] = []
    if visit.programme is not None:
        instruments += list(visit.programme.legal_basis.select_related("replaced_by"))
        if visit.programme.decision_instrument is not None:
            instruments.append(visit.programme.decision_instrument)
    if visit.decision_instrument is not None:
        instruments.append(visit.decision_instrument)
    return instruments


def _decision(visit: Visit, citer: Citer) -> str:
    if visit.decision_instrument is not None:
        return citer.cite(visit.decision_instrument)
    return visit.decision_ref or "kế hoạch kiểm tra"


def _team_title(visit_id: int, user: User | None) -> str:
    if user is None:
        return ""
    role = (
        TeamMembership.objects.filter(visit_id=visit_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    return ROLE_TITLES.get(TeamMembership.Role(role), "") if role else ""


def _session_days(visit: Visit) -> tuple[dt.date | None, dt.date | None]:
    span = visit.sessions.aggregate(first=Min("start"), last=Max("end"))
    first, last = span["first"], span["last"]
    return (
        timezone.localtime(first).date() if first else None,
        timezone.localtime(last).date() if last else None,
    )


# --- the conclusion -----------------------------------------------------------------------


def _deadline(row: dict) -> str:
    if row.get("due_date"):
        return short_date(dt.date.fromisoformat(row["due_date"]))
    if row.get("offset_working_days") is not None:
        return f"{row['offset_working_days']} ngày làm việc kể từ ngày ban hành"
    if row.get("offset_days") is not None:
        return f"{row['offset_days']} ngày kể từ ngày ban hành"
    return ""


def _recommendation_rows(conclusion: Conclusion) -> list[dict]:
    """The recommendations as issued (the issued record), or the draft's."""
    if conclusion.state != Conclusion.State.DRAFT and conclusion.issued_recommendations:
        rows = [dict(r) for r in conclusion.issued_recommendations]
    else:
        rows = [
            {
                "code": r.code,
                "text": r.text,
                "addressee": r.addressee_id,
                "due_date": r.due_date.isoformat() if r.due_date else None,
                "offset_days": r.offset_days,
                "offset_working_days": r.offset_working_days,
            }
            for r in conclusion.recommendations.order_by("position", "id")
        ]
    names = dict(
        Unit.objects.filter(pk__in={r["addressee"] for r in rows}).values_list("pk", "name")
    )
    return [
        {
            "code": r["code"],
            "text": r["text"],
            "addressee": names.get(r["addressee"], ""),
            "deadline": _deadline(r),
        }
        for r in rows
    ]


def conclusion_content(conclusion: Conclusion, *, draft: bool) -> Content:
    visit = conclusion.visit
    issuer = conclusion.issuer or visit_issuer(visit)
    host = visit.host_unit.name
    content = header(
        kind=Kind.CONCLUSION,
        issuer=issuer,
        number=None if draft else conclusion.number,
        issued_on=None if draft else conclusion.issued_on,
        draft=draft,
        type_name="KẾT LUẬN",
        summary=f"về kết quả kiểm tra tại {host}",
        mark=visit.classification_mark,
    )
    citer = Citer()
    content.basis = citer.basis(_visit_instruments(visit))
    first, last = _session_days(visit)
    when = ""
    if first and last:
        when = (
            f" ngày {short_date(first)}"
            if first == last
            else f" từ ngày {short_date(first)} đến ngày {short_date(last)}"
        )
    blocks = [
        Block(f"Thực hiện {_decision(visit, citer)}, Đoàn kiểm tra đã làm việc với {host}{when}."),
        Block(
            f"Trên cơ sở báo cáo của {host} và kết quả kiểm tra, {issuer.name} kết luận như sau:"
        ),
        Block("I. KẾT LUẬN CHUNG", heading=True),
        *(Block(line) for line in _lines(conclusion.summary)),
        Block("II. KẾT QUẢ KIỂM TRA THEO TỪNG NỘI DUNG", heading=True),
    ]
    for section in conclusion.sections.all():
        if not (section.strengths + section.shortcomings).strip():
            continue
        blocks.append(Block(f"{section.number}. {section.title}", heading=True))
        if section.strengths.strip():
            blocks += [Block("Ưu điểm:"), *(Block(f"- {s}") for s in _lines(section.strengths))]
        if section.shortcomings.strip():
            blocks += [
                Block("Hạn chế, khuyết điểm:"),
                *(Block(f"- {s}") for s in _lines(section.shortcomings)),
            ]
    content.rows = _recommendation_rows(conclusion)
    blocks.append(Block("III. KIẾN NGHỊ", heading=True))
    if not content.rows:
        blocks.append(Block("Không có kiến nghị."))
    content.blocks = blocks
    content.after = [
        Block(
            "Các đơn vị có tên trên tổ chức thực hiện các kiến nghị đúng thời hạn và báo cáo "
            f"kết quả về {issuer.name}."
        )
    ]
    signer = None if draft else conclusion.signer
    content.signer_title = _team_title(visit.pk, signer)
    content.signer_name = _person(signer)
    content.recipients = recipient_lines(
        [host, *(row["addressee"] for row in content.rows)], keep_line(issuer.document_style)
    )
    content.warnings = _warnings(citer)
    return content


# --- the follow-up report -----------------------------------------------------------------


def _latest_reports(recommendations: list[Recommendation]) -> dict[int, ImplementationReport]:
    latest: dict[int, ImplementationReport] = {}
    for report in ImplementationReport.objects.filter(recommendation__in=recommendations).order_by(
        "recommendation_id", "-submitted_at", "-id"
    ):
        latest.setdefault(report.recommendation_id, report)
    return latest


def followup_content(
    visit: Visit,
    conclusion: Conclusion,
    *,
    number: int | None,
    issued_on: dt.date | None,
    issued_by: User | None,
    draft: bool,
) -> Content:
    issuer = visit_issuer(visit)
    style = issuer.document_style
    code = Document.TYPE_CODES[Kind.CONCLUSION]
    assert conclusion.issuer is not None and conclusion.issued_on is not None
    cited = reference_of(style, conclusion.number, code, conclusion.issuer)
    host = visit.host_unit.name
    content = header(
        kind=Kind.FOLLOWUP,
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        draft=draft,
        type_name="BÁO CÁO",
        summary=f"kết quả thực hiện Kết luận số {cited} về kết quả kiểm tra tại {host}",
        mark=visit.classification_mark,
    )
    as_of = issued_on or timezone.localdate()
    recommendations = list(
        conclusion.recommendations.select_related("addressee").order_by("position", "id")
    )
    latest = _latest_reports(recommendations)
    counts = {"done": 0, "pending": 0, "overdue": 0, "cancelled": 0}
    rows = []
    for r in recommendations:
        overdue = r.overdue_on(as_of)
        if r.state == Recommendation.State.DONE:
            counts["done"] += 1
        elif r.state == Recommendation.State.CANCELLED:
            counts["cancelled"] += 1
        else:
            counts["pending"] += 1
        counts["overdue"] += overdue
        report = latest.get(r.pk)
        state = f"{STATE_WORDS.get(Recommendation.State(r.state), r.state)} ({r.progress}%)"
        rows.append(
            {
                "code": r.code,
                "text": r.text,
                "addressee": f"{r.addressee.name}; hạn {short_date(r.due_date)}",
                "state": f"{state}; quá hạn" if overdue else state,
                "latest": (
                    f"{short_date(timezone.localtime(report.submitted_at).date())}: "
                    f"{_quote(report.text)}"
                    if report is not None
                    else "Chưa có báo cáo"
                ),
            }
        )
    content.rows = rows
    content.blocks = [
        Block(
            f"Thực hiện Kết luận số {cited} ngày {short_date(conclusion.issued_on)} của "
            f"{conclusion.issuer.name} về kết quả kiểm tra tại {host}, đến ngày "
            f"{short_date(as_of)} tình hình thực hiện các kiến nghị như sau:"
        ),
        Block(
            f"Tổng số kiến nghị: {len(rows)}; hoàn thành: {counts['done']}; đang thực hiện: "
            f"{counts['pending']}, trong đó quá hạn: {counts['overdue']}; đã hủy: "
            f"{counts['cancelled']}."
        ),
    ]
    content.signer_title = _team_title(visit.pk, issued_by)
    content.signer_name = _person(issued_by)
    parent = issuer.parent.name if issuer.parent is not None else ""
    content.recipients = recipient_lines(
        [f"{parent} (để báo cáo)" if parent else "", host], keep_line(style)
    )
    return content


def reference_of(style: str, number: int | None, type_code: str, issuer: Unit) -> str:
    return reference(style, number, type_code, symbol(issuer))


# --- the programme ------------------------------------------------------------------------


def _team_words(entry) -> str:
    parts = [f"Trưởng đoàn: {_person(entry.lead)}"]
    if entry.deputy is not None:
        parts.append(f"Phó trưởng đoàn: {_person(entry.deputy)}")
    members = [_person(m) for m in entry.members.all()]
    if members:
        parts.append(f"Thành viên: {', '.join(members)}")
    if entry.secretary is not None:
        parts.append(f"Thư ký: {_person(entry.secretary)}")
    return "; ".join(parts)


def programme_content(
    programme: Programme,
    *,
    number: int | None,
    issued_on: dt.date | None,
    issued_by: User | None,
    draft: bool,
) -> Content:
    issuer = programme.issuer
    content = header(
        kind=Kind.PROGRAMME,
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        draft=draft,
        type_name="KẾ HOẠCH",
        summary=lower_first(programme.title),
    )
    citer = Citer()
    instruments = list(programme.legal_basis.select_related("replaced_by"))
    if programme.decision_instrument is not None:
        instruments.append(programme.decision_instrument)
    content.basis = citer.basis(instruments)
    entries = list(
        programme.entries.select_related("host_unit", "lead", "deputy", "secretary")
        .prefetch_related("members")
        .order_by("position", "id")
    )
    outline = programme.outline
    content.blocks = [
        Block(
            f"Năm {programme.year}, {issuer.name} tiến hành kiểm tra theo đề cương "
            f"{outline.code} ({outline.title}) tại {len(entries)} đơn vị, như sau:"
        )
    ]
    content.rows = [
        {
            "index": index,
            "unit": entry.host_unit.name,
            "window": f"{short_date(entry.window_start)} – {short_date(entry.window_end)}",
            "team": _team_words(entry),
        }
        for index, entry in enumerate(entries, start=1)
    ]
    content.after = [
        Block(
            "Các đoàn kiểm tra chủ động phối hợp với đơn vị được kiểm tra, báo cáo kết quả "
            f"kiểm tra về {issuer.name}."
        )
    ]
    content.signer_name = _person(issued_by)
    content.recipients = recipient_lines(
        [entry.host_unit.name for entry in entries], keep_line(issuer.document_style)
    )
    content.warnings = _warnings(citer)
    return content


# --- the checklist record -----------------------------------------------------------------


def _answer(item: ChecklistItem) -> str:
    value = item.answer
    if value is None or value == "":
        return ""
    if item.answer_type == AnswerType.YES_NO:
        return "Có" if value else "Không"
    if item.answer_type == AnswerType.NUMBER:
        try:
            return format_number(Decimal(str(value)), language="vi")
        except ArithmeticError:
            return str(value)
    return str(value)


def checklist_content(visit: Visit, *, team_copy: bool) -> Content:
    """The team's working record; internal notes only in the team's copy."""
    issuer = visit_issuer(visit)
    content = header(
        kind=Kind.CHECKLIST,
        issuer=issuer,
        number=None,
        issued_on=None,
        draft=True,
        type_name="BẢN TỔNG HỢP KẾT QUẢ KIỂM TRA",
        summary=f"theo đề cương {visit.outline.code} tại {visit.host_unit.name}",
        mark=visit.classification_mark,
    )
    content.team_copy = team_copy
    content.number_line = f"Đoàn kiểm tra {visit.code}" if visit.code else "Đoàn kiểm tra"
    items = ChecklistItem.objects.filter(visit_id=visit.pk).order_by(
        "section_position", "position", "id"
    )
    content.rows = [
        {
            "number": f"{item.section_number}.{item.number}",
            "text": item.text,
            "answer": _answer(item),
            "finding": item.finding,
            # Never read for anyone but the team (SPEC §4): the host's copy has no
            # column for it either.
            "note": item.internal_note if team_copy else "",
        }
        for item in items
    ]
    content.blocks = [Block(f"{visit.title}: các nội dung kiểm tra, trả lời và phát hiện.")]
    content.after = [Block("Tài liệu làm việc của Đoàn kiểm tra, không ban hành.")]
    style = issuer.document_style
    content.on_behalf = f"{'TM.' if style == STATE else 'T/M'} ĐOÀN KIỂM TRA"
    lead = (
        TeamMembership.objects.filter(visit_id=visit.pk, role=TeamMembership.Role.LEAD)
        .select_related("user")
        .first()
    )
    content.signer_title = "TRƯỞNG ĐOÀN"
    content.signer_name = _person(lead.user) if lead is not None else ""
    content.recipients = ["- Lưu hồ sơ Đoàn kiểm tra."]
    return content


def legal_warnings(*, visit: Visit | None = None, programme: Programme | None = None) -> list[str]:
    """The warnings of the instruments a visit's or programme's documents cite
    that are marked replaced (shown beside the document, never printed in it)."""
    citer = Citer()
    if visit is not None:
        citer.basis(_visit_instruments(visit))
    elif programme is not None:
        instruments = list(programme.legal_basis.select_related("replaced_by"))
        if programme.decision_instrument is not None:
            instruments.append(programme.decision_instrument)
        citer.basis(instruments)
    return _warnings(citer)
