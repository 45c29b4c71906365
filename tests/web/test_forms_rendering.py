"""The site's form renderer (web.forms_rendering) writes the <input> widgets
exactly as Django's templates do, and leaves every other widget to them."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import override

from web.forms_rendering import INPUTS, PageFormRenderer

ATTRS = [
    {},
    {"class": "a b", "placeholder": 'say "hi" & <go>', "required": True, "disabled": False},
    {"data-x": None, "aria-label": mark_safe("<b>safe</b>"), "min": 0, "step": 0.5},
]
VALUES = [None, "", "plain", 'it\'s <b>&</b> "quoted"', 42, 3.5, True, False]
WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    lambda **kw: forms.PasswordInput(render_value=True, **kw),
    forms.HiddenInput,
    forms.DateInput,
    lambda **kw: forms.DateInput(format="%d/%m/%Y", **kw),
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
    forms.ColorInput,
    forms.SearchInput,
    forms.TelInput,
]


@pytest.mark.parametrize("widget_class", WIDGETS)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_inputs_are_written_as_the_templates_write_them(widget_class, attrs, language):
    django_renderer, ours = DjangoTemplates(), PageFormRenderer()
    values = [*VALUES, dt.date(2026, 12, 4), dt.datetime(2026, 12, 4, 9, 30), dt.time(9, 30)]
    with override(language):
        for value in values:
            widget = widget_class(attrs=attrs)
            assert widget.template_name in INPUTS
            expected = widget.render("the-name", value, renderer=django_renderer)
            assert widget.render("the-name", value, renderer=ours) == expected, (value, attrs)


def test_other_widgets_and_whole_forms_render_as_before():
    class Form(forms.Form):
        text = forms.CharField(help_text="help", max_length=5)
        choice = forms.ChoiceField(choices=[("a", "A & B"), ("b", "B")])
        many = forms.MultipleChoiceField(
            choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
        )
        body = forms.CharField(widget=forms.Textarea)
        when = forms.SplitDateTimeField()
        agree = forms.BooleanField()

    form = Form({"text": "toolong", "choice": "b", "many": ["a"], "agree": "on"})
    form.is_valid()
    expected = form.render(renderer=DjangoTemplates())
    assert form.render(renderer=PageFormRenderer()) == expected
    assert 'maxlength="5"' in expected and "errorlist" in expected


def test_the_site_renders_its_forms_with_it(settings):
    assert settings.FORM_RENDERER == "web.forms_rendering.PageFormRenderer"
