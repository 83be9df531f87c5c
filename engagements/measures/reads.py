"""Reading measures: who may see an engagement's measures, and its run charts.

Queries: ``charts_of(engagement)`` is 2 (the measures, every value of them), whatever the
number of measures or points; ``engagement_for_measures`` and ``measure_for`` 1 each;
``results_for(measures)`` none (each measure's stored ``chart_result``), or 1 when some
measure has none stored yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.safestring import SafeString

from engagements.dashboards.runchart import (
    ChartResult,
    Point,
    RunChart,
    Signal,
    result_from_json,
    result_of,
    run_chart,
)
from engagements.measures import charts
from engagements.measures.models import Measure, MeasureValue
from engagements.models import Engagement
from engagements.querysets import EngagementQuerySet
from fieldbook.roles import Role, user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _engagements_for(user: User) -> Iterable[Engagement]:
    """Leads and admins: every engagement. An enabler: those they are assigned to now."""
    qs = Engagement.objects.select_related("programme", "place")
    if user_roles(user) & {Role.LEAD, Role.ADMIN}:
        return qs
    return qs.filter(assignments__enabler__user=user, assignments__ended_on__isnull=True,
                     status__in=EngagementQuerySet.WORKING_STATUSES)


def engagement_for_measures(user: User, pk: int) -> Engagement:
    """The engagement whose measures ``user`` may read and enter, or 404. One query."""
    engagement = _engagements_for(user).filter(pk=pk).first()  # type: ignore[attr-defined]
    if engagement is None:
        raise Http404("No such engagement.")
    return engagement


def measure_for(user: User, pk: int) -> Measure:
    """A measure of an engagement ``user`` may work on, or 404. One query."""
    engagements = _engagements_for(user)
    measure = (Measure.objects.filter(pk=pk, engagement__in=engagements.values("pk"))  # type: ignore[attr-defined]
               .select_related("engagement__programme", "engagement__place", "innovation")
               .first())
    if measure is None:
        raise Http404("No such measure.")
    return measure


@dataclass
class MeasureChart:
    measure: Measure
    chart: RunChart

    @property
    def ident(self) -> str:
        return f"measure-{self.measure.pk}"

    @cached_property
    def svg(self) -> SafeString:
        m = self.measure
        return charts.run_chart_svg(self.chart, ident=self.ident, name=m.name, unit=m.unit,
                                    weekly=m.is_weekly, baseline_start=m.baseline_start,
                                    baseline_end=m.baseline_end)

    @cached_property
    def table_html(self) -> SafeString:
        m = self.measure
        return charts.table_rows(self.chart, unit=m.unit, weekly=m.is_weekly,
                                 baseline_start=m.baseline_start, baseline_end=m.baseline_end)

    @property
    def median(self) -> Decimal | None:
        return self.chart.median

    @property
    def signals(self) -> list[Signal]:
        return self.chart.signals

    @property
    def median_text(self) -> str:
        return charts.number(self.chart.median, self.measure.unit)

    @property
    def latest(self) -> Point | None:
        return self.chart.points[-1] if self.chart.points else None

    @property
    def latest_text(self) -> str:
        return _latest_text(self.measure, self.latest)


def _latest_text(measure: Measure, latest: Point | None) -> str:
    if latest is None:
        return "No values yet"
    return (f"{charts.number(latest.value, measure.unit)} "
            f"({charts.period_label(latest.on, measure.is_weekly)})")


@dataclass
class MeasureResult:
    """A measure's latest value, median and signals, without its points (no chart can be drawn
    from it): what a page listing many measures shows (the reach dashboard, an area's page)."""

    measure: Measure
    result: ChartResult

    @property
    def median(self) -> Decimal | None:
        return self.result.median

    @property
    def signals(self) -> list[Signal]:
        return self.result.signals

    @property
    def median_text(self) -> str:
        return charts.number(self.result.median, self.measure.unit)

    @property
    def latest_text(self) -> str:
        return _latest_text(self.measure, self.result.latest)


def chart_for(measure: Measure, values: Iterable[MeasureValue | tuple]) -> MeasureChart:
    points = [Point(v.period, v.value) if isinstance(v, MeasureValue) else Point(v[0], v[1])
              for v in values]
    return MeasureChart(measure, run_chart(
        points, baseline_start=measure.baseline_start, baseline_end=measure.baseline_end,
        baseline_value=measure.baseline_value, direction=measure.direction,
        weekly=measure.is_weekly))


def charts_for(measures: list[Measure]) -> list[MeasureChart]:
    """A run chart per measure: one query for all their values."""
    by_measure: dict[int, list[tuple]] = defaultdict(list)
    if measures:
        for measure_id, period, value in (
            MeasureValue.objects.filter(measure__in=[m.pk for m in measures])
            .order_by("measure_id", "period").values_list("measure_id", "period", "value")
        ):
            by_measure[measure_id].append((period, value))
    return [chart_for(m, by_measure[m.pk]) for m in measures]


def results_for(measures: list[Measure]) -> list[MeasureResult]:
    """Each measure's stored result (``Measure.chart_result``, kept by every write of its
    values); a measure without one (values written by a bulk seed, an older format) is computed
    from its points: one query for all of those, none when every result is stored."""
    stored = {m.pk: result_from_json(m.chart_result) for m in measures}
    missing = [m for m in measures if stored[m.pk] is None]
    live = {c.measure.pk: result_of(c.chart) for c in charts_for(missing)} if missing else {}
    return [MeasureResult(m, stored[m.pk] or live[m.pk]) for m in measures]


def charts_of(engagement: Engagement) -> list[MeasureChart]:
    """The engagement's measures with their run charts, by name. Two queries."""
    measures = list(Measure.objects.filter(engagement=engagement).select_related("innovation")
                    .order_by("name", "pk"))
    return charts_for(measures)
