"""What the outline file readers share: the limits, the refusal with every problem
and its line, and the small tree both formats are read into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# An outline is six levels deep (root → sections → section → items → item → value);
# anything near this limit is not an outline.
MAX_DEPTH = 32
# Plan 10 has about 300 values. The cap keeps the node tree of a file that is
# small in bytes but dense in values (``[1,1,1,…]``) to a few MB of memory.
MAX_NODES = 20_000
# Longer numbers are refused before they are converted (int() of a huge text is slow).
MAX_NUMBER_DIGITS = 30
# Past this many the remaining ones are noise (a file of the wrong kind).
MAX_PROBLEMS = 100


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


def refuse(message: str, *, line: int | None = None, path: str = "") -> NoReturn:
    raise OutlineFileError([OutlineProblem(path=path, line=line, message=message)])


# ----------------------------------------------------------------- the common tree


@dataclass(slots=True, eq=False)
class Node:
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


def too_deep() -> str:
    return _("The file is nested more than %(limit)s levels deep; an outline needs only a few.") % {
        "limit": MAX_DEPTH
    }


def too_many_values() -> str:
    return _("The file holds more than %(limit)s values, far more than any outline needs.") % {
        "limit": MAX_NODES
    }
