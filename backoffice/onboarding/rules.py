"""The rules of each section, checked when a page is answered and again when the draft is saved.

Each returns errors keyed by field (or by section, for ``draft_check``): plain-English messages
that say what to do. None of them writes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower

from backoffice.onboarding.members import members_check
from backoffice.onboarding.sections import (
    MAX_DAYS_ALLOCATED,
    MAX_ORGANISATIONS,
    ONBOARDING_STATUSES,
    SECTIONS,
    Errors,
    add_error,
    long_date,
    parse_day,
)
from enablers.models import Enabler
from engagements.models import Engagement, Programme
from places.models import Organisation, Place, Region, System, ods_code_validator


def place_check(answers: dict[str, Any]) -> Errors:
    """Region exists; the system (if any) is in that region; the name is new in the region."""
    errors: Errors = {}
    name = (answers.get("name") or "").strip()
    region_id = answers.get("region_id")
    system_id = answers.get("system_id")
    if not name:
        add_error(errors, "name", "Enter the name of the place")
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    if region is None:
        add_error(errors, "region", "Choose the NHS England region the place is in")
    if system_id:
        system = System.objects.filter(pk=system_id).first()
        if system is None:
            add_error(errors, "system", "Choose a system from the list, or none")
        elif region is not None and system.region_id != region.pk:
            add_error(errors, "system", f"{system.name} is in {system.region}, not {region}. "
                                   "Choose a system in the same region, or none")
    if name and region is not None:
        clash = Place.objects.filter(region=region, name__iexact=name).first()
        if clash is not None:
            add_error(errors, "name", f"{clash.name} is already a place in {region}. "
                                 "Use a different name, or change the existing place")
    return errors


@dataclass
class KnownOrganisations:
    """Organisations already in Fieldbook that new ones might clash with, by lower-case name and
    by ODS code: one query for a whole draft's new organisations."""

    by_name: dict[str, Organisation]
    by_ods: dict[str, Organisation]

    @classmethod
    def load(cls, entries: list[dict[str, Any]]) -> KnownOrganisations:
        names = {(e.get("name") or "").strip().lower() for e in entries if e.get("name")}
        codes = {(e.get("ods_code") or "").strip().upper() for e in entries if e.get("ods_code")}
        found = list(Organisation.objects.annotate(lname=Lower("name")).filter(
            Q(lname__in=names) | Q(ods_code__in=codes))) if names or codes else []
        return cls(by_name={o.name.lower(): o for o in found},
                   by_ods={o.ods_code: o for o in found if o.ods_code})


def new_organisation_check(
    entry: dict[str, Any], chosen: list[dict[str, Any]],
    known: KnownOrganisations | None = None,
) -> Errors:
    """A new organisation: a name and ODS code not already in Fieldbook or in this draft."""
    errors: Errors = {}
    name = (entry.get("name") or "").strip()
    ods = (entry.get("ods_code") or "").strip().upper()
    known = known or KnownOrganisations.load([entry])
    if not name:
        add_error(errors, "name", "Enter the organisation's name")
    if entry.get("kind") not in Organisation.Kind.values:
        add_error(errors, "kind", "Choose what kind of organisation it is")
    if ods:
        try:
            ods_code_validator(ods)
        except ValidationError as exc:
            add_error(errors, "ods_code", exc.messages[0])
    others = [e for e in chosen if e.get("key") != entry.get("key") and not e.get("id")]
    if name:
        existing = known.by_name.get(name.lower())
        if existing is not None:
            add_error(errors, "name", f"{existing.name} is already in Fieldbook. Search for it and "
                                 "add it, rather than adding it again")
        elif any((e.get("name") or "").strip().lower() == name.lower() for e in others):
            add_error(errors, "name", f"You have already added {name}")
    if ods and "ods_code" not in errors:
        existing = known.by_ods.get(ods)
        if existing is not None:
            add_error(errors, "ods_code", f"ODS code {ods} belongs to {existing.name}. "
                                     "Search for it and add it instead")
        elif any((e.get("ods_code") or "") == ods for e in others):
            add_error(errors, "ods_code",
                      f"You have already added an organisation with ODS code {ods}")
    return errors


