"""Time windows, sectors in the room, and days: the definitions every lead-facing figure uses.

Definitions (each tested on its boundaries in tests/test_dashboard_figures.py):

- A *session* counts towards sessions and days only if it was **held**, is not deleted, and is
  dated on or before today. Postponed and cancelled sessions are *contact attempted*: they are
  never days, but their reasons are shown for quiet places.
- *Days* = minutes / ``MINUTES_PER_DAY`` (450, a 7.5 hour day).
- *Last 4 weeks* = the 28 days ending today (today - 27 days .. today).
- *Last quarter* = the 91 days (13 weeks) ending today (today - 90 days .. today).
- *To date* = every held, live session so far (sessions are never dated after today): the
  figures to date and top themes, read from the rollups (engagements.rollups).
- *Weeks since* the last session = whole weeks: (today - date) // 7. 20 days is 2 weeks.
- A place is *quiet* when its engagement is in diagnostic or active work and no session was held
  in the last 3 weeks: the last held session is 21 or more days ago (or, with none held, the
  engagement started, or was requested, 21 or more days ago). Requested, paused and closed
  engagements are never "quiet": nobody expects visits then.
- *This month* = the 1st of this month .. today; *last month* = the whole previous month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When

from engagements import rollups
from engagements.models import Engagement, Session
from fieldbook.units import minutes_to_days
from places.models import SECTOR_BY_KIND, Sector

FOUR_WEEKS_DAYS = 28
QUARTER_DAYS = rollups.QUARTER_DAYS  # the one definition (engagements.rollups)
YEAR_DAYS = 365
QUIET_DAYS = 21
QUIET_STATUSES = (Engagement.Status.DIAGNOSTIC, Engagement.Status.ACTIVE)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Windows:
    """The date windows for one request, all relative to ``today``."""

    today: dt.date

    @property
    def four_weeks_from(self) -> dt.date:
        return self.today - dt.timedelta(days=FOUR_WEEKS_DAYS - 1)

    @property
    def quarter_from(self) -> dt.date:
        return self.today - dt.timedelta(days=QUARTER_DAYS - 1)

    @property
    def year_from(self) -> dt.date:
        return self.today - dt.timedelta(days=YEAR_DAYS - 1)

    @property
    def quiet_on_or_before(self) -> dt.date:
        """A last session on or before this date makes a working engagement quiet."""
        return self.today - dt.timedelta(days=QUIET_DAYS)

    @property
    def month_from(self) -> dt.date:
        return self.today.replace(day=1)

    @property
    def last_month_to(self) -> dt.date:
        return self.month_from - dt.timedelta(days=1)

    @property
    def last_month_from(self) -> dt.date:
        return self.last_month_to.replace(day=1)


def paginate(object_list: Any, number: Any, per_page: int = PAGE_SIZE) -> Page:
    """A page (bad or missing numbers give the first or last page), with ``elided_range``:
    the page numbers to link, with ``Paginator.ELLIPSIS`` for gaps ("1 2 3 … 10")."""
    page = Paginator(object_list, per_page).get_page(number)
    page.elided_range = list(  # type: ignore[attr-defined]  # for the pagination template
        page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    return page


def weeks_since(day: dt.date | None, today: dt.date) -> int | None:
    return None if day is None else (today - day).days // 7


def weeks_ago_label(weeks: int | None) -> str:
    """0 -> "less than a week ago", 1 -> "1 week ago", 5 -> "5 weeks ago"."""
    if weeks is None:
        return ""
    if weeks <= 0:
        return "less than a week ago"
    return f"{weeks} week{'s' if weeks != 1 else ''} ago"


to_days = minutes_to_days  # the dashboards' name for it


def held_q(prefix: str = "", *, today: dt.date) -> Q:
    """Held, live sessions dated up to today; ``prefix`` is the path to Session (``sessions__``)."""
    return Q(**{
        f"{prefix}deleted_at__isnull": True,
        f"{prefix}status": Session.Status.HELD,
        f"{prefix}date__lte": today,
    })


# -- sectors in the room ------------------------------------------------------------------------
#
# The dashboard's breadth columns are the seven the programme talks about. Ambulance trusts,
# commissioners (CCG / ICB), the independent sector, other public services (police, fire) and
# patients' and service users' voices are grouped as "Other"; the place page and the hover text
# name which of them it was, so nothing is lost by the grouping.

@dataclass(frozen=True)
class BreadthColumn:
    key: str
    label: str
    short: str  # shown in the narrow table cell; the full label is in an <abbr> title


BREADTH_COLUMNS: tuple[BreadthColumn, ...] = (
    BreadthColumn("acute", "Acute", "Ac"),
    BreadthColumn("primary_care", "Primary care", "PC"),
    BreadthColumn("community", "Community", "Co"),
    BreadthColumn("mental_health", "Mental health", "MH"),
    BreadthColumn("social_care", "Local authority / social care", "LA"),
    BreadthColumn("voluntary", "Voluntary", "Vol"),
    BreadthColumn("other", "Other", "Oth"),
)
BREADTH_OF_SECTOR: dict[str, str] = {
    Sector.ACUTE: "acute",
    Sector.PRIMARY_CARE: "primary_care",
    Sector.COMMUNITY: "community",
    Sector.MENTAL_HEALTH: "mental_health",
    Sector.SOCIAL_CARE: "social_care",
    Sector.VOLUNTARY: "voluntary",
    Sector.AMBULANCE: "other",
    Sector.COMMISSIONING: "other",
    Sector.INDEPENDENT: "other",
    Sector.OTHER_PUBLIC: "other",
    Sector.PATIENTS: "other",
}
SECTOR_LABELS: dict[str, str] = dict(Sector.choices)


def sector_of_kind(kind_field: str) -> Case:
    """SQL for an organisation kind's sector (places.models.SECTOR_BY_KIND, in the database)."""
    return Case(
        *[When(**{kind_field: kind}, then=Value(str(sector))) for kind, sector in
          SECTOR_BY_KIND.items()],
        default=Value(str(Sector.OTHER_PUBLIC)),
        output_field=CharField(),
    )


