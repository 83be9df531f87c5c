"""What each row of an import would do: new, updated, unchanged, or an error (with the column).

One planner per file type. A planner loads everything the file could refer to up front, in a
fixed number of queries (one per model, filtered by the names in the file), then decides each
row in Python. The same plan is made for the preview and again, inside the import's
transaction, when the admin confirms; only then are the rows' ``apply`` functions called, in
file order, and then the planner's ``flush()``, which writes in bulk what they queued (places:
a fixed number of queries for the whole file).

Rows are matched to what Fieldbook holds by natural keys, so importing the same file twice
changes nothing the second time:

- region: its code or name; place: name + region; organisation: ODS code, else name;
- person: name + organisation; engagement: programme + place.

An empty optional cell means "leave as it is" for a row that matches an existing record.
"""

from __future__ import annotations

from backoffice.imports.base import (
    ERROR,
    NEW,
    UNCHANGED,
    UPDATED,
    Column,
    Planner,
    RowOutcome,
    parse_date,
)
from backoffice.imports.board_rows import BoardMembersPlanner
from backoffice.imports.engagement_rows import EngagementsPlanner
from backoffice.imports.organisation_rows import OrganisationsPlanner
from backoffice.imports.place_rows import PlacesPlanner

PLANNERS: dict[str, type[Planner]] = {
    planner.kind: planner
    for planner in (PlacesPlanner, OrganisationsPlanner, BoardMembersPlanner, EngagementsPlanner)
}

__all__ = ["ERROR", "NEW", "PLANNERS", "UNCHANGED", "UPDATED", "Column", "Planner",
           "RowOutcome", "parse_date"]
