"""Each measure's run-chart result is stored with it on every write of its values (issue 16,
point 3: the reach dashboard reads no values), and always equals the chart computed from the
values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from engagements.dashboards.runchart import SHIFT, ChartResult, result_from_json, result_of
from engagements.measures import services
from engagements.measures.models import Measure, MeasureValue
from engagements.measures.reads import charts_for, results_for
from fieldbook.units import monday_of

from .factories import EngagementFactory

TODAY = dt.date.today()
BASE = monday_of(TODAY - dt.timedelta(weeks=40))


def measure(user: User) -> Measure:
    return services.measure_create(
        actor=user, engagement=EngagementFactory.create(), name="Nights in hospital",
        unit="bed_nights", direction="lower", frequency="weekly", baseline_start=BASE,
        baseline_end=BASE + dt.timedelta(weeks=9))


def week(n: int) -> dt.date:
    return BASE + dt.timedelta(weeks=n)


def stored(m: Measure) -> ChartResult | None:
    m.refresh_from_db()
    return result_from_json(m.chart_result)


@pytest.mark.django_db
def test_a_new_measure_stores_an_empty_result(admin_user: User) -> None:
    result = stored(measure(admin_user))
    assert result is not None and result.points == 0 and result.latest is None
    assert result.median is None and "No baseline yet" in result.note


@pytest.mark.django_db
def test_each_value_added_updates_the_stored_result(admin_user: User) -> None:
    m = measure(admin_user)
    for n in range(10):
        services.measure_value_add(actor=admin_user, measure=m, on=week(n),
                                   value=Decimal(400 + n % 3))
    for n in range(10, 17):
        services.measure_value_add(actor=None, measure=m, on=week(n), value=Decimal(350),
                                   source=MeasureValue.Source.PLACE)
    result = stored(m)
    live = result_of(charts_for([m])[0].chart)
    assert result == live
    assert result is not None and result.points == 17 and result.latest is not None
    assert result.latest.on == week(16) and result.latest.value == Decimal(350)
    shift = next(s for s in result.signals if s.kind == SHIFT)
    assert shift.better is True and shift.points == 8  # week 9 (400) is below the median 401 too


@pytest.mark.django_db
def test_a_refused_value_leaves_the_stored_result_alone(admin_user: User) -> None:
    m = measure(admin_user)
    services.measure_value_add(actor=admin_user, measure=m, on=week(0), value=Decimal(400))
    before = stored(m)
    with pytest.raises(services.DomainError):
        services.measure_value_add(actor=admin_user, measure=m, on=week(0), value=Decimal(1))
    assert stored(m) == before


@pytest.mark.django_db
def test_an_import_stores_the_result_of_all_its_rows(admin_user: User) -> None:
    m = measure(admin_user)
    rows = [(i + 2, week(i), week(i).isoformat(), str(410 if i < 12 else 360))
            for i in range(20)]
    assert services.measure_values_import(actor=admin_user, measure=m, rows=rows) == 20
    result = stored(m)
    assert result == result_of(charts_for([m])[0].chart)
    assert result is not None and result.points == 20
    assert any(s.kind == SHIFT for s in result.signals)


@pytest.mark.django_db
def test_a_measure_without_a_stored_result_is_read_live(admin_user: User,
                                                        django_assert_num_queries: Any
                                                        ) -> None:
    m = measure(admin_user)
    MeasureValue.objects.bulk_create(MeasureValue(measure=m, period=week(i), value=Decimal(7))
                                     for i in range(12))
    Measure.objects.filter(pk=m.pk).update(chart_result=None)
    m.refresh_from_db()
    with django_assert_num_queries(1):
        [result] = results_for([m])
    assert result.result.points == 12 and result.latest_text.startswith("7 ")
    # Stored: nothing more is read.
    assert services.measure_charts_store_all([m]) == 1
    m.refresh_from_db()
    with django_assert_num_queries(0):
        [again] = results_for([m])
    assert again.result == result.result


@pytest.mark.django_db
def test_a_stored_result_in_another_format_is_not_trusted(admin_user: User) -> None:
    m = measure(admin_user)
    Measure.objects.filter(pk=m.pk).update(chart_result={"format": 0, "median": "1"})
    m.refresh_from_db()
    assert result_from_json(m.chart_result) is None
    assert results_for([m])[0].result.points == 0
