"""Fieldbook's units, in one place: minutes ↔ days, weeks, months, and working days.

- A *day* on site is ``MINUTES_PER_DAY`` minutes (450: a 7.5 hour day). Logged minutes are
  shown as days to one decimal place unless a caller asks for more.
- A *week* starts on Monday (``monday_of``).
- Months are whole calendar months: ``month_first``, ``month_last``, ``add_months``.
- *Working days* are Monday to Friday (``weekdays_in``); an enabler's capacity over any span
  is their days a week × working days / 5 (``enablers.capacity``), the one rule every page uses.
- The *dates Fieldbook covers* run from ``EARLIEST_DATE`` to ``YEARS_AHEAD`` years after today
  (``latest_date``): every date a page or a form takes is checked against them
  (``fieldbook.params``, ``fieldbook.forms.BoundedDateField``), so date arithmetic never runs
  off the calendar.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

MINUTES_PER_DAY = 450
WORKING_DAYS_PER_WEEK = 5
# The national programmes Fieldbook records began in 2016; nothing it holds is older than this.
EARLIEST_DATE = dt.date(2000, 1, 1)
YEARS_AHEAD = 5


def latest_date(today: dt.date) -> dt.date:
    """The last date Fieldbook takes: the end of the month ``YEARS_AHEAD`` years from today."""
    return month_last(add_months(today, 12 * YEARS_AHEAD))


def date_in_range(day: dt.date, today: dt.date) -> bool:
    return EARLIEST_DATE <= day <= latest_date(today)


def minutes_to_days(minutes: int | float | Decimal | None, places: str = "0.1") -> Decimal:
    """Minutes as days on site, rounded half-even to ``places`` (``"0.1"``, ``"0.01"``)."""
    return (Decimal(minutes or 0) / MINUTES_PER_DAY).quantize(Decimal(places))


def monday_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_last(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (negative: earlier), or the month's last day if it is
    shorter (31 January + 1 month = 28 or 29 February): when a retention period ends."""
    first = add_months(day, months)
    return first.replace(day=min(day.day, month_last(first).day))


def one_month_after(day: dt.date) -> dt.date:
    """The same day of the next month, or that month's last day if it is shorter (31 January
    -> 28 or 29 February): a subject-access request's due date (UK GDPR Article 12(3))."""
    return months_after(day, 1)


def weekdays_in(first: dt.date, last: dt.date) -> int:
    """Working days (Monday to Friday) from ``first`` to ``last``, both included."""
    days = (last - first).days + 1
    if days <= 0:
        return 0
    weeks, extra = divmod(days, 7)
    return weeks * WORKING_DAYS_PER_WEEK + sum(
        1 for i in range(extra) if (first + dt.timedelta(days=weeks * 7 + i)).weekday() < 5)
