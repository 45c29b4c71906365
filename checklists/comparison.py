"""Two revisions of a draft report compared the way a word processor compares
documents (SPEC §3, §5 `diff`): by outline section, paragraph by paragraph, and
inside a changed paragraph word by word.

1. Each text is split at the outline's section headings, found as the coverage
   finds them (checklists.coverage.heading_lines); the text before the first
   heading is a section of its own, with number None. A section is compared with
   the same section of the other revision, wherever each stands in its document.
2. A paragraph is one line of the extracted text. Its words are the
   whitespace-separated tokens of its NFC normalisation, so spaces (several, or
   non-breaking) and NFC/NFD spellings of the same Vietnamese letter are no
   change; diacritics are kept (“Hà” and “Ha” are different words).
3. The paragraphs of a section are aligned with difflib (equal, insert, delete,
   replace). A replaced block pairs each old paragraph with its most similar new
   one, as difflib.Differ does for lines: a paragraph with one figure changed is
   one `replace` whose `spans` mark that figure deleted and inserted; paragraphs
   less than REPLACE_CUTOFF alike stay a delete and an insert.
4. `inserted` and `deleted` count words, in whole paragraphs and in spans.

Speed (SPEC §10: two 30-page revisions within 500 ms): SequenceMatcher without
autojunk runs on the paragraphs' normalised strings (hashed once each) and, only
inside a replaced pair, on the pair's words; pairing a replaced block costs
len(old) × len(new) ratios, cut short by difflib's cheap upper bounds, and a block
beyond MAX_PAIRING_CELLS is paired in order instead. `bench/comparison.py`
measures it.

Pure: no database, no Django; the services keep the result
(checklists.services.report_comparisons).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from checklists.coverage import SectionRef, heading_lines, normalise_lines

# Bump when the result's shape or the algorithm changes: kept results of an older
# version are computed again when read.
ALGORITHM = 1
# Two paragraphs at least this alike (difflib ratio of their words) are one edited
# paragraph; below it, one was removed and another written.
REPLACE_CUTOFF = 0.5
# Best-pair search of a replaced block is quadratic; beyond this many
# (old × new) paragraph pairs the block is paired in order.
MAX_PAIRING_CELLS = 2500

Change = dict[str, Any]


@dataclass(frozen=True)
class Paragraph:
    text: str  # as extracted, for display
    words: tuple[str, ...]  # NFC, split at any whitespace
    key: str  # the words joined by one space: equal keys are equal paragraphs


@dataclass(frozen=True)
class Comparison:
    sections: list[dict[str, Any]]
    inserted: int
    deleted: int
    unified_body: str  # the unified diff without its two label lines


def words(text: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", text).split())


def paragraph(text: str) -> Paragraph:
    tokens = words(text)
    return Paragraph(text=text, words=tokens, key=" ".join(tokens))


def paragraphs(text: str) -> list[Paragraph]:
    return [p for p in (paragraph(line) for line in text.splitlines()) if p.words]


# --- sections ------------------------------------------------------------------------


def split_sections(
    items: Sequence[Paragraph], sections: Sequence[SectionRef]
) -> tuple[list[Paragraph], dict[str, list[Paragraph]]]:
    """(the paragraphs before the first heading, section number → its paragraphs,
    heading included) for the sections whose heading the text has."""
    found = heading_lines(normalise_lines([p.text for p in items]), sections)
    starts: dict[int, str] = {}
    for number, index in found.items():
        starts.setdefault(index, number)  # one line heads one section, the first listed
    bounds = sorted(starts)
    if not bounds:
        return list(items), {}
    parts = {
        starts[start]: list(items[start:end])
        for start, end in zip(bounds, [*bounds[1:], len(items)], strict=True)
    }
    return list(items[: bounds[0]]), parts


# --- paragraphs and words ---------------------------------------------------------------


def _run(op: str, tokens: Sequence[str]) -> dict[str, str]:
    return {"op": op, "text": " ".join(tokens)}


def word_spans(old: Sequence[str], new: Sequence[str]) -> list[dict[str, str]]:
    """The words of a replaced paragraph: equal, delete and insert runs, in reading
    order (a replaced run of words is its deletion, then its insertion)."""
    spans: list[dict[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "delete", "replace") and i2 > i1:
            spans.append(_run("equal" if tag == "equal" else "delete", old[i1:i2]))
        if tag in ("insert", "replace") and j2 > j1:
            spans.append(_run("insert", new[j1:j2]))
    return spans


def _replace(old: Paragraph, new: Paragraph) -> Change:
    return {
        "op": "replace",
        "old": old.text,
        "new": new.text,
        "spans": word_spans(old.words, new.words),
    }


def _delete(old: Paragraph) -> Change:
    return {"op": "delete", "old": old.text, "new": None}


def _insert(new: Paragraph) -> Change:
    return {"op": "insert", "old": None, "new": new.text}


def _apart(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> list[Change]:
    return [*map(_delete, old), *map(_insert, new)]


def _similar(matcher: difflib.SequenceMatcher, floor: float) -> float | None:
    """The ratio when above `floor`, trying difflib's cheap upper bounds first."""
    if matcher.real_quick_ratio() > floor and matcher.quick_ratio() > floor:
        ratio = matcher.ratio()
        if ratio > floor:
            return ratio
    return None


