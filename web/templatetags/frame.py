"""The page frame's navigation links (web/base.html), written in Python: every page
renders them, and as template tags (a dozen links, each with its translation and
aria-current test) they took about 1 ms of each request (make bench, issue 16)."""

from __future__ import annotations

from html import escape

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context: Context) -> SafeString:
    """The main navigation's links for the person signed in (none for anyone
    else), the current page's marked with aria-current."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return mark_safe("")
    urls = context.get("nav_urls") or {}
    request = context.get("request")
    path = request.path if request is not None else ""

    def link(name: str, label: str) -> str:
        url = urls.get(name, "")
        current = 'aria-current="page"' if url and path == url else ""
        return f'<li><a href="{escape(url)}" {current}>{escape(label)}</a></li>'

    coordinator = bool(context.get("nav_is_coordinator"))
    links = [
        link("web_deadlines", _("My deadlines")),
        link("web_calendar", _("Calendar")),
        link("web_overview", _("Overview") if coordinator else _("Visits")),
    ]
    if context.get("nav_shows_recommendations"):
        links.append(link("web_recommendations", _("Recommendations")))
    if coordinator:
        links.append(
            link("web_coverage", _("Coverage"))
            + link("web_programmes", _("Programmes"))
            + link("web_document_templates", _("Templates"))
            + link("web_registers", _("Registers"))
        )
    if user.is_staff:
        admin = escape(urls.get("admin_index", ""))
        links.append(f'<li><a href="{admin}">{escape(_("Administration"))}</a></li>')
    return mark_safe("\n".join(links))  # every value escaped above