def organisations_check(entries: list[dict[str, Any]]) -> Errors:
    """At least one organisation; those chosen still exist; new ones clash with nothing.
    Two queries, however many organisations the draft holds."""
    errors: Errors = {}
    if not entries:
        add_error(errors, "organisations", "Add at least one organisation the place involves")
        return errors
    if len(entries) > MAX_ORGANISATIONS:
        add_error(errors, "organisations", f"A place can involve up to {MAX_ORGANISATIONS} "
                                      "organisations here; add the rest later")
    existing_ids = [e["id"] for e in entries if e.get("id")]
    found = set(Organisation.objects.filter(pk__in=existing_ids).values_list("pk", flat=True)) \
        if existing_ids else set()
    if set(existing_ids) - found:
        add_error(errors, "organisations", "An organisation you chose has since been removed from "
                                      "Fieldbook. Check the list and choose again")
    new_entries = [e for e in entries if not e.get("id")]
    known = KnownOrganisations.load(new_entries)
    for entry in new_entries:
        for msgs in new_organisation_check(entry, entries, known).values():
            for msg in msgs:
                add_error(errors, "organisations", msg)
    return errors


def board_check(answers: dict[str, Any], *, today: dt.date) -> Errors:
    errors: Errors = {}
    if not (answers.get("name") or "").strip():
        add_error(errors, "name", "Enter the name of the delivery board")
    established = parse_day(answers.get("established_on"))
    if established and established > today:
        add_error(errors, "established_on", "The date the board was set up cannot be in the future")
    return errors


def engagement_check(answers: dict[str, Any], *, today: dt.date) -> Errors:
    errors: Errors = {}
    if not answers.get("programme_id") or not Programme.objects.filter(
        pk=answers["programme_id"]
    ).exists():
        add_error(errors, "programme", "Choose the programme the place joins")
    requested = parse_day(answers.get("requested_on"))
    if requested is None:
        add_error(errors, "requested_on", "Enter the date the place asked for support")
    elif requested > today:
        add_error(errors, "requested_on", "The date the place asked for support cannot be in the "
                                     "future: onboard a place once it has asked")
    status = answers.get("status")
    if status not in ONBOARDING_STATUSES:
        add_error(errors, "status", "Choose requested, diagnostic or active")
    started = parse_day(answers.get("started_on"))
    if status in (Engagement.Status.DIAGNOSTIC, Engagement.Status.ACTIVE) and started is None:
        add_error(errors, "started_on", "Enter the date support started: the engagement is "
                                   "past the request")
    if started and requested and started < requested:
        add_error(errors, "started_on", f"Support cannot start before the place asked for it "
                                   f"({long_date(requested)})")
    raw_days = answers.get("days_allocated")
    if raw_days not in (None, ""):
        try:
            days = Decimal(str(raw_days))
        except InvalidOperation:
            add_error(errors, "days_allocated",
                      "Enter the days allocated as a number, like 5 or 7.5")
        else:
            if days < 0 or days > MAX_DAYS_ALLOCATED:
                add_error(errors, "days_allocated", "Enter between 0 and 999 days")
    return errors


def enablers_check(answers: dict[str, Any]) -> Errors:
    errors: Errors = {}
    lead_id = answers.get("lead_id")
    supporting = list(answers.get("supporting_ids") or [])
    ids = {i for i in [lead_id, *supporting] if i}
    # Invited enablers (not signed in yet) can be assigned; deactivated ones cannot.
    active = set(Enabler.objects.filter(pk__in=ids, is_active=True)
                 .values_list("pk", flat=True)) if ids else set()
    if lead_id and lead_id not in active:
        add_error(errors, "lead", "Choose a lead enabler from the list: that enabler is no longer "
                             "available")
    if set(supporting) - active:
        add_error(errors, "supporting", "Choose supporting enablers from the list")
    if lead_id and lead_id in supporting:
        add_error(errors, "supporting", "The lead enabler cannot also be a supporting enabler")
    return errors


def draft_check(payload: dict[str, Any], *, today: dt.date) -> Errors:
    """Every section's rules at once, keyed by section, for the review page and the save."""
    errors: Errors = {}
    done = set(payload.get("done") or [])
    for name, title in SECTIONS:
        if name not in done:
            add_error(errors, name, f"Answer the questions about: {title.lower()}")
    checks: list[tuple[str, Errors]] = [
        ("place", place_check(payload.get("place") or {})),
        ("organisations", organisations_check(payload.get("organisations") or [])),
        ("board", board_check(payload.get("board") or {}, today=today)),
        ("members", members_check(
            payload.get("members") or [],
            {e["key"] for e in payload.get("organisations") or []},
        )),
        ("engagement", engagement_check(payload.get("engagement") or {}, today=today)),
        ("enablers", enablers_check(payload.get("enablers") or {})),
    ]
    for section, section_errors in checks:
        if section not in done:
            continue  # one "answer the questions" message is enough
        for msgs in section_errors.values():
            for msg in msgs:
                add_error(errors, section, msg)
    return errors
