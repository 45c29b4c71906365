"""LongSelect writes the HTML Django's Select would, without a template per option."""

from __future__ import annotations

import re

from django import forms

from web.widgets import LongSelect

CHOICES = [("", "Any unit"), ("1", "Quảng Ninh"), ("2", "<b>Hạ Long</b> & co")]


class Form(forms.Form):
    fast = forms.ChoiceField(choices=CHOICES, required=False, widget=LongSelect)
    stock = forms.ChoiceField(choices=CHOICES, required=False)


def options(html: str) -> list[tuple[str, bool, str]]:
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*(?:&lt;[^<]*)*)</option>', html
        )
    ]


def test_it_renders_the_same_options_escaped_with_the_choice_selected():
    form = Form(data={"fast": "2", "stock": "2"})
    fast, stock = str(form["fast"]), str(form["stock"])
    assert options(fast) == options(stock)
    assert ("2", True, "&lt;b&gt;Hạ Long&lt;/b&gt; &amp; co") in options(fast)
    assert 'name="fast"' in fast and 'id="id_fast"' in fast


def test_it_marks_a_refused_value_like_the_stock_widget():
    form = Form(data={"fast": "9", "stock": "9"})
    assert not form.is_valid()
    assert 'aria-invalid="true"' in str(form["fast"])
    assert 'aria-invalid="true"' in str(form["stock"])
