"""A place's page in a programme: its engagement, timeline, themes over time, outcomes, shared
learning and delivery board. Never private notes, and never next steps (the enabler's own plan).

Queries: ``engagement_for`` 1, ``enablers_of`` 1, ``timeline_page`` 5 (count, rows, who was in
the room (2), themes), ``themes_over_time`` 2, ``outcomes_of`` 1, ``learning_of`` 1,
``board_of`` 1, plus ``definitions.quarter_breadth`` 1 (the stored quarter).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, F, IntegerField, OuterRef, QuerySet, Value, When
from django.utils.safestring import SafeString

from enablers.models import Assignment
from engagements.dashboards import cells
from engagements.dashboards.definitions import (
    QUIET_STATUSES,
    SECTOR_LABELS,
    Windows,
    paginate,
    sector_of_kind,
    to_days,
    weeks_ago_label,
    weeks_since,
)
from engagements.dashboards.programme import with_figures
from engagements.disclosure import Cell, sessions_text, suppress, within
from engagements.lifecycle.reads import pending_proposal_pk

if TYPE_CHECKING:
    from engagements.dashboards.programme import FiguredEngagement
from engagements.models import (
    Engagement,
    EngagementTheme,
    EngagementThemeMonth,
    LearningItem,
    Outcome,
    Session,
    SessionSectorCount,
)
from fieldbook.units import add_months
from places.models import SECTOR_BY_KIND, BoardMembership, DeliveryBoard, Person, Sector

BOARD_ROLE_ORDER = (BoardMembership.BoardRole.CHAIR, BoardMembership.BoardRole.VICE_CHAIR,
                    BoardMembership.BoardRole.MEMBER)
CHART_MONTHS = 24
CHART_THEMES = 6
LEARNING_SHOWN = 30


def engagement_for(programme_slug: str, place_slug: str, w: Windows
                   ) -> FiguredEngagement | None:
    """The engagement of a place in a programme, with its activity figures. One query."""
    return (
        with_figures(Engagement.objects.filter(programme__slug=programme_slug,
                                               place__slug=place_slug), w)
        # Issue 17: whether an enabler's proposal awaits a decision (its details are read only
        # when one does).
        .annotate(pending_proposal_id=pending_proposal_pk())
        # The board comes with the place (a reverse one-to-one: a LEFT JOIN, no extra query).
        .select_related("programme", "place__region", "place__system", "place__board",
                        # Issue 17: the place's context and its board's UEC sponsor.
                        "place__context", "place__board__uec_sponsor__person__organisation")
        .first()
    )


@dataclass
class PlaceSummary:
    engagement: FiguredEngagement
    windows: Windows

    @property
    def days_used(self) -> Decimal:
        return to_days(self.engagement.minutes_to_date)

    @property
    def percent_used(self) -> int:
        allocated = self.engagement.days_allocated
        return min(100, int(self.days_used * 100 / allocated)) if allocated else 0

    @cached_property
    def shown(self) -> tuple[Cell, Cell]:
        """Sessions in the last 4 weeks and to date, as the dashboard shows them (README
        "Small numbers"): the days used go with the sessions to date."""
        e = self.engagement
        return within(e.sessions_recent, e.sessions_to_date)

    @property
    def days_shown(self) -> bool:
        return self.shown[1].shown

    @property
    def sessions_said(self) -> str:
        """"12 sessions held; 3 in the last 4 weeks", under the small-number rule."""
        recent, to_date = self.shown
        return f"{sessions_text(to_date)} held; {recent.text} in the last 4 weeks"

    @property
    def weeks_ago(self) -> str:
        return weeks_ago_label(self.weeks_since)

    @property
    def weeks_since(self) -> int | None:
        return weeks_since(self.engagement.last_session_on,
                           self.windows.today)

    @property
    def is_quiet(self) -> bool:
        e = self.engagement
        day = e.last_session_on or e.start_on
        return (e.status in QUIET_STATUSES and day is not None
                and day <= self.windows.quiet_on_or_before)


def enablers_of(engagement: Engagement) -> list[Assignment]:
    """Current assignments first (lead before supporting), then past ones. One query."""
    return list(
        Assignment.objects.filter(engagement=engagement).select_related("enabler__user")
        .order_by(F("ended_on").desc(nulls_first=True), "role", "started_on", "pk")
    )


# -- timeline -----------------------------------------------------------------------------

@dataclass
class TimelineEntry:
    pk: int
    date: dt.date
    kind: str
    status: str
    status_reason: str
    duration_minutes: int
    organisations: list[dict[str, Any]] = field(default_factory=list)
    headcounts: list[dict[str, Any]] = field(default_factory=list)
    themes: list[dict[str, str]] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return Session.Kind(self.kind).label

    @property
    def status_label(self) -> str:
        return Session.Status(self.status).label

    @property
    def is_held(self) -> bool:
        return self.status == Session.Status.HELD

    @property
    def days(self) -> Decimal:
        return to_days(self.duration_minutes, "0.01") if self.is_held else Decimal(0)


# The only session columns a lead's page reads. ``private_notes`` and ``next_steps`` are not
# among them, so they are never even loaded.
TIMELINE_COLUMNS = ("pk", "date", "kind", "status", "status_reason", "duration_minutes")


def timeline_queryset(engagement: Engagement, *, theme: str = "", since: dt.date | None = None
                      ) -> QuerySet[Any]:
    qs = Session.objects.filter(engagement=engagement, deleted_at__isnull=True)
    if theme:
        qs = qs.filter(Exists(Session.themes.through.objects.filter(
            session=OuterRef("pk"), theme__slug=theme)))
    if since:
        qs = qs.filter(date__gte=since)
    return qs.order_by("-date", "-pk").values(*TIMELINE_COLUMNS)


def timeline_details(entries: list[TimelineEntry]) -> None:
    """Fill in who was in the room (by organisation, and headcounts by sector) and themes for a
    page of sessions. Three queries: the page's (session, person) pairs and headcounts (one
    UNION), those people's organisations (by primary key), and the themes.

    The people are looked up by key in a query of their own: joined in one statement,
    PostgreSQL hashed the whole person table (20,000 rows at 1M sessions) for a page's ~200
    attendees."""
    ids = [e.pk for e in entries]
    if not ids:
        return
    by_pk = {e.pk: e for e in entries}
    pairs = (
        Session.attendees.through.objects.filter(session_id__in=ids)  # type: ignore[misc]  # django-stubs resolves no annotation on an auto-created through model
        .annotate(who=F("person_id"), room_sector=Value(""), n=Value(1))
        .values_list("session_id", "who", "room_sector", "n").order_by()
    )
    headcounts = (
        SessionSectorCount.objects.filter(session_id__in=ids)
        .annotate(who=Value(None, IntegerField()), room_sector=F("sector"), n=F("headcount"))
        .values_list("session_id", "who", "room_sector", "n").order_by()
    )
    attended: dict[int, list[int]] = defaultdict(list)
    for session_id, person, sector, n in pairs.union(headcounts, all=True):
        if person is None:
            by_pk[session_id].headcounts.append(
                {"label": "", "sector": SECTOR_LABELS.get(sector, sector), "n": n})
        else:
            attended[session_id].append(person)
    people = {pk: (label, sector) for pk, label, sector in Person.objects.filter(
        pk__in=sorted({p for who in attended.values() for p in who}) or [0])
        .annotate(label=F("organisation__name"),
                  room_sector=sector_of_kind("organisation__kind"))
        .values_list("pk", "label", "room_sector").order_by()}
    for session_id, who in attended.items():
        by_organisation: dict[tuple[str, str], int] = defaultdict(int)
        for person in who:
            by_organisation[people[person]] += 1
        by_pk[session_id].organisations.extend(
            {"label": label, "sector": SECTOR_LABELS.get(sector, sector), "n": n}
            for (label, sector), n in by_organisation.items())
    for entry in entries:
        entry.organisations.sort(key=lambda o: o["label"].lower())
        entry.headcounts.sort(key=lambda o: o["sector"])
    for session_id, name, slug in (
        Session.themes.through.objects.filter(session_id__in=ids)
        .values_list("session_id", "theme__name", "theme__slug").order_by("theme__name")
    ):
        by_pk[session_id].themes.append({"name": name, "slug": slug})


def timeline_page(engagement: Engagement, page_number: Any, *, theme: str = "",
                  since: dt.date | None = None) -> tuple[Page, list[TimelineEntry]]:
    """A page of the timeline, newest first. Five queries.

    Past the first page the rows are read from one row earlier, so ``page.previous_last`` is
    the date of the previous page's oldest session (the status lines between two pages go on
    the later one: engagements.lifecycle.reads.timeline_lines), at no extra query."""
    qs = timeline_queryset(engagement, theme=theme, since=since)
    page = paginate(qs, page_number)
    page.previous_last = None  # type: ignore[attr-defined]  # for timeline_lines
    if page.number > 1:
        bottom = (page.number - 1) * page.paginator.per_page
        rows = list(qs[bottom - 1:bottom + page.paginator.per_page])
        page.previous_last = rows.pop(0)["date"]  # type: ignore[attr-defined]
        page.object_list = rows
    entries = [TimelineEntry(**row) for row in page.object_list]
    timeline_details(entries)
    return page, entries


def iter_timeline(engagement: Engagement, *, batch: int = 500) -> Iterator[TimelineEntry]:
    """The whole timeline, oldest first, ``batch`` sessions at a time (bounded memory)."""
    paginator = Paginator(
        Session.objects.filter(engagement=engagement, deleted_at__isnull=True)
        .order_by("date", "pk").values(*TIMELINE_COLUMNS),
        batch,
    )
    for number in paginator.page_range:
        entries = [TimelineEntry(**row) for row in paginator.page(number).object_list]
        timeline_details(entries)
        yield from entries


# -- themes over time ---------------------------------------------------------------------

@dataclass
class ThemeSeries:
    name: str
    slug: str
    total: int
    counts: list[int]

    @cached_property
    def shown(self) -> tuple[list[Cell], Cell]:
        """The months' counts and their total (beside the theme's name) as a lead may see
        them: README "Small numbers", ``suppress`` with the total as the follow-on."""
        # Months with no session stay 0 (a zero names nobody, and hiding it says no more).
        busy = [i for i, n in enumerate(self.counts) if n]
        hidden, total = suppress([self.counts[i] for i in busy], self.total)
        assert total is not None
        cells = [Cell(n) for n in self.counts]
        for i, cell in zip(busy, hidden, strict=True):
            cells[i] = cell
        return cells, total


@dataclass
class ThemesOverTime:
    months: list[dt.date]
    series: list[ThemeSeries]
    all_themes: list[tuple[str, str]]  # (slug, name) of every theme ever used: the filter

    @property
    def peak(self) -> int:
        """The tallest bar among the counts shown (a hidden count is drawn as a stub)."""
        return max((c.value for s in self.series for c in s.shown[0] if c.shown), default=0)

    @property
    def table_rows(self) -> list[dict[str, Any]]:
        """The chart's figures month by month, newest first: its table fallback (each count
        as a lead may see it)."""
        return [
            {"month": month, "counts": [s.shown[0][i].text for s in self.series]}
            for i, month in reversed(list(enumerate(self.months)))
        ]

    @property
    def table_html(self) -> SafeString:
        return cells.months_table_rows(self.table_rows)


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    day = first.replace(day=1)
    while day <= last:
        months.append(day)
        day = add_months(day, 1)
    return months


def themes_over_time(engagement: Engagement, w: Windows, *, months: int = CHART_MONTHS,
                     limit: int = CHART_THEMES) -> ThemesOverTime:
    """Held sessions per theme per month over the last ``months`` months, for the ``limit``
    themes most used in them. Two queries over the engagement's rollups, whatever its
    history: the months' counts (at most themes x months rows) and every theme it has ever
    touched (the timeline's filter)."""
    start = engagement.started_on or engagement.requested_on
    first_month = max(start.replace(day=1), add_months(w.today.replace(day=1), 1 - months))
    rows = (
        EngagementThemeMonth.objects.filter(engagement=engagement, month__gte=first_month,
                                            month__lte=w.today)
        .values("theme__slug", "theme__name", "month", n=F("held_sessions"))
        .order_by()
    )
    ever_used = EngagementTheme.objects.filter(engagement=engagement).values_list(
        "theme__slug", "theme__name")
    month_list = _month_starts(first_month, w.today)
    index = {m: i for i, m in enumerate(month_list)}
    names: dict[str, str] = {}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(month_list))
    for row in rows:
        names[row["theme__slug"]] = row["theme__name"]
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        if month in index:
            counts[row["theme__slug"]][index[month]] += row["n"]
    series = sorted(
        (ThemeSeries(names[slug], slug, sum(c), c) for slug, c in counts.items() if sum(c)),
        key=lambda s: (-s.total, s.name.lower()),
    )[:limit]
    return ThemesOverTime(
        months=month_list, series=series,
        all_themes=sorted(ever_used, key=lambda item: item[1].lower()),
    )


