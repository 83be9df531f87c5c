"""Small numbers: counts of people or sessions that could single somebody out are not shown.

The rule (README, "Small numbers"), one place for every summary, document and export:

- **Primary suppression.** A count of 1 or 2 (``0 < n < THRESHOLD``) is shown as
  ``FEWER_THAN`` ("fewer than 3"). Zero is shown: it says nobody, and so names nobody.
- **Follow-on (complementary) suppression.** Where parts are shown with their total, the total
  minus the visible parts is the sum of the hidden ones, and that can give a hidden count away
  (a total of 10 with visible parts 4 and 5 leaves exactly 1). So more parts are hidden,
  smallest first, shown as ``WITHHELD`` ("not shown"), until no hidden count can be worked out
  from what is visible; if even hiding every part is not enough, the total is withheld too.
  A total that is itself fewer than 3 is shown as such, with none of its parts.

"Worked out" assumes a reader who knows this rule: a "fewer than 3" cell is 1 or 2, and a
"not shown" part is 0 or at least 3 (it would be "fewer than 3" otherwise; under a total of
"fewer than 3", 0 to 2). A hidden count is safe when the visible figures allow at least two
values for it (``recoverable`` is the check; tests/test_disclosure.py tries every reading of
every small table by brute force, and hypothesis tries larger ones). What the model leaves out:
a reader who also knows *which* parts the rule picks first (the smallest) learns a little more
(that a part not shown was no bigger than the smallest part shown).

A figure with its previous period ("Down 2 from 4") is two counts: each is checked, and the
change is not shown when either is hidden (``change_hidden``).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 3
FEWER_THAN = f"fewer than {THRESHOLD}"
WITHHELD = "not shown"

SMALL = "small"
COMPLEMENTARY = "complementary"


@dataclass(frozen=True)
class Cell:
    """One count as it may be shown: the value, and why it is hidden ("" when shown)."""

    value: int
    hidden: str = ""

    @property
    def shown(self) -> bool:
        return not self.hidden

    @property
    def text(self) -> str:
        if self.hidden == SMALL:
            return FEWER_THAN
        if self.hidden == COMPLEMENTARY:
            return WITHHELD
        return f"{self.value:,}"


def is_small(n: int) -> bool:
    """1 or 2: a count that could point at one person or one session."""
    return 0 < n < THRESHOLD


def count_cell(n: int) -> Cell:
    """A count shown on its own (no total beside it)."""
    return Cell(n, SMALL if is_small(n) else "")


def count_text(n: int) -> str:
    """ "fewer than 3", or the count: ``count_text(2) == "fewer than 3"``, ``count_text(40)
    == "40"``."""
    return count_cell(n).text


def change_hidden(now: Cell, before: Cell) -> bool:
    """A change between two periods is not shown when either count is hidden: with one of
    them visible, the change would give the other away."""
    return not (now.shown and before.shown)


def _sums(small: int, other: int) -> tuple[range, bool]:
    """What ``small`` hidden "fewer than 3" cells and ``other`` hidden "not shown" cells can add
    up to, as a reader who knows the rule sees it: the small cells sum to anything in
    [small, 2 × small]; each other cell is 0 or ≥ THRESHOLD, so with any of them the sum is
    also anything from small + THRESHOLD upwards. Returns (the bounded range, open above)."""
    return range(small, (THRESHOLD - 1) * small + 1), other > 0


def _reachable(total: int, small: int, other: int) -> bool:
    bounded, open_above = _sums(small, other)
    return total in bounded or (open_above and total >= small + THRESHOLD)


def _total_values(total: Cell, visible: int, hidden: int) -> range | list[int]:
    """The totals a reader cannot rule out: the shown one; 1 or 2 for "fewer than 3"; 0 or
    ≥ THRESHOLD for "not shown" (a window wide enough that anything larger reads the same)."""
    if total.shown:
        return [total.value]
    if total.hidden == SMALL:
        return list(range(1, THRESHOLD))
    top = visible + (THRESHOLD - 1) * hidden + 2 * THRESHOLD
    return [t for t in range(top + 1) if t == 0 or t >= THRESHOLD]


def recoverable(parts: Sequence[Cell], total: Cell | None) -> bool:
    """Whether a reader who sees ``total`` and the visible parts can work out any hidden
    "fewer than 3" part exactly. Without a total, nothing ties the parts together."""
    if total is None:
        return False
    hidden = [c for c in parts if not c.shown]
    visible = sum(c.value for c in parts if c.shown)
    small = sum(1 for c in hidden if c.hidden == SMALL)
    other = len(hidden) - small
    totals = _total_values(total, visible, len(hidden))
    if small == 0:
        return False
    # Every hidden small cell reads the same to the reader, so checking one checks them all: it
    # is 1 or 2, and the other hidden cells make up the rest. It is pinned down unless both
    # values leave a sum the others can make, for some total the reader cannot rule out.
    possible = [v for v in range(1, THRESHOLD)
                if any(_reachable(t - visible - v, small - 1, other) for t in totals)]
    return len(possible) < 2


def _pinned(rest: int, small: int, other: int) -> bool:
    """``recoverable`` for a total that is shown, with ``rest`` = the total minus the visible
    parts: a hidden small part is pinned unless both 1 and 2 leave a sum the other hidden parts
    (``small - 1`` small ones, ``other`` not shown) can make."""
    return sum(1 for v in range(1, THRESHOLD) if _reachable(rest - v, small - 1, other)) < 2


def suppressed(parts: Sequence[int], total: int | None = None
               ) -> tuple[dict[int, str], Cell | None]:
    """What ``suppress`` decides, as the hidden parts only: {index: SMALL or COMPLEMENTARY}
    and the total's cell. No cell is made for a part that is shown, and each further part
    hidden costs a sum, not another pass over the parts (the heatmap asks this of every count
    of a programme's quarter: ~3,000 at 1M sessions a request)."""
    hidden = {i: SMALL for i, n in enumerate(parts) if 0 < n < THRESHOLD}
    total_cell = count_cell(total) if total is not None else None
    if total_cell is not None and total_cell.hidden:
        # Fewer than 3 in all: no breakdown of so few is shown ("fewer than 3" twice beside a
        # total of "fewer than 3" would say 1 and 1).
        return dict.fromkeys(range(len(parts)), COMPLEMENTARY), total_cell
    if not hidden or total_cell is None:  # without a total, nothing ties the parts together
        return hidden, total_cell
    visible = sum(parts) - sum(parts[i] for i in hidden)
    small, other = len(hidden), 0
    if not _pinned(total_cell.value - visible, small, other):
        return hidden, total_cell
    # Smallest visible parts first: hiding them costs the reader least. One or two usually
    # suffice, so they come off a heap rather than a sort of every part.
    order = [(n, i) for i, n in enumerate(parts) if i not in hidden]
    heapq.heapify(order)
    while _pinned(total_cell.value - visible, small, other):
        if not order:
            return hidden, Cell(total_cell.value, COMPLEMENTARY)
        n, i = heapq.heappop(order)
        hidden[i] = COMPLEMENTARY
        visible -= n
        other += 1
    return hidden, total_cell


def suppress(parts: Sequence[int], total: int | None = None) -> tuple[list[Cell], Cell | None]:
    """Cells for ``parts`` (and their ``total``, when one is shown beside them) with the small
    ones hidden and, where the total would give one away, more hidden after them
    (``suppressed`` decides; tests/test_disclosure.py checks the result against
    ``recoverable`` for every small table).

    >>> cells, total = suppress([1, 6, 9], 16)
    >>> [c.text for c in cells], total.text
    (['fewer than 3', 'not shown', '9'], '16')
    """
    hidden, total_cell = suppressed(parts, total)
    return [Cell(n, hidden.get(i, "")) for i, n in enumerate(parts)], total_cell


def within(part: int, total: int) -> tuple[Cell, Cell]:
    """A count and the total it is a part of, when the rest (``total - part``) is never shown:
    sessions in the last 4 weeks and to date, last month by the same day and all of it.

    The rest is a third count a reader can work out from the two, so it is protected too:

    - a total of 1 or 2 reads "fewer than 3", and so does a part of 1 or 2 (a part of 0 is 0);
    - a part of 1 or 2 under a total of 3 or more reads "fewer than 3" (the rest is then one of
      two values, total - 1 or total - 2);
    - a rest of 1 or 2 (part 3 or more) hides the **total** ("not shown"): the part is shown,
      and the total is one of part + 1 or part + 2 to a reader who knows this rule;
    - otherwise both are shown (the rest is then 0 or at least 3).

    >>> [c.text for c in within(1, 9)], [c.text for c in within(7, 9)]
    (['fewer than 3', '9'], ['7', 'not shown'])

    tests/test_disclosure.py tries every pair up to 60, as a reader who knows the rule would
    (each view of the two cells against every pair that reads the same), and checks that no
    count of 1 or 2 — the part, the total or the rest — is ever the only value left.
    """
    if is_small(total):
        return count_cell(part), Cell(total, SMALL)
    if is_small(part):
        return Cell(part, SMALL), Cell(total)
    if is_small(total - part):
        return Cell(part), Cell(total, COMPLEMENTARY)
    return Cell(part), Cell(total)


def sessions_text(cell: Cell) -> str:
    """A count of sessions in words: "4 sessions", "1 session", "fewer than 3 sessions",
    "sessions not shown"."""
    if cell.hidden == SMALL:
        return f"{FEWER_THAN} sessions"
    if cell.hidden == COMPLEMENTARY:
        return f"sessions {WITHHELD}"
    return f"{cell.text} session{'' if cell.value == 1 else 's'}"
