"""Writing an outline file, in the layout of data/plan10-outline.yaml."""

from __future__ import annotations

import json
from typing import Any

import yaml

from checklists.outline_data import OutlineData

FORMATS = ("yaml", "json")


class _Quoted(str):
    """Text written in double quotes, as in the sample file."""


class _Plain(str):
    """Identifier-like text (code, keys, choices), written bare when YAML allows."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent lists under their key ("  - number: …") the way the sample does.
        return super().increase_indent(flow, False)


_Dumper.add_representer(
    _Quoted,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'),
)
_Dumper.add_representer(_Plain, yaml.SafeDumper.represent_str)


def _as_document(data: OutlineData) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": _Plain(data.code),
        "version": data.version,
        "language": _Plain(data.language),
        "title": _Quoted(data.title),
    }
    if data.title_en:
        document["title_en"] = _Quoted(data.title_en)
    if data.issuer:
        document["issuer"] = _Quoted(data.issuer)
    if data.references:
        document["references"] = [_Quoted(reference) for reference in data.references]
    if data.milestones:
        document["milestones"] = []
        for milestone in data.milestones:
            entry: dict[str, Any] = {
                "key": _Plain(milestone.key),
                "title": _Quoted(milestone.title),
            }
            if milestone.title_en:
                entry["title_en"] = _Quoted(milestone.title_en)
            if milestone.offset_days is not None:
                entry["offset_days"] = milestone.offset_days
            if milestone.offset_working_days is not None:
                entry["offset_working_days"] = milestone.offset_working_days
            entry["responsible"] = _Plain(milestone.responsible)
            document["milestones"].append(entry)
    document["sections"] = []
    for section in data.sections:
        entry = {"number": _Quoted(section.number), "title": _Quoted(section.title)}
        if section.title_en:
            entry["title_en"] = _Quoted(section.title_en)
        entry["items"] = []
        for item in section.items:
            row: dict[str, Any] = {"number": _Quoted(item.number), "text": _Quoted(item.text)}
            if item.text_en:
                row["text_en"] = _Quoted(item.text_en)
            row["answer"] = _Plain(item.answer)
            entry["items"].append(row)
        document["sections"].append(entry)
    return document


def dump_outline(data: OutlineData, *, fmt: str = "yaml") -> str:
    """The outline as the text of an outline file, in the sample's layout."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown outline file format {fmt!r}; use one of {FORMATS}.")
    document = _as_document(data)
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.dump(
        document,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        # Long Vietnamese titles stay on one line instead of being folded at 80.
        width=1_000_000,
    )
