"""Reading an outline file: the size and encoding checks, then the format's reader
and the validator."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from checklists.outline_data import OutlineData
from checklists.outline_files.common import Node, refuse
from checklists.outline_files.json_reader import read_json
from checklists.outline_files.validator import Validator
from checklists.outline_files.yaml_reader import read_yaml


def _detect_format(filename: str, text: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    start = len(text) - len(text.lstrip())
    return "json" if text[start : start + 1] in ("{", "[") else "yaml"


def parse_outline(content: bytes, *, filename: str = "") -> OutlineData:
    """Read an outline file (YAML, or JSON with the same keys) into OutlineData.

    The format comes from the file name's extension, else from the first
    non-blank character. Raises OutlineFileError listing every problem found.
    """
    limit = settings.OUTLINE_FILE_MAX_BYTES
    if len(content) > limit:
        refuse(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": len(content), "limit": limit}
        )
    try:
        # utf-8-sig: editors on Windows add a byte-order mark.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # exc.object, not content: after a byte-order mark the offsets start behind it.
        refuse(
            _(
                "The file is not UTF-8 text (byte 0x%(byte)02X cannot be read). "
                "Save it as UTF-8 and try again."
            )
            % {"byte": exc.object[exc.start]},
            line=exc.object.count(b"\n", 0, exc.start) + 1,
        )
    if not text.strip():
        refuse(_("The file is empty."))
    if _detect_format(filename, text) == "json":
        root: Node | None = read_json(text)
    else:
        root = read_yaml(text)
    return Validator().outline(root)
