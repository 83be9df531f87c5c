"""The programme list and the programme dashboard: one row per place, and headline figures.

Queries (whatever the number of places and sessions):
- ``programme_list``: 1;
- ``headlines``: 2 (status and quiet counts; this month's and last month's sessions and days);
- ``quiet_engagements``: 1 (the first few quiet places; their reasons come with the table's);
- ``dashboard_page``: 5 (count, rows, top themes, sectors in the room from the stored quarters,
  contact attempts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils.safestring import SafeString, mark_safe

from enablers.models import Assignment
from engagements.dashboards import cells
from engagements.dashboards.definitions import (
    QUIET_STATUSES,
    Breadth,
    Windows,
    held_q,
    paginate,
    quarter_breadth,
    to_days,
    weeks_ago_label,
    weeks_since,
)
from engagements.dashboards.filters import SORTS, apply_filters
from engagements.disclosure import WITHHELD, Cell, count_cell, sessions_text, within
from engagements.models import Engagement, EngagementTheme, Outcome, Programme, Session

STATUS_ORDER = {status: i for i, status in enumerate(Engagement.Status.values)}
TOP_THEMES = 3
ATTEMPTS_SHOWN = 3
QUIET_LISTED = 10

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations


class EngagementFigures(TypedDict):
    """What ``with_figures`` annotates on each engagement."""

    last_session_on: dt.date | None
    sessions_to_date: int
    minutes_to_date: int | None
    sessions_recent: int
    minutes_recent: int | None
    start_on: dt.date | None
    status_order: int
    n_outcomes: int
    lead_name: str | None


if TYPE_CHECKING:
    # An engagement as with_figures() returns it (a name for the type checker only).
    FiguredEngagement: TypeAlias = WithAnnotations[Engagement, EngagementFigures]


# -- the programme list -----------------------------------------------------------------------

def programme_list(user: User) -> QuerySet[Programme]:
    """Every programme with its places by status; the user's own programmes first. One query.

    Leads are the central team: each may open any programme. ``is_mine`` only orders the list.
    """
    statuses = {
        f"n_{status}": Count("engagements", filter=Q(engagements__status=status))
        for status in Engagement.Status.values
    }
    return (
        Programme.objects.annotate(
            n_places=Count("engagements"),
            is_mine=Exists(Programme.leads.through.objects.filter(
                programme_id=OuterRef("pk"), user_id=user.pk)),
            **statuses,
        )
        .order_by("-is_mine", "-starts_on", "name")
    )


# -- building blocks ----------------------------------------------------------------------------

def _start_of(prefix: str = "") -> Coalesce:
    return Coalesce(f"{prefix}started_on", f"{prefix}requested_on", output_field=DateField())


def quiet_q(w: Windows) -> Q:
    """Engagements in working status with no session held in the last 3 weeks (see common)."""
    cutoff = w.quiet_on_or_before
    return Q(status__in=QUIET_STATUSES) & (
        Q(last_session_on__lte=cutoff)
        | Q(last_session_on__isnull=True, start_on__lte=cutoff)
    )


def last_held() -> F:
    """The engagement's last held session, from its rollup (engagements.rollups)."""
    return F("activity__last_held_on")


def _lead_name() -> Subquery:
    """The current lead enabler's name (or username), as a correlated subquery."""
    name = Coalesce(
        NullIf(Trim(Concat("enabler__user__first_name", Value(" "),
                           "enabler__user__last_name")), Value("")),
        "enabler__user__username",
        output_field=CharField(),
    )
    # No ordering: there is one current lead at most (the assignment_one_current_lead
    # index), and Assignment's default ordering would join the programme and the place into
    # every row's subquery just to sort one row.
    return Subquery(
        Assignment.objects.filter(engagement=OuterRef("pk"), role=Assignment.Role.LEAD,
                                  ended_on__isnull=True)
        .annotate(name=name).order_by().values("name")[:1],
        output_field=CharField(),
    )


