"""Units and people imported from a spreadsheet (SPEC §5 "imports", §13): all
rows or none, every error with its row and column.

Each row goes through the service a person would use by hand (unit_create,
unit_update, user_create in checklists.services.people), so the scope rules,
validation and audit events are theirs, row by row; a refusal of one row is
recorded against it and the next rows are still tried, inside one transaction
that is rolled back at the end when anything failed.

Decisions:

- Units: a row whose `code` is already saved updates that unit (name, kind,
  document symbol, and its parent when the file has a `parent` column), under the
  rules of unit_update; a new code creates one. Re-importing a corrected file is
  then harmless. A `parent` names a unit saved before or another row of the same
  file, in any order: rows are written parents first.
- People: the import only adds people. A user name already saved is a row error
  (changing existing accounts stays a deliberate act, one person at a time).
  `coordinator_scope` is a unit code, `*` for everything, or empty for someone
  who is no coordinator. Each person made gets a one-time set-password e-mail
  after the import commits (checklists.services.invitations).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklists.errors import NotAllowed
from checklists.imports import Column, RowReader, Table, read_table, template_workbook
from checklists.imports.programme_entries import PROGRAMME_ENTRY_COLUMNS
from checklists.imports.table import Upload
from checklists.models import Unit, User
from checklists.policies import Person, coordinates_unit, require_coordinator
from checklists.services.invitations import invitations_create
from checklists.services.people import unit_create, unit_update, user_create

UNIT_COLUMNS = (
    Column("code", "Mã đơn vị", aliases=("Mã",)),
    Column("name", "Tên", aliases=("Tên đơn vị",)),
    Column("kind", "Loại", aliases=("Loại đơn vị",)),
    Column("parent", "Đơn vị cấp trên", required=False),
    Column("document_symbol", "Ký hiệu văn bản", required=False),
)
USER_COLUMNS = (
    Column("username", "Tên đăng nhập"),
    Column("full_name", "Họ và tên"),
    Column("email", "Thư điện tử", aliases=("Email", "E-mail")),
    Column("language", "Ngôn ngữ", required=False),
    Column("host_unit", "Đơn vị đầu mối", required=False, aliases=("Đơn vị",)),
    Column("coordinator_scope", "Phạm vi điều phối", required=False),
)
TEMPLATES: Mapping[str, Sequence[Column]] = {
    "units": UNIT_COLUMNS,
    "users": USER_COLUMNS,
    "programme_entries": PROGRAMME_ENTRY_COLUMNS,
}
EVERYTHING = "*"
UNITS_REFUSAL = gettext_lazy("Only coordinators manage units.")
PEOPLE_REFUSAL = gettext_lazy("Only coordinators create people.")


@dataclass(frozen=True)
class ImportResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def import_template(kind: str, *, actor: Person | None) -> bytes:
    """The empty .xlsx of a kind of import ("units", "users", "programme_entries"),
    its header row in the active language."""
    require_coordinator(actor, gettext_lazy("Only coordinators import spreadsheets."))
    return template_workbook(TEMPLATES[kind])


# --- units ---------------------------------------------------------------------------


@dataclass
class _UnitRow:
    number: int
    code: str
    parent: str
    values: dict[str, Any]
    failed: bool


def units_import(*, actor: Person | None, upload: Upload) -> ImportResult:
    """Create or update the units of a file (see the module's decisions)."""
    # Before the file is read: a refused person learns nothing from its checks.
    require_coordinator(actor, UNITS_REFUSAL)
    table = read_table(upload, UNIT_COLUMNS)
    rows = _unit_rows(table)
    codes = {row.code for row in rows} | {row.parent for row in rows}
    saved = {unit.code: unit for unit in Unit.objects.filter(code__in=codes - {""})}
    order = _parents_first(table, rows, saved)
    headers = {column.key: table.header(column.key) for column in UNIT_COLUMNS}
    result = ImportResult()
    units = dict(saved)
    with transaction.atomic():
        for row in order:
            parent = units.get(row.parent) if row.parent else None
            if row.failed or (row.parent and parent is None):
                continue  # its own error, or its parent's, says why
            fields = dict(row.values)
            if row.parent or "parent" in table.headers:
                fields["parent"] = parent
            existing = saved.get(row.code)
            try:
                if existing is not None:
                    units[row.code] = unit_update(actor=actor, unit=existing, **fields)
                    result.updated.append(existing.pk)
                else:
                    units[row.code] = unit_create(actor=actor, code=row.code, **fields)
                    result.created.append(units[row.code].pk)
            except NotAllowed as refusal:
                outside = (
                    existing is not None
                    and actor is not None
                    and not coordinates_unit(actor, existing)
                )
                table.errors.add(
                    row.number, headers["code" if outside else "parent"], refusal.message
                )
            except ValidationError as error:
                table.errors.add_validation(row.number, error, headers, headers["code"])
        table.errors.raise_if_any()
    return result


def _unit_rows(table: Table) -> list[_UnitRow]:
    seen: dict[str, int] = {}
    kinds = {value: label for value, label in Unit.Kind.choices}
    rows = []
    for row in table.rows:
        cells = RowReader(table, row, table.errors)
        code = cells.text("code", required=True)
        cells.unique("code", code, seen)
        values: dict[str, Any] = {
            "name": cells.text("name", required=True),
            "kind": cells.choice("kind", kinds, required=True),
        }
        if "document_symbol" in table.headers:
            values["document_symbol"] = cells.text("document_symbol")
        parent = cells.text("parent")
        if parent and parent == code:
            cells.error("parent", _("A unit cannot be placed under itself."))
        rows.append(_UnitRow(row.number, code, parent, values, cells.failed))
    return rows


def _parents_first(table: Table, rows: list[_UnitRow], saved: Mapping[str, Unit]) -> list[_UnitRow]:
    """The rows in an order where every parent of the file comes before its
    children; a parent nowhere to be found, or a loop, is a row error."""
    in_file = {row.code: row for row in rows if row.code}
    children: dict[str, list[_UnitRow]] = defaultdict(list)
    queue: deque[_UnitRow] = deque()
    for row in rows:
        if row.parent and row.parent in in_file and row.parent != row.code:
            children[row.parent].append(row)
        else:
            if row.parent and row.parent not in saved and row.parent not in in_file:
                row.failed = True
                table.errors.add(
                    row.number,
                    table.header("parent"),
                    _("No unit has the code “%(code)s”, in this file or already saved.")
                    % {"code": row.parent},
                )
            queue.append(row)
    order: list[_UnitRow] = []
    while queue:
        row = queue.popleft()
        order.append(row)
        queue.extend(children.pop(row.code, []) if row.code in in_file else [])
    for looped in (row for rows_ in children.values() for row in rows_):
        table.errors.add(
            looped.number,
            table.header("parent"),
            _("The parents of “%(code)s” lead back to it.") % {"code": looped.code},
        )
    return order


# --- people ----------------------------------------------------------------------------


def users_import(*, actor: Person | None, upload: Upload) -> ImportResult:
    """Create the people of a file and send each a set-password e-mail once the
    import commits (see the module's decisions)."""
    require_coordinator(actor, PEOPLE_REFUSAL)
    table = read_table(upload, USER_COLUMNS)
    usernames = {str(row.cells.get("username") or "").strip() for row in table.rows}
    taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    unit_codes = {
        str(row.cells.get(key) or "").strip()
        for row in table.rows
        for key in ("host_unit", "coordinator_scope")
    }
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=unit_codes)}
    headers = {column.key: table.header(column.key) for column in USER_COLUMNS}
    languages = {value: label for value, label in User.Language.choices}
    seen: dict[str, int] = {}
    result = ImportResult()
    with transaction.atomic():
        for row in table.rows:
            cells = RowReader(table, row, table.errors)
            username = cells.text("username", required=True)
            cells.unique("username", username, seen)
            if username in taken:
                cells.error(
                    "username",
                    _("A person with this user name already exists; the import only adds people."),
                )
            fields: dict[str, Any] = {
                "username": username,
                "full_name": cells.text("full_name", required=True),
                "email": cells.text("email", required=True),
                "host_unit": _unit_cell(cells, "host_unit", units),
                **_coordinator_cells(cells, units),
            }
            if language := cells.choice("language", languages):
                fields["language"] = language
            if cells.failed:
                continue
            try:
                result.created.append(user_create(actor=actor, **fields).pk)
            except NotAllowed as refusal:
                host = fields["host_unit"]
                outside = host and actor is not None and not coordinates_unit(actor, host)
                column = "host_unit" if outside else None
                table.errors.add(
                    row.number, headers[column or "coordinator_scope"], refusal.message
                )
            except ValidationError as error:
                table.errors.add_validation(row.number, error, headers, headers["username"])
        table.errors.raise_if_any()
        invitations_create(result.created)
    return result


def _unit_cell(cells: RowReader, key: str, units: Mapping[str, Unit]) -> Unit | None:
    code = cells.text(key)
    if not code:
        return None
    unit = units.get(code)
    if unit is None:
        cells.error(key, _("No unit has the code “%(code)s”.") % {"code": code})
    return unit


def _coordinator_cells(cells: RowReader, units: Mapping[str, Unit]) -> dict[str, Any]:
    """`coordinator_scope`: empty (no coordinator), `*` (everything) or a unit code."""
    if cells.text("coordinator_scope") == EVERYTHING:
        return {"is_coordinator": True, "coordinator_scope": None}
    scope = _unit_cell(cells, "coordinator_scope", units)
    return {"is_coordinator": scope is not None, "coordinator_scope": scope}
