"""Downloads in a real browser (issue 15): the demo's issued conclusion from the
visit page's "Documents" (a .docx python-docx opens, with its number), and the
overview's export (an .xlsx openpyxl opens, with rows); axe-core checks the
registers page, which the demo pages of the other tests do not list."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from checklists.models import Conclusion, Document, Visit
from tests.documents_docx import open_docx, texts
from tests.web.demo_site import DESKTOP, DemoPage, opened
from tests.web.test_accessibility import AXE, _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _downloaded(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.locator(selector).first.click()
    return Path(info.value.path()).read_bytes()


def test_the_issued_conclusion_and_the_overview_export_download(browser, live_server):
    call_command("seed_demo", verbosity=0)
    visit = Visit.objects.get(code="KT3-QN-2024")
    conclusion = Conclusion.objects.get(visit=visit, state=Conclusion.State.ISSUED)
    visit_page = DemoPage("visit", "truongdoan", reverse("web:visit", args=[visit.pk]), DESKTOP)
    with opened(browser, live_server.url, visit_page, "en") as page:
        data = _downloaded(page, "#documents a[href$='/documents/conclusion.docx']")
    copy = Document.objects.get(conclusion=conclusion, format=Document.Format.DOCX)
    lines = "\n".join(texts(open_docx(data)))
    assert copy.reference in lines
    assert str(conclusion.number) in copy.reference
    assert "DỰ THẢO" not in lines

    overview = DemoPage("overview", "dieuphoi", reverse("web:overview"), DESKTOP)
    with opened(browser, live_server.url, overview, "en") as page:
        data = _downloaded(page, "a.export-link")
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) > 1  # the header and at least one visit


def test_the_registers_page_has_no_serious_accessibility_violation(browser, live_server):
    call_command("seed_demo", verbosity=0)
    assert AXE.exists(), "run `make vendor` (npm ci in web/) first"
    registers = DemoPage("registers", "dieuphoi", reverse("web:registers"), DESKTOP)
    with opened(browser, live_server.url, registers, "en", bypass_csp=True) as page:
        assert page.get_by_role("heading", name="Outgoing registers").is_visible()
        assert _violations(page) == []
