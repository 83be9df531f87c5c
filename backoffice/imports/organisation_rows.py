"""Organisations: matched by ODS code, else by name; linked to the places they serve."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from backoffice.imports.base import NEW, UPDATED, Column, Planner, RowOutcome, lower_text, shown
from places.models import ImportBatch, Organisation, Place, ods_code_validator

# Rows per INSERT or UPDATE statement.
WRITE_BATCH = 500
KIND_WORDS: dict[str, str] = {}
for _value, _label in Organisation.Kind.choices:
    KIND_WORDS[_value] = _value
    KIND_WORDS[lower_text(str(_label))] = _value
    KIND_WORDS[lower_text(_value.replace("_", " "))] = _value
KIND_WORDS.update({"ccg": "commissioner", "icb": "commissioner", "ccg/icb": "commissioner",
                   "other public sector": "other_public", "gp federation": "primary_care",
                   "voluntary sector": "voluntary", "vcs": "voluntary", "vcse": "voluntary"})


class OrganisationsPlanner(Planner):
    kind = ImportBatch.Kind.ORGANISATIONS
    key_label = "organisation (ODS code or name)"
    columns = (
        Column("organisation_name", True, "The organisation's name", "Leeds City Council"),
        Column("kind", True, "One of: " + ", ".join(Organisation.Kind.values),
               "local_authority"),
        Column("ods_code", False, "Its ODS code: 3 to 6 capital letters and digits", ""),
        Column("places", False, "Places it serves, separated by semicolons; add the region in "
                                "brackets if two places share a name: Leeds (north)", "Leeds"),
    )

    def load(self) -> None:
        names = self.values("organisation_name")
        codes = {v.upper() for v in self.values("ods_code")}
        orgs = list(Organisation.objects.annotate(lname=Lower("name")).filter(
            Q(lname__in=names) | Q(ods_code__in=codes)
        ).prefetch_related("places")) if names or codes else []
        self.by_name = {lower_text(o.name): o for o in orgs}
        self.by_ods = {o.ods_code: o for o in orgs if o.ods_code}
        place_names = {lower_text(re.sub(r"\(.*\)$", "", p)) for _, row in self.rows
                       for p in row.get("places", "").split(";") if p.strip()}
        self.places_by_name: dict[str, list[Place]] = {}
        if place_names:
            for place in Place.objects.select_related("region").annotate(
                lname=Lower("name")
            ).filter(lname__in=place_names):
                self.places_by_name.setdefault(lower_text(place.name), []).append(place)
        self.kinds_help = ", ".join(Organisation.Kind.values)
        # Filled on confirm only, by the rows' apply functions, and written by flush().
        self.to_create: list[tuple[int, Organisation, list[Place]]] = []
        self.to_update: dict[tuple[str, ...], list[Organisation]] = {}
        self.to_link: list[tuple[Organisation, Place]] = []

    def resolve_places(self, outcome: RowOutcome, text: str) -> list[Place]:
        found: list[Place] = []
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            match = re.fullmatch(r"(.*?)\s*\(([^)]*)\)", part)
            name, region_text = (match.group(1), match.group(2)) if match else (part, "")
            candidates = self.places_by_name.get(lower_text(name), [])
            if region_text:
                candidates = [p for p in candidates if lower_text(region_text) in (
                    lower_text(p.region.code), lower_text(p.region.name))]
            if not candidates:
                outcome.error("places", f"No place called “{part}”")
            elif len(candidates) > 1:
                outcome.error("places", f"“{name}” is a place in more than one region; write "
                                        f"it as “{name} (region code)”")
            else:
                found.append(candidates[0])
        return found

    def plan(self, number: int, row: dict[str, str]) -> RowOutcome:
        outcome = RowOutcome(number)
        name = self.need(outcome, row, "organisation_name", "the organisation's name")
        outcome.key = name
        kind = self._kind(outcome, row)
        ods = self._ods_code(outcome, row)
        places = self.resolve_places(outcome, row.get("places", ""))
        if not name:
            return outcome
        if ods:
            outcome.key = f"{name} ({ods})"
        if self._duplicate_row(outcome, name, ods):
            return outcome
        org, matched_by_ods = self._match(outcome, name, ods)
        if outcome.errors:
            return outcome
        assert kind is not None
        if org is None:
            self._plan_new(outcome, name, kind, ods, places)
        else:
            self._plan_update(outcome, org, name, kind, ods, places, matched_by_ods=matched_by_ods)
        return outcome

    def _kind(self, outcome: RowOutcome, row: dict[str, str]) -> str | None:
        kind_text = row.get("kind", "").strip()
        kind = KIND_WORDS.get(lower_text(kind_text)) if kind_text else None
        if not kind_text:
            outcome.error("kind", f"Enter the organisation's kind: {self.kinds_help}")
        elif kind is None:
            outcome.error("kind", f"Unknown organisation kind “{kind_text}”. Use one of: "
                                  f"{self.kinds_help}")
        return kind

    def _ods_code(self, outcome: RowOutcome, row: dict[str, str]) -> str:
        """The row's ODS code, upper-cased; "" if empty or not a valid code (an error)."""
        ods = row.get("ods_code", "").strip().upper()
        if ods:
            try:
                ods_code_validator(ods)
            except ValidationError as exc:
                outcome.error("ods_code", exc.messages[0])
                return ""
        return ods

    def _duplicate_row(self, outcome: RowOutcome, name: str, ods: str) -> bool:
        """The same organisation twice in the file, by name or by ODS code."""
        keys = [(("name", lower_text(name)), "organisation_name")]
        if ods:
            keys.append((("ods", ods), "ods_code"))
        for key, column in keys:
            if key in self.seen:
                outcome.error(column, f"Duplicate of row {self.seen[key]} (same "
                                      f"{'ODS code' if key[0] == 'ods' else 'organisation name'})")
                return True
        for key, _ in keys:
            self.seen[key] = outcome.row
        return False

    def _match(self, outcome: RowOutcome, name: str,
               ods: str) -> tuple[Organisation | None, bool]:
        """The organisation on record the row is about (by ODS code, else by name), and whether
        it was found by its ODS code; a code or name that belongs to another is an error."""
        org = self.by_ods.get(ods) if ods else None
        if org is not None:
            other = (self.by_name.get(lower_text(name))
                     if lower_text(org.name) != lower_text(name) else None)
            if other is not None and other.pk != org.pk:
                outcome.error("organisation_name", f"ODS code {ods} belongs to {org.name}, but "
                                                   f"another organisation is called {name}")
            return org, True
        org = self.by_name.get(lower_text(name))
        if org is not None and ods and org.ods_code and org.ods_code != ods:
            outcome.error("ods_code", f"{org.name} already has ODS code {org.ods_code}")
        return org, False

    def _plan_new(self, outcome: RowOutcome, name: str, kind: str, ods: str,
                  places: list[Place]) -> None:
        outcome.status = NEW
        if places:
            outcome.changes.append("serves " + ", ".join(p.name for p in places))

        def create() -> None:
            new = Organisation(name=name, kind=kind, ods_code=ods)
            # The name and ODS code were checked against the file and the database in bulk;
            # the unique constraints still stand behind that, for a race (write_in_bulk()).
            new.full_clean(validate_constraints=False)
            self.to_create.append((outcome.row, new, places))
        outcome.apply = create

    def _plan_update(self, outcome: RowOutcome, org: Organisation, name: str, kind: str,
                     ods: str, places: list[Place], *, matched_by_ods: bool) -> None:
        updates: dict[str, Any] = {}
        if org.name != name and matched_by_ods:
            outcome.changes.append(f"name: {org.name} → {name}")
            updates["name"] = name
        if org.kind != kind:
            outcome.changes.append(f"kind: {org.get_kind_display()} → "
                                   f"{Organisation.Kind(kind).label}")
            updates["kind"] = kind
        if ods and org.ods_code != ods:
            outcome.changes.append(f"ODS code: {shown(org.ods_code)} → {ods}")
            updates["ods_code"] = ods
        linked = {p.pk for p in org.places.all()}
        new_places = [p for p in places if p.pk not in linked]
        if new_places:
            outcome.changes.append("now serves " + ", ".join(p.name for p in new_places))
        if not updates and not new_places:
            return
        outcome.status = UPDATED

        def update() -> None:
            for attr, value in updates.items():
                setattr(org, attr, value)
            if updates:
                org.full_clean(validate_constraints=False)
                # Grouped by the fields that change, so a row writes only its own changes.
                self.to_update.setdefault(tuple(updates), []).append(org)
            self.to_link.extend((org, place) for place in new_places)
        outcome.apply = update

    def flush(self) -> None:
        if self.to_create or self.to_update or self.to_link:
            self.write_in_bulk(self.write)

    def write(self) -> None:
        # The new organisations get their ids back from the INSERT (RETURNING), for the links.
        Organisation.objects.bulk_create([new for _, new, _ in self.to_create],
                                         batch_size=WRITE_BATCH)
        now = timezone.now()
        for fields, orgs in self.to_update.items():
            for org in orgs:
                org.updated_at = now  # bulk_update() does not apply auto_now
            Organisation.objects.bulk_update(orgs, [*fields, "updated_at"],
                                             batch_size=WRITE_BATCH)
        links = [*self.to_link,
                 *((new, place) for _, new, places in self.to_create for place in places)]
        link = Organisation.places.through
        # As places.add() does: a link someone made meanwhile is left as it is.
        link.objects.bulk_create(
            [link(organisation_id=org.pk, place_id=place.pk) for org, place in links],
            batch_size=WRITE_BATCH, ignore_conflicts=True)

    def clashing_row(self) -> int | None:
        """The first new row whose name or ODS code another writer has taken meanwhile."""
        names = {lower_text(new.name) for _, new, _ in self.to_create}
        codes = {new.ods_code for _, new, _ in self.to_create if new.ods_code}
        taken = list(Organisation.objects.annotate(lname=Lower("name")).filter(
            Q(lname__in=names) | Q(ods_code__in=codes)).order_by())
        taken_names = {lower_text(o.name) for o in taken}
        taken_codes = {o.ods_code for o in taken if o.ods_code}
        return next((number for number, new, _ in self.to_create
                     if lower_text(new.name) in taken_names or new.ods_code in taken_codes),
                    None)
