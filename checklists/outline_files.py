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

Both formats are turned into the same small tree of ``_Node`` (value + line) and
validated by one walker, so YAML and JSON give the same problems with the same paths.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, NoReturn

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from checklists.models import (
    AnswerType,
    Outline,
    OutlineItem,
    OutlineMilestone,
    OutlineSection,
    Responsible,
    User,
)
from checklists.services.outlines import (
    ItemData,
    MilestoneData,
    OutlineData,
    SectionData,
    outline_create,
    outline_publish,
)

# An outline is six levels deep (root → sections → section → items → item → value);
# anything near this limit is not an outline.
MAX_DEPTH = 32
# Plan 10 has about 300 values. The cap keeps the node tree of a file that is
# small in bytes but dense in values (``[1,1,1,…]``) to a few MB of memory.
MAX_NODES = 20_000
# Calendar or working days from the first working session; a year either way.
MAX_OFFSET_DAYS = 366
MAX_VERSION = 2_147_483_647  # PositiveIntegerField on PostgreSQL
MAX_NUMBER_DIGITS = 30
# Past this many the remaining ones are noise (a file of the wrong kind).
MAX_PROBLEMS = 100

FORMATS = ("yaml", "json")

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


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class OutlineProblem:
    """One thing wrong with an outline file.

    ``path`` is a key path such as ``sections[2].items[0].answer`` ("" for the file
    as a whole); ``line`` is 1-based, or None when the format cannot tell.
    """

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path or _("(top level)")
        if self.line is not None:
            where = _("line %(line)s, %(path)s") % {"line": self.line, "path": where}
        return f"{where}: {self.message}"


