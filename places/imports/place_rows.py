"""Places: matched by name and region."""

from __future__ import annotations

from typing import Any

from ..models import ImportBatch, Place, System
from ..slugs import unique_slug
from .base import NEW, UPDATED, Column, Planner, RowOutcome, lower_text, shown


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
                # The slug is found at write time (a query a row, on confirm only), so the
                # preview stays a fixed number of queries.
                slug = unique_slug(Place, name)
                new = Place(name=name, slug=slug, region=region, system=system,
                            description=description,
                            onboarding_status=Place.OnboardingStatus.ONBOARDING)
                new.full_clean()
                new.save()
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
                place.full_clean()
                place.save(update_fields=[*updates, "updated_at"])
            outcome.apply = update
        return outcome
