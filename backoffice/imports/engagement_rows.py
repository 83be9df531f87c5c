"""Engagements: one place in one programme, matched by the two."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from backoffice.imports.base import (
    NEW,
    UPDATED,
    Column,
    Planner,
    RowOutcome,
    iso,
    lower_text,
    parse_date,
    shown,
)
from engagements.models import Engagement, Programme
from places.models import ImportBatch, Place

STATUS_WORDS = {v: v for v in Engagement.Status.values}
STATUS_WORDS.update({lower_text(str(label)): value for value, label in Engagement.Status.choices})
NEEDS_START = {Engagement.Status.DIAGNOSTIC, Engagement.Status.ACTIVE, Engagement.Status.PAUSED}
# Rows per INSERT or UPDATE statement.
WRITE_BATCH = 500
# What full_clean() would otherwise look up row by row (six queries a row): the planner found
# the programme and place in load(), checks programme + place against the file and the
# database, and checks the rows against the check constraints (days, start after request,
# end after start) itself. The constraints still stand behind it, for a race.
CHECKED_IN_BULK = ["programme", "place"]


@dataclass(frozen=True)
class _Fields:
    """A row's engagement fields, each valid and consistent with the others."""

    requested: dt.date
    status: str
    started: dt.date | None
    focus: str
    days: Decimal | None