class OutlineFileError(ValidationError):
    """The file is not a valid outline; ``problems`` lists everything found.

    A ValidationError, so callers that already turn ValidationError into a 400
    (the API) or a form error need nothing new.
    """

    def __init__(self, problems: list[OutlineProblem] | tuple[OutlineProblem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__([str(problem) for problem in self.problems], code="invalid_outline_file")

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def _refuse(message: str, *, line: int | None = None, path: str = "") -> NoReturn:
    raise OutlineFileError([OutlineProblem(path=path, line=line, message=message)])


# ----------------------------------------------------------------- the common tree


@dataclass(slots=True, eq=False)
class _Node:
    """A value read from either format.

    kind is map, list, str, int, float, bool, null or date. ``value`` of a map is a
    list of (key, key line, node), duplicates kept so they can be reported; of a
    list, a list of nodes. ``raw`` is the scalar's source text, used in messages and
    to keep ``number: 01`` as "01" rather than YAML's octal 1.
    """

    kind: str
    value: Any
    line: int | None
    raw: str = ""


# ---------------------------------------------------------------------------- YAML

_YAML_SCALAR_KINDS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:value": "str",  # a plain "=" (YAML 1.1); just text
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "date",
}
_YAML_MAP = "tag:yaml.org,2002:map"
_YAML_SEQ = "tag:yaml.org,2002:seq"
_YAML_MERGE = "tag:yaml.org,2002:merge"


def _mark_line(mark: yaml.Mark | None) -> int | None:
    return None if mark is None else mark.line + 1


class _LimitedComposer(yaml.composer.Composer):
    """A composer that refuses anchors and aliases and caps depth and value count.

    These checks run while the node graph is composed, before an alias bomb or a
    deep nest can turn into memory or recursion. Nothing is constructed from the
    graph: ``_from_yaml`` reads scalars itself, so no tag ever runs code.
    """

    def _reset_limits(self) -> None:
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        # Refused at the anchor, before any alias can point at it: nothing is
        # ever shared, so walking the tree is linear in the file's size.
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            _refuse(
                _(
                    "YAML anchors and aliases (&name, *name) are not allowed in outline "
                    "files; write each value out in full."
                ),
                line=_mark_line(event.start_mark),
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            _refuse(_too_many_values(), line=_mark_line(event.start_mark))
        if self._depth >= MAX_DEPTH:
            _refuse(_too_deep(), line=_mark_line(event.start_mark))
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_single(self) -> yaml.Node | None:
        """The root node of the only document, or None for an empty stream."""
        self.get_event()  # stream start
        if self.check_event(yaml.StreamEndEvent):
            return None
        node = self.compose_document()
        if not self.check_event(yaml.StreamEndEvent):
            _refuse(
                _(
                    "The file holds more than one YAML document (a second one starts "
                    "here); keep the whole outline in one document."
                ),
                line=_mark_line(self.peek_event().start_mark),
            )
        return node


class _PyYamlLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _LimitedComposer,
    yaml.constructor.SafeConstructor,
    yaml.resolver.Resolver,
):
    """yaml.SafeLoader with the limited composer."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _LimitedComposer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._reset_limits()


if yaml.__with_libyaml__:

    class _CYamlLoader(
        yaml.cyaml.CParser,
        _LimitedComposer,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """libyaml scans and parses; the limited composer (Python) builds the nodes.

        Not CSafeLoader: its composer is C code that cannot be hooked. Only
        libyaml's event stream is used, so the limits hold as in the pure-Python
        loader, and a 1 MB scalar is scanned in C instead of a char-by-char loop.
        """

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            _LimitedComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._reset_limits()

    _YamlLoader: type[_LimitedComposer] = _CYamlLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = _PyYamlLoader


def _yaml_tag_name(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


def _refuse_tag(node: yaml.Node) -> NoReturn:
    line = _mark_line(node.start_mark)
    if node.tag == _YAML_MERGE:
        _refuse(_("YAML merge keys (<<) are not allowed; write the keys out in full."), line=line)
    _refuse(
        _(
            "The YAML tag %(tag)s is not allowed; outline files hold only text, numbers, "
            "lists and keys."
        )
        % {"tag": _yaml_tag_name(node.tag)},
        line=line,
    )


def _from_yaml(node: yaml.Node, loader: yaml.constructor.SafeConstructor) -> _Node:
    line = _mark_line(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _YAML_MAP:
            _refuse_tag(node)
        pairs = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                _refuse(
                    _("Keys must be plain names such as title or items."),
                    line=_mark_line(key_node.start_mark),
                )
            if key_node.tag not in _YAML_SCALAR_KINDS:
                _refuse_tag(key_node)
            pairs.append(
                (key_node.value, _mark_line(key_node.start_mark), _from_yaml(value_node, loader))
            )
        return _Node("map", pairs, line)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _YAML_SEQ:
            _refuse_tag(node)
        return _Node("list", [_from_yaml(child, loader) for child in node.value], line)
    kind = _YAML_SCALAR_KINDS.get(node.tag)
    if kind is None:
        _refuse_tag(node)
    raw = node.value
    if kind == "int":
        if len(raw) > MAX_NUMBER_DIGITS:
            _refuse(_("This number has too many digits."), line=line)
        return _Node(kind, loader.construct_yaml_int(node), line, raw)
    if kind == "bool":
        return _Node(kind, loader.construct_yaml_bool(node), line, raw)
    if kind == "null":
        return _Node(kind, None, line, raw)
    # Floats and dates are never valid in an outline; only their text is needed
    # for the message.
    return _Node(kind, raw, line, raw)


def _read_yaml(text: str) -> _Node | None:
    try:
        loader = _YamlLoader(text)
        try:
            root = loader.compose_single()
            return None if root is None else _from_yaml(root, loader)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        error = " ".join(part for part in (exc.context, exc.problem) if part)
        _refuse(_("This is not valid YAML: %(error)s.") % {"error": error}, line=_mark_line(mark))
    except yaml.reader.ReaderError:
        # Found again here: libyaml reports the position in bytes, not characters.
        match = yaml.reader.Reader.NON_PRINTABLE.search(text)
        if match is None:
            _refuse(_("The file contains a character that YAML does not allow."))
        _refuse(
            _("The file contains a character that YAML does not allow (U+%(code)04X).")
            % {"code": ord(match.group())},
            line=text.count("\n", 0, match.start()) + 1,
        )
    except yaml.YAMLError as exc:
        _refuse(_("This is not valid YAML: %(error)s.") % {"error": exc})


# ---------------------------------------------------------------------------- JSON

# Skips strings (so brackets inside them do not count) and finds brackets. The
# closing quote is optional so an unterminated string ends the scan instead of being
# retried from every later quote (which would be quadratic); json reports it.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)


def _check_json_depth(text: str) -> None:
    """Refuse deep nesting before json's recursive parser sees it."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                _refuse(_too_deep(), line=text.count("\n", 0, match.start()) + 1)
        elif char in "]}":
            depth -= 1


_JSON_LITERALS = (("null", "null", None), ("true", "bool", True), ("false", "bool", False))


class _JsonReader:
    """Reads JSON into _Node with line numbers.

    It drives the standard library's own object and array parsers (the pure-Python
    ``JSONObject``/``JSONArray`` that ``json.scanner.py_make_scanner`` uses) with a
    ``scan_once`` of its own, so the grammar and error messages stay the standard
    library's while every value learns its line, and depth and value count are
    capped as it goes.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.depth = 0
        self.nodes = 0
        self.memo: dict[str, str] = {}
        self._line_at = (0, 1)  # (index, line) of the last value seen

    def line(self, index: int) -> int:
        # Values are scanned left to right, so counting on from the previous one
        # keeps the total linear without a table of every newline.
        last_index, last_line = self._line_at
        if index < last_index:
            last_index, last_line = 0, 1
        line = last_line + self.text.count("\n", last_index, index)
        self._line_at = (index, line)
        return line

    def read(self) -> _Node:
        text = self.text
        whitespace = json.decoder.WHITESPACE.match
        start = whitespace(text, 0).end()
        try:
            node, end = self.scan_once(text, start)
        except StopIteration as exc:
            raise json.JSONDecodeError("Expecting value", text, exc.value) from None
        end = whitespace(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        return node

    def scan_once(self, text: str, index: int) -> tuple[_Node, int]:
        try:
            char = text[index]
        except IndexError:
            raise StopIteration(index) from None
        self.nodes += 1
        line = self.line(index)
        if self.nodes > MAX_NODES:
            _refuse(_too_many_values(), line=line)
        if char == '"':
            value, end = json.decoder.scanstring(text, index + 1, True)
            return _Node("str", value, line, value), end
        if char in "{[":
            if self.depth >= MAX_DEPTH:
                _refuse(_too_deep(), line=line)
            self.depth += 1
            try:
                if char == "{":
                    pairs, end = json.decoder.JSONObject(
                        (text, index + 1), True, self.scan_once, None, self._pairs, self.memo
                    )
                    return _Node("map", pairs, line), end
                values, end = json.decoder.JSONArray((text, index + 1), self.scan_once)
                return _Node("list", values, line), end
            finally:
                self.depth -= 1
        for literal, kind, value in _JSON_LITERALS:
            if text.startswith(literal, index):
                return _Node(kind, value, line, literal), index + len(literal)
        match = json.scanner.NUMBER_RE.match(text, index)
        if match is None:
            raise StopIteration(index)
        integer, fraction, exponent = match.groups()
        raw = match.group()
        if len(raw) > MAX_NUMBER_DIGITS:
            _refuse(_("This number has too many digits."), line=line)
        if fraction or exponent:
            return _Node("float", raw, line, raw), match.end()
        return _Node("int", int(integer), line, raw), match.end()

    @staticmethod
    def _pairs(pairs: list[tuple[str, _Node]]) -> list[tuple[str, int | None, _Node]]:
        # A key's line is its value's line: they share a line in any normal layout.
        return [(key, node.line, node) for key, node in pairs]


def _read_json(text: str) -> _Node:
    _check_json_depth(text)
    try:
        return _JsonReader(text).read()
    except json.JSONDecodeError as exc:
        _refuse(
            _("This is not valid JSON: %(error)s (column %(column)s).")
            % {"error": exc.msg, "column": exc.colno},
            line=exc.lineno,
        )
    except RecursionError:
        # The pre-scan and the depth cap make this unreachable; kept so a gap in
        # either is a refusal, not a crash.
        _refuse(_too_deep())


def _too_deep() -> str:
    return _("The file is nested more than %(limit)s levels deep; an outline needs only a few.") % {
        "limit": MAX_DEPTH
    }


def _too_many_values() -> str:
    return _("The file holds more than %(limit)s values, far more than any outline needs.") % {
        "limit": MAX_NODES
    }


# ---------------------------------------------------------------------- validation


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(node: _Node) -> str:
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


def _max_length(model: type, name: str) -> int | None:
    return model._meta.get_field(name).max_length


class _Validator:
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
        self, node: _Node, path: str, keys: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, _Node] | None:
        """The mapping's values by key; unknown, repeated and missing keys are problems."""
        if node.kind != "map":
            self.add(
                path,
                node.line,
                _("Expected a group of keys (%(keys)s), found %(found)s.")
                % {"keys": ", ".join(keys), "found": _describe(node)},
            )
            return None
        found: dict[str, _Node] = {}
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
        node: _Node | None,
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

    def not_text(self, node: _Node, path: str) -> None:
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

    def choice(self, node: _Node | None, path: str, choices: list[str]) -> str:
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

    def integer(self, node: _Node | None, path: str, *, minimum: int, maximum: int) -> int | None:
        if node is None:
            return None
        if node.kind != "int":
            message = _("Expected a whole number, found %(found)s.") % {"found": _describe(node)}
            if node.kind == "str" and re.fullmatch(r"\s*[-+]?\d+\s*", node.value):
                message += " " + _("Remove the quotes.")
            self.add(path, node.line, message)
            return None
        if not minimum <= node.value <= maximum:
            if maximum >= MAX_VERSION and node.value < minimum:
                message = _("Expected a whole number of at least %(minimum)s, found %(value)s.")
            elif maximum >= MAX_VERSION:
                message = _("Expected a whole number of at most %(maximum)s, found %(value)s.")
            else:
                message = _(
                    "Expected a whole number from %(minimum)s to %(maximum)s, found %(value)s."
                )
            bounds = {"minimum": minimum, "maximum": maximum, "value": node.raw}
            self.add(path, node.line, message % bounds)
            return None
        return node.value

    def elements(self, node: _Node | None, path: str, *, empty: str | None = None) -> list[_Node]:
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
        self, seen: dict[str, str], value: str, node: _Node | None, path: str, message: str
    ) -> None:
        """Report ``value`` if an earlier path (kept in ``seen``) already used it."""
        if not value or node is None:
            return
        if value in seen:
            self.add(path, node.line, message % {"value": value, "other": seen[value]})
        else:
            seen[value] = path

    # -- the outline

    def outline(self, root: _Node | None) -> OutlineData:
        if root is None:
            _refuse(_("The file is empty."))
        fields = self.fields(root, "", ROOT_KEYS, ROOT_REQUIRED)
        if fields is None:
            self.finish()
        assert fields is not None
        code = self.text(
            fields.get("code"), "code", required=True, max_length=_max_length(Outline, "code")
        )
        version = self.integer(fields.get("version"), "version", minimum=1, maximum=MAX_VERSION)
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

    def milestones(self, node: _Node | None) -> list[MilestoneData]:
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

    def sections(self, node: _Node | None) -> list[SectionData]:
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

    def items(self, node: _Node | None, items_path: str) -> list[ItemData]:
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


