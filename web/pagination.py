"""Pages of a list whose total comes with its rows: one statement, not a COUNT
and then the page. The rows carry COUNT(*) OVER () (PostgreSQL and SQLite
compute it over every filtered row, before LIMIT), which costs the database
little more than the page itself when the order already sorts every row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

TOTAL = "total_rows"
# A page number beyond this is past the end of any list: answered as get_page does.
LAST_PAGE_TRIED = 1_000_000


class CountedPaginator(Paginator):
    """A Paginator told its count, already known from another query."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


def page_with_total(
    queryset: QuerySet | Callable[[], QuerySet],
    per_page: int,
    number: Any,
    *,
    read: Callable[[int], tuple[Sequence[Any], int | None]] | None = None,
) -> Page:
    """Paginator(queryset, per_page).get_page(number), in one statement when the
    page asked for has rows. A page past the end (a link kept while rows went
    away) answers the last page, as get_page does, with a count of its own.

    `read(start)`, if given, reads the page's rows from `start` and their total
    (None without rows) in that one statement instead of the queryset: a
    compiled statement of the same query (checklists.statements). The queryset
    may then come as a function, built only when a page past the end needs it."""

    def whole() -> QuerySet:
        return queryset() if callable(queryset) else queryset

    try:
        asked = int(number)
    except (TypeError, ValueError):
        # As get_page: anything but a whole number asks for the first page.
        asked = 1
    if not 1 <= asked <= LAST_PAGE_TRIED:
        # get_page answers the last page for these: a count is needed first (and
        # an OFFSET past PostgreSQL's bigint is never sent).
        return Paginator(whole(), per_page).get_page(number)
    start = (asked - 1) * per_page
    if read is None:
        rows = list(whole().annotate(**{TOTAL: Window(Count("*"))})[start : start + per_page])
        total = getattr(rows[0], TOTAL) if rows else None
    else:
        found, total = read(start)
        rows = list(found)
    if not rows:
        if asked != 1:
            return Paginator(whole(), per_page).get_page(asked)
        total = 0
    assert total is not None  # rows carry their total
    return Page(rows, asked, CountedPaginator(rows, per_page, count=total))
