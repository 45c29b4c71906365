"""The page frame's navigation (web.templatetags.frame.nav_links): which links each
person is offered, the current page marked, and nothing for someone signed out."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from checklists.models import User

pytestmark = pytest.mark.django_db

DEADLINES = reverse("web:deadlines")
COORDINATOR_PAGES = ["web:coverage", "web:programmes", "web:document_templates", "web:registers"]


def nav(client: Client, path: str = DEADLINES) -> dict[str, str]:
    """The main navigation's links as {href: text}, and the one marked current
    under the key "current"."""
    html = client.get(path).content.decode()
    links = re.search(r'<ul class="nav-links">(.*?)<form class="language-switch"', html, re.S)
    assert links is not None
    found = dict(re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', links.group(1)))
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', links.group(1))
    return {**found, "current": ",".join(current)}


def test_a_coordinator_is_offered_every_page_and_sees_the_current_one_marked(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.people.coordinator_in)
    links = nav(client, reverse("web:coverage"))
    assert links[reverse("web:overview")] == "Overview"
    for name in COORDINATOR_PAGES:
        assert reverse(name) in links
    assert links[reverse("web:recommendations")] == "Recommendations"
    assert links["current"] == reverse("web:coverage")
    assert reverse("admin:index") not in links


def test_a_team_member_sees_their_visits_and_no_coordinator_page(world, web_client_for):
    links = nav(web_client_for("lead"))
    assert links[DEADLINES] and links["current"] == DEADLINES
    assert reverse("web:overview") in links and reverse("web:recommendations") in links
    for name in COORDINATOR_PAGES:
        assert reverse(name) not in links


def test_a_host_contact_is_offered_recommendations_only_once_one_is_theirs(world, web_client_for):
    # The host unit has no recommendation yet in the shared world.
    links = nav(web_client_for("host_in"))
    assert reverse("web:recommendations") not in links
    assert reverse("web:calendar") in links


def test_staff_see_the_administration_and_anyone_signed_out_no_link(world, web_client_for):
    User.objects.filter(pk=world.people.lead.pk).update(is_staff=True)
    assert reverse("admin:index") in nav(web_client_for("lead"))
    html = Client().get(reverse("web:login")).content.decode()
    assert DEADLINES not in html and reverse("web:overview") not in html


def test_the_links_speak_the_persons_language(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(world.people.lead)
    User.objects.filter(pk=world.people.lead.pk).update(language="vi")
    links = nav(client)
    assert links[DEADLINES] == "Hạn của tôi"
