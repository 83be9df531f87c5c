"""Rollups: each engagement's held-session figures, kept so pages never aggregate its history.

``EngagementActivity`` (sessions, minutes and the last held session to date),
``EngagementThemeMonth`` (sessions per theme per calendar month) and ``EngagementTheme`` (their
sum: sessions per theme to date) are pure functions of an engagement's held, live
sessions. Whatever writes sessions recomputes the rows of the
engagements it touched, in its own transaction:

- ``refresh(ids)`` is called by ``engagements.week.services`` (log, edit, delete, restore, repeat),
  the demo data and the load generator, and by the test factories. It locks the engagements
  (``SELECT … FOR NO KEY UPDATE``, in id order) and recomputes their rows in five statements
  that read the month(s) written, not the whole history. The lock serialises writers on one
  engagement, so a recompute always sees the sessions the previous writer committed;
  ``NO KEY`` lets session INSERTs (which take a key-share lock on the engagement) go on
  meanwhile, so two writers cannot deadlock.
- ``rebuild()`` recomputes every engagement in batches (``manage.py rebuild_rollups``, run
  by migration 0005 for existing data and nightly by ``engagements.check_rollups``), and
  returns how many rows it had to change: anything but 0 means some write went around the
  services (a raw SQL fix, a restore of part of a backup) and is worth a look.

Sessions are never dated after today (the services refuse it), so "to date" needs no date
filter and a rollup row stays right as days pass.

``EngagementQuarter`` is the exception: the last quarter (91 days to today) moves on every day.
``refresh`` and ``rebuild`` write it for today; ``slide_quarters`` (nightly, just after
midnight) rewrites every row that is not for today. ``quarters`` reads it, and computes live
(``quarters_live``) any engagement whose row is missing or not for today, so a page is never
wrong, only slower, until the night's job has run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from engagements.models import (
    Engagement,
    EngagementActivity,
    EngagementQuarter,
    EngagementTheme,
    EngagementThemeMonth,
    Session,
)

BATCH = 500
QUARTER_DAYS = 91  # "the last quarter": 13 weeks, today included


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "engagement": q(Engagement._meta.db_table),
        "session": q(Session._meta.db_table),
        "session_themes": q(Session.themes.through._meta.db_table),
        "activity": q(EngagementActivity._meta.db_table),
        "theme": q(EngagementTheme._meta.db_table),
        "theme_month": q(EngagementThemeMonth._meta.db_table),
    }


def _month_of(column: str) -> str:
    """SQL for the first day of the month of a date column."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"  # SQLite


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def _recompute(ids: list[int], months: list[dt.date] | None = None) -> None:
    """Five statements for any number of engagements. The caller holds the transaction (and,
    for live writes, the locks).

    1. the activity row, from the partial index of held sessions (an index-only scan);
    2-3. the theme-month rows of ``months`` (first days of months; every month when None),
       from those months' sessions only;
    4-5. the theme rows to date, summed from the theme-month rows.

    So a write reads one month of the engagement's sessions, whatever its history.
    """
    t = _tables()
    marks = ", ".join(["%s"] * len(ids))
    held = "s.status = 'held' AND s.deleted_at IS NULL"
    month = _month_of("s.date")
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
        if months is None:
            cursor.execute(
                f"DELETE FROM {t['theme_month']} WHERE engagement_id IN ({marks})", ids)
            in_months, month_params = "", []
        else:
            cursor.execute(
                f"DELETE FROM {t['theme_month']} WHERE engagement_id IN ({marks}) "
                f"AND month IN ({', '.join(['%s'] * len(months))})", [*ids, *months])
            in_months = " AND (" + " OR ".join(
                ["(s.date >= %s AND s.date < %s)"] * len(months)) + ")"
            month_params = [day for m in months for day in (m, _next_month(m))]
        cursor.execute(
            f"INSERT INTO {t['theme_month']} (engagement_id, theme_id, month, held_sessions) "
            f"SELECT s.engagement_id, st.theme_id, {month}, COUNT(*) "
            f"FROM {t['session']} s JOIN {t['session_themes']} st ON st.session_id = s.id "
            f"WHERE s.engagement_id IN ({marks}) AND {held}{in_months} "
            f"GROUP BY s.engagement_id, st.theme_id, {month}",
            [*ids, *month_params],
        )
        cursor.execute(f"DELETE FROM {t['theme']} WHERE engagement_id IN ({marks})", ids)
        cursor.execute(
            f"INSERT INTO {t['theme']} (engagement_id, theme_id, held_sessions) "
            f"SELECT engagement_id, theme_id, SUM(held_sessions) FROM {t['theme_month']} "
            f"WHERE engagement_id IN ({marks}) GROUP BY engagement_id, theme_id",
            ids,
        )


