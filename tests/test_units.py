"""fieldbook.units and enablers.capacity: the one of each that every page uses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from enablers.capacity import capacity_days, month_capacity
from fieldbook.units import (
    add_months,
    minutes_to_days,
    monday_of,
    month_first,
    month_last,
    weekdays_in,
)

D = dt.date
# Every day of four years, a leap year among them, and spans across year ends.
DAYS = [D(2023, 1, 1) + dt.timedelta(days=i) for i in range(4 * 366)]


def test_minutes_to_days() -> None:
    assert minutes_to_days(450) == Decimal("1.0")
    assert minutes_to_days(225) == Decimal("0.5")
    assert minutes_to_days(None) == Decimal("0.0")
    assert minutes_to_days(100, "0.01") == Decimal("0.22")


def test_monday_of_is_the_monday_on_or_before() -> None:
    for day in DAYS:
        monday = monday_of(day)
        assert monday.weekday() == 0 and 0 <= (day - monday).days < 7


def test_month_arithmetic() -> None:
    for day in DAYS[::7]:
        for months in (-25, -12, -1, 0, 1, 11, 12, 13, 40):
            first = add_months(day, months)
            assert first.day == 1
            assert (first.year * 12 + first.month) - (day.year * 12 + day.month) == months
        assert month_first(day) <= day <= month_last(day)
        assert (month_last(day) + dt.timedelta(days=1)).day == 1


def test_weekdays_in_counts_monday_to_friday() -> None:
    for first in DAYS[:14]:
        for span in (0, 1, 4, 6, 7, 13, 30, 364):
            last = first + dt.timedelta(days=span)
            expected = sum(1 for i in range(span + 1)
                           if (first + dt.timedelta(days=i)).weekday() < 5)
            assert weekdays_in(first, last) == expected
            assert weekdays_in(last + dt.timedelta(days=1), last) == 0


def test_capacity_is_days_a_week_times_working_days_over_five() -> None:
    # November 2026: 21 working days. 2.5 days a week -> 10.5 days.
    assert month_capacity(Decimal("2.5"), D(2026, 11, 17)) == Decimal("10.5")
    assert capacity_days(1, D(2026, 11, 2), D(2026, 11, 8)) == Decimal("1.0")  # one week
