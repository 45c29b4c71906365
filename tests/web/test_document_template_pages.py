"""The document templates page (/documents/templates/): a coordinator's list, the
upload form with its refusal beside the file (the placeholder and the reason),
deletion, the example downloads; anyone else gets 404; the navigation link."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from checklists.models import DocumentTemplate
from tests.template_files import GOOD_LINES, template_docx

URL = "/documents/templates/"


def _post(client, issuer, data: bytes, kind: str = "conclusion"):
    return client.post(
        URL, {"issuer": issuer.pk, "kind": kind, "file": SimpleUploadedFile("mau.docx", data)}
    )


def test_a_coordinator_uploads_sees_and_deletes_a_template(world, web_client_for):
    client = web_client_for("coordinator_in")
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{URL}"' in html  # the navigation link
    assert 'for="id_file"' in html and 'enctype="multipart/form-data"' in html
    assert world.province_out.name not in html  # the issuer choice keeps to the scope

    response = _post(client, world.province_in, template_docx(*GOOD_LINES))
    assert response.status_code == 302
    template = DocumentTemplate.objects.get()
    html = client.get(URL).content.decode()
    assert "mau.docx" in html and world.province_in.name in html

    response = client.post(f"{URL}{template.pk}/delete/")
    assert response.status_code == 302
    assert not DocumentTemplate.objects.exists()


def test_a_refused_template_shows_the_placeholder_and_the_reason(world, web_client_for):
    client = web_client_for("coordinator_in")
    response = _post(client, world.province_in, template_docx("Ký: {{ nguoi_ky }}"))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "{{ nguoi_ky }}" in html and "issuer_name" in html
    assert not DocumentTemplate.objects.exists()


def test_a_unit_outside_the_scope_cannot_be_chosen(world, web_client_for):
    response = _post(web_client_for("coordinator_in"), world.province_out, template_docx("x"))
    assert response.status_code == 422
    assert not DocumentTemplate.objects.exists()


def test_the_examples_download(world, web_client_for):
    response = web_client_for("coordinator_in").get(f"{URL}example/programme.docx?style=state")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("role", ["lead", "host_in"])
def test_anyone_but_a_coordinator_gets_404(world, web_client_for, role):
    client = web_client_for(role)
    assert client.get(URL).status_code == 404
    assert f'href="{URL}"' not in client.get("/deadlines/").content.decode()


def test_another_scopes_template_cannot_be_deleted(world, web_client_for):
    _post(web_client_for("coordinator_in"), world.province_in, template_docx(*GOOD_LINES))
    template = DocumentTemplate.objects.get()
    client = web_client_for("coordinator_out")
    assert client.post(f"{URL}{template.pk}/delete/").status_code == 404
    assert client.get(f"{URL}{template.pk}/file/").status_code == 404
    assert DocumentTemplate.objects.exists()
