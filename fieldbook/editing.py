"""Changing a record two admins may have open at once: compare-and-set on ``updated_at``, and
the "what changed" of its audit row.

A change form carries the ``updated_at`` it was opened with. The write is one ``UPDATE ...
WHERE pk = %s AND updated_at = %s`` that also moves ``updated_at`` on: whoever saves first
wins, and the other save matches no row and is refused with ``StaleEditError`` rather than
silently overwriting. It costs no lock and no extra query on the happy path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from fieldbook.errors import DomainError, StaleEditError

M = TypeVar("M", bound=models.Model)


def plain(value: Any) -> Any:
    """A value as the audit log keeps it: names for rows, sorted names for sets, ISO dates."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)):
        return sorted(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``after`` whose audit value differs from ``before``'s."""
    return {name: plain(value) for name, value in after.items()
            if before.get(name) != value and plain(before.get(name)) != plain(value)}


def update_if_unchanged(
    instance: M, *, seen: dt.datetime, values: dict[str, Any], noun: str, clash: DomainError,
) -> M:
    """Write ``values`` to ``instance``'s row if its ``updated_at`` is still ``seen``.

    Raises ``StaleEditError`` (with the saved row) if someone saved it since, ``DomainError``
    if the row is gone, and ``clash`` if a unique constraint refuses the values (a race with
    another writer, after the service's own checks passed). Returns the row as saved.
    """
    model = type(instance)
    manager = model._default_manager
    try:
        with transaction.atomic():
            updated = manager.filter(pk=instance.pk, updated_at=seen).update(
                **values, updated_at=timezone.now())
    except IntegrityError as exc:
        raise clash from exc
    if not updated:
        current = manager.filter(pk=instance.pk).first()
        if current is None:
            raise DomainError(f"{noun} was removed since you opened it.")
        raise StaleEditError(current, noun=noun)
    return manager.get(pk=instance.pk)
