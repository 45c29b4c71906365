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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklists.errors import Conflict, NotAllowed
from checklists.imports import Column, RowReader, Table, read_table, template_workbook
from checklists.imports.programme_entries import PROGRAMME_ENTRY_COLUMNS
from checklists.imports.table import Upload
from checklists.models import Unit, User
from checklists.policies import Person, coordinates_unit, require_coordinator
from checklists.services.audit import audit_record_many
from checklists.services.invitations import invitations_create
from checklists.services.people import (
    coordinator_group,
    unit_change,
    unit_created_changes,
    unit_prepare,
    user_created_changes,
    user_prepare,
)

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
# What a row of the units file may change on a saved unit.
UNIT_IMPORT_FIELDS = ["name", "kind", "document_symbol", "parent"]
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
    return units_import_table(actor=actor, table=read_table(upload, UNIT_COLUMNS))


@transaction.atomic
def units_import_table(*, actor: Person | None, table: Table) -> ImportResult:
    """The units of a file already read (read_table with UNIT_COLUMNS): every row
    is checked by unit_prepare / unit_change, the rules of unit_create and
    unit_update, then written a level of the tree at a time in a few queries."""
    require_coordinator(actor, UNITS_REFUSAL)
    rows = _unit_rows(table)
    codes = {row.code for row in rows} | {row.parent for row in rows}
    saved = {unit.code: unit for unit in Unit.objects.filter(code__in=codes - {""})}
    levels = _parents_first(table, rows, saved)
    headers = {column.key: table.header(column.key) for column in UNIT_COLUMNS}
    result = ImportResult()
    units = dict(saved)
    for level in levels:
        writes = _UnitWrites()
        for row in level:
            parent = units.get(row.parent) if row.parent else None
            if row.failed or (row.parent and parent is None):
                continue  # its own error, or its parent's, says why
            fields = dict(row.values)
            if row.parent or "parent" in table.headers:
                fields["parent"] = parent
            existing = saved.get(row.code)
            try:
                if existing is not None:
                    moves = "parent" in fields and _pk_of(fields["parent"]) != existing.parent_id
                    diff = unit_change(actor=actor, unit=existing, refs_checked=True, **fields)
                    writes.changed(existing, diff, moves=moves)
                    result.updated.append(existing.pk)
                else:
                    unit = unit_prepare(actor=actor, refs_checked=True, code=row.code, **fields)
                    writes.new(unit, unit_created_changes({"code": row.code, **fields}))
                    units[row.code] = unit
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
        # Written even after a row failed, so that the next levels are checked
        # against saved parents and every error of the file is told at once; the
        # refusal at the end rolls it all back.
        result.created.extend(writes.save(actor, units))
    table.errors.raise_if_any()
    return result


def _pk_of(unit: Unit | None) -> int | None:
    return unit.pk if unit is not None else None


@dataclass
class _UnitWrites:
    """The units of one level of the tree, checked, waiting to be written."""

    created: list[tuple[Unit, dict[str, Any]]] = field(default_factory=list)
    updated: list[tuple[Unit, dict[str, Any]]] = field(default_factory=list)
    moved: list[Unit] = field(default_factory=list)

    def new(self, unit: Unit, changes: dict[str, Any]) -> None:
        self.created.append((unit, changes))

    def changed(self, unit: Unit, diff: dict[str, Any], *, moves: bool) -> None:
        if diff:
            self.updated.append((unit, diff))
        if moves:
            self.moved.append(unit)

    def save(self, actor: Person | None, units: dict[str, Unit]) -> list[int]:
        """Write the level; the ids of the units created. A moved unit is saved
        on its own (Unit.save rewrites its subtree's paths), and the paths of
        the units held are read again after it."""
        moved = {unit.pk for unit in self.moved}
        for unit in self.moved:
            unit.save()
        stay = [unit for unit, _diff in self.updated if unit.pk not in moved]
        if stay:
            Unit.objects.bulk_update(stay, UNIT_IMPORT_FIELDS)
        if moved:
            paths = dict(
                Unit.objects.filter(pk__in=[u.pk for u in units.values() if u.pk]).values_list(
                    "pk", "path"
                )
            )
            for unit in units.values():
                unit.path = paths.get(unit.pk, unit.path)
        new = [unit for unit, _changes in self.created]
        try:
            Unit.objects.bulk_create(new)
        except IntegrityError:
            raise Conflict(
                _("Some of these unit codes were saved by someone else meanwhile; import again."),
                code="import_race",
            ) from None
        if new:
            _set_paths(new)
        audit_record_many(
            actor=actor,
            events=[
                *(("create", unit, changes) for unit, changes in self.created),
                *(("update", unit, diff) for unit, diff in self.updated),
            ],
        )
        return [unit.pk for unit in new]


