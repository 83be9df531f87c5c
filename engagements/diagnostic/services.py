"""The diagnostic: its participants, and the record the place owns.

Participants are added to (and removed from) a diagnostic session by an enabler of its
engagement. The record is drafted (optionally: the place may write it from nothing) and edited
by the engagement's enablers while it is not agreed, a compare-and-set on ``version``; it is
then sent through a respondent link to a current member of the place's delivery board, who
writes or changes it, agrees it, and chooses whether the programme's central team may read it.
An agreed record is the place's word: enablers do not edit it, but may send it again so the
place can revise it or change its choice (it stays as agreed until the place answers).

Audited as ``engagements.diagnostic.participant_added`` / ``.participant_removed`` /
``.drafted`` / ``.edited`` / ``.sent`` / ``.agreed`` (plus the link's own
``engagements.respondent.*``). Audit rows carry no participant's or contact's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engagements.diagnostic.models import DiagnosticParticipant, DiagnosticRecord
from engagements.models import Engagement, Session
from engagements.outcomes.services import anonymity_errors, confirmer_role, contacts_for
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError, StaleEditError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Errors = dict[str | None, list[str]]
PURPOSE = RespondentLink.Purpose.AGREE_DIAGNOSTIC
TEXT_LIMIT = 4000
NAME_LIMIT = 200
S = DiagnosticRecord.Status


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# -- participants ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ParticipantData:
    full_name: str
    role: str
    role_title: str
    organisation: str


@transaction.atomic
def participant_add(*, actor: User, session: Session, data: ParticipantData
                    ) -> DiagnosticParticipant:
    """Record someone who took part in a diagnostic session (an enabler of its engagement:
    the view's access helper checks). Audited with the role and organisation, not the name."""
    if session.kind != Session.Kind.DIAGNOSTIC or session.deleted_at is not None:
        raise DomainError("Participants are recorded for a diagnostic session only.")
    values = {"full_name": data.full_name.strip(), "role": data.role,
              "role_title": data.role_title.strip(), "organisation": data.organisation.strip()}
    errors: Errors = {}
    if not values["full_name"]:
        _add(errors, "full_name", "Enter the participant’s name")
    if values["role"] not in DiagnosticParticipant.Role.values:
        _add(errors, "role", "Choose the participant’s role in the diagnostic")
    if not values["organisation"]:
        _add(errors, "organisation", "Enter the organisation they work for")
    for field in ("full_name", "role_title", "organisation"):
        if len(values[field]) > NAME_LIMIT:
            _add(errors, field, f"Enter {NAME_LIMIT} characters or fewer")
    if errors:
        raise DomainError(field_errors=errors)
    participant = DiagnosticParticipant.objects.create(session=session, **values)
    audit_record(actor=actor, action="engagements.diagnostic.participant_added",
                 obj=participant, changes={"session": session.pk, "role": values["role"],
                                           "organisation": values["organisation"]})
    return participant


@transaction.atomic
def participant_remove(*, actor: User, participant: DiagnosticParticipant) -> None:
    changes = {"session": participant.session_id, "role": participant.role,
               "organisation": participant.organisation}
    audit_record(actor=actor, action="engagements.diagnostic.participant_removed",
                 obj=participant, changes=changes)
    participant.delete()


# -- the record -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordData:
    journey_stage: int | None
    strengths: str
    development_areas: str

    def stripped(self) -> RecordData:
        return RecordData(self.journey_stage, self.strengths.strip(),
                          self.development_areas.strip())


def _record_errors(engagement: Engagement, data: RecordData, *, complete: bool) -> Errors:
    errors: Errors = {}
    if data.journey_stage is not None and data.journey_stage not in DiagnosticRecord.Stage.values:
        _add(errors, "journey_stage", "Choose a stage from the list")
    if complete:
        if data.journey_stage is None:
            _add(errors, "journey_stage",
                 "Choose where you feel the place is on its integration journey")
        if not data.strengths:
            _add(errors, "strengths", "Enter the strengths you can build on")
        if not data.development_areas:
            _add(errors, "development_areas", "Enter the areas for development")
    for field in ("strengths", "development_areas"):
        if len(getattr(data, field)) > TEXT_LIMIT:
            _add(errors, field, f"Enter {TEXT_LIMIT:,} characters or fewer")
    texts = {f: getattr(data, f) for f in ("strengths", "development_areas") if getattr(data, f)}
    if texts:
        for key, messages in anonymity_errors(engagement.place_id, texts).items():
            errors.setdefault(key, []).extend(messages)
    return errors


def _stale(record: DiagnosticRecord) -> StaleEditError[DiagnosticRecord]:
    current = DiagnosticRecord.objects.filter(pk=record.pk).first()
    if current is None:
        raise DomainError("This diagnostic record was removed since you opened it.")
    return StaleEditError(current, noun="The diagnostic record")


@transaction.atomic
def record_draft(*, actor: User, engagement: Engagement, data: RecordData) -> DiagnosticRecord:
    """A draft of the place's diagnostic record, by an enabler of the engagement. Every field
    may be empty (the place can write it from nothing). One record per engagement."""
    data = data.stripped()
    if DiagnosticRecord.objects.filter(engagement=engagement).exists():
        raise DomainError("This engagement has a diagnostic record already: change that one.")
    if errors := _record_errors(engagement, data, complete=False):
        raise DomainError(field_errors=errors)
    record = DiagnosticRecord.objects.create(
        engagement=engagement, drafted_by=actor, journey_stage=data.journey_stage,
        strengths=data.strengths, development_areas=data.development_areas)
    audit_record(actor=actor, action="engagements.diagnostic.drafted", obj=record, changes={
        "engagement": str(engagement), "journey_stage": data.journey_stage})
    return record


@transaction.atomic
def record_edit(*, actor: User, record: DiagnosticRecord, seen: int, data: RecordData
                ) -> DiagnosticRecord:
    """Change the draft if nobody changed it since ``version`` ``seen`` (else
    ``StaleEditError``). A record awaiting the place has its link revoked and is a draft again.
    An agreed record is the place's: refused."""
    data = data.stripped()
    if record.status == S.AGREED:
        raise DomainError("The place has agreed this record: it is theirs now. Send it to them "
                          "again if it needs revising.")
    if errors := _record_errors(record.engagement, data, complete=False):
        raise DomainError(field_errors=errors)
    updated = DiagnosticRecord.objects.filter(
        pk=record.pk, version=seen, status__in=[S.DRAFT, S.AWAITING]).update(
        journey_stage=data.journey_stage, strengths=data.strengths,
        development_areas=data.development_areas, status=S.DRAFT,
        version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise _stale(record)
    if record.status == S.AWAITING and (link := respondents.open_link_for(PURPOSE, record)):
        respondents.link_revoke(actor=actor, link=link, reason="the record was edited")
    saved = DiagnosticRecord.objects.select_related("engagement").get(pk=record.pk)
    audit_record(actor=actor, action="engagements.diagnostic.edited", obj=saved, changes={
        "journey_stage": data.journey_stage,
        "changed": [f for f in ("journey_stage", "strengths", "development_areas")
                    if getattr(record, f) != getattr(saved, f)]})
    return saved


@transaction.atomic
def record_send(*, actor: User, engagement: Engagement, record: DiagnosticRecord | None,
                seen: int, person_id: int | None, link_for: Callable[[str], str]
                ) -> RespondentLink:
    """Send the record to a current board member of the place with an email address, to write
    or change it and agree it (with no record yet, an empty one is made for the place to
    write). A link already open for it is revoked. A draft is then awaiting the place; an
    agreed record stays agreed (and shown as the place chose) until they answer."""
    person = contacts_for(engagement).filter(pk=person_id).first() if person_id else None
    if person is None:
        raise DomainError(field_errors={"person": [
            "Choose a current member of the place’s delivery board who has an email address"]})
    if record is None:
        record = record_draft(actor=actor, engagement=engagement, data=RecordData(None, "", ""))
        seen = record.version
    status = S.AGREED if record.status == S.AGREED else S.AWAITING
    updated = DiagnosticRecord.objects.filter(pk=record.pk, version=seen).update(
        status=status, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise _stale(record)
    link, token = respondents.link_create(actor=actor, purpose=PURPOSE, target=record,
                                          person=person)
    audit_record(actor=actor, action="engagements.diagnostic.sent", obj=record,
                 changes={"link": link.pk, "person_id": person.pk})
    respondents.link_send_after_commit(link, token, link_for)
    return link


def record_for_link(link: RespondentLink) -> DiagnosticRecord | None:
    if link.purpose != PURPOSE:
        return None
    return (DiagnosticRecord.objects.select_related("engagement__place", "engagement__programme")
            .filter(pk=link.object_id).first())


@transaction.atomic
def record_agree(*, token: str, data: RecordData, shared_with_centre: bool | None,
                 now: dt.datetime | None = None) -> DiagnosticRecord:
    """The place's answer through its link: the record as the place writes it (stage, strengths,
    areas for development, all required), agreed, and whether the centre may read it. The link
    is used in the same transaction (``respondents.link_claim``): twice is refused
    (``LinkUnusable``). Audited as ``engagements.diagnostic.agreed`` by nobody (no account),
    with the role it is credited to."""
    now = now or timezone.now()
    data = data.stripped()
    link = respondents.link_claim(token=token, purpose=PURPOSE, now=now)
    record = record_for_link(link)
    if record is None:
        raise respondents.LinkUnusable("revoked")
    errors = _record_errors(record.engagement, data, complete=True)
    if shared_with_centre is None:
        _add(errors, "shared_with_centre",
             "Choose whether the programme’s central team may read the record")
    if errors:
        raise DomainError(field_errors=errors)
    role = confirmer_role(link.person)
    DiagnosticRecord.objects.filter(pk=record.pk).update(
        status=S.AGREED, journey_stage=data.journey_stage, strengths=data.strengths,
        development_areas=data.development_areas, shared_with_centre=bool(shared_with_centre),
        agreed_at=now, agreed_by_role=role, version=F("version") + 1, updated_at=now)
    audit_record(actor=None, action="engagements.diagnostic.agreed", obj=record, changes={
        "link": link.pk, "by_role": role, "journey_stage": data.journey_stage,
        "shared_with_centre": bool(shared_with_centre)})
    return DiagnosticRecord.objects.get(pk=record.pk)
