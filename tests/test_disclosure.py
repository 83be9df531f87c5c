"""Small numbers (engagements.disclosure): counts of 1 or 2 read "fewer than 3", and no
visible total and parts let a reader work a hidden count out."""

from __future__ import annotations

import itertools
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from engagements.disclosure import (
    FEWER_THAN,
    WITHHELD,
    Cell,
    change_hidden,
    count_cell,
    count_text,
    is_small,
    recoverable,
    sessions_text,
    suppress,
    within,
)


def test_counts_of_one_and_two_read_fewer_than_3() -> None:
    assert [count_text(n) for n in (0, 1, 2, 3, 1200)] == ["0", FEWER_THAN, FEWER_THAN, "3",
                                                             "1,200"]
    assert FEWER_THAN == "fewer than 3" and not is_small(0) and is_small(2) and not is_small(3)


def test_the_total_would_give_a_single_hidden_part_away_so_another_is_hidden() -> None:
    cells, total = suppress([1, 6, 9], 16)
    assert [c.text for c in cells] == [FEWER_THAN, WITHHELD, "9"]
    assert total is not None and total.text == "16"


def test_no_total_needs_no_follow_on() -> None:
    cells, total = suppress([1, 6, 9])
    assert [c.text for c in cells] == [FEWER_THAN, "6", "9"] and total is None


def test_a_total_of_fewer_than_3_shows_no_breakdown() -> None:
    for parts in ([1, 1], [2, 0]):
        cells, total = suppress(parts, 2)
        assert [c.text for c in cells] == [WITHHELD, WITHHELD] and total is not None
        assert total.text == FEWER_THAN


def test_when_no_part_can_hide_it_the_total_is_withheld() -> None:
    # 1 and 3 make 4: "fewer than 3" + "not shown" (0 or 3+) = 4 leaves only 1 + 3.
    cells, total = suppress([1, 3], 4)
    assert total is not None and total.text == WITHHELD
    assert not recoverable(cells, total)


def test_a_change_is_hidden_with_either_count() -> None:
    assert change_hidden(count_cell(2), count_cell(40))
    assert change_hidden(count_cell(40), count_cell(1))
    assert not change_hidden(count_cell(40), count_cell(0))


def _values(cell: Cell, top: int) -> list[int]:
    """What a reader who knows the rule can tell of a cell from its wording (a part "not
    shown" under a total of "fewer than 3" is 0, 1 or 2: pass ``top`` 2)."""
    if cell.shown:
        return [cell.value]
    if cell.text == FEWER_THAN:
        return [1, 2]
    return [v for v in range(top + 1) if v == 0 or v >= 3 or top < 3]


def test_no_hidden_count_can_be_recovered_by_trying_every_reading() -> None:
    """Brute force, independent of ``recoverable``: for every vector of up to four counts (0 to
    8), try every set of values the wording allows for the hidden cells and the total, keep
    those that add up, and check that each hidden "fewer than 3" cell can take two values."""
    top = 30
    for n in (1, 2, 3, 4):
        for parts in itertools.product(range(9), repeat=n):
            cells, total = suppress(list(parts), sum(parts))
            assert total is not None
            totals = _values(total, top)
            possible: dict[int, set[int]] = defaultdict(set)
            part_top = 2 if total.text == FEWER_THAN else top
            for reading in itertools.product(*(_values(c, part_top) for c in cells)):
                if sum(reading) in totals:
                    for i, value in enumerate(reading):
                        possible[i].add(value)
            for i, cell in enumerate(cells):
                if is_small(cell.value):
                    assert not cell.shown
                    assert len(possible[i]) > 1, (parts, [c.text for c in cells], total.text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=8))
def test_no_visible_total_and_parts_pin_a_hidden_count(parts: list[int]) -> None:
    cells, total = suppress(parts, sum(parts))
    assert not recoverable(cells, total)
    assert all(not c.shown for c in cells if is_small(c.value))
    shown = [c for c in cells if c.shown]
    assert all(not is_small(c.value) for c in shown)
    if total is not None and total.shown:
        hidden_sum = total.value - sum(c.value for c in shown)
        hidden = [c for c in cells if not c.shown]
        # Whatever is hidden is not one small count standing alone against the total.
        assert not (len(hidden) == 1 and is_small(hidden_sum))