def _outcome_count() -> Coalesce:
    return Coalesce(
        Subquery(
            Outcome.objects.confirmed().filter(engagement=OuterRef("pk")).order_by()
            .values("engagement").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _held_figure(w: Windows, aggregate: Count | Sum, *, since: dt.date | None = None
                 ) -> Subquery:
    """One aggregate over an engagement's held sessions (optionally from ``since``), as a
    correlated subquery: an index-only scan of ``session_held_engagement_idx`` on PostgreSQL
    (engagement, date, with duration_minutes included; held, live sessions only)."""
    held = Session.objects.filter(held_q(today=w.today), engagement=OuterRef("pk"))
    if since is not None:
        held = held.filter(date__gte=since)
    return Subquery(
        held.order_by().values("engagement").annotate(figure=aggregate).values("figure"),
        output_field=IntegerField(),
    )


def with_figures(qs: QuerySet[Engagement], w: Windows) -> QuerySet[FiguredEngagement]:
    """Annotate each engagement with its activity figures. The figures to date come from the
    engagement's rollup row (a LEFT JOIN: an engagement nobody has logged against has none);
    the last 4 weeks are correlated subqueries over the partial index of held sessions (no
    join of the programme's sessions, no GROUP BY). So the cost follows the engagements on
    the page, not their history, and the paginator's count joins nothing it does not filter
    on. The lead enabler and the outcome count are also correlated subqueries (one index
    lookup per engagement)."""
    minutes = Sum("duration_minutes")
    return qs.annotate(
        last_session_on=last_held(),
        sessions_to_date=Coalesce(F("activity__held_sessions"), 0),
        minutes_to_date=F("activity__held_minutes"),
        sessions_recent=Coalesce(_held_figure(w, Count("*"), since=w.four_weeks_from), 0),
        minutes_recent=_held_figure(w, minutes, since=w.four_weeks_from),
        start_on=_start_of(),
        status_order=Case(*[When(status=s, then=Value(i)) for s, i in STATUS_ORDER.items()],
                          output_field=IntegerField()),
        n_outcomes=_outcome_count(),
        lead_name=_lead_name(),
    )


# -- headline figures -----------------------------------------------------------------------

@dataclass
class Headlines:
    by_status: list[tuple[str, str, int]]
    n_places: int
    n_quiet: int
    sessions_this_month: int
    days_this_month: Decimal
    sessions_last_month: int
    days_last_month: Decimal
    sessions_last_month_to_date: int
    days_last_month_to_date: Decimal
    windows: Windows

    @cached_property
    def this_month(self) -> Cell:
        """This month's sessions as a lead may see them (README "Small numbers")."""
        return count_cell(self.sessions_this_month)

    @cached_property
    def last_month(self) -> tuple[Cell, Cell]:
        """Last month by the same day, and all of it: a part and its total (``within``)."""
        return within(self.sessions_last_month_to_date, self.sessions_last_month)

    @property
    def this_month_days(self) -> str:
        return (cells.number(self.days_this_month) if self.this_month.shown
                else f"Days {WITHHELD}")

    @property
    def last_month_said(self) -> str:
        """"12 sessions, 3.5 days; 5 sessions and 1.5 days by the same day", each count and
        its days under the small-number rule."""
        by_day, whole = self.last_month

        def days(cell: Cell, value: Decimal) -> str:
            return f"{cells.number(value)} days" if cell.shown else f"days {WITHHELD}"

        return (f"{sessions_text(whole)}, {days(whole, self.days_last_month)}; "
                f"{sessions_text(by_day)} and {days(by_day, self.days_last_month_to_date)} "
                "by the same day")


def headlines(programme: Programme, w: Windows) -> Headlines:
    """Places by status, quiet places, and this month's vs last month's work. Two queries."""
    counts = {
        row["status"]: row for row in
        Engagement.objects.filter(programme=programme)
        .annotate(last_session_on=last_held(), start_on=_start_of())
        .values("status")
        .annotate(n=Count("pk"), n_quiet=Count("pk", filter=quiet_q(w)))
        .order_by()
    }
    # The same day of last month (or its last day) makes "so far this month" comparable.
    same_day = min(w.last_month_from + dt.timedelta(days=w.today.day - 1), w.last_month_to)
    this_month = Q(date__gte=w.month_from)
    last_month = Q(date__lte=w.last_month_to)
    last_month_to_date = Q(date__lte=same_day)
    sums = Session.objects.filter(
        held_q(today=w.today), engagement__programme=programme, date__gte=w.last_month_from,
    ).aggregate(
        s_this=Count("pk", filter=this_month),
        m_this=Sum("duration_minutes", filter=this_month),
        s_last=Count("pk", filter=last_month),
        m_last=Sum("duration_minutes", filter=last_month),
        s_last_to_date=Count("pk", filter=last_month_to_date),
        m_last_to_date=Sum("duration_minutes", filter=last_month_to_date),
    )
    return Headlines(
        by_status=[(value, label, counts[value]["n"] if value in counts else 0)
                   for value, label in Engagement.Status.choices],
        n_places=sum(row["n"] for row in counts.values()),
        n_quiet=sum(row["n_quiet"] for row in counts.values()),
        sessions_this_month=sums["s_this"],
        days_this_month=to_days(sums["m_this"]),
        sessions_last_month=sums["s_last"],
        days_last_month=to_days(sums["m_last"]),
        sessions_last_month_to_date=sums["s_last_to_date"],
        days_last_month_to_date=to_days(sums["m_last_to_date"]),
        windows=w,
    )


# -- the table ----------------------------------------------------------------------------

@dataclass
class Attempt:
    date: dt.date
    status: str
    reason: str

    @property
    def status_label(self) -> str:
        return Session.Status(self.status).label


@dataclass
class DashboardRow:
    engagement: FiguredEngagement
    windows: Windows
    top_themes: list[dict[str, Any]] = field(default_factory=list)
    breadth: Breadth = field(default_factory=lambda: Breadth(set()))
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def last_session_on(self) -> dt.date | None:
        return self.engagement.last_session_on

    @property
    def weeks_ago(self) -> str:
        return weeks_ago_label(self.weeks_since)

    @property
    def weeks_since(self) -> int | None:
        return weeks_since(self.last_session_on, self.windows.today)

    @property
    def is_quiet(self) -> bool:
        e = self.engagement
        if e.status not in QUIET_STATUSES:
            return False
        day = self.last_session_on or e.start_on
        return day is not None and day <= self.windows.quiet_on_or_before

    @property
    def attempts_since_last_session(self) -> list[Attempt]:
        last = self.last_session_on
        return [a for a in self.attempts if last is None or a.date > last]

    @property
    def sessions_recent(self) -> int:
        return self.engagement.sessions_recent

    @property
    def days_recent(self) -> Decimal:
        return to_days(self.engagement.minutes_recent)

    @property
    def sessions_to_date(self) -> int:
        return self.engagement.sessions_to_date

    @property
    def days_to_date(self) -> Decimal:
        return to_days(self.engagement.minutes_to_date)

    @property
    def days_allocated(self) -> Decimal | None:
        return self.engagement.days_allocated

    @property
    def percent_used(self) -> int:
        """Days used as a share of days allocated, capped at 100 for the bar's width."""
        if not self.days_allocated:
            return 0
        return min(100, int(self.days_to_date * 100 / self.days_allocated))

    @cached_property
    def shown(self) -> tuple[Cell, Cell]:
        """Sessions in the last 4 weeks and to date as a lead may see them (README "Small
        numbers": ``within``, the sessions before the last 4 weeks being the hidden rest).
        Each figure of days is shown only with its count of sessions."""
        return within(self.sessions_recent, self.sessions_to_date)

    @property
    def over_allocation(self) -> bool:
        allocated = self.days_allocated
        return bool(allocated) and allocated is not None and self.days_to_date > allocated


def dashboard_queryset(programme: Programme, values: dict[str, Any], w: Windows
                       ) -> QuerySet[FiguredEngagement]:
    """The programme's engagements, filtered, annotated and sorted as the filters ask."""
    qs = apply_filters(Engagement.objects.filter(programme=programme), values)
    qs = with_figures(qs, w).select_related("place__region")
    if values["quiet"]:
        qs = qs.filter(quiet_q(w))
    return qs.order_by(*SORTS.get(values["sort"], SORTS["place"])[1])


def top_themes(engagement_ids: list[int], w: Windows, *, limit: int = TOP_THEMES
               ) -> dict[int, list[dict[str, Any]]]:
    """Each engagement's most frequent themes in its held sessions to date. One query over the
    engagements' theme rollups (at most one row per engagement and theme, whatever the
    history)."""
    rows = (
        EngagementTheme.objects.filter(engagement_id__in=engagement_ids)
        .values_list("engagement_id", "theme__name", "theme__slug", "held_sessions")
        .order_by()
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for engagement_id, name, slug, n in rows:
        found[engagement_id].append({"name": name, "slug": slug, "n": n})
    return {pk: sorted(themes, key=lambda t: (-t["n"], t["name"].lower()))[:limit]
            for pk, themes in found.items()}


def contact_attempts(last_held: dict[int, dt.date | None], *, limit: int = ATTEMPTS_SHOWN
                     ) -> dict[int, list[Attempt]]:
    """The latest postponed or cancelled sessions of each engagement since its last held
    session (``last_held`` maps engagement ids to that date; all attempts where none was
    held), with their reasons.

    One query: the (engagement, date) pairs are a CTE joined to the sessions on
    ``engagement_id = … AND date > …``, so each engagement is an index range scan of
    ``session_engagement_date_idx`` from its last visit on, and a window function keeps
    ``limit`` rows per engagement. The cost follows the attempts since the last visit, never
    the history. (The ORM cannot join a list of pairs; the SQL is the same on both databases
    but for the date cast.)
    """
    if not last_held:
        return {}
    q = connection.ops.quote_name
    day = "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"
    pairs = sorted(last_held.items())
    sql = (
        f"WITH since (engagement_id, after) AS (VALUES {', '.join([f'(%s, {day})'] * len(pairs))}) "
        f"SELECT engagement_id, date, status, status_reason FROM ("
        f"SELECT s.engagement_id, s.date, s.status, s.status_reason, ROW_NUMBER() OVER ("
        f"PARTITION BY s.engagement_id ORDER BY s.date DESC, s.id DESC) AS n "
        f"FROM since JOIN {q(Session._meta.db_table)} s "
        f"ON s.engagement_id = since.engagement_id AND s.date > since.after "
        f"WHERE s.deleted_at IS NULL AND s.status IN (%s, %s)"
        f") ranked WHERE n <= %s ORDER BY engagement_id, date DESC"
    )
    params: list[int | str | dt.date] = [value for pk, held_on in pairs
                                         for value in (pk, held_on or dt.date.min)]
    params += [Session.Status.POSTPONED, Session.Status.CANCELLED, limit]
    found: dict[int, list[Attempt]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for engagement_id, date, status, reason in cursor.fetchall():
            if isinstance(date, str):  # SQLite hands dates back as text here
                date = dt.date.fromisoformat(date)
            found[engagement_id].append(Attempt(date, status, reason))
    return found


def rows_for(engagements: list[FiguredEngagement], w: Windows) -> list[DashboardRow]:
    """Attach top themes, sectors in the room (last quarter) and contact attempts to a page of
    annotated engagements. Three queries, whatever the page size (three more while some
    engagement's stored quarter is not for today)."""
    ids = [e.pk for e in engagements]
    themes = top_themes(ids, w)
    rooms = quarter_breadth(ids, w)
    rows = [DashboardRow(e, w, themes.get(e.pk, []), rooms[e.pk]) for e in engagements]
    # Fetched for every row (at most 3 each), shown for quiet places only: asking for all rows
    # keeps the query count the same whichever rows happen to be quiet.
    attempts = contact_attempts(
        {e.pk: e.last_session_on for e in engagements})
    for row in rows:
        row.attempts = attempts.get(row.engagement.pk, [])
    return rows


@dataclass
class DashboardPage:
    page: Page
    rows: list[DashboardRow]
    quiet: list[DashboardRow]
    programme_slug: str = ""

    def _place_url(self) -> Callable[[str], str]:
        return cells.place_url_for(self.programme_slug)

    @cached_property
    def rows_html(self) -> SafeString:
        """The table's rows (engagements.dashboards.cells: a template loop costs ~10x more)."""
        url = self._place_url()
        return mark_safe("".join(cells.dashboard_row(r, url(r.engagement.place.slug))
                                 for r in self.rows))

    @cached_property
    def quiet_html(self) -> SafeString:
        url = self._place_url()
        return mark_safe("".join(cells.quiet_item(r, url(r.engagement.place.slug))
                                 for r in self.quiet))




def quiet_engagements(programme: Programme, w: Windows, *, limit: int = QUIET_LISTED
                      ) -> list[FiguredEngagement]:
    """The first ``limit`` quiet places, by name. One query; the headline gives the total."""
    return list(
        with_figures(Engagement.objects.filter(programme=programme), w)
        .filter(quiet_q(w)).select_related("place__region")
        .order_by("place__name", "pk")[:limit]
    )


def dashboard_page(qs: QuerySet[FiguredEngagement], w: Windows, page_number: Any, *,
                   quiet: list[FiguredEngagement] | None = None, programme_slug: str = ""
                   ) -> DashboardPage:
    """One page of the table (and the quiet-places panel, when given), with every per-row
    detail fetched in bulk: count + rows + 3 queries."""
    page = paginate(qs, page_number)
    engagements = list(page.object_list)
    quiet = quiet or []
    rows = rows_for(engagements + quiet, w)
    return DashboardPage(page=page, rows=rows[:len(engagements)], quiet=rows[len(engagements):],
                         programme_slug=programme_slug)


def iter_rows(qs: QuerySet[FiguredEngagement], w: Windows, *, batch: int = 500
              ) -> Iterator[DashboardRow]:
    """Every row of the filtered table, for exports: a page of ``batch`` at a time, so memory
    stays bounded (4 queries a batch, plus a count)."""
    paginator = Paginator(qs, batch)
    for number in paginator.page_range:
        yield from rows_for(list(paginator.page(number).object_list), w)
