"""A visit's security classification (độ mật, SPEC §14) and its official marks.

The marks are the Vietnamese words the secret regime prints ("MẬT", "TỐI MẬT",
"TUYỆT MẬT"), whatever the reader's language: they are the legal marks, not
wording. Pages, e-mail subjects, calendar feeds and (later) documents all take
them from here, so the mark is spelt once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    NONE = "none", _("Not classified")
    CONFIDENTIAL = "confidential", _("Confidential (Mật)")
    SECRET = "secret", _("Secret (Tối mật)")
    TOP_SECRET = "top_secret", _("Top secret (Tuyệt mật)")


# Not translated on purpose: the official marks of Luật Bảo vệ bí mật nhà nước 2018
# (Art. 8: Tuyệt mật, Tối mật, Mật), printed in capitals.
MARKS: dict[str, str] = {
    Classification.CONFIDENTIAL: "MẬT",
    Classification.SECRET: "TỐI MẬT",
    Classification.TOP_SECRET: "TUYỆT MẬT",
}


def classification_mark(classification: str) -> str:
    """The official mark ("MẬT", "TỐI MẬT", "TUYỆT MẬT"); "" when not classified."""
    return MARKS.get(classification, "")


def is_classified(classification: str) -> bool:
    return classification in MARKS


def marked(classification: str, text: str) -> str:
    """`text` behind the bracketed mark (`[MẬT] …`), as e-mail subjects and feed
    events carry it; unchanged when not classified."""
    mark = classification_mark(classification)
    return f"[{mark}] {text}" if mark else text