@dataclass
class Quarter:
    """One engagement's last quarter: held sessions per theme id, sectors in the room."""

    themes: dict[int, int] = field(default_factory=dict)
    sectors: set[str] = field(default_factory=set)


def quarter_from(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=QUARTER_DAYS - 1)


def quarters_live(ids: list[int], today: dt.date) -> dict[int, Quarter]:
    """The last quarter of these engagements, from their sessions. Three queries (none
    without ids)."""
    from engagements.dashboards.definitions import sectors_in_room

    found = {pk: Quarter() for pk in ids}
    if not ids:
        return found
    since = quarter_from(today)
    for engagement_id, theme_id, n in (
        Session.themes.through.objects.filter(  # type: ignore[misc]  # django-stubs resolves no annotation on an auto-created through model
            session__engagement_id__in=ids, session__deleted_at__isnull=True,
            session__status=Session.Status.HELD, session__date__gte=since,
            session__date__lte=today,
        )
        .values("session__engagement_id", "theme_id").annotate(n=Count("*"))
        .values_list("session__engagement_id", "theme_id", "n").order_by()
    ):
        found[engagement_id].themes[theme_id] = n
    for pk, breadth in sectors_in_room(ids, since=since, today=today).items():
        found[pk].sectors = breadth.sectors
    return found


def _write_quarters(ids: list[int], today: dt.date) -> None:
    """Recompute and store these engagements' quarters for ``today`` (the caller holds the
    transaction and the locks). Four queries."""
    rows = [EngagementQuarter(engagement_id=pk, as_of=today,
                              themes={str(t): n for t, n in sorted(q.themes.items())},
                              sectors=sorted(q.sectors))
            for pk, q in quarters_live(ids, today).items()]
    EngagementQuarter.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["engagement"],
        update_fields=["as_of", "themes", "sectors"])


def quarters(ids: list[int], today: dt.date) -> dict[int, Quarter]:
    """The last quarter of these engagements: their stored rows for ``today`` (one query),
    and the rest computed live (three more, only when some row is missing or old)."""
    found = {
        pk: Quarter({int(t): n for t, n in themes.items()}, set(sectors))
        for pk, themes, sectors in EngagementQuarter.objects.filter(
            engagement_id__in=ids, as_of=today).values_list("engagement_id", "themes", "sectors")
    } if ids else {}
    missing = [pk for pk in ids if pk not in found]
    found.update(quarters_live(missing, today))
    return found


def theme_counts_of_programme(programme_id: int, today: dt.date) -> dict[int, dict[str, int]]:
    """Held sessions per theme last quarter for every engagement of a programme, as stored:
    {engagement: {theme id as text: count}}, the JSON object itself, keys unconverted and no
    sectors read (the heatmap reads ~3,000 counts a request at 1M sessions and converts its two
    dozen theme ids instead). One query, plus the live count (``quarters_live``) of those
    engagements whose stored row is missing or old."""
    found: dict[int, dict[str, int]] = {}
    missing = []
    for pk, as_of, themes in Engagement.objects.filter(
            programme_id=programme_id).values_list(
            "pk", "quarter__as_of", "quarter__themes").order_by():
        if as_of == today:
            found[pk] = themes
        else:
            missing.append(pk)
    for pk, q in quarters_live(missing, today).items():
        found[pk] = {str(t): n for t, n in q.themes.items()}
    return found


