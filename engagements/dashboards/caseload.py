"""The enabler caseload of a programme: days this month against capacity (enablers.capacity).

Queries: ``caseload_page`` 3 (count, enablers with their days, assignments).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.core.paginator import Page
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from enablers.capacity import capacity_days, month_capacity
from enablers.models import Assignment, Enabler
from engagements.dashboards.definitions import Windows, held_q, paginate, to_days
from engagements.disclosure import Cell, within
from engagements.models import Programme, Session

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class CaseloadFigures(TypedDict):
    """What ``caseload_queryset`` annotates on each enabler: minutes held this month."""

    minutes_programme: int
    minutes_all: int
    sessions_programme: int
    sessions_all: int


if TYPE_CHECKING:
    CaseloadEnabler: TypeAlias = WithAnnotations[Enabler, CaseloadFigures]


@dataclass
class CaseloadRow:
    enabler: CaseloadEnabler
    windows: Windows
    assignments: list[Assignment] = field(default_factory=list)

    @cached_property
    def shown(self) -> tuple[Cell, Cell]:
        """The month's sessions in this programme and in all programmes (a part and its
        total, README "Small numbers"): the days of each are shown only with their count."""
        e = self.enabler
        return within(e.sessions_programme, e.sessions_all)

    @property
    def days_this_month(self) -> Decimal:
        return to_days(self.enabler.minutes_programme)

    @property
    def days_this_month_all(self) -> Decimal:
        return to_days(self.enabler.minutes_all)

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


def _minutes(w: Windows, aggregate: Sum | Count | None = None, **scope: Any) -> Coalesce:
    return Coalesce(
        Subquery(
            Session.objects.filter(held_q(today=w.today), enabler=OuterRef("pk"),
                                   date__gte=w.month_from, **scope)
            .order_by().values("enabler")
            .annotate(m=aggregate or Sum("duration_minutes")).values("m"),
            output_field=IntegerField(),
        ),
        0,
    )


def caseload_queryset(programme: Programme, w: Windows) -> QuerySet[CaseloadEnabler]:
    """Enablers with a current assignment in the programme, by name, with the minutes they
    logged this month in this programme and in all programmes (correlated subqueries)."""
    return (
        Enabler.objects.filter(Exists(Assignment.objects.filter(
            enabler=OuterRef("pk"), engagement__programme=programme, ended_on__isnull=True)))
        .select_related("user")
        .annotate(minutes_programme=_minutes(w, engagement__programme=programme),
                  minutes_all=_minutes(w),
                  sessions_programme=_minutes(w, Count("*"), engagement__programme=programme),
                  sessions_all=_minutes(w, Count("*")))
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
