"""The Content-Security-Policy of SPEC §14 on every HTML answer: the pages, the
admin and the API docs, signed in or not, refusals included. Nothing from another
site, no inline script; a download keeps its own sandbox policy.

The browser tests (tests/web/conftest.py, `csp_watch`) check that the pages still
work under the policy; these check the header and the markup it relies on."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from checklists.models import User
from checklists.services.reports import report_revision_upload
from tests import factories
from tests.checklists.test_reports_uploads import V1_DOCX

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'", "'unsafe-inline'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
# A <script> that runs: one without src, unless it only carries data (json_script).
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
FOREIGN_URL = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""", re.IGNORECASE)


def policy_of(response) -> dict[str, set[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Admin and docs pages link their files through the static storage; the manifest
    # storage of a production image needs collectstatic to have run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def pages(world) -> list[tuple[str | None, str, int]]:
    """(who signs in, path, expected status) for one of every kind of HTML answer."""
    revision = report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(V1_DOCX.read_bytes()),
        filename=V1_DOCX.name,
    )
    visit = f"/visits/{world.visit.pk}/"
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    return [
        (None, "/login/", 200),
        ("coordinator_in", "/deadlines/", 200),
        ("coordinator_in", "/visits/", 200),
        ("coordinator_in", "/calendar/", 200),
        ("lead", visit, 200),
        ("lead", f"{visit}reports/{revision.pk}/", 200),
        # Refusals are pages too.
        ("lead", f"/visits/{world.other_visit.pk}/", 404),
        ("lead", "/no-such-page/", 404),
        (None, "/admin/login/", 200),
        (admin.username, "/admin/", 200),
        (admin.username, "/admin/checklists/visit/", 200),
        (admin.username, f"/admin/checklists/visit/{world.visit.pk}/change/", 200),
        (None, "/api/v1/docs/", 200),
        (None, "/api/v1/redoc/", 200),
    ]


def client_for(world, who: str | None) -> Client:
    client = Client()
    if who is not None:
        person = getattr(world.people, who, None)
        client.force_login(person or User.objects.get(username=who))
    return client


# ReDoc builds its search worker from a blob: URL of its own script.
EXCEPTIONS = {"/api/v1/redoc/": {"worker-src": {"'self'", "blob:"}}}


def test_it_sends_the_strict_policy_on_every_html_page(world, pages):
    for who, path, status in pages:
        response = client_for(world, who).get(path)

        assert response.status_code == status, path
        assert response["Content-Type"].startswith("text/html"), path
        assert policy_of(response) == POLICY | EXCEPTIONS.get(path, {}), path


def test_it_serves_pages_with_no_inline_script_and_nothing_from_another_site(world, pages):
    """Under the policy an inline script or handler would simply not run: none may
    be there to begin with, and no page may point at another host."""
    for who, path, _status in pages:
        html = client_for(world, who).get(path).content.decode()

        assert not INLINE_SCRIPT.findall(html), path
        assert not EVENT_HANDLER.findall(html), path
        assert not FOREIGN_URL.findall(html), path


def test_it_serves_the_api_docs_start_up_script_as_a_file_of_its_own(client):
    page = client.get("/api/v1/docs/").content.decode()
    script = re.search(r'<script src="([^"]*\?[^"]*script=[^"]*)"', page)

    assert script, page
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content


def test_it_serves_swagger_ui_and_redoc_from_its_own_static_files(client):
    swagger = client.get("/api/v1/docs/").content.decode()
    redoc = client.get("/api/v1/redoc/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in swagger
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc
    for asset in (
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
    ):
        assert finders.find(asset), asset


def test_it_keeps_the_sandbox_policy_on_downloads(world, web_client_for):
    revision = report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(V1_DOCX.read_bytes()),
        filename=V1_DOCX.name,
    )

    page = web_client_for("lead").get(f"/visits/{world.visit.pk}/reports/{revision.pk}/file/")
    api = web_client_for("lead").get(f"/api/v1/reports/{revision.pk}/file/")

    for response in (page, api):
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
