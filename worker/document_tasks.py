"""Celery task for official documents: the PDF of a .docx, on the documents queue."""

from __future__ import annotations

from celery import shared_task

from checklists.services.document_pdf import pdf_convert_queued

__all__: list[str] = ["document_pdf_convert"]


# Never retried: the person waiting has gone by then; they ask again. Not acked
# late: a conversion that killed its worker (LibreOffice's memory) is not handed to
# the next worker to kill it too.
@shared_task(name="worker.document_pdf_convert", ignore_result=False, acks_late=False)
def document_pdf_convert(docx_b64: str, name: str, ticket: str | None) -> dict[str, str]:
    """Convert one .docx (base64) to PDF; the answer goes back through the result backend."""
    return pdf_convert_queued(docx_b64=docx_b64, name=name, ticket=ticket)
