"""Retention's writes: the back office's periods, the daily job that fills the review queue,
reviewers' decisions, two-person disposal and its job, and erasure of a person.

Nothing is destroyed except by ``disposal_run``, and that only for a disposal a second person
approved (the database refuses an approver who is the requester, and so does this module, with
an audit row). Audit rows never carry a person's name or a reviewer's free text: an erasure's
reason may name the person, so it stays on the erasure row (where the erasure scrubs it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone

from engagements.retention import policies
from engagements.retention.models import (
    DestructionEntry,
    Disposal,
    Erasure,
    RetentionPolicy,
    ReviewItem,
)
from fieldbook.audit import audit_append, audit_record
from fieldbook.errors import DomainError
from fieldbook.units import months_after
from places.models import BoardMembership, Organisation, Person

logger = logging.getLogger(__name__)
Item = ReviewItem.State
MAX_REASON = 2000
STALE = "This record changed since you opened the page. Nothing was saved: look again."
# A disposal is claimed and destroyed in chunks of this many ids per class.
CHUNK = 500


def _reason(value: str, field: str = "reason", what: str = "why") -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(field_errors={field: [f"Enter {what}"]})
    if len(value) > MAX_REASON:
        raise DomainError(field_errors={field: [f"Enter {what} in {MAX_REASON} characters "
                                                "or fewer"]})
    return value


# ---- policies ------------------------------------------------------------------------------------

@transaction.atomic
def policy_change(*, actor: User, record_class: str, period_months: int | None,
                  reason: str) -> RetentionPolicy:
    """Set ``record_class``'s period. Permanent classes have none to set. Audited with the
    period before and after."""
    rule = policies.RULES.get(record_class)
    if rule is None or rule.permanent:
        raise DomainError(field_errors={None: ["This kind of record is kept permanently: it "
                                               "has no retention period to change"]})
    if period_months is None or not 1 <= period_months <= 1200:
        raise DomainError(field_errors={"period_months": [
            "Enter a period between 1 and 1200 months"]})
    reason = _reason(reason, what="why the period is changing")
    before = policies.months_for(record_class)
    policy, created = RetentionPolicy.objects.select_for_update().get_or_create(
        record_class=record_class,
        defaults={"period_months": period_months, "reason": reason, "updated_by": actor})
    if not created:
        RetentionPolicy.objects.filter(pk=policy.pk).update(
            period_months=period_months, reason=reason, updated_by=actor,
            version=F("version") + 1, updated_at=timezone.now())
        policy.refresh_from_db()
    audit_record(actor=actor, action="retention.policy.changed", obj=policy,
                 changes={"record_class": record_class, "period_months_before": before,
                          "period_months": period_months, "reason": reason})
    return policy


# ---- the daily job ------------------------------------------------------------------------------

def review_queue_fill(*, today: dt.date | None = None) -> dict[str, int]:
    """Put every record past its period that is not in the queue yet into it, and bring back
    extended ones whose review date has come. Idempotent: a second run the same day adds
    nothing (a record with any review row, even a disposed one, is not added again; the
    partial unique index refuses a duplicate from a concurrent run). Destroys nothing.
    Returns how many were added, by class, and "reopened"."""
    today = today or timezone.localdate()
    overrides = policies.policy_overrides()
    added: dict[str, int] = {}
    for code in policies.DISPOSABLE:
        rule = policies.RULES[code]
        months = policies.months_for(code, overrides)
        assert months is not None and rule.candidates is not None
        cutoff = _months_before(today, months)
        known = set(ReviewItem.objects.filter(record_class=code)
                    .values_list("object_id", flat=True))
        batch = [ReviewItem(record_class=code, object_id=c.object_id,
                            description=c.description[:300], place_id=c.place_id,
                            due_on=c.due_on)
                 for c in rule.candidates(cutoff, months) if c.object_id not in known]
        if batch:
            with transaction.atomic():
                ReviewItem.objects.bulk_create(batch, batch_size=CHUNK, ignore_conflicts=True)
            added[code] = len(batch)
    reopened = ReviewItem.objects.filter(state=Item.EXTENDED, review_on__lte=today).update(
        state=Item.DUE, version=F("version") + 1, updated_at=timezone.now())
    if added or reopened:
        with transaction.atomic():
            audit_append(actor_id=None, action="retention.queue.filled",
                         object_type="retention.reviewitem",
                         object_repr="The retention review queue",
                         changes={**added, "reopened": reopened})
    return {**added, "reopened": reopened}


def _months_before(day: dt.date, months: int) -> dt.date:
    return months_after(day, -months)


# ---- reviewers' decisions ------------------------------------------------------------------------

def _cas(item: ReviewItem, version: int, states: tuple[str, ...], **values: object) -> None:
    """Compare-and-set: the change happens only if the item is as the reviewer saw it."""
    done = ReviewItem.objects.filter(pk=item.pk, version=version, state__in=states).update(
        version=F("version") + 1, updated_at=timezone.now(), **values)
    if not done:
        raise DomainError(STALE)
    item.refresh_from_db()


@transaction.atomic
def review_extend(*, actor: User, item: ReviewItem, version: int, review_on: dt.date | None,
                  reason: str) -> ReviewItem:
    """Keep the record until a later review, with a reason."""
    today = timezone.localdate()
    if review_on is None:
        raise DomainError(field_errors={"review_on": ["Enter the date of the next review"]})
    if review_on <= today:
        raise DomainError(field_errors={"review_on": ["Enter a date after today"]})
    if review_on > today.replace(year=today.year + 25):
        raise DomainError(field_errors={"review_on": [
            "Enter a date within 25 years (a longer hold is a legal hold)"]})
    reason = _reason(reason, what="why the record is kept longer")
    _cas(item, version, (Item.DUE,), state=Item.EXTENDED, review_on=review_on,
         decision_reason=reason, decided_by=actor)
    audit_record(actor=actor, action="retention.review.extended", obj=item,
                 changes={"review_on": review_on.isoformat()}, place_id=item.place_id)
    return item


@transaction.atomic
def review_hold(*, actor: User, item: ReviewItem, version: int, reason: str) -> ReviewItem:
    """A legal hold: the record cannot be disposed of until the hold is lifted. An item in a
    disposal awaiting approval may be held too: the disposal then leaves it out."""
    reason = _reason(reason, what="why the record is on legal hold")
    _cas(item, version, (Item.DUE, Item.EXTENDED, Item.DISPOSAL_REQUESTED), state=Item.HELD,
         decision_reason=reason, decided_by=actor, review_on=None)
    audit_record(actor=actor, action="retention.review.held", obj=item, changes={},
                 place_id=item.place_id)
    return item


@transaction.atomic
def review_hold_lift(*, actor: User, item: ReviewItem, version: int) -> ReviewItem:
    """Lift a legal hold: the record is due for review again."""
    _cas(item, version, (Item.HELD,), state=Item.DUE, decision_reason="", decided_by=actor,
         disposal=None)
    audit_record(actor=actor, action="retention.review.hold_lifted", obj=item, changes={},
                 place_id=item.place_id)
    return item


# ---- disposal -----------------------------------------------------------------------------------

def disposal_request(*, actor: User, item_ids: list[int], reason: str) -> Disposal:
    """Ask for the chosen items to be destroyed. Every item must be due for review; one on
    legal hold is refused, with an audit row, and nothing is requested."""
    reason = _reason(reason, what="why these records can be destroyed")
    ids = sorted(set(item_ids))
    if not ids:
        raise DomainError(field_errors={"items": ["Choose the records to dispose of"]})
    rows = list(ReviewItem.objects.filter(pk__in=ids).values_list("pk", "state"))
    held = [pk for pk, state in rows if state == Item.HELD]
    if held:
        with transaction.atomic():
            audit_append(actor_id=actor.pk, action="retention.disposal.refused_hold",
                         object_type="retention.reviewitem", object_repr="Review items",
                         changes={"items": held})
        raise DomainError(field_errors={"items": [
            f"{_count(len(held), 'record is', 'records are')} on legal hold and cannot be "
            "disposed of: lift the hold first, or leave them out"]})
    if len(rows) != len(ids) or any(state != Item.DUE for _, state in rows):
        raise DomainError(field_errors={"items": [
            "Some of the records chosen are no longer due for review: look again"]})
    with transaction.atomic():
        disposal = Disposal.objects.create(requested_by=actor, reason=reason)
        done = ReviewItem.objects.filter(pk__in=ids, state=Item.DUE).update(
            state=Item.DISPOSAL_REQUESTED, disposal=disposal, decided_by=actor,
            version=F("version") + 1, updated_at=timezone.now())
        if done != len(ids):
            raise DomainError(field_errors={"items": [
                "Someone else decided on some of these records a moment ago: look again"]})
        audit_record(actor=actor, action="retention.disposal.requested", obj=disposal,
                     changes=_class_counts(ids))
    return disposal


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"


def _class_counts(item_ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for code in ReviewItem.objects.filter(pk__in=item_ids).values_list("record_class",
                                                                        flat=True):
        counts[code] += 1
    return dict(counts)


def disposal_approve(*, actor: User, disposal: Disposal, version: int) -> Disposal:
    """The second person's approval; the disposal then runs as a job. The requester cannot
    approve their own request (refused, with an audit row); of two approvals at once, one
    wins and the other is told (compare-and-set on the state and version)."""
    from engagements.retention.tasks import run_disposal

    if disposal.requested_by_id == actor.pk:
        with transaction.atomic():
            audit_record(actor=actor, action="retention.disposal.approval_refused",
                         obj=disposal, changes={"why": "the requester cannot approve"})
        raise DomainError("You asked for this disposal, so you cannot approve it: another "
                          "reviewer must")
    with transaction.atomic():
        try:
            done = Disposal.objects.filter(
                pk=disposal.pk, state=Disposal.State.REQUESTED, version=version).update(
                state=Disposal.State.APPROVED, approved_by=actor, approved_at=timezone.now(),
                version=F("version") + 1, updated_at=timezone.now())
        except IntegrityError as exc:  # the database's own two-person check
            raise DomainError("You asked for this disposal, so you cannot approve it") from exc
        if not done:
            raise DomainError("This disposal was approved, withdrawn or changed by someone "
                              "else a moment ago. Nothing was done twice.")
        disposal.refresh_from_db()
        audit_record(actor=actor, action="retention.disposal.approved", obj=disposal,
                     changes={})
        pk = disposal.pk
        transaction.on_commit(lambda: run_disposal.delay(pk))
    return disposal


@transaction.atomic
def disposal_withdraw(*, actor: User, disposal: Disposal, version: int) -> Disposal:
    """Withdraw (the requester) or decline (another reviewer) a disposal not yet approved:
    its records are due for review again."""
    done = Disposal.objects.filter(pk=disposal.pk, state=Disposal.State.REQUESTED,
                                   version=version).update(
        state=Disposal.State.WITHDRAWN, version=F("version") + 1, updated_at=timezone.now())
    if not done:
        raise DomainError("This disposal was approved or changed by someone else a moment ago")
    ReviewItem.objects.filter(disposal=disposal, state=Item.DISPOSAL_REQUESTED).update(
        state=Item.DUE, disposal=None, version=F("version") + 1, updated_at=timezone.now())
    disposal.refresh_from_db()
    audit_record(actor=actor, action="retention.disposal.withdrawn", obj=disposal, changes={})
    return disposal


@dataclass
class DisposalResult:
    destroyed: dict[str, int]
    held: int


def disposal_run(*, disposal_id: int) -> DisposalResult | None:
    """Destroy an approved disposal's records, class by class, and write the destruction log.
    Claimed once (approved -> running), so a redelivered task does nothing. Items put on
    legal hold after the request are left alone. All or nothing: a failure rolls back every
    class and marks the disposal failed."""
    claimed = Disposal.objects.filter(pk=disposal_id, state=Disposal.State.APPROVED).update(
        state=Disposal.State.RUNNING, updated_at=timezone.now())
    if not claimed:
        return None
    disposal = Disposal.objects.get(pk=disposal_id)
    try:
        with transaction.atomic():
            result = _destroy(disposal)
    except Exception as exc:
        Disposal.objects.filter(pk=disposal_id).update(
            state=Disposal.State.FAILED, error=type(exc).__name__[:300],
            finished_at=timezone.now())
        with transaction.atomic():
            audit_record(actor=None, action="retention.disposal.failed", obj=disposal,
                         changes={"error": type(exc).__name__})
        logger.error("Disposal %s failed (%s)", disposal_id, type(exc).__name__)
        raise
    return result


def _destroy(disposal: Disposal) -> DisposalResult:
    now = timezone.now()
    by_class: dict[str, list[tuple[int, int]]] = defaultdict(list)
    # Locked: a legal hold placed while the job runs waits for it, then finds the record
    # disposed (and says so), rather than the job destroying a record just put on hold.
    for pk, code, object_id in ReviewItem.objects.select_for_update().filter(
            disposal=disposal, state=Item.DISPOSAL_REQUESTED).values_list(
            "pk", "record_class", "object_id"):
        by_class[code].append((pk, object_id))
    held = ReviewItem.objects.filter(disposal=disposal, state=Item.HELD).count()
    destroyed: dict[str, int] = {}
    for code, pairs in sorted(by_class.items()):
        rule = policies.RULES[code]
        assert rule.destroy is not None, f"{code} is kept permanently"
        count = 0
        for start in range(0, len(pairs), CHUNK):
            count += rule.destroy([object_id for _, object_id in pairs[start:start + CHUNK]])
        ReviewItem.objects.filter(pk__in=[pk for pk, _ in pairs]).update(
            state=Item.DISPOSED, version=F("version") + 1, updated_at=now)
        assert disposal.approved_by_id is not None
        DestructionEntry.objects.create(
            disposal=disposal, record_class=code, count=count, destroyed_at=now,
            requested_by_id=disposal.requested_by_id, approved_by_id=disposal.approved_by_id)
        destroyed[code] = count
    Disposal.objects.filter(pk=disposal.pk).update(state=Disposal.State.DONE, finished_at=now,
                                                   updated_at=now)
    audit_record(actor=None, action="retention.disposal.done", obj=disposal,
                 changes={**destroyed, "left_on_hold": held})
    return DisposalResult(destroyed=destroyed, held=held)


# ---- erasure of a person -------------------------------------------------------------------------

def placeholder_for(person: Person) -> str:
    """"A board member, acute trust": their board role and their organisation's sector, so a
    count of who was in the room stays right and no one is named."""
    role = (BoardMembership.objects.filter(person=person)
            .order_by(F("ended_on").desc(nulls_first=True), "-pk")
            .values_list("board_role", flat=True).first())
    roles = {BoardMembership.BoardRole.CHAIR: "a board chair",
             BoardMembership.BoardRole.VICE_CHAIR: "a board vice-chair"}
    who = roles.get(role, "a board member") if role else "a leader"  # type: ignore[call-overload]
    kind = Organisation.Kind(person.organisation.kind).label
    sector = kind if kind[:2].isupper() else kind[0].lower() + kind[1:]
    return f"{who[0].upper()}{who[1:]}, {sector}"


@transaction.atomic
def erasure_request(*, actor: User, person: Person, reason: str) -> Erasure:
    reason = _reason(reason, what="why this person is to be erased")
    if Erasure.objects.filter(person=person, state=Erasure.State.DONE).exists():
        raise DomainError(field_errors={None: ["This person has already been erased"]})
    try:
        with transaction.atomic():
            erasure = Erasure.objects.create(person=person, reason=reason, requested_by=actor,
                                             placeholder=placeholder_for(person))
    except IntegrityError as exc:
        raise DomainError(field_errors={None: [
            "An erasure of this person is already awaiting approval"]}) from exc
    audit_record(actor=actor, action="retention.erasure.requested", obj=erasure,
                 changes={"placeholder": erasure.placeholder})
    return erasure


@transaction.atomic
def erasure_withdraw(*, actor: User, erasure: Erasure, version: int) -> Erasure:
    done = Erasure.objects.filter(pk=erasure.pk, state=Erasure.State.REQUESTED,
                                  version=version).update(
        state=Erasure.State.WITHDRAWN, version=F("version") + 1, updated_at=timezone.now())
    if not done:
        raise DomainError("This erasure was approved or changed by someone else a moment ago")
    erasure.refresh_from_db()
    audit_record(actor=actor, action="retention.erasure.withdrawn", obj=erasure, changes={})
    return erasure


# Free-text fields the name is replaced in (model label, field). Private notes are sealed for
# their author and cannot be read here; they go by their own retention period.
TEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("engagements.Outcome", "who_changed"), ("engagements.Outcome", "what_changed"),
    ("engagements.Outcome", "why_it_matters"), ("engagements.Outcome", "description"),
    ("engagements.Outcome", "contribution"), ("engagements.Outcome", "place_comment"),
    ("engagements.Outcome", "title"),
    ("engagements.LearningItem", "text"), ("engagements.Session", "next_steps"),
    ("engagements.Erasure", "reason"),
)


def erasure_approve(*, actor: User, erasure: Erasure, version: int) -> dict[str, int]:
    """The second person's approval, and the erasure itself, in one transaction. The person's
    row stays (their attendance, memberships and confirmations still count) but says only
    ``placeholder``; their address, respondent links and name in free text go. Audited with
    counts only. Returns the counts."""
    if erasure.requested_by_id == actor.pk:
        with transaction.atomic():
            audit_record(actor=actor, action="retention.erasure.approval_refused",
                         obj=erasure, changes={"why": "the requester cannot approve"})
        raise DomainError("You asked for this erasure, so you cannot approve it: another "
                          "reviewer must")
    with transaction.atomic():
        done = Erasure.objects.filter(pk=erasure.pk, state=Erasure.State.REQUESTED,
                                      version=version).update(
            state=Erasure.State.DONE, approved_by=actor, done_at=timezone.now(),
            version=F("version") + 1, updated_at=timezone.now())
        if not done:
            raise DomainError("This erasure was approved, withdrawn or changed by someone "
                              "else a moment ago. Nothing was done twice.")
        counts = _erase(erasure)
        erasure.refresh_from_db()
        audit_record(actor=actor, action="retention.erasure.done", obj=erasure,
                     changes=counts)
    return counts


def _erase(erasure: Erasure) -> dict[str, int]:
    from django.apps import apps

    from engagements.lifecycle.models import SupportRequest
    from engagements.respondents.models import RespondentLink

    person = Person.objects.select_for_update().get(pk=erasure.person_id)
    name, email, placeholder = person.full_name.strip(), person.email, erasure.placeholder
    counts: dict[str, int] = {}
    counts["respondent_links"] = RespondentLink.objects.filter(person=person).delete()[0]
    text = 0
    if len(name) >= 3:
        for label, field in TEXT_FIELDS:
            model = apps.get_model(label)
            text += model._default_manager.filter(**{f"{field}__contains": name}).update(
                **{field: Replace(field, Value(name), Value(placeholder))})
    counts["texts"] = text
    asked = SupportRequest.objects.filter(Q(contact_name__iexact=name)
                                          & (Q(email__iexact=email) if email else Q()))
    counts["support_requests"] = asked.update(contact_name=placeholder,
                                              email="")
    # A queryset update: Person.save() would derive name keys from the placeholder, and
    # shared learning would then be checked against "a ... trust".
    Person.objects.filter(pk=person.pk).update(
        full_name=placeholder, role_title=placeholder.split(",")[0], email="", given_key="",
        family_key="", updated_at=timezone.now())
    return counts

