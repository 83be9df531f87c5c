"""Places: matched by name and region."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from backoffice.imports.base import NEW, UPDATED, Column, Planner, RowOutcome, lower_text, shown
from places.models import ImportBatch, Place, System

# Rows per INSERT or UPDATE statement: 2,000 new places are four INSERTs on PostgreSQL (SQLite,
# with its cap on query parameters, splits a batch further by itself).
WRITE_BATCH = 500
# What full_clean() would otherwise look up row by row (a query each): the planner resolved the
# region and system from the database in load(), checked name + region against the file and
# the database, and hands out slugs from one read of the slug column. The unique constraints
# still stand behind it at the INSERT, for a race with another writer (write_in_bulk()).
CHECKED_IN_BULK = ["region", "system"]
# places.slugs.unique_slug()'s default: its base leaves room for a "-NN" suffix.
SLUG_MAX_LENGTH = 200


def slug_base(name: str) -> str:
    """The slug ``unique_slug(Place, name)`` starts from, before any ``-2``, ``-3``..."""
    return (slugify(name) or "item")[: SLUG_MAX_LENGTH - 6].strip("-") or "item"


class PlacesPlanner(Planner):
    kind = ImportBatch.Kind.PLACES
    key_label = "place name and region"
    columns = (
        Column("place_name", True, "The place's name, unique within its region",
               "Central Lancashire"),
        Column("region", True, "The NHS England region's code or name", "north"),
        Column("system", False, "The ICS, STP or ICB's name, as listed under reference data",
               "Lancashire and South Cumbria ICS"),
        Column("description", False, "A line about the place", ""),
    )

    def load(self) -> None:
        self.load_regions()
        self.load_places()
        self.systems = {(s.region_id, lower_text(s.name)): s
                        for s in System.objects.select_related("region")}
        self.systems_by_name: dict[str, list[System]] = {}
        for system in self.systems.values():
            self.systems_by_name.setdefault(lower_text(system.name), []).append(system)
        # Filled on confirm only, by the rows' apply functions, and written by flush().
        self.slugs_in_use: set[str] | None = None
        self.to_create: list[tuple[int, Place]] = []
        self.to_update: dict[tuple[str, ...], list[Place]] = {}

    def plan(self, number: int, row: dict[str, str]) -> RowOutcome:
        outcome = RowOutcome(number)
        name = self.need(outcome, row, "place_name", "the place's name")
        region = self.region(outcome, row)
        outcome.key = f"{name} ({region})" if region else name
        system = None
        system_text = row.get("system", "").strip()
        if system_text and region is not None:
            system = self.systems.get((region.pk, lower_text(system_text)))
            if system is None:
                elsewhere = self.systems_by_name.get(lower_text(system_text))
                outcome.error("system", (
                    f"{elsewhere[0].name} is in {elsewhere[0].region}, not {region}" if elsewhere
                    else f"Unknown system “{system_text}” in {region}. Add it under reference "
                         "data first, or leave the cell empty"))
        description = row.get("description", "").strip()
        if len(description) > 2000:
            outcome.error("description", "The description must be 2,000 characters or fewer")
        if not name or region is None:
            return outcome
        if self.duplicate(outcome, (region.pk, lower_text(name)), "place_name") or outcome.errors:
            return outcome

        place = self.places.get((region.pk, lower_text(name)))
        if place is None:
            outcome.status = NEW

            def create() -> None:
                new = Place(name=name, slug=self.new_slug(name), region=region, system=system,
                            description=description,
                            onboarding_status=Place.OnboardingStatus.ONBOARDING)
                new.full_clean(exclude=CHECKED_IN_BULK, validate_constraints=False)
                self.to_create.append((number, new))
            outcome.apply = create
            return outcome

        updates: dict[str, Any] = {}
        if system is not None and place.system_id != system.pk:
            outcome.changes.append(f"system: {shown(place.system)} → {system}")
            updates["system"] = system
        if description and description != place.description:
            outcome.changes.append("description changed")
            updates["description"] = description
        if updates:
            outcome.status = UPDATED

            def update() -> None:
                for attr, value in updates.items():
                    setattr(place, attr, value)
                place.full_clean(exclude=CHECKED_IN_BULK, validate_constraints=False)
                # Grouped by the fields that change, so a row writes only its own changes.
                self.to_update.setdefault(tuple(updates), []).append(place)
            outcome.apply = update
        return outcome

    def new_slug(self, name: str) -> str:
        """What ``unique_slug(Place, name)`` gives when the rows are saved one by one in file
        order: the base, else the first free ``-2``, ``-3``... among the slugs in use and those
        handed to earlier rows."""
        if self.slugs_in_use is None:
            # One read of the whole slug column, on the first new row. Places are few by design
            # (2,000 at ten times the country: ~50 kB of slugs, an index-only scan), so this
            # stays cheaper than a LIKE per row (no index serves it: each is a scan of places),
            # and SQLite refuses a single query of more than 1,000 ORed LIKEs.
            self.slugs_in_use = set(Place.objects.order_by().values_list("slug", flat=True))
        base = slug_base(name)
        slug, n = base, 2
        while slug in self.slugs_in_use:
            slug, n = f"{base}-{n}", n + 1
        self.slugs_in_use.add(slug)
        return slug

    def flush(self) -> None:
        if not self.to_create and not self.to_update:
            return
        self.write_in_bulk(self.write)

    def write(self) -> None:
        Place.objects.bulk_create([place for _, place in self.to_create], batch_size=WRITE_BATCH)
        now = timezone.now()
        for fields, places in self.to_update.items():
            for place in places:
                place.updated_at = now  # bulk_update() does not apply auto_now
            Place.objects.bulk_update(places, [*fields, "updated_at"], batch_size=WRITE_BATCH)

    def clashing_row(self) -> int | None:
        """The first new row whose name (in its region) or slug another writer has taken."""
        names, slugs = set(), set()
        for region_id, name, slug in Place.objects.order_by().values_list(
            "region_id", "name", "slug"
        ):
            names.add((region_id, name))
            slugs.add(slug)
        for number, place in self.to_create:
            if place.slug in slugs or (place.region_id, place.name) in names:
                return number
        return None
