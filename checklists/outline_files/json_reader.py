"""The JSON reader: the standard library's grammar, with lines, a depth cap checked
before parsing and a value cap while parsing."""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from typing import Any

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

# The decoder's pure-Python parts (WHITESPACE, scanstring, JSONObject, JSONArray)
# are public in the module but not in typeshed.
_decoder: Any = json.decoder

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
                refuse(too_deep(), line=text.count("\n", 0, match.start()) + 1)
        elif char in "]}":
            depth -= 1


_JSON_LITERALS = (("null", "null", None), ("true", "bool", True), ("false", "bool", False))


class _JsonReader:
    """Reads JSON into Node with line numbers.

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

    def read(self) -> Node:
        text = self.text
        whitespace = _decoder.WHITESPACE.match
        start = whitespace(text, 0).end()
        try:
            node, end = self.scan_once(text, start)
        except StopIteration as exc:
            raise json.JSONDecodeError("Expecting value", text, exc.value) from None
        end = whitespace(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        return node

    def scan_once(self, text: str, index: int) -> tuple[Node, int]:
        try:
            char = text[index]
        except IndexError:
            raise StopIteration(index) from None
        self.nodes += 1
        line = self.line(index)
        if self.nodes > MAX_NODES:
            refuse(too_many_values(), line=line)
        if char == '"':
            value, end = _decoder.scanstring(text, index + 1, True)
            return Node("str", value, line, value), end
        if char in "{[":
            if self.depth >= MAX_DEPTH:
                refuse(too_deep(), line=line)
            self.depth += 1
            try:
                if char == "{":
                    pairs, end = _decoder.JSONObject(
                        (text, index + 1), True, self.scan_once, None, self._pairs, self.memo
                    )
                    return Node("map", pairs, line), end
                values, end = _decoder.JSONArray((text, index + 1), self.scan_once)
                return Node("list", values, line), end
            finally:
                self.depth -= 1
        for literal, kind, value in _JSON_LITERALS:
            if text.startswith(literal, index):
                return Node(kind, value, line, literal), index + len(literal)
        match = json.scanner.NUMBER_RE.match(text, index)
        if match is None:
            raise StopIteration(index)
        integer, fraction, exponent = match.groups()
        raw = match.group()
        if len(raw) > MAX_NUMBER_DIGITS:
            refuse(_("This number has too many digits."), line=line)
        if fraction or exponent:
            return Node("float", raw, line, raw), match.end()
        return Node("int", int(integer), line, raw), match.end()

    @staticmethod
    def _pairs(pairs: list[tuple[str, Node]]) -> list[tuple[str, int | None, Node]]:
        # A key's line is its value's line: they share a line in any normal layout.
        return [(key, node.line, node) for key, node in pairs]


def read_json(text: str) -> Node:
    _check_json_depth(text)
    try:
        return _JsonReader(text).read()
    except json.JSONDecodeError as exc:
        refuse(
            _("This is not valid JSON: %(error)s (column %(column)s).")
            % {"error": exc.msg, "column": exc.colno},
            line=exc.lineno,
        )
    except RecursionError:
        # The pre-scan and the depth cap make this unreachable; kept so a gap in
        # either is a refusal, not a crash.
        refuse(too_deep())
