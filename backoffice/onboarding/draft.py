"""Reading a draft (the rows its answers point at) and keeping it between pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backoffice.onboarding.sections import parse_day
from enablers.models import Enabler
from engagements.models import Programme
from places.models import OnboardingDraft, Organisation, Region, System

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class ChosenOrganisation:
    key: str
    name: str
    kind: str
    ods_code: str
    existing: Organisation | None

    @property
    def kind_label(self) -> str:
        return str(Organisation.Kind(self.kind).label) if self.kind in Organisation.Kind.values \
            else self.kind


@dataclass
class ResolvedDraft:
    """A draft's answers with the rows they point at, loaded in a fixed number of queries."""

    payload: dict[str, Any]
    region: Region | None = None
    system: System | None = None
    organisations: list[ChosenOrganisation] = field(default_factory=list)
    programme: Programme | None = None
    enablers: dict[int, Enabler] = field(default_factory=dict)

    @property
    def place(self) -> dict[str, Any]:
        return self.payload.get("place") or {}

    @property
    def board(self) -> dict[str, Any]:
        return self.payload.get("board") or {}

    @property
    def members(self) -> list[dict[str, Any]]:
        return list(self.payload.get("members") or [])

    @property
    def engagement(self) -> dict[str, Any]:
        return self.payload.get("engagement") or {}

    @property
    def enabler_answers(self) -> dict[str, Any]:
        return self.payload.get("enablers") or {}

    @property
    def requested_on(self) -> dt.date | None:
        return parse_day(self.engagement.get("requested_on"))

    @property
    def started_on(self) -> dt.date | None:
        return parse_day(self.engagement.get("started_on"))

    @property
    def board_established_on(self) -> dt.date | None:
        return parse_day(self.board.get("established_on"))

    @property
    def done(self) -> set[str]:
        return set(self.payload.get("done") or [])

    @property
    def organisations_by_key(self) -> dict[str, ChosenOrganisation]:
        return {o.key: o for o in self.organisations}

    @property
    def lead(self) -> Enabler | None:
        lead_id = self.enabler_answers.get("lead_id")
        return self.enablers.get(lead_id) if lead_id else None

    @property
    def supporting(self) -> list[Enabler]:
        ids = self.enabler_answers.get("supporting_ids") or []
        return [self.enablers[i] for i in ids if i in self.enablers]

    def members_with_organisations(self) -> list[dict[str, Any]]:
        orgs = self.organisations_by_key
        return [{**m, "organisation": orgs.get(m.get("org_key", ""))} for m in self.members]


def draft_resolve(payload: dict[str, Any]) -> ResolvedDraft:
    """Load what the answers refer to. At most five queries, whatever the draft holds."""
    resolved = ResolvedDraft(payload=payload)
    place = resolved.place
    if place.get("region_id"):
        resolved.region = Region.objects.filter(pk=place["region_id"]).first()
    if place.get("system_id"):
        resolved.system = System.objects.filter(pk=place["system_id"]).first()
    entries = payload.get("organisations") or []
    existing_ids = [e["id"] for e in entries if e.get("id")]
    existing = Organisation.objects.in_bulk(existing_ids) if existing_ids else {}
    for entry in entries:
        if entry.get("id"):
            org = existing.get(entry["id"])
            if org is None:
                continue  # removed since it was chosen: validation reports it
            resolved.organisations.append(ChosenOrganisation(
                key=entry["key"], name=org.name, kind=org.kind, ods_code=org.ods_code,
                existing=org,
            ))
        else:
            resolved.organisations.append(ChosenOrganisation(
                key=entry["key"], name=entry.get("name", ""), kind=entry.get("kind", ""),
                ods_code=entry.get("ods_code", ""), existing=None,
            ))
    engagement = resolved.engagement
    if engagement.get("programme_id"):
        resolved.programme = Programme.objects.filter(pk=engagement["programme_id"]).first()
    answers = resolved.enabler_answers
    ids = [i for i in [answers.get("lead_id"), *(answers.get("supporting_ids") or [])] if i]
    if ids:
        resolved.enablers = Enabler.objects.select_related("user").in_bulk(ids)
    return resolved


# ---- writes: the draft ------------------------------------------------------------------------


def onboarding_draft_start(*, actor: User) -> OnboardingDraft:
    return OnboardingDraft.objects.create(owner=actor, payload={"done": [], "seq": 0})


def next_key(payload: dict[str, Any], prefix: str) -> str:
    payload["seq"] = int(payload.get("seq") or 0) + 1
    return f"{prefix}-{payload['seq']}"


def onboarding_draft_save(
    *, draft: OnboardingDraft, payload: dict[str, Any], done: str | None = None
) -> OnboardingDraft:
    """Keep the answers given so far. Drafts are the admin's scratch pad: not audited."""
    if done and done not in (payload.get("done") or []):
        payload["done"] = [*(payload.get("done") or []), done]
    draft.payload = payload
    draft.place_name = ((payload.get("place") or {}).get("name") or "")[:200]
    draft.save(update_fields=["payload", "place_name", "updated_at"])
    return draft


def onboarding_draft_discard(*, draft: OnboardingDraft) -> None:
    draft.delete()