# ---------------------------------------------------------------------- public API


_LEADING_SPACE = re.compile(r"\s*")


def _detect_format(filename: str, text: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    start = _LEADING_SPACE.match(text).end()
    return "json" if text[start : start + 1] in ("{", "[") else "yaml"


def parse_outline(content: bytes, *, filename: str = "") -> OutlineData:
    """Read an outline file (YAML, or JSON with the same keys) into OutlineData.

    The format comes from the file name's extension, else from the first
    non-blank character. Raises OutlineFileError listing every problem found.
    """
    limit = settings.OUTLINE_FILE_MAX_BYTES
    if len(content) > limit:
        _refuse(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": len(content), "limit": limit}
        )
    try:
        # utf-8-sig: editors on Windows add a byte-order mark.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # exc.object, not content: after a byte-order mark the offsets start behind it.
        _refuse(
            _(
                "The file is not UTF-8 text (byte 0x%(byte)02X cannot be read). "
                "Save it as UTF-8 and try again."
            )
            % {"byte": exc.object[exc.start]},
            line=exc.object.count(b"\n", 0, exc.start) + 1,
        )
    if not text.strip():
        _refuse(_("The file is empty."))
    if _detect_format(filename, text) == "json":
        root: _Node | None = _read_json(text)
    else:
        root = _read_yaml(text)
    return _Validator().outline(root)


def outline_import(
    *, actor: User | None, content: bytes, filename: str = "", publish: bool = False
) -> Outline:
    """Save an outline file as a new draft version, or publish it too.

    All or nothing: an invalid file raises OutlineFileError before anything is
    written; a duplicate code+version (ValidationError) or a failed publish rolls
    the whole import back.
    """
    # Parsed before the transaction opens: a large file does not keep one waiting.
    data = parse_outline(content, filename=filename)
    with transaction.atomic():
        outline = outline_create(actor=actor, data=data)
        if publish:
            outline = outline_publish(actor=actor, outline=outline)
    return outline


class _Quoted(str):
    """Text written in double quotes, as in the sample file."""


class _Plain(str):
    """Identifier-like text (code, keys, choices), written bare when YAML allows."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent lists under their key ("  - number: …") the way the sample does.
        return super().increase_indent(flow, False)


_Dumper.add_representer(
    _Quoted,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'),
)
_Dumper.add_representer(_Plain, yaml.SafeDumper.represent_str)


def _as_document(data: OutlineData) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": _Plain(data.code),
        "version": data.version,
        "language": _Plain(data.language),
        "title": _Quoted(data.title),
    }
    if data.title_en:
        document["title_en"] = _Quoted(data.title_en)
    if data.issuer:
        document["issuer"] = _Quoted(data.issuer)
    if data.references:
        document["references"] = [_Quoted(reference) for reference in data.references]
    if data.milestones:
        document["milestones"] = []
        for milestone in data.milestones:
            entry: dict[str, Any] = {
                "key": _Plain(milestone.key),
                "title": _Quoted(milestone.title),
            }
            if milestone.title_en:
                entry["title_en"] = _Quoted(milestone.title_en)
            if milestone.offset_days is not None:
                entry["offset_days"] = milestone.offset_days
            if milestone.offset_working_days is not None:
                entry["offset_working_days"] = milestone.offset_working_days
            entry["responsible"] = _Plain(milestone.responsible)
            document["milestones"].append(entry)
    document["sections"] = []
    for section in data.sections:
        entry = {"number": _Quoted(section.number), "title": _Quoted(section.title)}
        if section.title_en:
            entry["title_en"] = _Quoted(section.title_en)
        entry["items"] = []
        for item in section.items:
            row: dict[str, Any] = {"number": _Quoted(item.number), "text": _Quoted(item.text)}
            if item.text_en:
                row["text_en"] = _Quoted(item.text_en)
            row["answer"] = _Plain(item.answer)
            entry["items"].append(row)
        document["sections"].append(entry)
    return document


def dump_outline(data: OutlineData, *, fmt: str = "yaml") -> str:
    """The outline as the text of an outline file, in the sample's layout."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown outline file format {fmt!r}; use one of {FORMATS}.")
    document = _as_document(data)
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.dump(
        document,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        # Long Vietnamese titles stay on one line instead of being folded at 80.
        width=1_000_000,
    )
