"""Secret tokens (API bearer tokens, calendar feed addresses): made and hashed in
one place. Only a token's SHA-256 digest is stored, so a leaked database hands out
no working token; its first characters (the prefix) let a person recognise it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

TOKEN_BYTES = 32
TOKEN_PREFIX_LENGTH = 8


def token_digest(raw: str) -> str:
    """The stored form of a raw token, and the key it is looked up by."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A fresh token: `raw` is shown once and never stored."""

    raw: str
    digest: str
    prefix: str


def token_new() -> NewToken:
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return NewToken(raw=raw, digest=token_digest(raw), prefix=raw[:TOKEN_PREFIX_LENGTH])