class EngagementsPlanner(Planner):
    kind = ImportBatch.Kind.ENGAGEMENTS
    key_label = "programme and place"
    columns = (
        Column("programme", True, "The programme's name", "System leadership development"),
        Column("place_name", True, "The place's name", "Leeds"),
        Column("region", True, "The place's region: code or name", "north"),
        Column("requested_on", True, "When the place asked for support: YYYY-MM-DD or "
                                     "DD/MM/YYYY", "2024-03-01"),
        Column("status", True, "requested, diagnostic, active, paused or closed", "requested"),
        Column("started_on", False, "When support started (needed for diagnostic, active or "
                                    "paused)", ""),
        Column("focus", False, "What the place wants the support to focus on", ""),
        Column("days_allocated", False, "Days of enabler time agreed, e.g. 5 or 7.5", "5"),
    )

    def load(self) -> None:
        self.load_regions()
        self.load_places()
        texts = self.values("programme")
        self.programmes: dict[str, Programme] = {}
        if texts:
            for programme in Programme.objects.annotate(lname=Lower("name")).filter(
                Q(lname__in=texts) | Q(slug__in=texts)
            ):
                self.programmes[lower_text(programme.name)] = programme
                self.programmes[programme.slug] = programme
        place_ids = [p.pk for p in self.places.values()]
        self.engagements = {
            (e.programme_id, e.place_id): e
            for e in Engagement.objects.filter(place_id__in=place_ids)
        } if place_ids else {}
        # Filled on confirm only, by the rows' apply functions, and written by flush().
        self.to_create: list[tuple[int, Engagement]] = []
        self.to_update: dict[tuple[str, ...], list[Engagement]] = {}

    def plan(self, number: int, row: dict[str, str]) -> RowOutcome:
        outcome = RowOutcome(number)
        programme = self._programme(outcome, row)
        place = self.existing_place(outcome, row)
        outcome.key = f"{place.name if place else row.get('place_name', '')} in " \
                      f"{programme.name if programme else row.get('programme', '').strip()}"
        fields = self._fields(outcome, row)
        if programme is None or place is None:
            return outcome
        if self.duplicate(outcome, (programme.pk, place.pk), "place_name") or outcome.errors:
            return outcome
        assert fields is not None
        engagement = self.engagements.get((programme.pk, place.pk))
        if engagement is None:
            self._plan_new(outcome, programme, place, fields)
        else:
            self._plan_update(outcome, engagement, fields)
        return outcome

    def _programme(self, outcome: RowOutcome, row: dict[str, str]) -> Programme | None:
        text = row.get("programme", "").strip()
        programme = self.programmes.get(lower_text(text)) if text else None
        if not text:
            outcome.error("programme", "Enter the programme's name")
        elif programme is None:
            outcome.error("programme", f"Unknown programme “{text}”. Add it under reference "
                                       "data first")
        return programme

    def _fields(self, outcome: RowOutcome, row: dict[str, str]) -> _Fields | None:
        """The row's engagement fields, checked against each other; ``None`` if any is wrong."""
        requested = self.date(outcome, row, "requested_on", required=True)
        started = self.date(outcome, row, "started_on", required=False)
        if requested and requested > self.today:
            outcome.error("requested_on", "The date the place asked for support cannot be in "
                                          "the future")
        status = self._status(outcome, row, started)
        if requested and started and started < requested:
            outcome.error("started_on", "Support cannot start before the place asked for it")
        focus = row.get("focus", "").strip()
        if len(focus) > 4000:
            outcome.error("focus", "The focus must be 4,000 characters or fewer")
        days = self._days(outcome, row)
        if outcome.errors or requested is None or status is None:
            return None
        return _Fields(requested, status, started, focus, days)

    def _status(self, outcome: RowOutcome, row: dict[str, str],
                started: dt.date | None) -> str | None:
        text = row.get("status", "").strip()
        status = STATUS_WORDS.get(lower_text(text))
        if status is None:
            outcome.error("status", f"Unknown status “{text}”: use requested, diagnostic, "
                                    "active, paused or closed" if text else
                          "Enter the status: requested, diagnostic, active, paused or closed")
        elif status in NEEDS_START and started is None and "started_on" not in dict(
                outcome.errors):
            outcome.error("started_on", f"Enter when support started: the engagement is {status}")
        return status

    def _days(self, outcome: RowOutcome, row: dict[str, str]) -> Decimal | None:
        text = row.get("days_allocated", "").strip()
        if not text:
            return None
        try:
            days = Decimal(text)
            if not (0 <= days <= 999) or days != round(days, 1):
                raise InvalidOperation
        except InvalidOperation:
            outcome.error("days_allocated", f"“{text}” is not a number of days between 0 and "
                                            "999, like 5 or 7.5")
            return None
        return days

    def _plan_new(self, outcome: RowOutcome, programme: Programme, place: Place,
                  fields: _Fields) -> None:
        outcome.status = NEW

        def create() -> None:
            new = Engagement(programme=programme, place=place, requested_on=fields.requested,
                             status=fields.status, started_on=fields.started,
                             focus=fields.focus, days_allocated=fields.days)
            new.full_clean(exclude=CHECKED_IN_BULK, validate_constraints=False)
            self.to_create.append((outcome.row, new))
        outcome.apply = create

    def _plan_update(self, outcome: RowOutcome, engagement: Engagement, fields: _Fields) -> None:
        # What the file leaves as it is must still fit what it changes (the engagement's
        # check constraints, which are no longer asked of the database row by row).
        started_then = fields.started or engagement.started_on
        if started_then and started_then < fields.requested and not fields.started:
            outcome.error("requested_on", f"Support started on {iso(started_then)}, before this "
                                          "date: give the date it started as well")
        if started_then and engagement.ended_on and engagement.ended_on < started_then:
            outcome.error("started_on", f"The engagement ended on {iso(engagement.ended_on)}: "
                                        "support cannot start after it ended")
        if outcome.errors:
            return
        updates = self._updates(outcome, engagement, fields)
        if not updates:
            return
        outcome.status = UPDATED

        def update() -> None:
            for attr, value in updates.items():
                setattr(engagement, attr, value)
            engagement.full_clean(exclude=CHECKED_IN_BULK, validate_constraints=False)
            engagement.version = F("version") + 1
            # Grouped by the fields that change, so a row writes only its own changes.
            self.to_update.setdefault(tuple(updates), []).append(engagement)
        outcome.apply = update

    @staticmethod
    def _updates(outcome: RowOutcome, engagement: Engagement, fields: _Fields) -> dict[str, Any]:
        """The fields the row changes (an empty optional cell leaves a field as it is), each
        described in ``outcome.changes``."""
        updates: dict[str, Any] = {}
        if engagement.requested_on != fields.requested:
            outcome.changes.append(f"requested on: {iso(engagement.requested_on)} → "
                                   f"{iso(fields.requested)}")
            updates["requested_on"] = fields.requested
        if engagement.status != fields.status:
            outcome.changes.append(f"status: {engagement.get_status_display()} → "
                                   f"{Engagement.Status(fields.status).label}")
            updates["status"] = fields.status
        if fields.started and engagement.started_on != fields.started:
            outcome.changes.append(f"started on: {iso(engagement.started_on)} → "
                                   f"{iso(fields.started)}")
            updates["started_on"] = fields.started
        if fields.focus and engagement.focus != fields.focus:
            outcome.changes.append("focus changed")
            updates["focus"] = fields.focus
        if fields.days is not None and engagement.days_allocated != fields.days:
            outcome.changes.append(f"days allocated: {shown(engagement.days_allocated)} → "
                                   f"{fields.days}")
            updates["days_allocated"] = fields.days
        return updates

    def flush(self) -> None:
        if self.to_create or self.to_update:
            self.write_in_bulk(self.write)

    def write(self) -> None:
        Engagement.objects.bulk_create([new for _, new in self.to_create],
                                       batch_size=WRITE_BATCH)
        now = timezone.now()
        for fields, engagements in self.to_update.items():
            for engagement in engagements:
                engagement.updated_at = now  # bulk_update() does not apply auto_now
            Engagement.objects.bulk_update(engagements, [*fields, "version", "updated_at"],
                                           batch_size=WRITE_BATCH)

    def clashing_row(self) -> int | None:
        """The first new row whose programme and place another writer has engaged meanwhile."""
        taken = set(Engagement.objects.filter(
            place_id__in={new.place_id for _, new in self.to_create}
        ).order_by().values_list("programme_id", "place_id"))
        return next((number for number, new in self.to_create
                     if (new.programme_id, new.place_id) in taken), None)

    def date(self, outcome: RowOutcome, row: dict[str, str], column: str, *,
             required: bool) -> dt.date | None:
        text = row.get(column, "").strip()
        if not text:
            if required:
                outcome.error(column, "Enter the date the place asked for support")
            return None
        day = parse_date(text)
        if day is None:
            outcome.error(column, f"“{text}” is not a date: write it as YYYY-MM-DD or "
                                  "DD/MM/YYYY")
        return day
