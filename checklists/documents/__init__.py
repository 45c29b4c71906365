"""Official documents (SPEC §12): the built-in .docx templates (layout), what a
document says (content, sources), the filling (render), and the PDF LibreOffice
makes of the .docx (pdf). Rules and their sources: docs/document-formats.md."""
