"""Pages of a list whose total comes with its rows: one statement, not a COUNT
and then the page. The rows carry COUNT(*) OVER () (PostgreSQL and SQLite
compute it over every filtered row, before LIMIT; checklists.selectors.overview),
which costs the database little more than the page itself when the order already
sorts every row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

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
    read: Callable[[int], tuple[Sequence[Any], int | None]],
    whole: Callable[[], QuerySet],
    per_page: int,
    number: Any,
) -> Page:
    """Paginator(whole(), per_page).get_page(number), in one statement when the
    page asked for has rows: `read(start)` gives the page's rows from `start`
    and the number of all of them (None without rows). A page past the end (a
    link kept while rows went away) answers the last page, as get_page does,
    counting `whole()`, which is built only then."""
    try:
        asked = int(number)
    except (TypeError, ValueError):
        # As get_page: anything but a whole number asks for the first page.
        asked = 1
    if not 1 <= asked <= LAST_PAGE_TRIED:
        # get_page answers the last page for these: a count is needed first (and
        # an OFFSET past PostgreSQL's bigint is never sent).
        return Paginator(whole(), per_page).get_page(number)
    found, total = read((asked - 1) * per_page)
    rows = list(found)
    if not rows:
        if asked != 1:
            return Paginator(whole(), per_page).get_page(asked)
        total = 0
    assert total is not None  # rows carry their total
    return Page(rows, asked, CountedPaginator(rows, per_page, count=total))
