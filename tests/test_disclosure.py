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
    suppress,
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
