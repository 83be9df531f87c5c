"""The run-chart rules (engagements.dashboards.runchart) on known series, edge cases included:
points on the median, ties, too few points, no baseline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from engagements.dashboards import runchart
from engagements.dashboards.runchart import (
    ASTRONOMICAL,
    SHIFT,
    TREND,
    Point,
    median_of,
    run_chart,
    shifts,
    trends,
)

D = Decimal
START = dt.date(2025, 1, 1)


def series(values: list[float | int]) -> list[Point]:
    """Monthly points from January 2025."""
    out = []
    for i, v in enumerate(values):
        year, month = divmod(i, 12)
        out.append(Point(dt.date(2025 + year, month + 1, 1), D(str(v))))
    return out


def chart(values: list[float | int], *, baseline: int = 6, direction: str = "lower"
          ) -> runchart.RunChart:
    points = series(values)
    return run_chart(points, baseline_start=START, baseline_end=points[baseline - 1].on,
                     direction=direction)


def test_median_of_odd_even_and_empty() -> None:
    assert median_of([D(3), D(1), D(2)]) == D(2)
    assert median_of([D(4), D(1), D(2), D(3)]) == D("2.5")
    assert median_of([]) is None


def test_a_shift_of_six_below_the_median_is_found() -> None:
    values = [D(v) for v in (10, 12, 9, 11, 10, 12, 7, 6, 7, 5, 6, 7)]
    assert shifts(values, D(10.5)) == [(6, 11, 6, "below")]


def test_five_points_below_are_not_a_shift() -> None:
    values = [D(v) for v in (12, 7, 6, 7, 5, 6, 12)]
    assert shifts(values, D(10)) == []


def test_points_on_the_median_neither_break_nor_count() -> None:
    # Five below, two on the median, one below: six counted, the run is unbroken.
    values = [D(v) for v in (7, 6, 7, 10, 5, 10, 6, 7, 12)]
    assert shifts(values, D(10)) == [(0, 7, 6, "below")]
    # Five below and one on the median is not a shift.
    assert shifts([D(v) for v in (7, 6, 10, 7, 5, 6)], D(10)) == []


def test_a_trend_of_five_rising() -> None:
    assert trends([D(v) for v in (3, 1, 2, 3, 4, 5, 4)]) == [(1, 5, 5, "up")]


def test_four_rising_is_not_a_trend() -> None:
    assert trends([D(v) for v in (1, 2, 3, 4, 3, 2)]) == []


def test_equal_neighbours_do_not_count_or_break_a_trend() -> None:
    # 1, 2, 2, 3, 4: four distinct rising points — not a trend; adding 5 makes five.
    assert trends([D(v) for v in (1, 2, 2, 3, 4)]) == []
    assert trends([D(v) for v in (1, 2, 2, 3, 4, 5)]) == [(0, 5, 5, "up")]


def test_a_falling_trend_after_a_turn_shares_the_turning_point() -> None:
    assert trends([D(v) for v in (1, 2, 3, 9, 8, 7, 6, 5)]) == [(3, 7, 5, "down")]


def test_astronomical_point_beyond_three_sd_of_the_baseline() -> None:
    c = chart([10, 11, 9, 10, 11, 9, 10, 40, 10, 11], baseline=6)
    astro = [s for s in c.signals if s.kind == ASTRONOMICAL]
    assert [(s.first, s.going) for s in astro] == [(7, "above")]
    assert "Astronomical point: August 2025" in astro[0].text


def test_no_astronomical_point_without_spread_in_the_baseline() -> None:
    c = chart([10, 10, 10, 10, 10, 10, 10, 40, 10, 10], baseline=6)
    assert not [s for s in c.signals if s.kind == ASTRONOMICAL]


def test_too_few_points_reads_no_rule() -> None:
    c = chart([10, 12, 9, 11, 5, 4, 3, 2, 1], baseline=4)
    assert c.signals == []
    assert "Only 9 points" in c.note


def test_without_a_baseline_there_is_no_median() -> None:
    points = series([5] * 12)
    c = run_chart(points, baseline_start=dt.date(2030, 1, 1), baseline_end=dt.date(2030, 6, 1))
    assert c.median is None and c.signals == [] and "No baseline" in c.note


def test_the_stated_baseline_value_is_the_median_when_no_point_is_in_the_period() -> None:
    points = series([5, 5, 4, 4, 3, 4, 5, 4, 3, 4])
    c = run_chart(points, baseline_start=dt.date(2030, 1, 1), baseline_end=dt.date(2030, 6, 1),
                  baseline_value=D(10), direction="lower")
    assert c.median == D(10)
    assert [s.kind for s in c.signals] == [SHIFT]


def test_a_shift_is_explained_in_words_with_its_direction() -> None:
    c = chart([10, 12, 9, 11, 10, 12, 8, 7, 7, 6, 7, 8, 7], direction="lower")
    shift = next(s for s in c.signals if s.kind == SHIFT)
    assert shift.text == ("Shift: 7 points below the median from July 2025 — a sign of real "
                          "change in the better direction.")
    worse = chart([10, 12, 9, 11, 10, 12, 8, 7, 7, 6, 7, 8, 7], direction="higher")
    assert "worse direction" in next(s for s in worse.signals if s.kind == SHIFT).text


def test_ordinary_variation_has_no_signal_and_says_so() -> None:
    c = chart([10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11])
    assert c.signals == []
    assert "ordinary ups and downs" in c.note


def test_marked_points_cover_the_signal() -> None:
    c = chart([10, 12, 9, 11, 10, 12, 1, 2, 3, 4, 5, 6])
    assert {SHIFT, TREND} <= {s.kind for s in c.signals}
    assert c.marked(SHIFT) == set(range(6, 12))


def test_weekly_periods_are_named_by_day() -> None:
    points = [Point(dt.date(2026, 1, 5) + dt.timedelta(weeks=i), D(v))
              for i, v in enumerate([10, 11, 10, 11, 10, 11, 5, 5, 5, 5, 5, 5])]
    c = run_chart(points, baseline_start=points[0].on, baseline_end=points[5].on,
                  direction="lower", weekly=True)
    shift = next(s for s in c.signals if s.kind == SHIFT)
    assert "Shift: 6 points below the median from 16 February 2026" in shift.text


def test_astronomical_points_on_one_side_are_one_signal() -> None:
    c = chart([10, 11, 9, 10, 11, 9, 10, 40, 41, 10, 42, 11], baseline=6)
    astro = [s for s in c.signals if s.kind == ASTRONOMICAL]
    assert [(s.first, s.last, s.points) for s in astro] == [(7, 10, 3)]
    assert c.marked(ASTRONOMICAL) == {7, 8, 10}  # not the ordinary point between
    assert astro[0].text.startswith("Astronomical points: 3 points from August 2025 to "
                                    "November 2025 are more than 3 standard deviations")
