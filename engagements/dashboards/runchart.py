"""Run-chart rules, computed in plain Python (no Django): the baseline median, and the three
standard signals of non-random variation (as in the IHI run-chart guidance and Life QI).

- **Median**: the median of the baseline points (the points dated inside the measure's
  baseline period). Without baseline points, the measure's stated baseline value is the centre
  line; without either, there is no median and no rule is read.
- **Shift**: ``SHIFT_POINTS`` (6) or more consecutive points all above or all below the
  median. A point *on* the median neither breaks the run nor counts towards it.
- **Trend**: ``TREND_POINTS`` (5) or more consecutive points all going up, or all going down.
  A point equal to the one before neither breaks nor extends the trend (it is skipped).
- **Astronomical point**: a point further than ``SIGMAS`` (3) standard deviations from the
  mean of the baseline points. Life QI leaves this to judgement ("a point obviously different
  from the rest"); a rule that can be computed and tested is stated here instead: it needs at
  least ``MIN_BASELINE_FOR_SPREAD`` (5) baseline points with some spread (a standard deviation
  above zero), and is otherwise not read.
- **Too few points**: with fewer than ``MIN_POINTS`` (10) points in all, no signal is read:
  a run chart that short cannot tell a real change from noise (IHI: at least 10 points).

Every signal says in words what it is and whether it goes the better way, using the measure's
direction ("higher is better" / "lower is better").
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

SHIFT_POINTS = 6
TREND_POINTS = 5
SIGMAS = 3
MIN_POINTS = 10
MIN_BASELINE_FOR_SPREAD = 5

SHIFT, TREND, ASTRONOMICAL = "shift", "trend", "astronomical"
HIGHER, LOWER = "higher", "lower"  # which direction is better (Measure.Direction values)


@dataclass(frozen=True)
class Point:
    on: dt.date
    value: Decimal


@dataclass(frozen=True)
class Signal:
    kind: str  # SHIFT, TREND or ASTRONOMICAL
    first: int  # index of the first point of the signal
    last: int  # index of the last point (inclusive)
    points: int  # how many points make it (points on the median / repeated are not counted)
    going: str  # "above"/"below" (shift, astronomical) or "up"/"down" (trend)
    better: bool | None  # in the better direction? None when the measure says no direction
    text: str = ""
    at: tuple[int, ...] = ()  # the points it marks, when not every one from first to last

    @property
    def label(self) -> str:
        return {SHIFT: "Shift", TREND: "Trend", ASTRONOMICAL: "Astronomical point"}[self.kind]


@dataclass
class RunChart:
    points: list[Point]
    median: Decimal | None
    baseline_points: int
    signals: list[Signal] = field(default_factory=list)
    note: str = ""  # why no rule was read, when none was

    def marked(self, kind: str) -> set[int]:
        """Indexes of the points that are part of a signal of ``kind``."""
        return {i for s in self.signals if s.kind == kind
                for i in (s.at or range(s.first, s.last + 1))}


def _month(on: dt.date, weekly: bool) -> str:
    return f"{on.day} {on:%B %Y}" if weekly else f"{on:%B %Y}"


def _better(going: str, direction: str) -> bool | None:
    if direction not in (HIGHER, LOWER):
        return None
    up = going in ("above", "up")
    return up == (direction == HIGHER)


def _direction_words(better: bool | None) -> str:
    if better is None:
        return "a sign of real change"
    return ("a sign of real change in the better direction" if better
            else "a sign of real change in the worse direction")


def shifts(values: Sequence[Decimal], median: Decimal) -> list[tuple[int, int, int, str]]:
    """(first, last, counted points, "above"/"below") for every run of ``SHIFT_POINTS`` or more
    points on one side of the median. Points on the median are skipped: they neither break a
    run nor count towards it (nor start or end one)."""
    found: list[tuple[int, int, int, str]] = []
    side, first, last, count = "", -1, -1, 0

    def close() -> None:
        if count >= SHIFT_POINTS:
            found.append((first, last, count, side))

    for i, v in enumerate(values):
        if v == median:
            continue
        here = "above" if v > median else "below"
        if here == side:
            last, count = i, count + 1
        else:
            close()
            side, first, last, count = here, i, i, 1
    close()
    return found


def trends(values: Sequence[Decimal]) -> list[tuple[int, int, int, str]]:
    """(first, last, counted points, "up"/"down") for every run of ``TREND_POINTS`` or more
    points each higher (or each lower) than the one before. A point equal to the previous one
    is skipped: it neither breaks nor extends the trend."""
    # Collapse repeats: keep the first of each run of equal neighbours.
    kept = [i for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    found: list[tuple[int, int, int, str]] = []
    going, start, count = "", 0, 1  # count: points in the current monotone run
    for k in range(1, len(kept)):
        here = "up" if values[kept[k]] > values[kept[k - 1]] else "down"
        if here == going:
            count += 1
        else:
            if count >= TREND_POINTS:
                found.append((kept[start], kept[k - 1], count, going))
            # The turning point belongs to both runs: it ends one and starts the next.
            going, start, count = here, k - 1, 2
    if count >= TREND_POINTS:
        found.append((kept[start], kept[-1], count, going))
    return found


def astronomical(values: Sequence[Decimal], baseline: Sequence[Decimal]
                 ) -> list[tuple[int, str]]:
    """(index, "above"/"below") of points beyond the baseline mean ± ``SIGMAS`` standard
    deviations; nothing without ``MIN_BASELINE_FOR_SPREAD`` baseline points with some spread."""
    if len(baseline) < MIN_BASELINE_FOR_SPREAD:
        return []
    floats = [float(v) for v in baseline]
    mean = statistics.fmean(floats)
    # The sample standard deviation in floats (statistics.stdev works in exact fractions:
    # ten times slower, for precision a 3-sigma rule does not need).
    sd = (sum((v - mean) ** 2 for v in floats) / (len(floats) - 1)) ** 0.5
    if sd == 0:
        return []
    high, low = mean + SIGMAS * sd, mean - SIGMAS * sd
    return [(i, "above" if float(v) > high else "below") for i, v in enumerate(values)
            if float(v) > high or float(v) < low]


def median_of(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def run_chart(points: Sequence[Point], *, baseline_start: dt.date, baseline_end: dt.date,
              baseline_value: Decimal | None = None, direction: str = "",
              weekly: bool = False) -> RunChart:
    """The median and the signals of a series (``points`` oldest first)."""
    ordered = sorted(points, key=lambda p: p.on)
    values = [p.value for p in ordered]
    baseline = [p.value for p in ordered if baseline_start <= p.on <= baseline_end]
    median = median_of(baseline)
    if median is None:
        median = baseline_value
    chart = RunChart(points=list(ordered), median=median, baseline_points=len(baseline))
    if median is None:
        chart.note = "No baseline yet: no median, so the run-chart rules cannot be read."
        return chart
    if len(ordered) < MIN_POINTS:
        chart.note = (f"Only {len(ordered)} point{'s' if len(ordered) != 1 else ''} so far: "
                      f"the run-chart rules are read from {MIN_POINTS} points.")
        return chart
    signals: list[Signal] = []
    for first, last, count, side in shifts(values, median):
        better = _better(side, direction)
        signals.append(Signal(
            SHIFT, first, last, count, side, better,
            f"Shift: {count} points {side} the median from "
            f"{_month(ordered[first].on, weekly)} — {_direction_words(better)}."))
    for first, last, count, going in trends(values):
        better = _better(going, direction)
        signals.append(Signal(
            TREND, first, last, count, going, better,
            f"Trend: {count} points in a row going {going} from "
            f"{_month(ordered[first].on, weekly)} to {_month(ordered[last].on, weekly)} — "
            f"{_direction_words(better)}."))
    # Astronomical points on one side are one signal (a large real change can make many
    # points after it astronomical: one sentence, not one per point).
    by_side: dict[str, list[int]] = {}
    for i, side in astronomical(values, baseline):
        by_side.setdefault(side, []).append(i)
    for side, at in by_side.items():
        first, last = at[0], at[-1]
        better = _better(side, direction)
        when = (f"{_month(ordered[first].on, weekly)} is" if len(at) == 1 else
                f"{len(at)} points from {_month(ordered[first].on, weekly)} to "
                f"{_month(ordered[last].on, weekly)} are")
        signals.append(Signal(
            ASTRONOMICAL, first, last, len(at), side, better,
            f"Astronomical point{'s' if len(at) > 1 else ''}: {when} more than {SIGMAS} "
            f"standard deviations {side} the baseline average — look for what happened then.",
            at=tuple(at)))
    chart.signals = sorted(signals, key=lambda s: (s.first, s.kind))
    if not signals:
        chart.note = ("No shift, trend or astronomical point: the variation so far looks like "
                      "the ordinary ups and downs around the median.")
    return chart


# -- a chart's result without its points, as stored on the measure ---------------------------
# (engagements.measures: ``Measure.chart_result``, written whenever the values change, so a page
# that shows only the latest value and the signals reads one column instead of every point).

RESULT_FORMAT = 1


def result_to_json(chart: RunChart) -> dict[str, object]:
    """What a page needs of ``chart`` without its points, in JSON-safe types (decimals and
    dates as strings)."""
    latest = chart.points[-1] if chart.points else None
    return {
        "format": RESULT_FORMAT,
        "median": None if chart.median is None else str(chart.median),
        "baseline_points": chart.baseline_points,
        "points": len(chart.points),
        "latest": None if latest is None else [latest.on.isoformat(), str(latest.value)],
        "note": chart.note,
        "signals": [{"kind": s.kind, "first": s.first, "last": s.last, "points": s.points,
                     "going": s.going, "better": s.better, "text": s.text, "at": list(s.at)}
                    for s in chart.signals],
    }


@dataclass(frozen=True)
class ChartResult:
    median: Decimal | None
    baseline_points: int
    points: int
    latest: Point | None
    note: str
    signals: list[Signal]


def result_from_json(data: object) -> ChartResult | None:
    """The stored result, or None if there is none or it is not in today's format (the caller
    then computes it from the points)."""
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        return None
    try:
        latest = data["latest"]
        return ChartResult(
            median=None if data["median"] is None else Decimal(data["median"]),
            baseline_points=int(data["baseline_points"]), points=int(data["points"]),
            latest=None if latest is None else Point(dt.date.fromisoformat(latest[0]),
                                                     Decimal(latest[1])),
            note=str(data["note"]),
            signals=[Signal(s["kind"], s["first"], s["last"], s["points"], s["going"],
                            s["better"], s["text"], tuple(s["at"])) for s in data["signals"]])
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def result_of(chart: RunChart) -> ChartResult:
    """The same result, straight from a chart computed now."""
    return ChartResult(median=chart.median, baseline_points=chart.baseline_points,
                       points=len(chart.points),
                       latest=chart.points[-1] if chart.points else None, note=chart.note,
                       signals=list(chart.signals))
