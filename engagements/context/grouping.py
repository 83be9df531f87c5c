"""Learning grouped by a context attribute of the places it came from ("what worked where
boundaries are not coterminous"), for the learning summaries (engagements.summaries).

Anonymised and never a ranking: the groups come in a fixed order (never by how much learning
they hold), a group says how many places it draws on ("fewer than 3" under the threshold),
and a group drawing on fewer than ``THRESHOLD`` places lists no items (its items would point
at one or two places). No query of its own: the summary's learning query reads the context.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engagements.context.models import PlaceContext
from engagements.disclosure import THRESHOLD

# The attributes learning can be grouped by: (key, heading, the learning row's field, the
# groups in their fixed order as (value, label)).
ATTRIBUTES: tuple[tuple[str, str, str, tuple[tuple[Any, str], ...]], ...] = (
    ("coterminous", "By boundaries", "session__engagement__place__context__coterminous",
     ((True, "Where health and council boundaries are coterminous"),
      (False, "Where boundaries are not coterminous"))),
    ("pressure", "By system pressure", "session__engagement__place__context__pressure",
     tuple((value, f"Where system pressure is {label.lower()}")
           for value, label in PlaceContext.Pressure.choices)),
)
FIELDS = tuple(field for _key, _heading, field, _groups in ATTRIBUTES)
PLACE_FIELD = "session__engagement__place_id"


def places_text(count: int) -> str:
    if count < THRESHOLD:
        return f"fewer than {THRESHOLD} places"
    return f"{count} places"


def learning_by_context(rows: Iterable[Mapping[str, Any]],
                        refs: Mapping[int, str]) -> list[dict[str, Any]]:
    """``rows``: the summary's learning rows (with ``FIELDS`` and ``PLACE_FIELD``); ``refs``:
    item id -> its reference in the summary. Groups with no learning are left out; an
    attribute with no group shown is left out."""
    rows = list(rows)
    out = []
    for key, heading, field, groups in ATTRIBUTES:
        shown = []
        for value, label in groups:
            mine = [r for r in rows if r.get(field) == value and r["id"] in refs]
            if not mine:
                continue
            places = len({r[PLACE_FIELD] for r in mine})
            small = places < THRESHOLD
            shown.append({"label": label, "places": places_text(places), "suppressed": small,
                          "refs": [] if small else [refs[r["id"]] for r in mine]})
        if shown:
            out.append({"key": key, "heading": heading, "groups": shown})
    return out
