"""The PDF of a .docx by LibreOffice (SPEC §12), in this process: the converter's
profile, process group and time limit, and pdf_from_docx where the queue is not used
(CELERY_TASK_ALWAYS_EAGER). The trip through a real documents worker, the bounded
queue and the wait limit are in tests/worker/test_document_pdf.py."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from celery import current_app
from docx import Document
from docx.shared import Pt

from checklists.documents.pdf import (
    FAILED,
    MISSING,
    TIMEOUT,
    PdfConversionError,
    convert_docx_to_pdf,
)
from checklists.errors import Unavailable
from checklists.services.document_pdf import pdf_from_docx

VIETNAMESE_LINE = "Đồng chí Nguyễn Văn Ơn ghi nhận ưu điểm, khuyết điểm và kiến nghị sửa chữa."
# Letters Debian's older Liberation (1.07) lacks: the PDF would mix in another font.
HARD_LETTERS = "ơ ạ ữ ự ằ ẵ ỹ"

needs_libreoffice = pytest.mark.skipif(
    (shutil.which("soffice") is None or shutil.which("pdffonts") is None)
    and not os.environ.get("CI"),
    reason="LibreOffice or poppler-utils is not installed (CI installs them: .ci/run)",
)


def vietnamese_docx() -> bytes:
    """A .docx in Times New Roman with Vietnamese text, as the documents are."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    document.add_paragraph(VIETNAMESE_LINE)
    document.add_paragraph(HARD_LETTERS)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def embedded_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    """The fonts pdffonts lists, without their subset prefix ("BAAAAA+")."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True, timeout=30
    ).stdout.splitlines()[2:]
    return [line.split()[0].split("+")[-1] for line in lines if line.strip()]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text, words joined by single spaces (a line may wrap anywhere). -raw keeps
    the spaces between accented letters that the default mode may drop."""
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return " ".join(text.split())


def assert_vietnamese_pdf(pdf: bytes, tmp_path: Path) -> None:
    assert pdf.startswith(b"%PDF-")
    fonts = embedded_fonts(pdf, tmp_path)
    assert fonts, "no font embedded"
    assert all(font.startswith(("LiberationSerif", "TimesNewRoman")) for font in fonts), fonts
    text = pdf_text(pdf, tmp_path)
    assert VIETNAMESE_LINE in text
    assert HARD_LETTERS in text


