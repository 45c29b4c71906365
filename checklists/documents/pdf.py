"""The PDF of a .docx, by LibreOffice headless (SPEC §12).

Runs where LibreOffice is: the documents worker (checklists.services.document_pdf
sends it there). Every conversion gets a profile directory and HOME of its own:
soffice fails for a non-root user without its own profile (rc 77), and parallel
conversions sharing one lose about half their PDFs with rc 1 and no message. soffice
starts a `soffice.bin` child that a plain subprocess timeout leaves running, so it
runs in a session of its own and a conversion over its time has its whole process
group killed. The fonts (fonts-liberation2: Liberation Serif stands in for Times New
Roman and has every Vietnamese letter) come from the system, as fontconfig maps them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# Why a conversion gave no PDF; the service words each for people.
MISSING = "missing"
TIMEOUT = "timeout"
FAILED = "failed"


class PdfConversionError(Exception):
    """No PDF: `reason` is MISSING (no soffice), TIMEOUT or FAILED."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def soffice_binary() -> str | None:
    """The soffice to run (SOFFICE_BINARY, else `soffice` on PATH), or None."""
    configured = settings.SOFFICE_BINARY
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("soffice")


def _file_stem(name: str) -> str:
    # The name only labels the temporary file: ASCII, no path, never empty.
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:80]
    return stem or "document"


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    # Reap soffice itself; its children, now orphans, are reaped by the init
    # (compose runs these containers with `init: true`).
    process.wait()


def convert_docx_to_pdf(
    docx: bytes, *, name: str = "document", timeout: float | None = None
) -> bytes:
    """The PDF of `docx`; PdfConversionError when there is none."""
    binary = soffice_binary()
    if binary is None:
        raise PdfConversionError(MISSING, settings.SOFFICE_BINARY or "soffice is not on PATH")
    limit = settings.PDF_CONVERT_TIMEOUT if timeout is None else timeout
    stem = _file_stem(name)
    with tempfile.TemporaryDirectory(prefix="pdf-") as work:
        root = Path(work)
        profile, home, out = root / "profile", root / "home", root / "out"
        for directory in (profile, home, out):
            directory.mkdir()
        source = root / f"{stem}.docx"
        source.write_bytes(docx)
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(source),
        ]
        env = {**os.environ, "HOME": str(home), "TMPDIR": str(root)}
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise PdfConversionError(TIMEOUT, f"{name}: over {limit} s") from None
        except BaseException:
            _kill_group(process)
            raise
        # soffice may leave helpers behind even when it exits by itself.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        pdf = out / f"{stem}.pdf"
        text = output.decode(errors="replace").strip()
        if process.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            raise PdfConversionError(FAILED, f"{name}: rc {process.returncode}: {text[-500:]}")
        logger.info("PDF of %s in %.2f s", name, time.monotonic() - started)
        return pdf.read_bytes()