def _pair_block(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> list[Change]:
    """Pair a replaced block: the most alike pair (at least REPLACE_CUTOFF) becomes a
    `replace`, and the paragraphs before and after it are paired the same way (the
    order of both documents is kept)."""
    if not old or not new:
        return _apart(old, new)
    if len(old) * len(new) > MAX_PAIRING_CELLS:
        return _pair_in_order(old, new)
    best, best_i, best_j = REPLACE_CUTOFF - 1e-9, -1, -1
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for j, candidate in enumerate(new):
        matcher.set_seq2(candidate.words)  # seq2 is the indexed side: once per row
        for i, original in enumerate(old):
            matcher.set_seq1(original.words)
            ratio = _similar(matcher, best)
            if ratio is not None:
                best, best_i, best_j = ratio, i, j
    if best_i < 0:
        return _apart(old, new)
    return [
        *_pair_block(old[:best_i], new[:best_j]),
        _replace(old[best_i], new[best_j]),
        *_pair_block(old[best_i + 1 :], new[best_j + 1 :]),
    ]


def _pair_in_order(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> list[Change]:
    """A block too big for the best-pair search: the k-th old paragraph with the k-th
    new one when they are alike enough, else apart."""
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for original, candidate in zip(old, new, strict=False):
        matcher.set_seqs(original.words, candidate.words)
        if _similar(matcher, REPLACE_CUTOFF - 1e-9) is not None:
            changes.append(_replace(original, candidate))
        else:
            changes.extend(_apart([original], [candidate]))
    rest = min(len(old), len(new))
    return changes + _apart(old[rest:], new[rest:])


def compare_paragraphs(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> list[Change]:
    matcher = difflib.SequenceMatcher(
        None, [p.key for p in old], [p.key for p in new], autojunk=False
    )
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.extend(
                {"op": "equal", "old": o.text, "new": n.text}
                for o, n in zip(old[i1:i2], new[j1:j2], strict=True)
            )
        else:
            changes.extend(_pair_block(old[i1:i2], new[j1:j2]))
    return changes


def count_words(changes: Iterable[Change]) -> tuple[int, int]:
    """(inserted, deleted) words of a list of changes."""
    inserted = deleted = 0
    for change in changes:
        op = change["op"]
        if op == "insert":
            inserted += len(words(change["new"]))
        elif op == "delete":
            deleted += len(words(change["old"]))
        elif op == "replace":
            for span in change["spans"]:
                if span["op"] == "insert":
                    inserted += len(span["text"].split())
                elif span["op"] == "delete":
                    deleted += len(span["text"].split())
    return inserted, deleted


# --- the whole comparison ----------------------------------------------------------------


def _section(number: str | None, title: str | None, changes: list[Change]) -> dict[str, Any]:
    inserted, deleted = count_words(changes)
    return {
        "number": number,
        "title": title,
        "changed": any(c["op"] != "equal" for c in changes),
        "inserted": inserted,
        "deleted": deleted,
        "changes": changes,
    }


def compare_texts(old_text: str, new_text: str, sections: Sequence[SectionRef]) -> Comparison:
    """Compare two revisions' texts (one paragraph a line) along the outline's
    sections: the text before the first heading (number None) when either
    revision has some, then every outline section in outline order (a section
    neither revision has comes with no changes)."""
    old_items, new_items = paragraphs(old_text), paragraphs(new_text)
    old_before, old_parts = split_sections(old_items, sections)
    new_before, new_parts = split_sections(new_items, sections)
    result = []
    if old_before or new_before:
        result.append(_section(None, None, compare_paragraphs(old_before, new_before)))
    for section in sections:
        changes = compare_paragraphs(
            old_parts.get(section.number, []), new_parts.get(section.number, [])
        )
        result.append(_section(section.number, section.title, changes))
    return Comparison(
        sections=result,
        inserted=sum(s["inserted"] for s in result),
        deleted=sum(s["deleted"] for s in result),
        unified_body=unified_body(old_items, new_items),
    )


def unified_body(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> str:
    """The unified diff of the two texts line by line, without its label lines (the
    labels are written when read, in the reader's language). Lines are compared
    normalised as the words are: spacing and NFC/NFD are no change here either."""
    lines = difflib.unified_diff(
        [p.key + "\n" for p in old], [p.key + "\n" for p in new], fromfile="", tofile=""
    )
    return "".join(line for index, line in enumerate(lines) if index >= 2)


def unified_diff(body: str, *, old_label: str, new_label: str) -> str:
    """A kept body with its labels: the text difflib.unified_diff gives (nothing
    when the texts are the same)."""
    return f"--- {old_label}\n+++ {new_label}\n{body}" if body else ""
