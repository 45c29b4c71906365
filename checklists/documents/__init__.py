"""Official documents as .docx (SPEC §12): the built-in templates (layout), what a
document says (content, sources) and the filling (render). Rules and their sources:
docs/document-formats.md."""
