"""The audit trail: one append-only, hash-chained row per state change (README "Tamper-evident
audit").

Every row stores ``row_hash``, the SHA-256 of its canonical content (``canonical``), and that
content includes ``prev_hash``, the hash of the row before it in the chain, and ``seq``, its
position (1, 2, 3... with no gaps). Altering a row changes its hash; removing one leaves a gap in
``seq`` and a ``prev_hash`` that no longer matches; a row inserted by hand has no hash that
matches the chain. ``manage.py audit_verify`` walks the chain and names the first bad row.

Concurrency: two writers must not both read the same head and both append after it (a fork).
On PostgreSQL ``audit_record`` takes a transaction-scoped advisory lock before it reads the head,
so writers take turns: the second waits until the first commits and then reads the first's row
(READ COMMITTED: each statement sees what was committed before it began). The cost: audited
writes are serialised from their audit row to their commit; services audit last, just before
they commit, so the wait is short. A lock on a fixed key rather than ``SELECT ... FOR UPDATE`` on
the last row: the last row changes with every write, and an empty table has no row to lock.
On SQLite the database has one writer at a time already; a no-op write takes the write lock
before the head is read. Either way the unique ``seq`` refuses a fork that slipped through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, models, transaction
from django.utils import timezone

from fieldbook.models import AuditEvent
from fieldbook.security import current_ip

# Field names whose values never enter the audit trail: only the fact they changed.
REDACTED_FIELDS = frozenset({"private_notes", "notes_sealed", "password"})
REDACTED = "(changed)"
# pg_advisory_xact_lock's key: any fixed 64-bit number that nothing else in the database uses.
CHAIN_LOCK_KEY = 0x6662_6175_6469_74  # "fbaudit"
CHAIN_FIELDS = ("seq", "prev_hash", "created_at", "actor_id", "action", "object_type",
                "object_id", "object_repr", "changes", "ip_address", "place_id")


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes a row's hash is taken over: its chained fields as sorted, compact JSON. The
    same function serves writing and checking, so the two cannot drift."""
    created = row["created_at"]
    content = {name: row[name] for name in CHAIN_FIELDS}
    content["created_at"] = created.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def row_hash(row: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def _place_of(obj: models.Model | None) -> int | None:
    """The place a change concerns, from what is already loaded on ``obj`` (no query): a place,
    anything with a ``place_id`` (engagement, board, summary), or anything that reaches one
    through a cached ``engagement`` or ``session`` (session, outcome, learning item)."""
    if obj is None:
        return None
    if obj._meta.label_lower == "places.place":
        return int(obj.pk) if obj.pk else None
    place_id = getattr(obj, "place_id", None)
    if isinstance(place_id, int):
        return place_id
    for name in ("engagement", "session"):
        try:
            field = obj._meta.get_field(name)
        except Exception:
            continue
        if isinstance(field, models.ForeignKey) and field.is_cached(obj):
            return _place_of(getattr(obj, name))
    return None


def _take_chain_lock() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        elif connection.vendor == "sqlite":
            # Matches no row (so the append-only trigger never fires) but makes this
            # transaction the database's one writer before the head is read.
            cursor.execute("UPDATE fieldbook_auditevent SET seq = seq WHERE 0")


def _entry(*, actor: User | AnonymousUser | None, action: str, obj: models.Model | None,
           changes: dict[str, Any] | None, place_id: int | None) -> dict[str, Any]:
    safe_changes = {
        key: (REDACTED if key in REDACTED_FIELDS else value)
        for key, value in (changes or {}).items()
    }
    if isinstance(actor, AnonymousUser) or (actor is not None and not actor.pk):
        actor = None  # nobody signed in, or a user not saved
    return {
        "actor_id": actor.pk if actor is not None else None,
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "object_repr": str(obj)[:200] if obj is not None else "",
        "changes": safe_changes,
        "place_id": place_id if place_id is not None else _place_of(obj),
    }


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    place_id: int | None = None,
) -> AuditEvent:
    """Write one audit row. ``changes`` maps field -> new value; redacted fields keep only a flag.
    The client's address comes from the request being served (``ClientIPMiddleware``), if any.
    ``place_id`` defaults to the place ``obj`` concerns, if that is already loaded."""
    return _append([_entry(actor=actor, action=action, obj=obj, changes=changes,
                           place_id=place_id)])[0]


def audit_record_many(
    *, actor: User | AnonymousUser | None,
    entries: list[tuple[str, models.Model, dict[str, Any]]], place_id: int | None = None,
) -> list[AuditEvent]:
    """Several rows by one actor at once, (action, obj, changes) each: three queries however
    many (the lock, the head, one INSERT), e.g. the learning items of one saved session."""
    if not entries:
        return []
    return _append([_entry(actor=actor, action=action, obj=obj, changes=changes,
                           place_id=place_id) for action, obj, changes in entries])


def audit_append(*, actor_id: int | None, action: str, object_type: str = "",
                 object_id: str = "", object_repr: str = "", changes: dict[str, Any],
                 place_id: int | None = None) -> AuditEvent:
    """Append one row, for a caller that has ids rather than instances (the reminder digest).
    ``changes`` must already be redacted: prefer ``audit_record``."""
    return _append([{"actor_id": actor_id, "action": action, "object_type": object_type,
                     "object_id": object_id, "object_repr": object_repr[:200],
                     "changes": changes, "place_id": place_id}])[0]


def _append(entries: list[dict[str, Any]]) -> list[AuditEvent]:
    """Chain and insert ``entries``, in order. Queries: the lock, the head, one INSERT (and no
    savepoint: the rows join the caller's transaction, or one of their own)."""
    ip_field = AuditEvent._meta.get_field("ip_address")
    ip, now = ip_field.get_prep_value(current_ip()), timezone.now()
    rows = [{
        **entry,
        "created_at": now,
        "object_repr": entry["object_repr"][:200],
        # The value as it will read back from the JSON column, so the hash taken now is the
        # hash audit_verify takes later.
        "changes": json.loads(json.dumps(entry["changes"])),
        "ip_address": ip,
    } for entry in entries]
    with transaction.atomic(savepoint=False):
        _take_chain_lock()
        head = AuditEvent.objects.order_by("-seq").values_list("seq", "row_hash").first()
        seq, prev = (head[0], head[1]) if head else (0, "")
        events = []
        for row in rows:
            seq += 1
            row["seq"], row["prev_hash"] = seq, prev
            row["row_hash"] = prev = row_hash(row)
            events.append(AuditEvent(**row))
        if len(events) == 1:
            events[0].save(force_insert=True)
            return events
        return AuditEvent.objects.bulk_create(events)
