"""Escaping for the rows the pages write themselves (web.views.*_rows)."""

from __future__ import annotations

from html import escape as _escape


def escape(value: object) -> str:
    """django.utils.html.escape's text (quotes included), without its lazy-string
    wrapper and SafeString: a page of rows calls it hundreds of times, and that
    wrapper cost more than the escaping (make bench profiles, issue 16). The
    writers mark their finished rows safe once."""
    return _escape(str(value))