@pytest.fixture
def own_tempdir(tmp_path, monkeypatch) -> Path:
    """Where the converter makes its temporary folders, to see that it removes them."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def eager():
    conf = current_app.conf
    saved = conf.task_always_eager
    conf.task_always_eager = True
    try:
        yield
    finally:
        conf.task_always_eager = saved


def fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return str(script)


def is_gone(pid: int) -> bool:
    """True when the process has ended (a zombie waiting for its reaper counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in {"Z", "X"}


@needs_libreoffice
def test_it_converts_vietnamese_in_liberation_serif_and_cleans_up(tmp_path, own_tempdir):
    pdf = convert_docx_to_pdf(vietnamese_docx(), name="kết luận")
    assert_vietnamese_pdf(pdf, tmp_path)
    assert list(own_tempdir.iterdir()) == [], "the profile and files are removed"


@needs_libreoffice
def test_two_conversions_at_once_both_succeed(tmp_path):
    """Each has its own profile: sharing one loses about half the PDFs, silently."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        pdfs = list(pool.map(lambda n: convert_docx_to_pdf(vietnamese_docx(), name=n), "ab"))
    for pdf in pdfs:
        assert_vietnamese_pdf(pdf, tmp_path)


@needs_libreoffice
def test_it_converts_in_process_when_tasks_run_eagerly(tmp_path, eager):
    assert_vietnamese_pdf(pdf_from_docx(vietnamese_docx(), name="kết luận"), tmp_path)


def test_a_conversion_over_its_time_has_its_whole_process_group_killed(
    tmp_path, own_tempdir, settings, monkeypatch
):
    """soffice leaves `soffice.bin` running when only soffice is killed: the fake
    starts a child of its own, as soffice does, and both must be gone."""
    pids = tmp_path / "pids"
    monkeypatch.setenv("FAKE_SOFFICE_PIDS", str(pids))
    settings.SOFFICE_BINARY = fake_soffice(
        tmp_path,
        'sleep 300 &\necho $! >> "$FAKE_SOFFICE_PIDS"\necho $$ >> "$FAKE_SOFFICE_PIDS"\nsleep 300\n',
    )
    settings.PDF_CONVERT_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(PdfConversionError) as caught:
        convert_docx_to_pdf(b"PK not really a docx", name="treo")
    assert caught.value.reason == TIMEOUT
    assert time.monotonic() - started < 10
    started_pids = [int(pid) for pid in pids.read_text().split()]
    assert len(started_pids) == 2
    deadline = time.monotonic() + 5
    while not all(is_gone(pid) for pid in started_pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(is_gone(pid) for pid in started_pids), "a process of the conversion is left"
    assert list(own_tempdir.iterdir()) == []


def test_a_timeout_answers_503_saying_the_docx_still_works(tmp_path, settings, eager):
    settings.SOFFICE_BINARY = fake_soffice(tmp_path, "exec sleep 300\n")
    settings.PDF_CONVERT_TIMEOUT = 1
    with pytest.raises(Unavailable) as caught:
        pdf_from_docx(b"PK", name="treo")
    assert caught.value.extra["reason"] == "timeout"
    assert "in time" in caught.value.message and ".docx" in caught.value.message


def test_missing_libreoffice_answers_503(tmp_path, settings, eager):
    settings.SOFFICE_BINARY = str(tmp_path / "no-soffice-here")
    with pytest.raises(PdfConversionError) as raw:
        convert_docx_to_pdf(b"PK", name="x")
    assert raw.value.reason == MISSING
    with pytest.raises(Unavailable) as caught:
        pdf_from_docx(b"PK", name="x")
    assert caught.value.status == 503
    assert caught.value.extra["reason"] == "missing"
    assert "LibreOffice is not installed" in caught.value.message
    assert ".docx" in caught.value.message


def test_no_soffice_on_path_is_missing_libreoffice(settings, monkeypatch):
    settings.SOFFICE_BINARY = ""
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PdfConversionError) as raw:
        convert_docx_to_pdf(b"PK", name="x")
    assert raw.value.reason == MISSING


def test_a_failed_conversion_answers_503(tmp_path, settings, own_tempdir, eager):
    """soffice exits without a PDF (rc 1, or rc 0 and no file): not a 500."""
    for body in ("echo broken >&2\nexit 1\n", "exit 0\n"):
        settings.SOFFICE_BINARY = fake_soffice(tmp_path, body)
        with pytest.raises(PdfConversionError) as raw:
            convert_docx_to_pdf(b"PK", name="x")
        assert raw.value.reason == FAILED
        with pytest.raises(Unavailable) as caught:
            pdf_from_docx(b"PK", name="x")
        assert caught.value.extra["reason"] == "failed"
    assert list(own_tempdir.iterdir()) == []


def test_the_name_never_leaves_the_temporary_folder(tmp_path, settings, monkeypatch):
    """The file name comes from the caller: no path, no shell, never empty."""
    seen = tmp_path / "seen"
    monkeypatch.setenv("FAKE_SOFFICE_SEEN", str(seen))
    settings.SOFFICE_BINARY = fake_soffice(
        tmp_path,
        'for last; do :; done\necho "$last" > "$FAKE_SOFFICE_SEEN"\n'
        'out=""; while [ $# -gt 0 ]; do [ "$1" = --outdir ] && out="$2"; shift; done\n'
        'printf "%%PDF-1.4 fake" > "$out/$(basename "$(cat "$FAKE_SOFFICE_SEEN")" .docx).pdf"\n',
    )
    for name, stem in (
        ("../../etc/passwd", "etc-passwd"),
        ("$(rm -rf ~)", "rm--rf"),
        ("", "document"),
    ):
        assert convert_docx_to_pdf(b"PK", name=name) == b"%PDF-1.4 fake"
        source = Path(seen.read_text().strip())
        assert source.name == f"{stem}.docx", name


def test_the_conversion_task_is_routed_to_the_documents_queue():
    """Whoever sends it (a shell, another service), it goes to the documents queue,
    which the default worker does not consume (it has no --queues: the default only)."""
    from django.conf import settings as django_settings

    from worker.document_tasks import document_pdf_convert

    route = current_app.amqp.router.route({}, document_pdf_convert.name, args=(), kwargs={})
    assert route["queue"].name == django_settings.PDF_QUEUE == "documents"
    assert "documents" not in current_app.amqp.queues.consume_from
