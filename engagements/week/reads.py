"""Reads behind "My week": the enabler's sessions by day, engagements, and gaps.

Each function runs a fixed number of queries, whatever the enabler's history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.db.models import Q

from engagements.models import Engagement, Session, Theme
from engagements.querysets import EngagementQuerySet
from fieldbook.units import minutes_to_days, monday_of
from places.models import Person

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from enablers.models import Enabler


class WeekRowFigures(TypedDict):
    """What ``SessionQuerySet.for_week_table`` annotates on each session."""

    n_learning: int


if TYPE_CHECKING:
    WeekSession: TypeAlias = WithAnnotations[Session, WeekRowFigures]

GAP_DAYS = 14
LOOKBACK_WEEKS = 4


@dataclass
class EngagementRow:
    engagement: Engagement
    days_used: Decimal
    last_session_on: dt.date | None  # anyone's last held session on the engagement
    my_last_contact_on: dt.date | None  # this enabler's, postponed and cancelled included
    assigned_since: dt.date | None

    @property
    def expects_contact(self) -> bool:
        return self.engagement.status in EngagementQuerySet.EXPECTING_CONTACT

    @property
    def days_allocated(self) -> Decimal | None:
        return self.engagement.days_allocated

    @property
    def percent_used(self) -> int:
        if not self.days_allocated:
            return 0
        return min(100, int(self.days_used * 100 / self.days_allocated))


def engagement_rows(enabler: Enabler) -> list[EngagementRow]:
    """The enabler's current engagements with days used and last session. One query."""
    rows = []
    qs = (
        Engagement.objects.assigned_to(enabler)
        .with_activity(enabler)
        .select_related("place", "programme")
        .order_by("place__name", "programme__name")
    )
    for e in qs:
        minutes = e.minutes_used or 0
        rows.append(EngagementRow(
            engagement=e,
            days_used=minutes_to_days(minutes),
            last_session_on=e.last_session_on,
            my_last_contact_on=e.my_last_contact_on,
            assigned_since=e.assigned_since,
        ))
    return rows


def week_days(enabler: Enabler, week_start: dt.date
              ) -> list[tuple[dt.date, list[WeekSession]]]:
    """Monday..Sunday, each with the enabler's sessions that day. Two queries (rows, themes)."""
    week_end = week_start + dt.timedelta(days=6)
    # for_week_table() is typed as a plain SessionQuerySet: the annotation is named here.
    sessions = cast("list[WeekSession]", list(
        Session.objects.by_enabler(enabler)
        .between(week_start, week_end)
        .for_week_table()
        .order_by("date", "created_at")
    ))
    by_day: dict[dt.date, list[WeekSession]] = {}
    for s in sessions:
        by_day.setdefault(s.date, []).append(s)
    return [
        (week_start + dt.timedelta(days=i), by_day.get(week_start + dt.timedelta(days=i), []))
        for i in range(7)
    ]


def quiet_engagements(rows: list[EngagementRow], today: dt.date) -> list[EngagementRow]:
    """Engagements expecting contact (not paused) where this enabler logged none (held,
    postponed or cancelled) in the last two weeks. A co-enabler's visit does not fill the gap:
    the prompt is to log one's own."""
    cutoff = today - dt.timedelta(days=GAP_DAYS)
    return [r for r in rows if r.expects_contact
            and (r.my_last_contact_on is None or r.my_last_contact_on < cutoff)]


def empty_weeks(enabler: Enabler, today: dt.date, rows: list[EngagementRow]) -> list[dt.date]:
    """Mondays of the previous four weeks with nothing logged, counting only weeks when the
    enabler had a current engagement expecting contact (``rows``, paused ones left out). One
    query, none without engagements."""
    since = min((r.assigned_since for r in rows if r.assigned_since and r.expects_contact),
                default=None)
    if since is None:
        return []
    this_monday = monday_of(today)
    start = max(this_monday - dt.timedelta(weeks=LOOKBACK_WEEKS), monday_of(since))
    if start >= this_monday:
        return []
    logged = Session.objects.by_enabler(enabler).weeks_with_sessions(
        start, this_monday - dt.timedelta(days=1)
    )
    mondays = [start + dt.timedelta(weeks=i) for i in range((this_monday - start).days // 7)]
    return [m for m in mondays if m not in logged]


def form_choices(
    enabler: Enabler,
    engagement_id: int | None,
    *,
    session: Session | None = None,
) -> dict[str, Any]:
    """Everything the log form shows: engagements, the chosen place's board members, themes.

    Three queries. When editing, the session's own attendees and themes stay on offer even if
    they have since left the board or been retired, so saving an old session never drops them.
    """
    current = Q(pk__in=Engagement.objects.assigned_to(enabler).values("pk"))
    if session is not None:
        current |= Q(pk=session.engagement_id)  # kept even if the assignment has ended
    engagements = list(
        Engagement.objects.filter(current)
        .select_related("place", "programme")
        .order_by("place__name", "programme__name")
    )
    chosen = next((e for e in engagements if e.pk == engagement_id), None)
    chosen = chosen or (engagements[0] if engagements else None)
    members: list[Person] = []
    if chosen is not None:
        on_board = Q(memberships__board__place_id=chosen.place_id,
                     memberships__ended_on__isnull=True)
        if session is not None and session.engagement.place_id == chosen.place_id:
            on_board |= Q(pk__in=session.attendees.values("pk"))
        members = list(
            Person.objects.filter(on_board)
            .select_related("organisation")
            .order_by("organisation__name", "full_name")
            .distinct()
        )
    usable = Q(is_active=True)
    if session is not None:
        usable |= Q(pk__in=session.themes.values("pk"))
        usable |= Q(pk__in=Theme.objects.filter(learning_items__session=session).values("pk"))
    themes = list(Theme.objects.filter(usable).order_by("name"))
    return {"engagements": engagements, "members": members, "themes": themes, "chosen": chosen}


def last_used(enabler: Enabler) -> Session | None:
    """The enabler's most recent session, for sensible defaults. One query."""
    return (
        Session.objects.by_enabler(enabler)
        .only("engagement_id", "kind", "duration_minutes")
        .order_by("-created_at")
        .first()
    )
