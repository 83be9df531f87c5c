"""Outcome statements: the enabler's writes, and the place's answer.

Drafting and editing refuse, beside the field, a "who changed" that names a person Fieldbook
knows or that points at one person at the place (engagements.attribution: a post in a named
organisation, or a role fewer than two board members hold), and any statement text that names a
person Fieldbook holds. Editing is a compare-and-set on ``version``; editing an outcome that is
awaiting the place revokes its link (the contact must confirm what is now written) and makes it
a draft again. A confirmed outcome is the place's word: it is not edited.

Every step writes an audit row (``engagements.outcome.drafted``, ``.edited``, ``.sent``,
``.revoked``, ``.confirmed``, ``.corrected``, ``.declined``; the link's own are
``engagements.respondent.*``). Audit rows carry no name of the contact.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from engagements.attribution import THRESHOLD, attribute, candidates, place_facts
from engagements.models import Engagement, Outcome
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError, StaleEditError
from places import names
from places.models import Organisation, Person

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Errors = dict[str | None, list[str]]
PURPOSE = RespondentLink.Purpose.CONFIRM_OUTCOME
EDITABLE = (Outcome.Status.DRAFT, Outcome.Status.AWAITING, Outcome.Status.DECLINED,
            Outcome.Status.RECORDED)
SENDABLE = EDITABLE
# The statement's texts a contact may correct.
CORRECTABLE = ("who_changed", "what_changed", "why_it_matters", "contribution")
TEXT_LIMITS = {"title": 200, "who_changed": 200, "what_changed": 4000, "why_it_matters": 4000,
               "contribution": 4000}
# A name Fieldbook does not hold still reads as one after a title: "Dr Patel", "Mrs J. Smith".
HONORIFIC = re.compile(r"\b(dr|mr|mrs|ms|miss|mx|prof|professor|sir|dame)\.?\s+[A-Z]", re.I)
ROLE_NOT_NAME = ("Describe who changed by a role, a team, an organisation or a sector, never a "
                 "person’s name: for example “the acute trust’s discharge team”.")


@dataclass(frozen=True)
class StatementData:
    kind: str
    title: str
    who_changed: str
    what_changed: str
    changed_on: dt.date | None
    why_it_matters: str
    contribution: str

    def stripped(self) -> StatementData:
        return StatementData(
            kind=self.kind, title=self.title.strip(), who_changed=self.who_changed.strip(),
            what_changed=self.what_changed.strip(), changed_on=self.changed_on,
            why_it_matters=self.why_it_matters.strip(), contribution=self.contribution.strip())


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def anonymity_errors(place_id: int, texts: dict[str, str]) -> Errors:
    """Names and singling-out roles in a statement's texts ({field: text}), as messages by
    field. Two queries for the names (one if no text has words) and three for the place's
    facts, whatever the number of fields."""
    errors: Errors = {}
    people = names.known_people_in(list(texts.values()))
    for field, text in texts.items():
        named = [p for p in people if p.named_in(text)]
        if field == "who_changed" and (named or HONORIFIC.search(text)):
            _add(errors, field, "This looks like a person’s name. " + ROLE_NOT_NAME)
        elif named:
            _add(errors, field, f"This names {named[0].name}. Describe them by their role, "
                                "never their name.")
        elif HONORIFIC.search(text):
            _add(errors, field, "This looks like a person’s name. Describe them by their "
                                "role, never their name.")
    who = texts.get("who_changed", "")
    if who and "who_changed" not in errors:
        facts = place_facts([place_id])[place_id]
        count, _kind = candidates(who, facts)
        if count is not None and count < THRESHOLD:
            _add(errors, "who_changed",
                 f"“{who}” points at one person at {facts.place}. " + ROLE_NOT_NAME)
    return errors


def _statement_errors(data: StatementData, *, today: dt.date) -> Errors:
    errors: Errors = {}
    if data.kind not in Outcome.Kind.values:
        _add(errors, "kind", "Choose the kind of change")
    if not data.title:
        _add(errors, "title", "Enter a short title, for example “Shared discharge plan agreed”")
    if not data.who_changed:
        _add(errors, "who_changed", "Enter who changed: a role, team, organisation or sector")
    if not data.what_changed:
        _add(errors, "what_changed", "Enter what changed: what they now do differently")
    if data.changed_on is None:
        _add(errors, "changed_on", "Enter when the change was seen")
    elif data.changed_on > today:
        _add(errors, "changed_on", "The date of the change cannot be in the future")
    elif data.changed_on < dt.date(2000, 1, 1):
        _add(errors, "changed_on", "Enter a date from 2000 onwards")
    if not data.contribution:
        _add(errors, "contribution", "Enter how the support contributed to the change")
    for field, limit in TEXT_LIMITS.items():
        if len(getattr(data, field)) > limit:
            _add(errors, field, f"Enter {limit:,} characters or fewer")
    return errors


def _check(engagement: Engagement, data: StatementData, today: dt.date) -> None:
    errors = _statement_errors(data, today=today)
    texts = {f: getattr(data, f) for f in ("title", *CORRECTABLE) if getattr(data, f)}
    for field, messages in anonymity_errors(engagement.place_id, texts).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise DomainError(field_errors=errors)


def _audit_values(data: StatementData) -> dict[str, object]:
    values = asdict(data)
    values["changed_on"] = data.changed_on.isoformat() if data.changed_on else None
    return values


@transaction.atomic
def outcome_draft(*, actor: User, engagement: Engagement, data: StatementData,
                  today: dt.date | None = None) -> Outcome:
    """A new draft outcome for the engagement, by ``actor`` (an enabler of it: the view's access
    helper checks). Audited as ``engagements.outcome.drafted``."""
    today = today or timezone.localdate()
    data = data.stripped()
    _check(engagement, data, today)
    assert data.changed_on is not None  # one of the errors otherwise
    outcome = Outcome.objects.create(
        engagement=engagement, status=Outcome.Status.DRAFT, recorded_on=today,
        recorded_by=actor, **asdict(data))
    audit_record(actor=actor, action="engagements.outcome.drafted", obj=outcome,
                 changes={"engagement": str(engagement), **_audit_values(data)})
    return outcome


def _stale(outcome: Outcome) -> StaleEditError[Outcome]:
    current = Outcome.objects.filter(pk=outcome.pk).first()
    if current is None:
        raise DomainError("This outcome was removed since you opened it.")
    return StaleEditError(current, noun=f"The outcome “{outcome.title}”")


@transaction.atomic
def outcome_edit(*, actor: User, outcome: Outcome, seen: int, data: StatementData,
                 today: dt.date | None = None) -> Outcome:
    """Change the statement if nobody changed it since ``version`` ``seen`` (else
    ``StaleEditError``, nothing saved). An outcome awaiting the place has its link revoked and
    becomes a draft again. Audited as ``engagements.outcome.edited`` with what changed."""
    today = today or timezone.localdate()
    data = data.stripped()
    if outcome.status not in EDITABLE:
        raise DomainError("The place has confirmed this outcome: it is their word now, and is "
                          "not changed.")
    _check(outcome.engagement, data, today)
    before = {f: getattr(outcome, f) for f in asdict(data)}
    status = Outcome.Status.DRAFT if outcome.status == Outcome.Status.AWAITING else outcome.status
    updated = Outcome.objects.filter(pk=outcome.pk, version=seen, status__in=EDITABLE).update(
        **asdict(data), status=status, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise _stale(outcome)
    if outcome.status == Outcome.Status.AWAITING:
        link = respondents.open_link_for(PURPOSE, outcome)
        if link is not None:
            respondents.link_revoke(actor=actor, link=link, reason="the outcome was edited")
    changes = {f: v for f, v in _audit_values(data).items()
               if _audit_values(StatementData(**before))[f] != v}
    if status != outcome.status:
        changes["status"] = status
    saved = Outcome.objects.select_related("engagement").get(pk=outcome.pk)
    audit_record(actor=actor, action="engagements.outcome.edited", obj=saved, changes=changes)
    return saved


def contacts_for(engagement: Engagement) -> QuerySet[Person]:
    """Who may confirm the engagement's outcomes: current members of the place's delivery board
    with an email address. One query."""
    return (Person.objects.filter(memberships__board__place_id=engagement.place_id,
                                  memberships__ended_on__isnull=True)
            .exclude(email="").select_related("organisation").order_by("full_name").distinct())


@transaction.atomic
def outcome_send(*, actor: User, outcome: Outcome, seen: int, person_id: int | None,
                 link_for: Callable[[str], str]) -> RespondentLink:
    """Send the outcome to a board member of the place to confirm. A link already open for it is
    revoked (one open link per outcome). The outcome is then awaiting the place. Audited as
    ``engagements.outcome.sent`` (and the link's ``engagements.respondent.created``)."""
    if outcome.status not in SENDABLE:
        raise DomainError("The place has confirmed this outcome already.")
    person = contacts_for(outcome.engagement).filter(pk=person_id).first() if person_id else None
    if person is None:
        raise DomainError(field_errors={"person": [
            "Choose a current member of the place’s delivery board who has an email address"]})
    updated = Outcome.objects.filter(pk=outcome.pk, version=seen, status__in=SENDABLE).update(
        status=Outcome.Status.AWAITING, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise _stale(outcome)
    link, token = respondents.link_create(actor=actor, purpose=PURPOSE, target=outcome,
                                          person=person)
    audit_record(actor=actor, action="engagements.outcome.sent", obj=outcome,
                 changes={"link": link.pk, "person_id": person.pk})
    respondents.link_send_after_commit(link, token, link_for)
    return link


@transaction.atomic
def outcome_revoke(*, actor: User, outcome: Outcome, seen: int) -> Outcome:
    """Take the outcome back from the place: its link stops working, and it is a draft again.
    Audited as ``engagements.outcome.revoked``."""
    updated = Outcome.objects.filter(pk=outcome.pk, version=seen,
                                     status=Outcome.Status.AWAITING).update(
        status=Outcome.Status.DRAFT, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise _stale(outcome)
    link = respondents.open_link_for(PURPOSE, outcome)
    if link is not None:
        respondents.link_revoke(actor=actor, link=link, reason="taken back by the enabler")
    audit_record(actor=actor, action="engagements.outcome.revoked", obj=outcome,
                 changes={"status": Outcome.Status.DRAFT})
    return Outcome.objects.get(pk=outcome.pk)


# -- the place's answer --------------------------------------------------------------------

class Decision:
    CONFIRM = "confirm"
    CORRECT = "correct"
    DECLINE = "decline"
    CHOICES = [(CONFIRM, "Yes, this is right"),
               (CORRECT, "Mostly: I have corrected it below"),
               (DECLINE, "No, this did not happen as described")]


def confirmer_role(person: Person) -> str:
    """How a confirmation is credited: the person's role and kind of organisation, never their
    name; generalised as published attributions are (engagements.attribution) when that role
    would single them out at the place. Three queries."""
    kind = Organisation.Kind.in_words(person.organisation.kind)
    role_text = f"{person.role_title}, {kind}"
    place_ids = list(Person.objects.filter(pk=person.pk).values_list(
        "memberships__board__place_id", flat=True))
    place_id = next((p for p in place_ids if p), None)
    if place_id is None:
        return role_text
    shown = attribute(role_text, place_facts([place_id])[place_id])
    return shown.role


def outcome_for_link(link: RespondentLink) -> Outcome | None:
    if link.purpose != PURPOSE:
        return None
    return (Outcome.objects.select_related("engagement__place", "engagement__programme")
            .filter(pk=link.object_id).first())


@transaction.atomic
def outcome_respond(*, token: str, decision: str, corrections: dict[str, str], comment: str,
                    now: dt.datetime | None = None) -> Outcome:
    """The contact's answer through their link: confirm, correct (their text is kept beside the
    enabler's, and the outcome counts as confirmed), or decline; with an optional comment. The
    link is used in the same transaction (``respondents.link_claim``): twice is refused
    (``LinkUnusable``). A correction is checked for names like a draft. Audited as
    ``engagements.outcome.confirmed`` / ``.corrected`` / ``.declined``, by nobody (no account),
    with the role it is credited to."""
    now = now or timezone.now()
    comment = comment.strip()
    if decision not in (Decision.CONFIRM, Decision.CORRECT, Decision.DECLINE):
        raise DomainError(field_errors={"decision": ["Choose whether the outcome is right"]})
    if len(comment) > 2000:
        raise DomainError(field_errors={"comment": ["Enter 2,000 characters or fewer"]})
    link = respondents.link_claim(token=token, purpose=PURPOSE, now=now)
    outcome = outcome_for_link(link)
    if outcome is None or outcome.status != Outcome.Status.AWAITING:
        raise respondents.LinkUnusable("revoked")
    correction: dict[str, str] = {}
    if decision == Decision.CORRECT:
        for field in CORRECTABLE:
            text = (corrections.get(field) or "").strip()
            if len(text) > TEXT_LIMITS[field]:
                raise DomainError(field_errors={
                    field: [f"Enter {TEXT_LIMITS[field]:,} characters or fewer"]})
            if text and text != getattr(outcome, field):
                correction[field] = text
        if not correction:
            raise DomainError(field_errors={None: [
                "You chose to correct the outcome but changed nothing. Change the text, or "
                "choose “Yes, this is right”."]})
        errors = anonymity_errors(outcome.engagement.place_id, correction)
        if errors:
            raise DomainError(field_errors=errors)
    if comment and (errors := anonymity_errors(outcome.engagement.place_id,
                                                {"comment": comment})):
        raise DomainError(field_errors=errors)
    role = confirmer_role(link.person)
    values: dict[str, object]
    if decision == Decision.DECLINE:
        values = {"status": Outcome.Status.DECLINED}
        action = "engagements.outcome.declined"
    else:
        values = {"status": Outcome.Status.CONFIRMED, "confirmed_at": now,
                  "confirmed_by_role": role, "correction": correction}
        action = ("engagements.outcome.corrected" if correction
                  else "engagements.outcome.confirmed")
    Outcome.objects.filter(pk=outcome.pk).update(
        **values, place_comment=comment, version=F("version") + 1, updated_at=now)
    audit_record(actor=None, action=action, obj=outcome, changes={
        "link": link.pk, "by_role": role, "corrected": sorted(correction),
        "comment": bool(comment)})
    return Outcome.objects.get(pk=outcome.pk)


# -- the place writes its own outcome --------------------------------------------------------
# Outcome Harvesting counts an outcome once it is substantiated by someone independent of the
# enabler (the programme's change agent) who knows about the change. A current member of the
# place's delivery board who writes the statement themselves is that person: it is the place's
# word from the start, so it counts as confirmed by them, credited to their role, dated when
# they sent it. It is not a draft for the enabler to approve (that would put the enabler's
# judgement between the place and the centre again), and the enabler cannot edit it, as with
# any confirmed outcome. The enablers see it in their list, marked as written by the place.

WRITE_PURPOSE = RespondentLink.Purpose.WRITE_OUTCOME


@transaction.atomic
def outcome_invite(*, actor: User, engagement: Engagement, person_id: int | None,
                   link_for: Callable[[str], str]) -> RespondentLink:
    """Ask a current member of the place's delivery board (with an email address) to write an
    outcome of the engagement in their own words: a respondent link (14 days, once). An open
    invitation for the engagement is revoked first (one at a time). Audited as
    ``engagements.outcome.invited`` (and the link's own rows)."""
    person = contacts_for(engagement).filter(pk=person_id).first() if person_id else None
    if person is None:
        raise DomainError(field_errors={"person": [
            "Choose a current member of the place’s delivery board who has an email address"]})
    link, token = respondents.link_create(actor=actor, purpose=WRITE_PURPOSE,
                                          target=engagement, person=person)
    audit_record(actor=actor, action="engagements.outcome.invited", obj=engagement,
                 changes={"link": link.pk, "person_id": person.pk})
    respondents.link_send_after_commit(link, token, link_for)
    return link


def engagement_for_link(link: RespondentLink) -> Engagement | None:
    if link.purpose != WRITE_PURPOSE:
        return None
    return (Engagement.objects.select_related("place", "programme")
            .filter(pk=link.object_id).first())


@transaction.atomic
def outcome_write_by_place(*, token: str, data: StatementData,
                           now: dt.datetime | None = None) -> Outcome:
    """The place's contact writes an outcome through their link. Checked as an enabler's draft
    is (names, roles that single someone out, dates): ``DomainError`` beside the field, nothing
    saved, and the link still works. Saved as confirmed by the writer's role (see above), and
    the link used in the same transaction: twice is refused (``LinkUnusable``). Audited as
    ``engagements.outcome.written_by_place``, by nobody (no account), with the role."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    data = data.stripped()
    link = respondents.link_claim(token=token, purpose=WRITE_PURPOSE, now=now)
    engagement = engagement_for_link(link)
    if engagement is None:
        raise respondents.LinkUnusable("revoked")
    _check(engagement, data, today)
    role = confirmer_role(link.person)
    outcome = Outcome.objects.create(
        engagement=engagement, status=Outcome.Status.CONFIRMED, recorded_on=today,
        recorded_by=None, written_by_place=True, confirmed_at=now, confirmed_by_role=role,
        **asdict(data))
    audit_record(actor=None, action="engagements.outcome.written_by_place", obj=outcome,
                 changes={"link": link.pk, "by_role": role, "engagement": engagement.pk,
                          **_audit_values(data)})
    return outcome
