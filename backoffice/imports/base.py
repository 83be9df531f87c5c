"""What every import planner shares: a row's outcome, the columns, and the common checks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from places.models import Place, Region

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"


@dataclass
class RowOutcome:
    row: int
    status: str = UNCHANGED
    key: str = ""
    changes: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    apply: Callable[[], None] | None = None

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))
        self.status = ERROR

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "status": self.status, "key": self.key,
                "changes": self.changes, "errors": [list(e) for e in self.errors]}


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str
    example: str = ""


class RowClash(Exception):
    """The database refused a row at write time: another writer saved a clashing record between
    the plan and the write. ``row`` is the row it clashed on, when it can be told."""

    def __init__(self, row: int | None) -> None:
        super().__init__(row)
        self.row = row


def lower_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def shown(value: Any) -> str:
    return str(value) if value not in (None, "") else "(empty)"


def parse_date(text: str) -> dt.date | None:
    """2024-03-01, 01/03/2024 or 1/3/2024 (day first, as written in the UK)."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day else "(empty)"


class Planner:
    kind: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    key_label: ClassVar[str]

    def __init__(self, rows: list[tuple[int, dict[str, str]]], *, today: dt.date) -> None:
        self.rows = rows
        self.today = today
        self.seen: dict[Any, int] = {}
        self.load()

    @classmethod
    def required(cls) -> list[str]:
        return [c.name for c in cls.columns if c.required]

    @classmethod
    def optional(cls) -> list[str]:
        return [c.name for c in cls.columns if not c.required]

    def load(self) -> None:
        raise NotImplementedError

    def plan(self, number: int, row: dict[str, str]) -> RowOutcome:
        raise NotImplementedError

    def run(self) -> list[RowOutcome]:
        return [self.plan(number, row) for number, row in self.rows]

    def flush(self) -> None:
        """Write what the rows' ``apply`` functions queued, after the last of them. Planners
        that write row by row have nothing queued; one that writes in bulk does it through
        ``write_in_bulk()``."""

    def write_in_bulk(self, write: Callable[[], None]) -> None:
        """Run ``write`` (bulk INSERTs and UPDATEs) in a savepoint: two more queries, so that
        when the database refuses a row (another writer saved a clashing record since the
        plan) the transaction can still be asked which row it was. Raises ``RowClash``."""
        try:
            with transaction.atomic():
                write()
        except IntegrityError as exc:
            raise RowClash(self.clashing_row()) from exc

    def clashing_row(self) -> int | None:
        """After a refused bulk write: the first row a record saved meanwhile clashes with."""
        return None

    def values(self, column: str) -> set[str]:
        return {lower_text(row.get(column, "")) for _, row in self.rows if row.get(column)}

    # Shared checks --------------------------------------------------------------------------

    def need(self, outcome: RowOutcome, row: dict[str, str], column: str, what: str,
             max_length: int = 200) -> str:
        value = row.get(column, "").strip()
        if not value:
            outcome.error(column, f"Enter {what}")
        elif len(value) > max_length:
            outcome.error(column, f"{what[0].upper()}{what[1:]} must be {max_length} characters "
                                  "or fewer")
        return value

    def duplicate(self, outcome: RowOutcome, key: Any, column: str) -> bool:
        if key in self.seen:
            outcome.error(column, f"Duplicate of row {self.seen[key]} (same {self.key_label})")
            return True
        self.seen[key] = outcome.row
        return False

    def load_regions(self) -> None:
        regions = list(Region.objects.all())
        self.regions = {lower_text(r.code): r for r in regions}
        self.regions.update({lower_text(r.name): r for r in regions})
        self.region_codes = ", ".join(sorted(r.code for r in regions))

    def region(self, outcome: RowOutcome, row: dict[str, str]) -> Region | None:
        text = row.get("region", "").strip()
        if not text:
            outcome.error("region", "Enter the region's code or name")
            return None
        region = self.regions.get(lower_text(text))
        if region is None:
            outcome.error("region", f"Unknown region “{text}”. Use a region's code or name: "
                                    f"{self.region_codes}")
        return region

    def load_places(self) -> None:
        names = self.values("place_name")
        self.places = {
            (p.region_id, lower_text(p.name)): p
            for p in Place.objects.annotate(lname=Lower("name")).filter(lname__in=names)
        } if names else {}

    def existing_place(self, outcome: RowOutcome, row: dict[str, str]) -> Place | None:
        name = self.need(outcome, row, "place_name", "the place's name")
        region = self.region(outcome, row)
        if not name or region is None:
            return None
        place = self.places.get((region.pk, lower_text(name)))
        if place is None:
            outcome.error("place_name", f"No place called “{name}” in {region}. Import it first "
                                        "in a places file, or onboard it")
        return place
