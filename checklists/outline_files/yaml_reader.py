"""The safe YAML reader: anchors, aliases, tags and merge keys are refused, depth
and value count are capped while the file is composed, and nothing is ever
constructed from a tag."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import yaml
from django.utils.translation import gettext as _

from checklists.outline_files.common import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_DIGITS,
    Node,
    refuse,
    too_deep,
    too_many_values,
)

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


class _Loader(Protocol):
    """What the reader uses of a loader: a limited composer with a constructor."""

    def compose_single(self) -> yaml.Node | None: ...
    def dispose(self) -> None: ...
    def construct_yaml_int(self, node: yaml.ScalarNode) -> int: ...
    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool: ...


class _LimitedComposer(yaml.composer.Composer):
    """A composer that refuses anchors and aliases and caps depth and value count.

    These checks run while the node graph is composed, before an alias bomb or a
    deep nest can turn into memory or recursion. Nothing is constructed from the
    graph: ``_from_yaml`` reads scalars itself, so no tag ever runs code.
    """

    if TYPE_CHECKING:
        # Provided by the parser it is mixed with (PyYAML's Parser or libyaml's CParser).
        def peek_event(self) -> Any: ...
        def get_event(self) -> Any: ...
        def check_event(self, *choices: type) -> bool: ...

    def _reset_limits(self) -> None:
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        # Refused at the anchor, before any alias can point at it: nothing is
        # ever shared, so walking the tree is linear in the file's size.
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            refuse(
                _(
                    "YAML anchors and aliases (&name, *name) are not allowed in outline "
                    "files; write each value out in full."
                ),
                line=_mark_line(event.start_mark),
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            refuse(too_many_values(), line=_mark_line(event.start_mark))
        if self._depth >= MAX_DEPTH:
            refuse(too_deep(), line=_mark_line(event.start_mark))
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
            refuse(
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


_YamlLoader: Callable[[str], _Loader]

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _CYamlLoader(
        CParser,
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
            CParser.__init__(self, stream)
            _LimitedComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._reset_limits()

    _YamlLoader = _CYamlLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = _PyYamlLoader


def _yaml_tag_name(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


def _refuse_tag(node: yaml.Node) -> NoReturn:
    line = _mark_line(node.start_mark)
    if node.tag == _YAML_MERGE:
        refuse(_("YAML merge keys (<<) are not allowed; write the keys out in full."), line=line)
    refuse(
        _(
            "The YAML tag %(tag)s is not allowed; outline files hold only text, numbers, "
            "lists and keys."
        )
        % {"tag": _yaml_tag_name(node.tag)},
        line=line,
    )


def _from_yaml(node: yaml.Node, loader: _Loader) -> Node:
    line = _mark_line(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _YAML_MAP:
            _refuse_tag(node)
        pairs = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                refuse(
                    _("Keys must be plain names such as title or items."),
                    line=_mark_line(key_node.start_mark),
                )
            if key_node.tag not in _YAML_SCALAR_KINDS:
                _refuse_tag(key_node)
            pairs.append(
                (key_node.value, _mark_line(key_node.start_mark), _from_yaml(value_node, loader))
            )
        return Node("map", pairs, line)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _YAML_SEQ:
            _refuse_tag(node)
        return Node("list", [_from_yaml(child, loader) for child in node.value], line)
    kind = _YAML_SCALAR_KINDS.get(node.tag)
    if kind is None or not isinstance(node, yaml.ScalarNode):
        _refuse_tag(node)
    raw = node.value
    if kind == "int":
        if len(raw) > MAX_NUMBER_DIGITS:
            refuse(_("This number has too many digits."), line=line)
        return Node(kind, loader.construct_yaml_int(node), line, raw)
    if kind == "bool":
        return Node(kind, loader.construct_yaml_bool(node), line, raw)
    if kind == "null":
        return Node(kind, None, line, raw)
    # Floats and dates are never valid in an outline; only their text is needed
    # for the message.
    return Node(kind, raw, line, raw)


def read_yaml(text: str) -> Node | None:
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
        refuse(_("This is not valid YAML: %(error)s.") % {"error": error}, line=_mark_line(mark))
    except yaml.reader.ReaderError:
        # Found again here: libyaml reports the position in bytes, not characters.
        match = yaml.reader.Reader.NON_PRINTABLE.search(text)
        if match is None:
            refuse(_("The file contains a character that YAML does not allow."))
        refuse(
            _("The file contains a character that YAML does not allow (U+%(code)04X).")
            % {"code": ord(match.group())},
            line=text.count("\n", 0, match.start()) + 1,
        )
    except yaml.YAMLError as exc:
        refuse(_("This is not valid YAML: %(error)s.") % {"error": exc})
