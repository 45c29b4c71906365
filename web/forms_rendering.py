"""The site's form renderer (settings.FORM_RENDERER): Django's own, except that the
widgets of one <input> (text, number, date, checkbox…) are written directly.

Django renders each of them through two templates (the widget's, which includes
input.html, which includes attrs.html): about 0.15 ms an input, most of a filter
form's cost on the list pages (make bench, issue 16), as LongSelect found for the
options of a <select>. The HTML is the templates' to the byte (tests/web/
test_forms_rendering.py renders every such widget both ways); a project template
of the same name would be rendered as usual.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

INPUT = "django/forms/widgets/input.html"
# The widget templates that are input.html included and nothing else.
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)


def _text(value: Any) -> str:
    """A value as the template writes it: escaped (html.escape, quotes
    included) unless marked safe."""
    return str(value) if hasattr(value, "__html__") else escape(str(value))


def input_html(widget: dict[str, Any]) -> str:
    """input.html and attrs.html for a widget's context: `value` when not None,
    each attribute unless False, bare when True."""
    parts = [f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"']
    if widget["value"] is not None:
        parts.append(f' value="{_text(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is True:
            parts.append(f" {_text(name)}")
        elif value is not False:
            parts.append(f' {_text(name)}="{_text(value)}"')
    parts.append(">")
    return "".join(parts)


class PageFormRenderer(DjangoTemplates):
    """DjangoTemplates (Django's default), with the <input> widgets written
    directly unless the project overrides their templates."""

    def __init__(self) -> None:
        super().__init__()
        self._direct: dict[str, bool] = {}

    def _is_django_input(self, template_name: str) -> bool:
        """Whether Django's own template (not one of the project's) renders it:
        looked up once per name."""
        direct = self._direct.get(template_name)
        if direct is None:
            origins = [self.get_template(name).origin.name for name in (template_name, INPUT)]
            direct = all("/django/forms/templates/" in origin for origin in origins)
            self._direct[template_name] = direct
        return direct

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in INPUTS and self._is_django_input(template_name):
            # As BaseRenderer.render, which strips the templates' line breaks.
            return mark_safe(input_html(context["widget"]))
        return super().render(template_name, context, request)
