"""Every input limit of the domain, named once. The services enforce them; the API's
serializers, the pages' forms and the admin read them from here so that every door
refuses the same input (and says the same limit)."""

from __future__ import annotations

# Outline versions: 100,000 is more than any outline will see; files and the API alike.
MAX_OUTLINE_VERSION = 100_000

# Free text a person types: a checklist answer, a finding, an internal note.
MAX_ANSWER_TEXT = 20_000
MAX_FINDING_TEXT = 20_000
MAX_NOTE_TEXT = 20_000

# Review comments and the host's explanations, and how many comments one review carries.
MAX_COMMENT_TEXT = 10_000
MAX_COMMENTS_PER_REVIEW = 200

# Titles, section titles, item texts (as the outline's CharFields and TextFields allow).
MAX_TITLE = 500
MAX_ITEM_TEXT = 5_000
MAX_NUMBER = 32  # section and item numbers ("I.2.a")

# A visit's working sessions and team members in one request.
MAX_SESSIONS = 100
MAX_TEAM = 100

# Search boxes and text filters: the pages' search box, and the API's text filters
# and `search` (matched with LIKE; SQLite refuses patterns over 50,000 bytes, and
# nobody searches with more than a paragraph).
MAX_SEARCH_TEXT = 200
MAX_QUERY_TEXT = 1000

# Suggestions a search field offers at once (the calendar subscription's visit and
# unit): a coordinator of everything sees ~10,000 visits and ~5,000 units, so the
# page asks again as the person types instead of listing them all.
MAX_SUGGESTIONS = 20
# A conclusion (SPEC §11): its summary, each section's strengths and shortcomings,
# each recommendation's text, how many recommendations it carries, how far ahead a
# deadline may be counted, and the reasons given for a withdrawal or cancellation.
MAX_CONCLUSION_SUMMARY = 50_000
MAX_CONCLUSION_SECTION_TEXT = 20_000
MAX_RECOMMENDATION_TEXT = 10_000
MAX_RECOMMENDATIONS = 200
MAX_RECOMMENDATION_OFFSET = 3_650
MAX_REASON_TEXT = 2_000
MAX_DECISION_REF = 500

# Implementation reports on a recommendation (SPEC §11): the text, and the evidence
# files one report carries: how many, and their stored size together (each file
# also keeps the draft reports' own limit, settings.REPORT_MAX_BYTES). An image is
# refused above this many pixels before it is decoded (a "decompression bomb": a
# small PNG can unpack to gigabytes); 50 megapixels is more than a phone's photo.
MAX_IMPLEMENTATION_REPORT_TEXT = 20_000
MAX_EVIDENCE_FILES = 10
MAX_EVIDENCE_TOTAL_BYTES = 50 * 1024 * 1024
MAX_EVIDENCE_IMAGE_PIXELS = 50_000_000
# A pasted citation of a legal instrument (checklists.legal_citations): a whole
# paragraph pasted by mistake is refused, not scanned.
MAX_CITATION = 2_000
# A programme's entries (SPEC §13): one per host unit; as many as an import may
# bring (SPEC §5, imports: up to 20,000 rows).
MAX_PROGRAMME_ENTRIES = 20_000
# A unit's own document template (.docx, SPEC §12): a letterhead image at most;
# the archive limits of draft reports apply too.
MAX_DOCUMENT_TEMPLATE_BYTES = 5 * 1024 * 1024