@dataclass
class Breadth:
    """Which breadth columns had people in the room, and the raw sectors behind "Other"."""

    sectors: set[str]

    @property
    def columns(self) -> list[dict[str, Any]]:
        present = {BREADTH_OF_SECTOR.get(s, "other") for s in self.sectors}
        return [
            {"key": c.key, "label": c.label, "short": c.short, "present": c.key in present,
             "detail": self.other_labels if c.key == "other" else ""}
            for c in BREADTH_COLUMNS
        ]

    @property
    def count(self) -> int:
        return len({BREADTH_OF_SECTOR.get(s, "other") for s in self.sectors})

    @property
    def other_labels(self) -> str:
        return ", ".join(sorted(SECTOR_LABELS[s] for s in self.sectors
                                if BREADTH_OF_SECTOR.get(s) == "other"))


def quarter_breadth(engagement_ids: list[int], w: Windows) -> dict[int, Breadth]:
    """Sectors in the room last quarter, per engagement, from their stored quarters
    (engagements.rollups.quarters: one query, three more while a row is not for today)."""
    return {pk: Breadth(q.sectors) for pk, q in rollups.quarters(engagement_ids, w.today).items()}


def sectors_in_room(engagement_ids: list[int], *, since: dt.date, today: dt.date
                    ) -> dict[int, Breadth]:
    """Sectors with people in the room at held sessions between ``since`` and ``today``, per
    engagement: named attendees (by their organisation's kind) and headcounts by sector.

    Two queries, whatever the number of sessions: the distinct (engagement, attendee) pairs
    and headcount sectors in the window (a UNION, at most a board's members plus 11 sectors
    per engagement), then those attendees' sectors. Looking people up once each, not once per
    session they attended, is what keeps a busy quarter cheap.
    """
    from engagements.models import SessionSectorCount
    from places.models import Person

    found: dict[int, Breadth] = {pk: Breadth(set()) for pk in engagement_ids}
    if not engagement_ids:
        return found
    window = Q(session__engagement_id__in=engagement_ids, session__deleted_at__isnull=True,
               session__status=Session.Status.HELD, session__date__gte=since,
               session__date__lte=today)
    attendees = (
        Session.attendees.through.objects.filter(window)  # type: ignore[misc]  # django-stubs resolves no annotation on an auto-created through model
        .annotate(eng=F("session__engagement_id"), who=F("person_id"), room_sector=Value(""))
        .values_list("eng", "who", "room_sector").order_by()
    )
    headcounts = (
        SessionSectorCount.objects.filter(window)
        .annotate(eng=F("session__engagement_id"), who=Value(None, IntegerField()),
                  room_sector=F("sector"))
        .values_list("eng", "who", "room_sector").order_by()
    )
    people: dict[int, set[int]] = {}
    for eng, person, sector in attendees.union(headcounts):  # UNION: distinct rows
        if person is None:
            found[eng].sectors.add(sector)
        else:
            people.setdefault(person, set()).add(eng)
    # With nobody named, ask for nobody rather than skip the query: the same number of
    # queries whatever the data (tests/test_dashboard_budget.py).
    sector_of = dict(
        Person.objects.filter(Q(pk__in=list(people)) if people else Q(pk__isnull=True))
        .annotate(room_sector=sector_of_kind("organisation__kind"))
        .values_list("pk", "room_sector").order_by()
    )
    for person, engagements in people.items():
        for eng in engagements:
            found[eng].sectors.add(sector_of[person])
    return found
