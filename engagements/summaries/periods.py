"""A learning summary's period: a week, month or quarter, or custom dates, and how it is named.

``Period.containing(kind, day)`` is the period of that kind holding ``day``; ``previous`` is
the one before it. Months are calendar months (``fieldbook.units``).

Like for like (``Period.compared``): a finished period is compared with the whole period before
it; a period still in progress, with the same number of days from the start of the one before
("first 63 days of this quarter vs the first 63 days of last quarter") — never a part of a
quarter with a whole one. When the period before is shorter (31 days into March, against a
29-day February) the whole of it is used, and the label says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from engagements.models import LearningSummary
from fieldbook.units import monday_of, month_last

Kind = LearningSummary.Period


def _month_end(year: int, month: int) -> dt.date:
    return month_last(dt.date(year, month, 1))


@dataclass(frozen=True)
class Period:
    """A summary period: a calendar week (Monday to Sunday), month, quarter, or custom dates."""

    kind: str
    start: dt.date
    end: dt.date

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind == Kind.WEEK:
            start = monday_of(day)
            return cls(kind, start, start + dt.timedelta(days=6))
        if kind == Kind.MONTH:
            return cls(kind, day.replace(day=1), _month_end(day.year, day.month))
        if kind == Kind.QUARTER:
            first = (day.month - 1) // 3 * 3 + 1
            return cls(kind, dt.date(day.year, first, 1), _month_end(day.year, first + 2))
        raise ValueError(f"No calendar period of kind {kind!r}")

    @classmethod
    def last_completed(cls, kind: str, today: dt.date) -> Period:
        """The last whole week, month or quarter before ``today``."""
        return cls.containing(kind, cls.containing(kind, today).start - dt.timedelta(days=1))

    @classmethod
    def custom(cls, start: dt.date, end: dt.date) -> Period:
        """Custom dates; dates that are exactly a week, month or quarter take that kind."""
        for kind in (Kind.WEEK, Kind.MONTH, Kind.QUARTER):
            calendar_period = cls.containing(kind, start)
            if (calendar_period.start, calendar_period.end) == (start, end):
                return calendar_period
        return cls(Kind.CUSTOM, start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period to compare with: the calendar period before, or as many days before."""
        if self.kind == Kind.WEEK:
            return Period(self.kind, self.start - dt.timedelta(days=7),
                          self.start - dt.timedelta(days=1))
        if self.kind in (Kind.MONTH, Kind.QUARTER):
            return Period.containing(self.kind, self.start - dt.timedelta(days=1))
        return Period(self.kind, self.start - dt.timedelta(days=self.days),
                      self.start - dt.timedelta(days=1))

    @property
    def label(self) -> str:
        return period_label(self.kind, self.start, self.end)

    def compared(self, today: dt.date) -> Comparison:
        """What the summary's figures compare on ``today``: see the module's docstring."""
        previous = self.previous()
        if today > self.end:
            return Comparison(self, previous, False,
                              f"{self.label} vs {previous.label}")
        days = (today - self.start).days + 1
        before_days = min(days, previous.days)
        now = Period(self.kind, self.start, today)
        before = Period(self.kind, previous.start,
                        previous.start + dt.timedelta(days=before_days - 1))
        this, last = _NAMES.get(self.kind, ("these dates", f"the {previous.days} days before"))
        first = f"first {_days(days)} of {this}"
        if before_days < days:
            return Comparison(now, before, True, f"{first} vs all {_days(before_days)} of {last}")
        return Comparison(now, before, True, f"{first} vs the first {_days(days)} of {last}")


_NAMES: dict[str, tuple[str, str]] = {
    str(Kind.WEEK): ("this week", "last week"),
    str(Kind.MONTH): ("this month", "last month"),
    str(Kind.QUARTER): ("this quarter", "last quarter"),
}


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


@dataclass(frozen=True)
class Comparison:
    """The dates a summary counts (``now``: the period, or the part of it so far) and the dates
    it compares them with (``before``), and how to say so."""

    now: Period
    before: Period
    in_progress: bool
    label: str


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def period_label(kind: str, start: dt.date, end: dt.date) -> str:
    """ "March 2025", "January to March 2025", "Week of 3 March 2025", "3 March to 16 April
    2025" (custom dates)."""
    if kind == Kind.MONTH:
        return f"{start:%B %Y}"
    if kind == Kind.QUARTER:
        return f"{start:%B} to {end:%B %Y}"
    if kind == Kind.WEEK:
        return f"Week of {_day(start)}"
    if start.year == end.year:
        return f"{start.day} {start:%B} to {_day(end)}"
    return f"{_day(start)} to {_day(end)}"


