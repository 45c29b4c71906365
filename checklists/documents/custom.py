"""Filling a unit's own template (SPEC §12 "Templates"): a .docx a coordinator
uploaded, so its Jinja tags are untrusted input.

- The tags run in Jinja's sandbox: no attribute beginning with "_", no method that
  changes an object, ranges bounded. A template is text a person typed, and
  `{{ ''.__class__ … }}` must not reach Python's internals.
- The sandbox bounds `range`; repeating a string or a list (`"x" * 10**9`) and
  powers are bounded here too, so that one tag cannot fill the memory.
- An unknown placeholder is an error (StrictUndefined), not an empty string: a
  misspelt `{{ nguoi_ky }}` would otherwise print nothing, unnoticed.

Every failure becomes a TemplateFailed whose message names the placeholder or the
text near the error, and the reason, in words a coordinator can act on."""

from __future__ import annotations

import io
import operator
import re
from typing import Any

from django.utils.translation import gettext as _
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from .content import Content
from .samples import BLOCK_FIELDS, PLACEHOLDERS, row_fields

# The longest text or list one `*` may make, and the largest exponent of `**`.
MAX_REPEAT = 100_000
MAX_EXPONENT = 64
UNDEFINED = re.compile(r"^'([^']+)' is undefined")
NO_ATTRIBUTE = re.compile(r"^'(.+?)' has no attribute '([^']+)'")
TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{\{.*|\{%.*)")


class TemplateFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TemplateEnvironment(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(_("a power over %(max)d") % {"max": MAX_EXPONENT})
            return operator.pow(left, right)
        sized, times = (left, right) if isinstance(right, int) else (right, left)
        repeated = isinstance(sized, str | list | tuple) and isinstance(times, int)
        if repeated and len(sized) * times > MAX_REPEAT:
            raise SecurityError(_("a text or list repeated too many times"))
        return operator.mul(left, right)


def environment() -> TemplateEnvironment:
    # autoescape: text typed by people (findings, names) may hold "<" or "&".
    return TemplateEnvironment(undefined=StrictUndefined, autoescape=True)


def _names(names: list[str]) -> str:
    return ", ".join(names)


def _undefined_message(error: UndefinedError, kind: str) -> str:
    text = str(error.message or "")
    if match := UNDEFINED.match(text):
        return _("The placeholder “{{ %(name)s }}” is not one of the document's: %(names)s.") % {
            "name": match.group(1),
            "names": _names(list(PLACEHOLDERS)),
        }
    if match := NO_ATTRIBUTE.match(text):
        owner, field = match.groups()
        if owner.startswith("dict"):
            return _(
                "“%(field)s” is not a field of a table row of this kind: use row.%(names)s."
            ) % {"field": field, "names": _names(row_fields(kind)).replace(", ", ", row.")}
        if "Block" in owner:
            return _("“%(field)s” is not a field of a paragraph: use %(names)s.") % {
                "field": field,
                "names": _names([f"block.{name}" for name in BLOCK_FIELDS]),
            }
    return _("A placeholder cannot be filled: %(reason)s.") % {"reason": text.rstrip(".")}


def _near(error: TemplateError) -> str:
    """The tag nearest the error, as the template's text shows it."""
    lines = [line.strip() for line in getattr(error, "docx_context", None) or ()]
    tags = [tag for line in lines if line for tag in TAG.findall(line)]
    near = tags[len(tags) // 2] if tags else next((line for line in lines if line), "")
    return near[:120]


def failure_message(error: Exception, kind: str) -> str:
    if isinstance(error, UndefinedError):
        return _undefined_message(error, kind)
    if isinstance(error, SecurityError):
        return _("The template uses something templates may not: %(reason)s.") % {
            "reason": str(error.message or error).rstrip(".")
        }
    if isinstance(error, TemplateSyntaxError):
        near = _near(error)
        reason = error.message or str(error)
        if near:
            return _("The template has a syntax error near “%(text)s”: %(reason)s") % {
                "text": near,
                "reason": reason,
            }
        return _("The template has a syntax error: %(reason)s") % {"reason": reason}
    if isinstance(error, TemplateError):
        return _("The template cannot be filled: %(reason)s") % {"reason": error.message}
    return _(
        "The template cannot be filled: the result is not a valid Word document "
        "(%(reason)s). Check that each {%%p …%%} or {%%tr …%%} tag is alone in its "
        "paragraph or table row."
    ) % {"reason": str(error)[:200] or type(error).__name__}


def fill(template: bytes, content: Content) -> bytes:
    """A unit's template filled with `content`, or TemplateFailed (see the module)."""
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(content.context(), jinja_env=environment(), autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except Exception as error:  # untrusted input: every failure is a refusal, never a 500
        raise TemplateFailed(failure_message(error, content.kind)) from error
    return out.getvalue()