def test_cells_say_what_they_are() -> None:
    assert Cell(5).text == "5" and Cell(5, "complementary").text == WITHHELD


# -- a part and its total, the rest never shown (engagements.disclosure.within) ------------

def _view(part: int, total: int) -> tuple[str, str]:
    p, t = within(part, total)
    return p.text, t.text


def _pinned_small(limit: int = 60, checked: int = 40) -> list[tuple[int, int, str]]:
    """Every pair (part, total) up to ``checked`` where a reader who knows the rule and sees
    the two cells can tell a count of 1 or 2 (part, total or rest) exactly: the pairs that read
    the same are the reader's candidates (pairs up to ``limit``, so the edge does not pin)."""
    worlds: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for total in range(limit + 1):
        for part in range(total + 1):
            worlds[_view(part, total)].append((part, total))
    found = []
    for total in range(checked + 1):
        for part in range(total + 1):
            same = worlds[_view(part, total)]
            for name, value, values in (
                ("part", part, {p for p, _ in same}),
                ("total", total, {t for _, t in same}),
                ("rest", total - part, {t - p for p, t in same}),
            ):
                if is_small(value) and values == {value}:
                    found.append((part, total, name))
    return found


def test_within_no_small_count_is_ever_the_only_one_left() -> None:
    assert _pinned_small() == []


def test_within_reads_as_the_rule_says() -> None:
    assert _view(0, 0) == ("0", "0")
    assert _view(0, 2) == ("0", FEWER_THAN) and _view(1, 2) == (FEWER_THAN, FEWER_THAN)
    assert _view(2, 40) == (FEWER_THAN, "40")
    assert _view(38, 40) == ("38", WITHHELD)  # 2 before the last 4 weeks
    assert _view(37, 40) == ("37", "40") and _view(40, 40) == ("40", "40")


def test_within_would_leak_without_the_hidden_total() -> None:
    # The check itself finds the leak the rule closes: show both and 38 of 40 gives 2 away.
    shown = within(38, 40)
    assert shown[0].text == "38" and 40 - 38 == 2 and not shown[1].shown


def test_sessions_in_words() -> None:
    assert [sessions_text(c) for c in (count_cell(1), count_cell(0), count_cell(4))] == [
        "fewer than 3 sessions", "0 sessions", "4 sessions"]
    assert sessions_text(within(38, 40)[1]) == "sessions not shown"
    assert sessions_text(Cell(1)) == "1 session"


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_within_large_pairs_hide_every_small_count(a: int, b: int) -> None:
    part, total = min(a, b), max(a, b)
    p, t = within(part, total)
    # Each small count is hidden, or is the part/total shown beside a hidden other one.
    if is_small(part):
        assert p.hidden
    if is_small(total):
        assert t.hidden
    if is_small(total - part):
        assert not (p.shown and t.shown)


def _suppress_by_passes(parts: list[int], total: int | None) -> tuple[list[Cell], Cell | None]:
    """The rule as first written: hide the smallest visible part while ``recoverable`` says a
    small one can be worked out, re-reading every cell each time."""
    cells = [count_cell(n) for n in parts]
    total_cell = count_cell(total) if total is not None else None
    if total_cell is not None and total_cell.hidden:
        return [Cell(c.value, "complementary") for c in cells], total_cell
    order = sorted((i for i, c in enumerate(cells) if c.shown), key=lambda i: (cells[i].value, i))
    while any(not c.shown for c in cells) and recoverable(cells, total_cell):
        if not order:
            assert total_cell is not None
            total_cell = Cell(total_cell.value, "complementary")
            break
        i = order.pop(0)
        cells[i] = Cell(cells[i].value, "complementary")
    return cells, total_cell


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), max_size=30),
       st.one_of(st.none(), st.integers(min_value=0, max_value=60)), st.booleans())
def test_suppressed_decides_what_recoverable_would(parts: list[int], total: int | None,
                                                   summed: bool) -> None:
    """``suppressed`` keeps running sums instead of re-reading every cell for each part it
    hides (the heatmap's ~3,000 counts at 1M): it hides exactly what the first version did, for
    totals that are the parts' sum and for any other total."""
    total = sum(parts) if summed else total
    assert suppress(parts, total) == _suppress_by_passes(parts, total)
