"""Outline files: read and write the YAML/JSON format of data/plan10-outline.yaml.

Files come from people (uploads, ``manage.py import_outline``), so reading them is
defensive in two ways:

- Hostile input is refused early and cheaply: the size limit is checked before
  anything is decoded, YAML anchors/aliases are refused before they can expand,
  nesting depth and the number of values are capped while the file is composed,
  and no YAML tag outside plain text, numbers, lists and mappings is accepted, so
  nothing is ever constructed from a tag.
- A merely wrong file gets every problem at once, each with the key path and line,
  so a person can fix it in one go instead of one error per upload.

Both formats are turned into the same small tree of ``Node`` (value + line) and
validated by one walker, so YAML and JSON give the same problems with the same paths.

The package only reads and writes text: saving an outline (``outline_import``) is
checklists.services.outlines'.

- ``common``: the limits, ``OutlineFileError`` and the tree,
- ``yaml_reader`` (the safe YAML reader) and ``json_reader``,
- ``validator``: the walker that builds an ``OutlineData``,
- ``reader``: ``parse_outline``, the entry point,
- ``writer``: ``dump_outline``.
"""

from __future__ import annotations

from checklists.outline_files.common import OutlineFileError, OutlineProblem
from checklists.outline_files.reader import parse_outline
from checklists.outline_files.writer import FORMATS, dump_outline

__all__ = ["FORMATS", "OutlineFileError", "OutlineProblem", "dump_outline", "parse_outline"]
