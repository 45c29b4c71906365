"""An outline as plain data: what outline files and the API describe, what
checklists.services.outlines saves and what the writer exports. Apart from the
services so that the file readers (checklists.outline_files) need no service."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ItemData:
    number: str
    text: str
    answer: str
    text_en: str = ""


@dataclass(frozen=True)
class SectionData:
    number: str
    title: str
    items: tuple[ItemData, ...]
    title_en: str = ""


@dataclass(frozen=True)
class MilestoneData:
    key: str
    title: str
    responsible: str
    offset_days: int | None = None
    offset_working_days: int | None = None
    title_en: str = ""


@dataclass(frozen=True)
class OutlineData:
    """An outline as its file describes it (see checklists.outline_files)."""

    code: str
    version: int
    title: str
    sections: tuple[SectionData, ...]
    milestones: tuple[MilestoneData, ...] = ()
    title_en: str = ""
    language: str = "vi"
    issuer: str = ""
    references: tuple[str, ...] = field(default_factory=tuple)
