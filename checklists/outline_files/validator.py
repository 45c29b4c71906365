"""The validator: walks the tree read from either format, collects every problem
with its key path and line, and builds the OutlineData."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from checklists.limits import MAX_OUTLINE_VERSION
from checklists.models import (
    AnswerType,
    Outline,
    OutlineItem,
    OutlineMilestone,
    OutlineSection,
    Responsible,
)
from checklists.outline_data import ItemData, MilestoneData, OutlineData, SectionData
from checklists.outline_files.common import (
    MAX_PROBLEMS,
    Node,
    OutlineFileError,
    OutlineProblem,
    refuse,
)

# Calendar or working days from the first working session; a year either way.
MAX_OFFSET_DAYS = 366

ROOT_KEYS = (
    "code",
    "version",
    "language",
    "title",
    "title_en",
    "issuer",
    "references",
    "milestones",
    "sections",
)
ROOT_REQUIRED = ("code", "version", "title", "sections")
SECTION_KEYS = ("number", "title", "title_en", "items")
SECTION_REQUIRED = ("number", "title", "items")
ITEM_KEYS = ("number", "text", "text_en", "answer")
ITEM_REQUIRED = ("number", "text", "answer")
MILESTONE_KEYS = ("key", "title", "title_en", "offset_days", "offset_working_days", "responsible")
MILESTONE_REQUIRED = ("key", "title", "responsible")

_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
# NUL cannot be stored in PostgreSQL text and lone surrogates cannot be encoded as
# UTF-8; JSON escapes (\u0000, \ud800) and YAML double-quoted escapes can produce both.
_UNSAVABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(node: Node) -> str:
    raw = node.raw if len(node.raw) <= 40 else node.raw[:40] + "…"
    descriptions = {
        "map": _("a group of keys"),
        "list": _("a list"),
        "null": _("an empty value"),
        "bool": _("the yes/no value %(value)s"),
        "int": _("the number %(value)s"),
        "float": _("the number %(value)s"),
        "date": _("the date %(value)s"),
        "str": _('the text "%(value)s"'),
    }
    return descriptions[node.kind] % {"value": raw}


def _max_length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


class Validator:
    """Walks the tree, collecting every problem, and builds the OutlineData.

    Each check takes the node (None when the key is absent) and its key path.
    """

    def __init__(self) -> None:
        self.problems: list[OutlineProblem] = []
        self.truncated = False

    def add(self, path: str, line: int | None, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.truncated = True
            return
        self.problems.append(OutlineProblem(path=path, line=line, message=message))

    def finish(self) -> None:
        if not self.problems:
            return
        # Stable: problems on one line keep the order the walk found them in.
        problems = sorted(self.problems, key=lambda p: p.line if p.line is not None else 0)
        if self.truncated:
            problems.append(
                OutlineProblem(
                    path="",
                    line=None,
                    message=_("There are more than %(count)s problems; fix these and try again.")
                    % {"count": MAX_PROBLEMS},
                )
            )
        raise OutlineFileError(problems)

    # -- building blocks

    def fields(
        self, node: Node, path: str, keys: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, Node] | None:
        """The mapping's values by key; unknown, repeated and missing keys are problems."""
        if node.kind != "map":
            self.add(
                path,
                node.line,
                _("Expected a group of keys (%(keys)s), found %(found)s.")
                % {"keys": ", ".join(keys), "found": _describe(node)},
            )
            return None
        found: dict[str, Node] = {}
        key_lines: dict[str, int | None] = {}
        for key, key_line, value in node.value:
            key_path = _key_path(path, key)
            if key not in keys:
                self.add(
                    key_path,
                    key_line,
                    _('Unknown key "%(key)s". Allowed keys here: %(keys)s.')
                    % {"key": key, "keys": ", ".join(keys)},
                )
            elif key in found:
                self.add(
                    key_path,
                    key_line,
                    _('The key "%(key)s" appears twice (first on line %(line)s); keep one.')
                    % {"key": key, "line": key_lines[key]},
                )
            else:
                found[key] = value
                key_lines[key] = key_line
        for key in required:
            if key not in found:
                self.add(
                    _key_path(path, key),
                    node.line,
                    _('The required key "%(key)s" is missing.') % {"key": key},
                )
        return found

    def text(
        self,
        node: Node | None,
        path: str,
        *,
        max_length: int | None = None,
        required: bool = False,
        number: bool = False,
    ) -> str:
        """A text value. With ``number``, a bare whole number (``number: 1``) is
        taken as the text it was written as."""
        if node is None:
            return ""
        if node.kind == "str":
            value = node.value
        elif number and node.kind == "int":
            value = node.raw
        else:
            self.not_text(node, path)
            return ""
        if required and not value.strip():
            self.add(path, node.line, _("This must not be empty."))
        elif max_length is not None and len(value) > max_length:
            self.add(
                path,
                node.line,
                _("This is %(length)s characters long; the limit is %(limit)s.")
                % {"length": len(value), "limit": max_length},
            )
        elif _UNSAVABLE.search(value):
            self.add(path, node.line, _("This contains a control character; remove it."))
        return value

    def not_text(self, node: Node, path: str) -> None:
        if node.kind == "null":
            message = _(
                "Expected text, found an empty value. Write the text, or remove the key "
                "if it is optional."
            )
        elif node.kind in ("map", "list"):
            message = _("Expected text, found %(found)s.") % {"found": _describe(node)}
        else:
            message = _(
                "Expected text, found %(found)s. "
                'Put it in double quotes to use it as text: "%(raw)s".'
            ) % {"found": _describe(node), "raw": node.raw}
        self.add(path, node.line, message)

    def choice(self, node: Node | None, path: str, choices: list[str]) -> str:
        if node is None:
            return ""
        if node.kind != "str" or node.value not in choices:
            self.add(
                path,
                node.line,
                _("Expected one of %(choices)s, found %(found)s.")
                % {"choices": ", ".join(choices), "found": _describe(node)},
            )
            return ""
        return node.value

    def integer(
        self, node: Node | None, path: str, *, minimum: int, maximum: int, one_sided: bool = False
    ) -> int | None:
        """A whole number within the bounds. ``one_sided``: the maximum is only a
        sanity cap (the version), so the message names the bound that was crossed
        instead of a range nobody thinks of."""
        if node is None:
            return None
        if node.kind != "int":
            message = _("Expected a whole number, found %(found)s.") % {"found": _describe(node)}
            if node.kind == "str" and re.fullmatch(r"\s*[-+]?\d+\s*", node.value):
                message += " " + _("Remove the quotes.")
            self.add(path, node.line, message)
            return None
        if not minimum <= node.value <= maximum:
            if one_sided and node.value < minimum:
                message = _("Expected a whole number of at least %(minimum)s, found %(value)s.")
            elif one_sided:
                message = _("Expected a whole number of at most %(maximum)s, found %(value)s.")
            else:
                message = _(
                    "Expected a whole number from %(minimum)s to %(maximum)s, found %(value)s."
                )
            bounds = {"minimum": minimum, "maximum": maximum, "value": node.raw}
            self.add(path, node.line, message % bounds)
            return None
        return node.value

    def elements(self, node: Node | None, path: str, *, empty: str | None = None) -> list[Node]:
        """A list's elements; a non-list, or an empty list when ``empty`` says why
        it may not be, is a problem."""
        if node is None:
            return []
        if node.kind != "list":
            self.add(
                path, node.line, _("Expected a list, found %(found)s.") % {"found": _describe(node)}
            )
            return []
        if not node.value and empty:
            self.add(path, node.line, empty)
        return node.value

    def unique(
        self, seen: dict[str, str], value: str, node: Node | None, path: str, message: str
    ) -> None:
        """Report ``value`` if an earlier path (kept in ``seen``) already used it."""
        if not value or node is None:
            return
        if value in seen:
            self.add(path, node.line, message % {"value": value, "other": seen[value]})
        else:
            seen[value] = path

    # -- the outline

    def outline(self, root: Node | None) -> OutlineData:
        if root is None:
            refuse(_("The file is empty."))
        fields = self.fields(root, "", ROOT_KEYS, ROOT_REQUIRED)
        if fields is None:
            self.finish()
        assert fields is not None
        code = self.text(
            fields.get("code"), "code", required=True, max_length=_max_length(Outline, "code")
        )
        version = self.integer(
            fields.get("version"),
            "version",
            minimum=1,
            maximum=MAX_OUTLINE_VERSION,
            one_sided=True,
        )
        language = self.choice(
            fields.get("language"), "language", [language for language, _name in settings.LANGUAGES]
        )
        title = self.text(
            fields.get("title"), "title", required=True, max_length=_max_length(Outline, "title")
        )
        title_en = self.text(
            fields.get("title_en"), "title_en", max_length=_max_length(Outline, "title_en")
        )
        issuer = self.text(
            fields.get("issuer"), "issuer", max_length=_max_length(Outline, "issuer")
        )
        references = tuple(
            self.text(node, f"references[{index}]", required=True)
            for index, node in enumerate(self.elements(fields.get("references"), "references"))
        )
        milestones = self.milestones(fields.get("milestones"))
        sections = self.sections(fields.get("sections"))
        self.finish()
        assert version is not None
        return OutlineData(
            code=code,
            version=version,
            language=language or "vi",
            title=title,
            title_en=title_en,
            issuer=issuer,
            references=references,
            milestones=tuple(milestones),
            sections=tuple(sections),
        )

    def milestones(self, node: Node | None) -> list[MilestoneData]:
        result = []
        keys: dict[str, str] = {}
        for index, milestone in enumerate(self.elements(node, "milestones")):
            path = f"milestones[{index}]"
            fields = self.fields(milestone, path, MILESTONE_KEYS, MILESTONE_REQUIRED)
            if fields is None:
                continue
            key_path = _key_path(path, "key")
            key = self.text(
                fields.get("key"),
                key_path,
                required=True,
                max_length=_max_length(OutlineMilestone, "key"),
            )
            if key.strip() and not _SLUG.match(key):
                self.add(
                    key_path,
                    fields["key"].line,
                    _(
                        "A milestone key uses only letters, digits, hyphens and "
                        "underscores, e.g. draft_report_due."
                    ),
                )
            self.unique(
                keys,
                key,
                fields.get("key"),
                key_path,
                _('The milestone key "%(value)s" is already used by %(other)s.'),
            )
            title = self.text(
                fields.get("title"),
                _key_path(path, "title"),
                required=True,
                max_length=_max_length(OutlineMilestone, "title"),
            )
            title_en = self.text(
                fields.get("title_en"),
                _key_path(path, "title_en"),
                max_length=_max_length(OutlineMilestone, "title_en"),
            )
            offsets = {}
            for name in ("offset_days", "offset_working_days"):
                offsets[name] = self.integer(
                    fields.get(name),
                    _key_path(path, name),
                    minimum=-MAX_OFFSET_DAYS,
                    maximum=MAX_OFFSET_DAYS,
                )
            if "offset_days" in fields and "offset_working_days" in fields:
                self.add(
                    _key_path(path, "offset_working_days"),
                    fields["offset_working_days"].line,
                    _(
                        "Give either offset_days (calendar days) or offset_working_days "
                        "(working days), not both."
                    ),
                )
            elif "offset_days" not in fields and "offset_working_days" not in fields:
                self.add(
                    _key_path(path, "offset_days"),
                    milestone.line,
                    _(
                        "The milestone needs an offset from the first working session: "
                        "offset_days (calendar days) or offset_working_days (working days)."
                    ),
                )
            responsible = self.choice(
                fields.get("responsible"), _key_path(path, "responsible"), list(Responsible.values)
            )
            result.append(
                MilestoneData(
                    key=key,
                    title=title,
                    title_en=title_en,
                    responsible=responsible,
                    **offsets,
                )
            )
        return result

    def sections(self, node: Node | None) -> list[SectionData]:
        result = []
        numbers: dict[str, str] = {}
        sections = self.elements(
            node, "sections", empty=_("An outline needs at least one section.")
        )
        for index, section in enumerate(sections):
            path = f"sections[{index}]"
            fields = self.fields(section, path, SECTION_KEYS, SECTION_REQUIRED)
            if fields is None:
                continue
            number_path = _key_path(path, "number")
            number = self.text(
                fields.get("number"),
                number_path,
                required=True,
                number=True,
                max_length=_max_length(OutlineSection, "number"),
            )
            self.unique(
                numbers,
                number,
                fields.get("number"),
                number_path,
                _('The section number "%(value)s" is already used by %(other)s.'),
            )
            title = self.text(
                fields.get("title"),
                _key_path(path, "title"),
                required=True,
                max_length=_max_length(OutlineSection, "title"),
            )
            title_en = self.text(
                fields.get("title_en"),
                _key_path(path, "title_en"),
                max_length=_max_length(OutlineSection, "title_en"),
            )
            items = self.items(fields.get("items"), _key_path(path, "items"))
            result.append(
                SectionData(number=number, title=title, title_en=title_en, items=tuple(items))
            )
        return result

    def items(self, node: Node | None, items_path: str) -> list[ItemData]:
        result = []
        numbers: dict[str, str] = {}
        items = self.elements(node, items_path, empty=_("A section needs at least one item."))
        for index, item in enumerate(items):
            path = f"{items_path}[{index}]"
            fields = self.fields(item, path, ITEM_KEYS, ITEM_REQUIRED)
            if fields is None:
                continue
            number_path = _key_path(path, "number")
            number = self.text(
                fields.get("number"),
                number_path,
                required=True,
                number=True,
                max_length=_max_length(OutlineItem, "number"),
            )
            self.unique(
                numbers,
                number,
                fields.get("number"),
                number_path,
                _('The item number "%(value)s" is already used in this section by %(other)s.'),
            )
            text = self.text(fields.get("text"), _key_path(path, "text"), required=True)
            text_en = self.text(fields.get("text_en"), _key_path(path, "text_en"))
            answer = self.choice(
                fields.get("answer"), _key_path(path, "answer"), list(AnswerType.values)
            )
            result.append(ItemData(number=number, text=text, text_en=text_en, answer=answer))
        return result
