from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from fieldbook.models import AuditEvent
from fieldbook.security import current_ip

# Field names whose values never enter the audit trail: only the fact they changed.
REDACTED_FIELDS = frozenset({"private_notes", "notes_sealed", "password"})


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row. ``changes`` maps field -> new value; redacted fields keep only a flag.
    The client's address comes from the request being served (``ClientIPMiddleware``), if any."""
    safe_changes = {
        key: ("(changed)" if key in REDACTED_FIELDS else value)
        for key, value in (changes or {}).items()
    }
    if isinstance(actor, AnonymousUser) or (actor is not None and not actor.pk):
        actor = None  # nobody signed in, or a user not saved
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=safe_changes,
        ip_address=current_ip(),
    )
