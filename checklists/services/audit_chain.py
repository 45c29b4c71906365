"""The audit trail's hash chain (SPEC §14): chaining, verification, and the alarm.

Why chain after commit rather than in the write's transaction: hashing an event over
the previous one needs the previous one, so chaining inside the write would make
every audited write wait for every other until it commits (one global lock held for
a whole request). Instead:

1. `audit_record` inserts the event unchained (`seq` null), with no lock, in the
   write's transaction: the change and its record still commit or vanish together.
2. Just after commit (`transaction.on_commit`), `audit_chain_pending` takes one lock
   (a PostgreSQL advisory lock; on SQLite the write transaction itself serialises),
   reads the head, and gives the unchained events, in id order, the next `seq` and
   `hash = SHA-256(previous hash + canonical content)`. The lock is held for a few
   milliseconds, never across a request. `seq` is unique, so even a chainer that
   skipped the lock could not fork the chain: its update would fail.
3. A crash between commit and chaining leaves events merely unchained; the next
   chaining (another write's, or the verification pass's) chains them.

`audit_chain_verify` chains what is pending, walks the chain in `seq` order,
recomputes every hash and checks the head against the anchor recorded outside the
table (`checklists.audit_anchor`), so that removing the newest events is caught too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, pairwise
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from checklists.audit_anchor import anchor_path, anchor_read, anchor_write
from checklists.models import AuditEvent, Notification, User

logger = logging.getLogger(__name__)

# The hash before the first event.
GENESIS = "0" * 64
# Part of every hashed content, so that a future change of what is hashed can be
# told apart from tampering.
HASH_VERSION = "v1"
# What the hash covers: everything the trail says (SPEC §14: actor, action, object,
# time, changes, visit), and the event's id, so that an event cannot be moved.
CHAIN_FIELDS = (
    "id",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "visit_id",
    "at",
    "changes",
)
# pg_advisory_xact_lock key of the chaining step ("audit" in ASCII).
CHAIN_LOCK_KEY = 0x6175646974
# Events chained per transaction: the lock is held for one batch only.
CHAIN_BATCH = 500


def event_digest(previous: str, row: Mapping[str, Any]) -> str:
    """The event's hash: SHA-256 over the previous hash and the event's content as
    canonical JSON (sorted keys, no spaces, times in UTC). Reads the values as the
    database returns them, so the writer and the verifier hash the same thing."""
    at: dt.datetime = row["at"]
    content = [
        HASH_VERSION,
        row["id"],
        row["actor_id"],
        row["actor_name"],
        row["action"],
        row["object_type"],
        row["object_id"],
        row["visit_id"],
        at.astimezone(dt.UTC).isoformat(),
        row["changes"],
    ]
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((previous + text).encode()).hexdigest()


# --- chaining ---------------------------------------------------------------------------


def _lock_chain() -> None:
    """Serialise chainers for the rest of the transaction. On SQLite the write
    transaction is already exclusive (transaction_mode IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def write_links(updates: list[tuple[int, str, int]]) -> None:
    """Store (seq, hash, id) triples. executemany rather than bulk_update: Django's
    bulk_update builds one CASE with a branch per row, which PostgreSQL evaluates
    for every row (quadratic in the batch); psycopg pipelines these plain UPDATEs."""
    if not updates:
        return
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET seq = %s, hash = %s WHERE id = %s", updates)


def audit_chain_pending(*, limit: int | None = None) -> int:
    """Chain the events not chained yet, oldest id first, after the current head;
    at most about `limit` of them (all when None). Returns how many it chained."""
    chained = 0
    while limit is None or chained < limit:
        with transaction.atomic():
            _lock_chain()
            # Read after the lock: under READ COMMITTED each statement sees what the
            # previous holder committed. Two plain index scans (the unique seq index
            # backwards, the partial index of unchained events forwards), not one
            # query with OR: a bitmap scan never marks the index entries of events
            # chained since as dead, and would wade through all of them until vacuum.
            head = (
                AuditEvent.objects.filter(seq__isnull=False)
                .order_by("-seq")
                .values_list("seq", "hash")
                .first()
            )
            seq, previous = (head[0] or 0, head[1]) if head is not None else (0, GENESIS)
            rows = list(
                AuditEvent.objects.filter(seq__isnull=True)
                .order_by("id")
                .values(*CHAIN_FIELDS)[:CHAIN_BATCH]
            )
            updates = []
            for row in rows:
                seq += 1
                previous = event_digest(previous, row)
                updates.append((seq, previous, row["id"]))
            write_links(updates)
        chained += len(rows)
        if len(rows) < CHAIN_BATCH:
            break
    return chained


def audit_chain_after_commit() -> None:
    """The chaining step run after an audited write commits (one batch: a backlog
    is the verification pass's to clear, not a request's)."""
    if settings.AUDIT_CHAIN_AFTER_COMMIT:
        audit_chain_pending(limit=CHAIN_BATCH)


def audit_chain_schedule() -> None:
    """Chain after the current transaction commits; once per transaction however
    many events it records (the first run chains them all)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(
        entry[1] is audit_chain_after_commit for entry in conn.run_on_commit
    ):
        return
    # robust: the write is committed by then; a failed chaining is logged and
    # left to the next one, never turned into an error for the person who wrote.
    transaction.on_commit(audit_chain_after_commit, robust=True)


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What is wrong with the chain, and the first event concerned."""

    kind: str  # changed, removed, inserted, truncated, rewritten, anchor_unreadable
    first_bad_id: int | None
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One sentence, in the active language."""
        p = {"id": self.first_bad_id, **self.params}
        if self.kind == "removed":
            return (
                _(
                    "Audit events at positions %(first)s to %(last)s of the chain are "
                    "missing, just before event #%(id)s: they were removed."
                )
                % p
            )
        if self.kind == "inserted":
            return (
                _(
                    "Audit event #%(id)s (position %(seq)s) does not belong in the chain: "
                    "it was inserted."
                )
                % p
            )
        if self.kind == "truncated":
            return (
                _(
                    "The newest audit events were removed: the chain ends at position "
                    "%(head)s, but event #%(id)s was at position %(seq)s at the last "
                    "verification."
                )
                % p
            )
        if self.kind == "rewritten":
            return (
                _(
                    "The audit chain was recomputed: event #%(id)s at position %(seq)s no "
                    "longer has the hash recorded at the last verification."
                )
                % p
            )
        if self.kind == "anchor_unreadable":
            return _("The audit chain's anchor file %(path)s cannot be read.") % p
        return (
            _(
                "Audit event #%(id)s (position %(seq)s in the chain) does not match its "
                "hash: it was changed (or the event just before it was changed or "
                "removed)."
            )
            % p
        )


@dataclass(frozen=True)
class ChainCheck:
    verified_at: dt.datetime
    events: int
    head_seq: int
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.finding is None

    @property
    def first_bad_id(self) -> int | None:
        return self.finding.first_bad_id if self.finding else None

    def as_status(self) -> dict[str, Any]:
        """What the anchor file keeps as the last check (and `audit/` shows)."""
        return {
            "verified_at": self.verified_at.isoformat(),
            "ok": self.ok,
            "first_bad_id": self.first_bad_id,
            "kind": self.finding.kind if self.finding else None,
            "params": self.finding.params if self.finding else {},
            "events": self.events,
            "head_seq": self.head_seq,
        }


def _chained_rows() -> Iterator[dict[str, Any]]:
    # One statement (a server-side cursor on PostgreSQL): one snapshot of the chain,
    # in memory a chunk at a time.
    return (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values(*CHAIN_FIELDS, "seq", "hash")
        .iterator(chunk_size=2000)
    )


def _walk(
    rows: Iterable[dict[str, Any]], anchor: Mapping[str, Any] | None
) -> tuple[Finding | None, dict[str, Any] | None, int]:
    """(the first finding or None, the head row, how many events were walked)."""
    previous, before_previous = GENESIS, GENESIS
    last: dict[str, Any] | None = None
    count = 0
    anchor_seq = int(anchor["seq"]) if anchor else 0
    for row, following in pairwise(chain(rows, [None])):
        assert row is not None
        expected = last["seq"] + 1 if last else 1
        if row["seq"] != expected:
            params = {"first": expected, "last": row["seq"] - 1}
            return Finding("removed", row["id"], params), last, count
        if event_digest(previous, row) != row["hash"]:
            seq = {"seq": row["seq"]}
            # The previous event sits between two that link without it.
            if last is not None and event_digest(before_previous, row) == row["hash"]:
                return Finding("inserted", last["id"], {"seq": last["seq"]}), last, count
            # This event sits between two that link without it.
            if (
                following is not None
                and following["seq"] == row["seq"] + 1
                and event_digest(previous, following) == following["hash"]
            ):
                return Finding("inserted", row["id"], seq), last, count
            return Finding("changed", row["id"], seq), last, count
        if row["seq"] == anchor_seq and anchor and row["hash"] != anchor["hash"]:
            return Finding("rewritten", row["id"], {"seq": row["seq"]}), last, count
        before_previous, previous, last = previous, row["hash"], row
        count += 1
    if anchor and (last["seq"] if last else 0) < anchor_seq:
        params = {"seq": anchor_seq, "head": last["seq"] if last else 0}
        return Finding("truncated", anchor.get("id"), params), last, count
    return None, last, count


def audit_chain_verify(*, alert: bool = False) -> ChainCheck:
    """Chain what is pending, then verify the whole chain against the anchor.

    A good chain moves the anchor to its head. Either way the outcome is recorded
    beside the anchor for `audit/`. With `alert` (the daily pass), a broken chain is
    told to the coordinators of everything, once per distinct finding.
    """
    audit_chain_pending()
    try:
        record = anchor_read()
    except (OSError, ValueError):
        logger.exception("audit chain: the anchor file cannot be read")
        unreadable = Finding("anchor_unreadable", None, {"path": str(anchor_path())})
        check = ChainCheck(timezone.now(), 0, 0, unreadable)
        if alert:
            _alert(check)
        return check
    anchor = record.get("anchor")
    finding, head, count = _walk(_chained_rows(), anchor)
    check = ChainCheck(timezone.now(), count, head["seq"] if head else 0, finding)
    previous_check = record.get("last_check") or {}
    if check.ok and head is not None:
        record["anchor"] = {
            "seq": head["seq"],
            "hash": head["hash"],
            "id": head["id"],
            "recorded_at": check.verified_at.isoformat(),
        }
    record["last_check"] = check.as_status()
    anchor_write(record)
    if alert and not check.ok and not _already_told(previous_check, check):
        _alert(check)
    return check


def _already_told(previous: Mapping[str, Any], check: ChainCheck) -> bool:
    """The last check found the same thing (and so the coordinators were told)."""
    return (
        previous.get("ok") is False
        and previous.get("kind") == (check.finding.kind if check.finding else None)
        and previous.get("first_bad_id") == check.first_bad_id
    )


def _alert(check: ChainCheck) -> None:
    """An in-app notification and an e-mail to each coordinator of everything, in
    their language. The notifications commit first; an e-mail that fails is logged
    and does not hold back the others (they have the in-app one anyway)."""
    assert check.finding is not None
    people = list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(is_coordinator=True, coordinator_scope__isnull=True))
        .order_by("id")
    )
    messages: list[EmailMessage] = []
    with transaction.atomic():
        for person in people:
            with translation.override(person.language):
                title = _("The audit trail was tampered with")
                body = check.finding.describe()
                Notification.objects.create(
                    recipient=person,
                    kind=Notification.Kind.AUDIT_CHAIN_BROKEN,
                    title=title,
                    body=body,
                )
                if person.email:
                    text = "\n\n".join(
                        [
                            body,
                            _(
                                "Run “manage.py audit_verify” to see it again, and compare "
                                "the audit trail with the last backup."
                            ),
                            settings.SITE_URL + "/admin/checklists/auditevent/",
                        ]
                    )
                    messages.append(EmailMessage(title, text, to=[person.email]))
    if not messages:
        return
    mail = get_connection(fail_silently=False)
    for message in messages:
        message.connection = mail
        try:
            message.send()
        except Exception:
            logger.exception("audit chain: the alarm e-mail to %s failed", message.to)
