"""Across places: the themes x places heatmap, and the enabler caseload.

Queries: ``heatmap_page`` 4 (count, places, cells, theme totals) plus ``heatmap_themes`` 1;
``caseload_page`` 3 (count, enablers with their days, assignments).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.core.paginator import Page
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from enablers.capacity import capacity_days, month_capacity
from enablers.models import Assignment, Enabler
from engagements.dashboards.definitions import Windows, held_q, paginate, to_days
from engagements.models import Engagement, Programme, Session, Theme

HEAT_LEVELS = 4


# -- heatmap ------------------------------------------------------------------------------

@dataclass
class HeatCell:
    theme: Theme
    n: int
    level: int  # 0 (none) .. HEAT_LEVELS (the busiest cell on the page)
    href: str = ""  # the place's sessions about the theme last quarter ("" when n is 0)
    label: str = ""  # the link's hidden text: "sessions about <theme> at <place>"

    @property
    def shade(self) -> str:
        return f"app-heat--{self.level}"

    @property
    def html(self) -> str:
        """The cell's ``<td>``, built here: a page has ~1,200 cells, and one template variable
        a row renders several times faster than a ``{% for %}`` over the cells."""
        if not self.n:
            return f'<td class="nhsuk-table__cell app-heat {self.shade}">0</td>'
        return (f'<td class="nhsuk-table__cell app-heat {self.shade}">'
                f'<a href="{escape(self.href)}">{self.n}'
                f'<span class="nhsuk-u-visually-hidden"> {escape(self.label)}</span></a></td>')


@dataclass
class HeatRow:
    engagement: Engagement
    cells: list[HeatCell]
    url: str = ""  # the place's page

    @property
    def cells_html(self) -> str:
        return mark_safe("".join(c.html for c in self.cells))


@dataclass
class Heatmap:
    page: Page
    themes: list[Theme]
    rows: list[HeatRow]
    totals: dict[int, int]
    peak: int


def heatmap_themes(programme: Programme, w: Windows) -> tuple[list[Theme], dict[int, int]]:
    """The heatmap's columns: active themes, plus any retired theme still used in the quarter,
    with programme-wide totals of held sessions last quarter. Two queries."""
    totals = dict(
        Session.themes.through.objects.filter(
            session__engagement__programme=programme, session__deleted_at__isnull=True,
            session__status=Session.Status.HELD, session__date__gte=w.quarter_from,
            session__date__lte=w.today,
        )
        .values("theme_id").annotate(n=Count("pk")).values_list("theme_id", "n").order_by()
    )
    themes = list(Theme.objects.filter(Q(is_active=True) | Q(pk__in=list(totals)))
                  .order_by("name"))
    for theme in themes:
        theme.total = totals.get(theme.pk, 0)  # type: ignore[attr-defined]
    return themes, totals


def heatmap_page(programme: Programme, w: Windows, page_number: Any, *, region: str = ""
                 ) -> Heatmap:
    """A page of places (by name), each with its held sessions per theme last quarter."""
    themes, totals = heatmap_themes(programme, w)
    qs = Engagement.objects.filter(programme=programme).select_related("place__region")
    if region:
        qs = qs.filter(place__region__code=region)
    page = paginate(qs.order_by("place__name", "pk"), page_number)
    engagements = list(page.object_list)
    counts: dict[tuple[int, int], int] = {
        (eng, theme): n for eng, theme, n in
        Session.themes.through.objects.filter(
            session__engagement_id__in=[e.pk for e in engagements],
            session__deleted_at__isnull=True, session__status=Session.Status.HELD,
            session__date__gte=w.quarter_from, session__date__lte=w.today,
        )
        .values("session__engagement_id", "theme_id").annotate(n=Count("pk"))
        .values_list("session__engagement_id", "theme_id", "n").order_by()
    }
    peak = max(counts.values(), default=0)

    def level(n: int) -> int:
        # Shades are relative to the busiest cell on the page: a quick read of where the
        # conversations are, not a score (there is no "good" amount of any theme).
        return 0 if not n else max(1, -(-n * HEAT_LEVELS // peak))

    # Each row's URL is reversed once and each cell's link built here: ~1,000 {% url %} calls
    # a page were ~80% of the request (bench/README.md, "Known gaps").
    since = f"&since={w.quarter_from:%Y-%m-%d}#timeline"
    theme_query = {t.pk: f"?theme={quote(t.slug)}" for t in themes}
    rows = []
    for e in engagements:
        url = reverse("engagements:place", args=[programme.slug, e.place.slug])
        cells = []
        for t in themes:
            n = counts.get((e.pk, t.pk), 0)
            cells.append(HeatCell(
                t, n, level(n), f"{url}{theme_query[t.pk]}{since}" if n else "",
                f"session{'' if n == 1 else 's'} about {t.name} at {e.place.name}" if n else ""))
        rows.append(HeatRow(e, cells, url))
    return Heatmap(page=page, themes=themes, rows=rows, totals=totals, peak=peak)


# -- caseload -----------------------------------------------------------------------------

@dataclass
class CaseloadRow:
    enabler: Enabler
    windows: Windows
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def days_this_month(self) -> Decimal:
        return to_days(self.enabler.minutes_programme)  # type: ignore[attr-defined]

    @property
    def days_this_month_all(self) -> Decimal:
        return to_days(self.enabler.minutes_all)  # type: ignore[attr-defined]

    @property
    def month_capacity(self) -> Decimal:
        """Capacity for the whole month (enablers.capacity: the rule onboarding uses too)."""
        return month_capacity(self.enabler.capacity_days_per_week, self.windows.today)

    @property
    def capacity_to_date(self) -> Decimal:
        w = self.windows
        return capacity_days(self.enabler.capacity_days_per_week, w.month_from, w.today)

    @property
    def percent_of_month(self) -> int:
        cap = self.month_capacity
        return min(100, int(self.days_this_month_all * 100 / cap)) if cap else 0


def _minutes(w: Windows, **scope: Any) -> Coalesce:
    return Coalesce(
        Subquery(
            Session.objects.filter(held_q(today=w.today), enabler=OuterRef("pk"),
                                   date__gte=w.month_from, **scope)
            .order_by().values("enabler").annotate(m=Sum("duration_minutes")).values("m"),
            output_field=IntegerField(),
        ),
        0,
    )


def caseload_queryset(programme: Programme, w: Windows) -> QuerySet[Enabler]:
    """Enablers with a current assignment in the programme, by name, with the minutes they
    logged this month in this programme and in all programmes (correlated subqueries)."""
    return (
        Enabler.objects.filter(Exists(Assignment.objects.filter(
            enabler=OuterRef("pk"), engagement__programme=programme, ended_on__isnull=True)))
        .select_related("user")
        .annotate(minutes_programme=_minutes(w, engagement__programme=programme),
                  minutes_all=_minutes(w))
        .order_by("user__first_name", "user__last_name", "pk")
    )


def caseload_page(programme: Programme, w: Windows, page_number: Any
                  ) -> tuple[Page, list[CaseloadRow]]:
    page = paginate(caseload_queryset(programme, w), page_number)
    enablers = list(page.object_list)
    by_enabler: dict[int, list[Assignment]] = defaultdict(list)
    for a in (
        Assignment.objects.filter(enabler__in=enablers, engagement__programme=programme,
                                  ended_on__isnull=True)
        .select_related("engagement__place").order_by("engagement__place__name", "pk")
    ):
        by_enabler[a.enabler_id].append(a)
    return page, [CaseloadRow(e, w, by_enabler.get(e.pk, [])) for e in enablers]
