"""Signing in and out, the language switch, and what anonymous visitors get."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db


def test_pages_send_anonymous_visitors_to_sign_in(client):
    for name in ("web:deadlines", "web:calendar", "web:overview"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login") + "?next=")


def test_wrong_password_says_so_and_keeps_the_user_name(client, world):
    response = client.post(reverse("web:login"), {"username": "lead", "password": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'value="lead"' in page


def test_locked_out_person_gets_the_form_again_with_the_reason(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        response = client.post(reverse("web:login"), {"username": "lead", "password": "nope"})
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert 'name="password"' in response.content.decode()


@pytest.mark.browser
def test_sign_in_switch_language_and_sign_out(page, world, sign_in, live_server):
    sign_in(page, world.people.member)
    expect(page.get_by_role("link", name="My deadlines")).to_be_visible()
    page.get_by_role("button", name="VI").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/login/"))
