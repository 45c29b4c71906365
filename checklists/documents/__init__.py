"""Official documents (SPEC §12): their .docx, and the PDF LibreOffice makes of it."""
