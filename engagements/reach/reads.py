"""The programme's reach dashboard: reach by area and profession, funding against reach, and
innovations with their latest measured result; and the rows of the measures and reach exports.

Counts of people go through ``engagements.disclosure``: a row's professions are suppressed
with their total (fewer than 3, and follow-on suppression so no hidden count can be worked
out); leaders reached and returners are "fewer than 3" when small. Money is not a count of
people and is shown as it is.

Queries for ``reach_page``: the areas (engagements with place and funding, 1), participants by
area and profession (1), cohorts and returners by area (1), participants by sector (1), the
innovations (1) and their measures (1, each with its stored run-chart result: no values are
read): 6, whatever the number of areas, cohorts or values.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from engagements.disclosure import Cell, count_cell, count_text, suppress
from engagements.measures.models import Measure, MeasureValue
from engagements.measures.reads import MeasureResult, results_for
from engagements.models import Engagement, Outcome, Programme
from engagements.reach.models import Cohort, CohortCount, Innovation, Profession
from places.models import Sector

PROFESSIONS = list(Profession.choices)


@dataclass
class AreaRow:
    engagement: Engagement
    by_profession: list[Cell]
    total: Cell | None
    participants: int
    returning: int
    cohorts: int
    allocated: Decimal | None
    spent: Decimal | None

    @property
    def leaders(self) -> int:
        return self.participants - self.returning

    @property
    def leaders_text(self) -> str:
        return count_text(self.leaders)

    @property
    def returning_text(self) -> str:
        return count_text(self.returning)

    @property
    def spent_per_leader(self) -> Decimal | None:
        """Funding spent for each leader reached: not shown for fewer than 3 leaders (it would
        give the count away)."""
        if self.spent is None or count_cell(self.leaders).hidden or not self.leaders:
            return None
        return (self.spent / self.leaders).quantize(Decimal(1))

    @property
    def percent_spent(self) -> int | None:
        if not self.allocated or self.spent is None:
            return None
        return int(self.spent * 100 / self.allocated)


@dataclass
class InnovationRow:
    innovation: Innovation
    place_name: str
    charts: list[MeasureResult] = field(default_factory=list)
    outcomes: int = 0


@dataclass
class ReachPage:
    areas: list[AreaRow]
    profession_totals: list[Cell]
    grand_total: Cell | None
    sectors: list[tuple[str, Cell]]
    innovations: list[InnovationRow]
    allocated: Decimal
    spent: Decimal
    leaders: int

    @property
    def leaders_text(self) -> str:
        return count_text(self.leaders)


def _areas(programme: Programme) -> list[Engagement]:
    return list(Engagement.objects.filter(programme=programme)
                .select_related("place", "funding").order_by("place__name", "pk"))


def reach_page(programme: Programme) -> ReachPage:
    areas = _areas(programme)
    by_area: dict[int, dict[str, int]] = defaultdict(dict)
    for engagement_id, profession, n in (
        CohortCount.objects.filter(cohort__engagement__programme=programme)
        .values("cohort__engagement_id", "profession").annotate(n=Sum("participants"))
        .values_list("cohort__engagement_id", "profession", "n").order_by()
    ):
        by_area[engagement_id][profession] = n
    cohorts = {row["engagement_id"]: row for row in (
        Cohort.objects.filter(engagement__programme=programme).values("engagement_id")
        .annotate(n=Count("pk"), returning_sum=Sum("returning")).order_by())}
    rows: list[AreaRow] = []
    totals = dict.fromkeys((p for p, _ in PROFESSIONS), 0)
    for e in areas:
        parts = [by_area[e.pk].get(p, 0) for p, _ in PROFESSIONS]
        for (p, _), n in zip(PROFESSIONS, parts, strict=True):
            totals[p] += n
        participants = sum(parts)
        cells, total = suppress(parts, participants)
        funding = getattr(e, "funding", None) if _has_funding(e) else None
        c = cohorts.get(e.pk, {})
        rows.append(AreaRow(
            engagement=e, by_profession=cells, total=total, participants=participants,
            returning=c.get("returning_sum") or 0, cohorts=c.get("n") or 0,
            allocated=funding.allocated if funding else None,
            spent=funding.spent if funding else None))
    grand = sum(totals.values())
    total_cells, grand_cell = suppress(list(totals.values()), grand)
    sector_counts = dict(
        CohortCount.objects.filter(cohort__engagement__programme=programme)
        .values("sector").annotate(n=Sum("participants")).values_list("sector", "n")
        .order_by())
    sector_parts = [sector_counts.get(s, 0) for s, _ in Sector.choices]
    sector_cells, _ = suppress(sector_parts, grand)
    return ReachPage(
        areas=rows, profession_totals=total_cells, grand_total=grand_cell,
        sectors=[(label, cell) for (_, label), cell, n in
                 zip(Sector.choices, sector_cells, sector_parts, strict=True) if n],
        innovations=innovations_of(programme),
        allocated=sum((r.allocated or Decimal(0) for r in rows), Decimal(0)),
        spent=sum((r.spent or Decimal(0) for r in rows), Decimal(0)),
        leaders=sum(r.leaders for r in rows),
    )


def _has_funding(e: Engagement) -> bool:
    from engagements.reach.models import AreaFunding

    try:
        return e.funding is not None
    except AreaFunding.DoesNotExist:
        return False


def innovations_of(programme: Programme, *, engagement: Engagement | None = None
                   ) -> list[InnovationRow]:
    """The innovations with their linked outcomes counted and their measures' results (the
    latest value, the median and any signal, as stored on each measure when its values were
    written: no values are read). Two queries (three if a measure has no stored result)."""
    qs = Innovation.objects.filter(engagement__programme=programme)
    if engagement is not None:
        qs = qs.filter(engagement=engagement)
    innovations = list(qs.select_related("engagement__place")
                       .annotate(n_outcomes=Count("outcomes", distinct=True, filter=Q(
                           outcomes__status=Outcome.Status.CONFIRMED)))
                       .order_by("engagement__place__name", "name", "pk"))
    measures = list(Measure.objects.filter(innovation__in=[i.pk for i in innovations])
                    .order_by("name", "pk")) if innovations else []
    by_innovation: dict[int, list[MeasureResult]] = defaultdict(list)
    for chart in results_for(measures):
        assert chart.measure.innovation_id is not None
        by_innovation[chart.measure.innovation_id].append(chart)
    return [InnovationRow(i, i.engagement.place.name, by_innovation[i.pk],
                          i.n_outcomes)
            for i in innovations]


# -- exports ------------------------------------------------------------------------------

MEASURES_HEADER = ["Measure", "Place", "Programme", "Innovation", "Period", "Value", "Unit",
                   "Direction", "Baseline period", "Frequency"]


def measures_rows(programme: Programme, *, batch: int = 2000) -> Iterator[list[Any]]:
    """Long format: one row per value, oldest first per measure, read ``batch`` at a time
    (bounded memory). "Baseline period" says whether the value is inside it."""
    measures = {m.pk: m for m in Measure.objects.filter(engagement__programme=programme)
                .select_related("engagement__place", "innovation")}
    units = dict(Measure.Unit.choices)
    directions = dict(Measure.Direction.choices)
    frequencies = dict(Measure.Frequency.choices)
    last: tuple[int, dt.date] | None = None
    base = (MeasureValue.objects.filter(measure__in=list(measures))
            .order_by("measure_id", "period").values_list("measure_id", "period", "value"))
    while True:
        qs = base
        if last is not None:
            qs = qs.filter(Q(measure_id__gt=last[0]) | Q(measure_id=last[0],
                                                         period__gt=last[1]))
        chunk = list(qs[:batch])
        if not chunk:
            return
        for measure_id, period, value in chunk:
            m = measures[measure_id]
            yield [m.name, m.engagement.place.name, programme.name,
                   m.innovation.name if m.innovation else "", period, value,
                   units.get(m.unit, m.unit), directions.get(m.direction, m.direction),
                   m.baseline_start <= period <= m.baseline_end,
                   frequencies.get(m.frequency, m.frequency)]
        last = (chunk[-1][0], chunk[-1][1])


REACH_HEADER = ["Place", "Cohorts and events", *[label for _, label in PROFESSIONS],
                "Participants", "Returning participants", "Leaders reached",
                "Funding allocated (£)", "Funding spent (£)"]


def reach_rows(programme: Programme) -> Iterator[list[Any]]:
    """One row per area, counts of people suppressed as on the page (text, not numbers, where
    hidden: "fewer than 3", "not shown")."""
    page = reach_page(programme)
    for row in page.areas:
        yield [row.engagement.place.name, row.cohorts,
               *[c.value if c.shown else c.text for c in row.by_profession],
               (row.total.value if row.total and row.total.shown
                else (row.total.text if row.total else 0)),
               row.returning if not count_cell(row.returning).hidden else row.returning_text,
               row.leaders if not count_cell(row.leaders).hidden else row.leaders_text,
               row.allocated, row.spent]
