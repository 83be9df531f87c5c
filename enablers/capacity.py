"""An enabler's capacity: the one rule, used by onboarding's enabler choice and the caseload.

Capacity over a span of days = days a week × working days in the span / 5. A whole month's
capacity is the span from its first to its last day; "to date" stops at today. Rounded to one
decimal place, as every figure in days is (``fieldbook.units``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fieldbook.units import WORKING_DAYS_PER_WEEK, month_first, month_last, weekdays_in


def capacity_days(days_per_week: Decimal | int | float, first: dt.date, last: dt.date) -> Decimal:
    """Days an enabler can give from ``first`` to ``last`` (both included)."""
    weekdays = weekdays_in(first, last)
    return (Decimal(days_per_week) * weekdays / WORKING_DAYS_PER_WEEK).quantize(Decimal("0.1"))


def month_capacity(days_per_week: Decimal | int | float, day: dt.date) -> Decimal:
    """Days an enabler can give in ``day``'s whole calendar month."""
    return capacity_days(days_per_week, month_first(day), month_last(day))
