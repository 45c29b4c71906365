"""Spreadsheet imports (SPEC §5 "imports", §13, §14): units, people and a
programme's entries from an .xlsx workbook or a .csv file.

The reader is generic and knows nothing of units or people: given the columns a
kind of import has, it recognises the file by its content (never its name),
refuses a hostile one before reading a cell, maps the header row (English names
of SPEC §5 or Vietnamese ones, whatever the case and the diacritics) and hands
back the rows with their numbers as the spreadsheet shows them (the header is
row 1). Each kind then turns the cells into values through `RowReader`, which
records every bad cell instead of stopping at the first, and the whole import
is refused at the end with all of them (`import_refusal`): a 400 whose problem
carries `errors.file` (sentences) and `rows` (`row`, `column`, `message`).

Modules: ``columns`` (what a kind's columns are called, the downloadable
template), ``table`` (reading the file), ``cells`` (typed cells and the errors),
``programme_entries`` (the entries reader the programme import uses). The writes
are services: checklists.services.imports.
"""

from checklists.imports.cells import ImportErrors, Row, RowError, RowReader, Table, import_refusal
from checklists.imports.columns import Column, template_workbook
from checklists.imports.table import read_table

__all__ = [
    "Column",
    "ImportErrors",
    "Row",
    "RowError",
    "RowReader",
    "Table",
    "import_refusal",
    "read_table",
    "template_workbook",
]
