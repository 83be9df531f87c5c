"""Reading measures: who may see an engagement's measures, and its run charts.

Queries: ``charts_of(engagement)`` is 2 (the measures, every value of them), whatever the
number of measures or points; ``engagement_for_measures`` and ``measure_for`` 1 each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.safestring import SafeString

from engagements.dashboards.runchart import Point, RunChart, run_chart
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
    def median_text(self) -> str:
        return charts.number(self.chart.median, self.measure.unit)

    @property
    def latest(self) -> Point | None:
        return self.chart.points[-1] if self.chart.points else None

    @property
    def latest_text(self) -> str:
        latest = self.latest
        if latest is None:
            return "No values yet"
        return (f"{charts.number(latest.value, self.measure.unit)} "
                f"({charts.period_label(latest.on, self.measure.is_weekly)})")


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


def charts_of(engagement: Engagement) -> list[MeasureChart]:
    """The engagement's measures with their run charts, by name. Two queries."""
    measures = list(Measure.objects.filter(engagement=engagement).select_related("innovation")
                    .order_by("name", "pk"))
    return charts_for(measures)