def slide_quarters(*, batch: int = BATCH) -> int:
    """Rewrite every stored quarter that is not for today (the nightly job: the window moved
    on). Locks each batch of engagements as ``refresh`` does. Returns how many it rewrote."""
    today = timezone.localdate()
    ids = list(EngagementQuarter.objects.exclude(as_of=today).order_by("pk")
               .values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with transaction.atomic():
            list(Engagement.objects.select_for_update(no_key=True).filter(pk__in=chunk)
                 .order_by("pk").values_list("pk", flat=True))
            _write_quarters(chunk, today)
    return len(ids)


def refresh(engagement_ids: Iterable[int], *, dates: Iterable[dt.date] | None = None) -> None:
    """Recompute the rollups of these engagements after a session write. Ten queries.

    ``dates``: the dates of the sessions written (before and after an edit); only their
    months' theme counts are recomputed. None recomputes every month (bulk writers, tests).
    """
    ids = sorted({int(pk) for pk in engagement_ids if pk is not None})
    if not ids:
        return
    months = None if dates is None else sorted({_month_start(d) for d in dates})
    # No savepoint: inside the caller's transaction this adds no statements of its own.
    with transaction.atomic(savepoint=False):
        # Locks in id order, so two writers touching the same engagements cannot deadlock.
        list(Engagement.objects.select_for_update(no_key=True).filter(pk__in=ids)
             .order_by("pk").values_list("pk", flat=True))
        _recompute(ids, months or None)
        _write_quarters(ids, timezone.localdate())


def refresh_all(engagement_ids: Iterable[int], *, batch: int = BATCH) -> None:
    """``refresh`` for many engagements at once (bulk writers: the demo data, the load
    generator), ``batch`` engagements per round."""
    ids = sorted({int(pk) for pk in engagement_ids})
    for start in range(0, len(ids), batch):
        refresh(ids[start:start + batch])


def _snapshot(ids: list[int]) -> tuple[set[tuple], set[tuple], set[tuple]]:
    """The rows as they stand; an engagement without an activity row reads as nothing held
    (the dashboards' LEFT JOIN says the same), so a missing row is not drift."""
    found = {row[0]: row for row in EngagementActivity.objects.filter(
        engagement_id__in=ids).values_list(
        "engagement_id", "held_sessions", "held_minutes", "last_held_on")}
    activity = {found.get(pk, (pk, 0, 0, None)) for pk in ids}
    themes = set(EngagementTheme.objects.filter(engagement_id__in=ids).values_list(
        "engagement_id", "theme_id", "held_sessions"))
    months = set(EngagementThemeMonth.objects.filter(engagement_id__in=ids).values_list(
        "engagement_id", "theme_id", "month", "held_sessions"))
    return activity, themes, months


def _quarters_of_today(ids: list[int], today: dt.date) -> dict[int, tuple]:
    return {pk: (themes, sectors) for pk, themes, sectors in EngagementQuarter.objects.filter(
        engagement_id__in=ids, as_of=today).values_list("engagement_id", "themes", "sectors")}


def rebuild(*, batch: int = BATCH) -> int:
    """Recompute every engagement's rollups, ``batch`` engagements per transaction. Returns
    the number of rows that were wrong or missing before (0 when everything was in step)."""
    changed = 0
    today = timezone.localdate()
    ids = list(Engagement.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with transaction.atomic():
            list(Engagement.objects.select_for_update(no_key=True).filter(pk__in=chunk)
                 .order_by("pk").values_list("pk", flat=True))
            before_activity, before_themes, before_months = _snapshot(chunk)
            before_quarters = _quarters_of_today(chunk, today)
            _recompute(chunk)
            _write_quarters(chunk, today)
            after_activity, after_themes, after_months = _snapshot(chunk)
            after_quarters = _quarters_of_today(chunk, today)
        changed += len(after_activity - before_activity)
        # A quarter not stored for today is old, not drift (slide_quarters' work): only a
        # row for today that was wrong counts.
        changed += sum(1 for pk, row in before_quarters.items() if after_quarters.get(pk) != row)
        changed += len({row[:2] for row in after_themes ^ before_themes})
        changed += len({row[:3] for row in after_months ^ before_months})
    return changed
