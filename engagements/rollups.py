"""Rollups: each engagement's held-session figures, kept so pages never aggregate its history.

``EngagementActivity`` (sessions, minutes and the last held session to date) and
``EngagementTheme`` (sessions per theme to date, and the latest) are pure functions of an
engagement's held, live sessions. Whatever writes sessions recomputes the rows of the
engagements it touched, in its own transaction:

- ``refresh(ids)`` is called by ``engagements.services`` (log, edit, delete, restore, repeat),
  the demo data and the load generator, and by the test factories. It locks the engagements
  (``SELECT … FOR NO KEY UPDATE``, in id order) and recomputes their rows from the sessions in
  three statements, whatever the history. The lock serialises writers on one engagement, so a
  recompute always sees the sessions the previous writer committed; ``NO KEY`` lets session
  INSERTs (which take a key-share lock on the engagement) go on meanwhile, so two writers
  cannot deadlock.
- ``rebuild()`` recomputes every engagement in batches (``manage.py rebuild_rollups``, run
  by migration 0005 for existing data and nightly by ``engagements.check_rollups``), and
  returns how many rows it had to change: anything but 0 means some write went around the
  services (a raw SQL fix, a restore of part of a backup) and is worth a look.

Sessions are never dated after today (the services refuse it), so "to date" needs no date
filter and a rollup row stays right as days pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from .models import Engagement, EngagementActivity, EngagementTheme, Session

BATCH = 500


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "engagement": q(Engagement._meta.db_table),
        "session": q(Session._meta.db_table),
        "session_themes": q(Session.themes.through._meta.db_table),
        "activity": q(EngagementActivity._meta.db_table),
        "theme": q(EngagementTheme._meta.db_table),
    }


def _recompute(ids: list[int]) -> None:
    """Three statements for any number of engagements: the activity upsert, then the theme
    rows replaced. The caller holds the transaction (and, for live writes, the locks)."""
    t = _tables()
    marks = ", ".join(["%s"] * len(ids))
    held = "s.status = 'held' AND s.deleted_at IS NULL"
    with connection.cursor() as cursor:
        # GROUP BY before ON CONFLICT also keeps SQLite's parser unambiguous.
        cursor.execute(
            f"INSERT INTO {t['activity']} (engagement_id, held_sessions, held_minutes, "
            f"last_held_on) "
            f"SELECT e.id, COUNT(s.id), COALESCE(SUM(s.duration_minutes), 0), MAX(s.date) "
            f"FROM {t['engagement']} e LEFT JOIN {t['session']} s "
            f"ON s.engagement_id = e.id AND {held} "
            f"WHERE e.id IN ({marks}) GROUP BY e.id "
            f"ON CONFLICT (engagement_id) DO UPDATE SET held_sessions = excluded.held_sessions, "
            f"held_minutes = excluded.held_minutes, last_held_on = excluded.last_held_on",
            ids,
        )
        cursor.execute(f"DELETE FROM {t['theme']} WHERE engagement_id IN ({marks})", ids)
        cursor.execute(
            f"INSERT INTO {t['theme']} (engagement_id, theme_id, held_sessions, last_held_on) "
            f"SELECT s.engagement_id, st.theme_id, COUNT(*), MAX(s.date) "
            f"FROM {t['session']} s JOIN {t['session_themes']} st ON st.session_id = s.id "
            f"WHERE s.engagement_id IN ({marks}) AND {held} "
            f"GROUP BY s.engagement_id, st.theme_id",
            ids,
        )


def refresh(engagement_ids: Iterable[int]) -> None:
    """Recompute the rollups of these engagements after a session write. Four queries."""
    ids = sorted({int(pk) for pk in engagement_ids if pk is not None})
    if not ids:
        return
    # No savepoint: inside the caller's transaction this adds no statements of its own.
    with transaction.atomic(savepoint=False):
        # Locks in id order, so two writers touching the same engagements cannot deadlock.
        list(Engagement.objects.select_for_update(no_key=True).filter(pk__in=ids)
             .order_by("pk").values_list("pk", flat=True))
        _recompute(ids)


def refresh_all(engagement_ids: Iterable[int], *, batch: int = BATCH) -> None:
    """``refresh`` for many engagements at once (bulk writers: the demo data, the load
    generator), ``batch`` engagements per round."""
    ids = sorted({int(pk) for pk in engagement_ids})
    for start in range(0, len(ids), batch):
        refresh(ids[start:start + batch])


def _snapshot(ids: list[int]) -> tuple[set[tuple], set[tuple]]:
    """The rows as they stand; an engagement without an activity row reads as nothing held
    (the dashboards' LEFT JOIN says the same), so a missing row is not drift."""
    found = {row[0]: row for row in EngagementActivity.objects.filter(
        engagement_id__in=ids).values_list(
        "engagement_id", "held_sessions", "held_minutes", "last_held_on")}
    activity = {found.get(pk, (pk, 0, 0, None)) for pk in ids}
    themes = set(EngagementTheme.objects.filter(engagement_id__in=ids).values_list(
        "engagement_id", "theme_id", "held_sessions", "last_held_on"))
    return activity, themes


def rebuild(*, batch: int = BATCH) -> int:
    """Recompute every engagement's rollups, ``batch`` engagements per transaction. Returns
    the number of rows that were wrong or missing before (0 when everything was in step)."""
    changed = 0
    ids = list(Engagement.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with transaction.atomic():
            list(Engagement.objects.select_for_update(no_key=True).filter(pk__in=chunk)
                 .order_by("pk").values_list("pk", flat=True))
            before_activity, before_themes = _snapshot(chunk)
            _recompute(chunk)
            after_activity, after_themes = _snapshot(chunk)
        changed += len(after_activity - before_activity)
        changed += len({row[:2] for row in after_themes ^ before_themes})
    return changed