def _set_paths(units: list[Unit]) -> None:
    """What Unit.save derives from the parent chain ("<parent's path><id>/"), for
    a level of new units in one UPDATE (a CASE per row would cost seconds at
    20,000 rows); their parents' paths are already stored."""
    parent_path = Unit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
    Unit.objects.filter(pk__in=[unit.pk for unit in units]).update(
        path=Concat(
            Coalesce(Subquery(parent_path), Value("/")),
            Cast("id", output_field=CharField()),
            Value("/"),
            output_field=CharField(),
        )
    )
    for unit in units:
        unit.path = f"{unit.parent.path if unit.parent is not None else '/'}{unit.pk}/"


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


def _parents_first(
    table: Table, rows: list[_UnitRow], saved: Mapping[str, Unit]
) -> list[list[_UnitRow]]:
    """The rows by level of the tree within the file: the first level's parents
    are saved (or absent), each next level's are rows of the level before. A
    parent nowhere to be found, or a loop, is a row error."""
    in_file = {row.code: row for row in rows if row.code}
    children: dict[str, list[_UnitRow]] = defaultdict(list)
    level: list[_UnitRow] = []
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
            level.append(row)
    levels: list[list[_UnitRow]] = []
    while level:
        levels.append(level)
        level = [child for row in level for child in children.pop(row.code, [])]
    for looped in (row for rows_ in children.values() for row in rows_):
        table.errors.add(
            looped.number,
            table.header("parent"),
            _("The parents of “%(code)s” lead back to it.") % {"code": looped.code},
        )
    return levels


# --- people ----------------------------------------------------------------------------


def users_import(*, actor: Person | None, upload: Upload) -> ImportResult:
    """Create the people of a file and send each a set-password e-mail once the
    import commits (see the module's decisions)."""
    require_coordinator(actor, PEOPLE_REFUSAL)
    return users_import_table(actor=actor, table=read_table(upload, USER_COLUMNS))


@transaction.atomic
def users_import_table(*, actor: Person | None, table: Table) -> ImportResult:
    """The people of a file already read (read_table with USER_COLUMNS): every row
    is checked by user_prepare, the rules of user_create, then all are written in
    a few queries."""
    require_coordinator(actor, PEOPLE_REFUSAL)
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
    prepared: list[tuple[User, dict[str, Any]]] = []
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
            prepared.append((user_prepare(actor=actor, refs_checked=True, **fields), fields))
        except NotAllowed as refusal:
            host = fields["host_unit"]
            outside = host and actor is not None and not coordinates_unit(actor, host)
            column = "host_unit" if outside else None
            table.errors.add(row.number, headers[column or "coordinator_scope"], refusal.message)
        except ValidationError as error:
            table.errors.add_validation(row.number, error, headers, headers["username"])
    table.errors.raise_if_any()
    people = [user for user, _fields in prepared]
    try:
        User.objects.bulk_create(people)
    except IntegrityError:
        raise Conflict(
            _("Some of these user names were taken by someone else meanwhile; import again."),
            code="import_race",
        ) from None
    # What user_create's group sync does, for the whole file.
    coordinators = [user for user in people if user.is_coordinator]
    if coordinators:
        group = coordinator_group()
        Through = User.groups.through
        Through.objects.bulk_create(
            Through(user_id=user.pk, group_id=group.pk) for user in coordinators
        )
    audit_record_many(
        actor=actor,
        events=[("create", user, user_created_changes(fields)) for user, fields in prepared],
    )
    result = ImportResult(created=[user.pk for user in people])
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
