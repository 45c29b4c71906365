"""Why an upload is refused: the two meanings every door maps, and their messages."""

from __future__ import annotations

from django.utils.translation import gettext as _

from checklists.errors import Invalid, TooLarge


class UploadRefused(Exception):
    """The file is not accepted; `message` says why and what to do instead, `code`
    names the reason. Raised as one of its two meanings (checklists.errors), which
    every door maps without code of its own:

    - :class:`UploadInvalid`: the content or the name is wrong, an invalid input of
      the field `file` (400; a form shows it beside the field);
    - :class:`UploadTooLarge`: the file is over the size limit (413).
    """

    # Both meanings set `message` (str) and `code`; `status` is the HTTP status.
    code: str | None
    status: int


class UploadInvalid(UploadRefused, Invalid):
    """A file that is not an acceptable document, or a name with a folder path."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        Invalid.__init__(self, {"file": [Invalid(message, code=code)]})
        self.message = message
        self.code = code


class UploadTooLarge(UploadRefused, TooLarge):
    """A file over settings.REPORT_MAX_BYTES."""

    def __init__(self, message: str, *, code: str = "too_large") -> None:
        TooLarge.__init__(self, message, code=code)


def accepted_kinds(*, evidence: bool = False) -> str:
    if evidence:
        return _(
            "Send a Word document (.docx), an OpenDocument text (.odt), a PDF, an Excel "
            "workbook (.xlsx) or a JPEG or PNG image."
        )
    return _("Send a Word document (.docx), an OpenDocument text (.odt) or a PDF.")


def corrupt() -> UploadInvalid:
    return UploadInvalid(
        _(
            "The document is damaged or incomplete and cannot be read. Save it again from "
            "the word processor and send the new file."
        ),
        code="corrupt",
    )


def macros() -> UploadInvalid:
    return UploadInvalid(
        _(
            "The document contains macros, which are not accepted. Save it as a plain "
            "document (.docx or .odt, without macros) and send it again."
        ),
        code="macros",
    )


def _active_kinds() -> dict[str, str]:
    # Built on each call so that gettext answers in the language of the request.
    return {
        "dde": _("a DDE field, which can start a program when the document is opened"),
        "template": _("an attached or remote template"),
        "external_link": _(
            "a link that fetches another file, a network share or a web resource when the "
            "document is opened"
        ),
        "ole_object": _("an embedded OLE object (a program's object inside the document)"),
        "activex": _("an ActiveX control"),
        "javascript": _("JavaScript or another script"),
        "launch": _("an action that starts a program"),
        "pdf_action": _("an action that sends, imports or runs something"),
        "embedded_file": _("a file embedded inside it"),
        "appended_file": _("another file appended after the end of the PDF"),
        "workbook_link": _(
            "a link to another workbook or an external data connection, which Excel "
            "refreshes when the workbook is opened"
        ),
    }


ACTIVE_CONTENT_CODES = frozenset(
    {
        "dde",
        "template",
        "external_link",
        "ole_object",
        "activex",
        "javascript",
        "launch",
        "pdf_action",
        "embedded_file",
        "appended_file",
        "workbook_link",
    }
)


def active_content(kind: str) -> UploadInvalid:
    """The refusal of a file carrying something that runs or reaches out (SPEC §14).

    `kind` is one of ACTIVE_CONTENT_CODES and becomes the refusal's code; the
    message names it and tells the host how to get an acceptable file.
    """
    return UploadInvalid(
        _(
            "This file contains active content: %(kind)s. Files with macros, links to other "
            "files or programs are not accepted. Save it again as a plain document (.docx, "
            ".odt or .pdf) and upload that."
        )
        % {"kind": _active_kinds()[kind]},
        code=kind,
    )
