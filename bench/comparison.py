"""The word-level comparison of two 30-page revisions (SPEC §10: ≤ 500 ms).

Two revisions of a generated Vietnamese draft report along Plan 10's six sections:
about 15,000 words each (30 pages of 500 words), a few hundred paragraphs. The
second revision changes what a host unit's second draft changes: a figure in
some dozens of paragraphs, a few words in others, paragraphs added, removed and
rewritten, and spacing and Unicode spellings (NFD, non-breaking spaces) that are
no change. What is timed is checklists.comparison.compare_texts, the whole of
what the worker computes for a pair (sections, paragraphs, words, counts and the
unified diff); the database plays no part in it.
"""

from __future__ import annotations

import json
import random
import unicodedata
from typing import Any

from bench.common import BenchContext, measure
from checklists.comparison import compare_texts
from checklists.coverage import SectionRef

TARGET_P95_MS = 500
WORDS_PER_PAGE = 500

SECTIONS = [
    SectionRef("I", "Đặc điểm tình hình"),
    SectionRef("II", "Công tác lãnh đạo, chỉ đạo, quán triệt"),
    SectionRef("III", "Kết quả thực hiện nhiệm vụ"),
    SectionRef("IV", "Hạn chế, nguyên nhân"),
    SectionRef("V", "Phương hướng, nhiệm vụ, giải pháp"),
    SectionRef("VI", "Kiến nghị, đề xuất"),
]

# Words of the seed reports, drawn at random: the texts read like reports to the
# comparison (word lengths, diacritics), not to a person.
_SEED_WORDS = """
Ban Thường vụ Huyện uỷ chỉ đạo các cấp uỷ quán triệt và tổ chức thực hiện nghiêm
Quy định của Bộ Chính trị Hướng dẫn Ban Tổ chức Trung ương công tác bảo vệ chính trị
nội bộ đảng viên cán bộ thẩm định tiêu chuẩn nhân sự Đại hội nhiệm kỳ cơ sở rà soát
kết luận hồ sơ quy hoạch giới thiệu đề bạt bổ nhiệm sắp xếp giải quyết đơn thư tố cáo
lịch sử nắm quản lý nước ngoài trường hợp hạn chế nguyên nhân chưa chủ động chặt chẽ
từng lúc nơi phương hướng nhiệm vụ giải pháp tiếp tục nội dung công văn chỉ thị đồng chí
"""
VOCABULARY = tuple(_SEED_WORDS.split())


def _sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(length)]
    # A figure in most paragraphs, as reports have: what a second draft corrects.
    words.insert(rng.randrange(len(words)), str(rng.randint(10, 5000)))
    return " ".join(words).capitalize() + "."


def _first_draft(rng: random.Random, pages: int) -> list[list[str]]:
    """The sections of a first draft of `pages` pages, one paragraph a line."""
    per_section = pages * WORDS_PER_PAGE // len(SECTIONS)
    first: list[list[str]] = []
    for section in SECTIONS:
        body, words = [f"{section.number}. {section.title.upper()}"], 0
        while words < per_section:
            length = rng.randint(15, 45)
            body.append(_sentence(rng, length))
            words += length + 1
        first.append(body)
    return first


def _revise(rng: random.Random, bodies: list[list[str]]) -> list[list[str]]:
    """The next draft of the outline's sections: what a host unit's next draft
    changes (figures corrected, words reworded, spellings only, a paragraph
    removed, one added and one rewritten in each section)."""
    revised = [list(body) for body in bodies]
    for body in revised[: len(SECTIONS)]:
        count = len(body) - 1
        for index in rng.sample(range(1, count + 1), 8):  # a corrected figure
            parts = body[index].split()
            figures = [i for i, word in enumerate(parts) if word.isdigit()]
            if figures:
                parts[figures[0]] = str(int(parts[figures[0]]) + 2)
                body[index] = " ".join(parts)
        for index in rng.sample(range(1, count + 1), 3):  # a few words reworded
            parts = body[index].split()
            parts[len(parts) // 2 : len(parts) // 2 + 2] = ["được", "bổ", "sung", "kịp", "thời"]
            body[index] = " ".join(parts)
        for index in rng.sample(range(1, count + 1), 3):  # spelling only: no change
            body[index] = unicodedata.normalize("NFD", body[index]).replace(" ", "\u00a0", 2)
        del body[rng.randrange(1, len(body))]  # a paragraph removed
        body.insert(rng.randrange(1, len(body)), _sentence(rng, 30))  # and one added
        body[rng.randrange(1, len(body))] = _sentence(rng, 25)  # one rewritten
    return revised


def _text(bodies: list[list[str]]) -> str:
    lines = ["BÁO CÁO", "Kết quả công tác bảo vệ chính trị nội bộ"]
    for body in bodies:
        lines.extend(body)
    return "\n".join(lines)


def drafts(seed: int = 10, pages: int = 30, count: int = 2) -> list[str]:
    """`count` successive drafts of a report of `pages` pages, one paragraph a line,
    each a revision of the one before. The second adds a heading that is in no
    outline (its paragraphs count as section VI's); later ones keep it."""
    rng = random.Random(seed)
    bodies = _first_draft(rng, pages)
    texts = [_text(bodies)]
    for number in range(2, count + 1):
        bodies = _revise(rng, bodies)
        if number == 2:
            bodies.append(["VII. Các nội dung khác", _sentence(rng, 40), _sentence(rng, 35)])
        texts.append(_text(bodies))
    return texts


def thirty_pages(seed: int = 10, pages: int = 30) -> tuple[str, str]:
    """(revision 1, revision 2): two texts of `pages` pages, one paragraph a line."""
    first, second = drafts(seed, pages, 2)
    return first, second


def run(ctx: BenchContext) -> dict[str, Any]:
    old, new = thirty_pages()
    result = compare_texts(old, new, SECTIONS)
    changed = sum(1 for s in result.sections for c in s["changes"] if c["op"] != "equal")
    stats = measure(
        lambda: compare_texts(old, new, SECTIONS),
        repeat=ctx.repeat,
        warmup=min(ctx.warmup, 3),
    )
    return {
        "what": "checklists.comparison.compare_texts of two generated 30-page revisions",
        "words": [len(old.split()), len(new.split())],
        "paragraphs": [old.count("\n") + 1, new.count("\n") + 1],
        "changed_paragraphs": changed,
        "inserted_words": result.inserted,
        # What RevisionComparison keeps for the pair (its `result` column, as JSON).
        "kept_json_bytes": len(
            json.dumps({"sections": result.sections}, ensure_ascii=False).encode()
        ),
        "deleted_words": result.deleted,
        "compare": stats,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": stats["p95_ms"] <= TARGET_P95_MS,
    }
