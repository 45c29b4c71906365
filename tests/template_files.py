"""Uploaded document templates for the tests: a .docx made with python-docx from
lines of text (placeholders and all), and the ways a file can be refused."""

from __future__ import annotations

import io
import zipfile

import docx

MARKER = "MẪU RIÊNG CỦA ĐƠN VỊ"
GOOD_LINES = (
    MARKER,
    "{%p if draft %}",
    "DỰ THẢO",
    "{%p endif %}",
    "{{ issuer_name }} – {{ number_line }} – {{ place_date }}",
    "{{ type_name }} {{ summary }}",
    "{%p for block in blocks %}",
    "{{ block.text }}",
    "{%p endfor %}",
    "{%p for row in rows %}",
    "{{ row.code }}: {{ row.text }} ({{ row.addressee }}, {{ row.deadline }})",
    "{%p endfor %}",
    "{{ on_behalf }} {{ signer_name }}",
    "{%p for line in recipients %}",
    "{{ line }}",
    "{%p endfor %}",
)


def template_docx(*lines: str) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rewrite(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, change(body) if info.filename == name else body)
    return out.getvalue()


def docm(data: bytes) -> bytes:
    """The same document declared macro-enabled (.docm)."""
    return _rewrite(
        data,
        "[Content_Types].xml",
        lambda body: body.replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml",
        ),
    )


# An encrypted Office file (and an old .doc) is an OLE compound file.
ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096
NOT_A_ZIP = b"Just some text, not a Word document at all.\n" * 20