# -- outcomes, learning, board ------------------------------------------------------------

def outcomes_of(engagement: Engagement) -> list[Outcome]:
    """The outcomes the place confirmed (never a draft, nor one awaiting or declined)."""
    return list(Outcome.objects.confirmed().filter(engagement=engagement)
                .order_by("-recorded_on", "-pk"))


def learning_of(engagement: Engagement, *, limit: int = LEARNING_SHOWN) -> list[dict[str, Any]]:
    """Shareable learning from the engagement's live sessions, newest first. One query; the
    session is read for its date only."""
    labels = dict(LearningItem.Kind.choices)
    items = list(
        # Shared, never withdrawn, a quote only with consent and a role (``shared()``).
        LearningItem.objects.shared().filter(session__engagement=engagement)
        .order_by("-session__date", "-pk")
        .values("pk", "kind", "text", "attributed_role", "session__date")[:limit + 1]
    )
    for item in items:
        item["kind_label"] = labels.get(item["kind"], item["kind"])
    return items


@dataclass
class BoardView:
    board: DeliveryBoard | None
    members: list[BoardMembership]
    sectors_on_board: dict[str, int]


def board_of(engagement: Engagement) -> BoardView:
    """The place's delivery board (loaded with the engagement) and its current members, with
    the sectors they come from. One query, none when the place has no board."""
    try:
        board: DeliveryBoard | None = engagement.place.board
    except DeliveryBoard.DoesNotExist:
        board = None
    members = [] if board is None else list(
        BoardMembership.objects.filter(board=board, ended_on__isnull=True)
        .select_related("person__organisation")
        .order_by(Case(*[When(board_role=role, then=Value(i)) for i, role in
                         enumerate(BOARD_ROLE_ORDER)], default=Value(len(BOARD_ROLE_ORDER))),
                  "person__full_name", "pk")
    )
    on_board: dict[str, int] = defaultdict(int)
    for m in members:
        on_board[SECTOR_BY_KIND[m.person.organisation.kind]] += 1
    return BoardView(board=board, members=members, sectors_on_board=dict(on_board))


def sector_coverage(board: BoardView, in_room: set[str]) -> list[dict[str, Any]]:
    """Every sector (gaps matter as much as presence): members on the board, and whether it
    was in the room last quarter."""
    return [
        {"sector": label, "on_board": board.sectors_on_board.get(value, 0),
         "in_room": value in in_room}
        for value, label in Sector.choices
    ]

