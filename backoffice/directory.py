"""Changing places and organisations after onboarding (Manage → Places, Manage → Organisations).

Adding a place is onboarding's job (``backoffice.onboarding``); here a place's name, region, system
and status change, its slug never does (links and bookmarks keep working). Organisations are
added and changed here, with the places they serve. Every write checks its rules first (so a
message can sit beside its field), saves with a compare-and-set on ``updated_at``
(``fieldbook.editing``) and writes one audit row naming what changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fieldbook.audit import audit_record
from fieldbook.editing import changes_between, plain, update_if_unchanged
from fieldbook.errors import DomainError
from places.models import Organisation, Place, Region, System

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Errors = dict[str | None, list[str]]


def _model_errors(instance: Place | Organisation, exclude: list[str]) -> Errors:
    """Field validators and lengths, as field errors (uniqueness is checked by the callers,
    with messages that say which record clashes)."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return {name if name != "__all__" else None: msgs
                for name, msgs in exc.message_dict.items()}
    return {}


@transaction.atomic
def place_change(
    *, actor: User, place: Place, seen: dt.datetime, name: str, region: Region,
    system: System | None, onboarding_status: str, description: str = "",
) -> Place:
    """Change a place's name, region, system, status and description, if nobody else changed it
    since ``seen``. The slug stays as it is. Audited as ``places.place.changed``."""
    name, description = name.strip(), description.strip()
    errors: Errors = {}
    if system is not None and system.region_id != region.pk:
        errors.setdefault("system", []).append(
            f"{system.name} is in {system.region}, not {region}. Choose a system in the same "
            "region, or none")
    if onboarding_status not in Place.OnboardingStatus.values:
        errors.setdefault("onboarding_status", []).append("Choose the place's onboarding status")
    if name:
        clash = Place.objects.filter(region=region, name__iexact=name).exclude(pk=place.pk).first()
        if clash is not None:
            errors.setdefault("name", []).append(
                f"{clash.name} is already a place in {region}. Use a different name")
    values = {"name": name, "region": region, "system": system,
              "onboarding_status": onboarding_status, "description": description}
    candidate = Place(pk=place.pk, slug=place.slug, **values)
    for field, msgs in _model_errors(candidate, exclude=["slug"]).items():
        errors.setdefault(field, []).extend(msgs)
    if errors:
        raise DomainError(field_errors=errors)
    before = {"name": place.name, "region": place.region, "system": place.system,
              "onboarding_status": place.onboarding_status, "description": place.description}
    saved = update_if_unchanged(
        place, seen=seen, values=values, noun=place.name,
        clash=DomainError(field_errors={"name": [
            f"{name} was added to {region} by someone else a moment ago. Use a different name"]}),
    )
    changes = changes_between(before, values)
    if changes:
        audit_record(actor=actor, action="places.place.changed", obj=saved, changes=changes)
    return saved


def _organisation_errors(
    organisation: Organisation, *, name: str, kind: str, ods_code: str,
) -> Errors:
    errors: Errors = {}
    if kind not in Organisation.Kind.values:
        errors.setdefault("kind", []).append("Choose what kind of organisation it is")
    others = Organisation.objects.exclude(pk=organisation.pk) if organisation.pk else \
        Organisation.objects.all()
    if name:
        clash = others.filter(name__iexact=name).first()
        if clash is not None:
            errors.setdefault("name", []).append(
                f"{clash.name} is already in Fieldbook. Change that organisation instead, or "
                "use a different name")
    candidate = Organisation(pk=organisation.pk, name=name, kind=kind, ods_code=ods_code)
    for field, msgs in _model_errors(candidate, exclude=[]).items():
        errors.setdefault(field, []).extend(msgs)
    if ods_code and "ods_code" not in errors:
        clash = others.filter(ods_code=ods_code).first()
        if clash is not None:
            errors.setdefault("ods_code", []).append(
                f"ODS code {ods_code} belongs to {clash.name}. Check the code, or change "
                f"{clash.name} instead")
    return errors


def _clash(name: str, ods_code: str) -> DomainError:
    return DomainError(field_errors={"name": [
        f"{name}{f' or ODS code {ods_code}' if ods_code else ''} was saved by someone else a "
        "moment ago. Search for it and change it instead"]})


@transaction.atomic
def organisation_add(
    *, actor: User, name: str, kind: str, ods_code: str = "", places: Iterable[Place] = (),
) -> Organisation:
    """A new organisation, serving ``places``. Audited as ``places.organisation.created``
    (the name onboarding uses for the organisations it adds)."""
    name, ods_code, places = name.strip(), ods_code.strip().upper(), list(places)
    organisation = Organisation(name=name, kind=kind, ods_code=ods_code)
    errors = _organisation_errors(organisation, name=name, kind=kind, ods_code=ods_code)
    if errors:
        raise DomainError(field_errors=errors)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:
        raise _clash(name, ods_code) from exc
    organisation.places.set(places)
    audit_record(actor=actor, action="places.organisation.created", obj=organisation, changes={
        "name": name, "kind": kind, "ods_code": ods_code, "places": plain(places)})
    return organisation


@transaction.atomic
def organisation_change(
    *, actor: User, organisation: Organisation, seen: dt.datetime, name: str, kind: str,
    ods_code: str = "", places: Iterable[Place] = (),
) -> Organisation:
    """Change an organisation and the places it serves, if nobody else changed it since
    ``seen``. Its people and board memberships stay as they are. Audited as
    ``places.organisation.changed``."""
    name, ods_code, places = name.strip(), ods_code.strip().upper(), list(places)
    errors = _organisation_errors(organisation, name=name, kind=kind, ods_code=ods_code)
    if errors:
        raise DomainError(field_errors=errors)
    before = {"name": organisation.name, "kind": organisation.kind,
              "ods_code": organisation.ods_code, "places": list(organisation.places.all())}
    values = {"name": name, "kind": kind, "ods_code": ods_code}
    saved = update_if_unchanged(organisation, seen=seen, values=values, noun=organisation.name,
                                clash=_clash(name, ods_code))
    saved.places.set(places)
    changes = changes_between(before, {**values, "places": places})
    if changes:
        audit_record(actor=actor, action="places.organisation.changed", obj=saved,
                     changes=changes)
    return saved
