"""An engagement's lifecycle, as services (issue 17, point 1): request, start the diagnostic,
activate, pause, postpone, resume, close, and change the days allocated.

Each step is allowed only from the statuses in ``STEPS`` (the one table of allowed
transitions). The write is a compare-and-set on the engagement's ``version``: one ``UPDATE …
WHERE pk = %s AND version = seen AND status IN (…)`` that also moves ``version`` on, so of two
leads pausing and closing the same engagement at once one wins and the other is told what
changed (``LifecycleStaleError``), never silently overwritten. Each step writes a
``StatusChange`` row (the history, and a line on the place page's timeline) and an audit row
``engagements.engagement.<step>``. Nothing else changes an engagement's status: the Django
admin shows it read-only, and Manage's edit form checks the same table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engagements.lifecycle.models import Proposal, StatusChange
from engagements.models import Engagement
from fieldbook.audit import audit_record
from fieldbook.editing import plain
from fieldbook.errors import DomainError, StaleEditError
from fieldbook.units import latest_date

if TYPE_CHECKING:
    from django.contrib.auth.models import User

S = Engagement.Status
Step = StatusChange.Step
MAX_DAYS = Decimal("9999.9")
MAX_TEXT = 4000


@dataclass(frozen=True)
class Transition:
    froms: tuple[str, ...]
    to: str | None  # None: the status the engagement had before its pause (resume), or its own


# The allowed transitions. "Postpone" puts off support not yet running (requested or in the
# diagnostic), or moves a pause's expected resume date later; "resume" returns a paused
# engagement to the status it had before the pause.
STEPS: dict[str, Transition] = {
    Step.DIAGNOSTIC: Transition((S.REQUESTED,), S.DIAGNOSTIC),
    Step.ACTIVATED: Transition((S.REQUESTED, S.DIAGNOSTIC), S.ACTIVE),
    Step.PAUSED: Transition((S.DIAGNOSTIC, S.ACTIVE), S.PAUSED),
    Step.POSTPONED: Transition((S.REQUESTED, S.DIAGNOSTIC, S.PAUSED), S.PAUSED),
    Step.RESUMED: Transition((S.PAUSED,), None),
    Step.CLOSED: Transition((S.REQUESTED, S.DIAGNOSTIC, S.ACTIVE, S.PAUSED), S.CLOSED),
    Step.DAYS: Transition((S.REQUESTED, S.DIAGNOSTIC, S.ACTIVE, S.PAUSED), None),
}
# What the place page offers for each status, in order (the confirm pages are these steps).
VERBS: dict[str, str] = {Step.DIAGNOSTIC: "Start the diagnostic", Step.ACTIVATED: "Start support",
         Step.PAUSED: "Pause", Step.POSTPONED: "Postpone", Step.RESUMED: "Resume",
         Step.CLOSED: "Close", Step.DAYS: "Change days allocated"}


def steps_from(status: str) -> list[str]:
    return [step for step, t in STEPS.items() if status in t.froms]


class LifecycleStaleError(StaleEditError[Engagement]):
    """Someone changed the engagement since the page was opened: says what they changed."""

    def __init__(self, current: Engagement, last: StatusChange | None) -> None:
        super().__init__(current, noun="This engagement")
        said = f"It is now {current.get_status_display().lower()}"
        if last is not None:
            who = (last.actor.get_full_name() or last.actor.username) if last.actor else "someone"
            said += f": {last.get_step_display().lower()} by {who} on {last.on:%-d %B %Y}"
            if last.reason:
                said += f" ({last.reason[:200]})"
        self.field_errors = {None: [
            f"This engagement was changed since you opened the page. {said}. Nothing has "
            "been changed by you: check the engagement as it is now, then try again."]}
        self.args = (self.field_errors[None][0],)


def _text(errors: dict[str | None, list[str]], name: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(name, []).append(message)
    elif len(value) > MAX_TEXT:
        errors.setdefault(name, []).append(f"Write {MAX_TEXT:,} characters or fewer")
    return value


def _resume_date(errors: dict[str | None, list[str]], value: dt.date | None,
                 today: dt.date) -> None:
    if value is None:
        errors.setdefault("expected_resume_on", []).append(
            "Enter the date support is expected to resume")
    elif value <= today:
        errors.setdefault("expected_resume_on", []).append(
            "The expected resume date must be after today")
    elif value > latest_date(today):
        errors.setdefault("expected_resume_on", []).append(
            f"Enter a date before {latest_date(today):%-d %B %Y}")


def _before_pause(engagement: Engagement) -> str:
    """The status a paused engagement had before its pause (a postponed pause keeps it)."""
    row = (StatusChange.objects.filter(engagement=engagement,
                                       step__in=[Step.PAUSED, Step.POSTPONED])
           .exclude(from_status=S.PAUSED).order_by("-on", "-pk").values("from_status").first())
    return row["from_status"] if row and row["from_status"] else S.ACTIVE


def last_change(engagement: Engagement) -> StatusChange | None:
    return (StatusChange.objects.filter(engagement=engagement).select_related("actor")
            .order_by("-pk").first())


def _apply(*, actor: User | None, engagement: Engagement, seen: int, step: str,
           values: dict[str, Any], record: dict[str, Any], on: dt.date) -> Engagement:
    """The compare-and-set, the history row and the audit row of one step."""
    transition = STEPS[step]
    if engagement.version != seen:
        # The caller's copy is not the version the page showed: decide on the saved row.
        fresh = Engagement.objects.filter(pk=engagement.pk).select_related(
            "programme", "place").first()
        if fresh is None:
            raise DomainError("This engagement was removed since you opened the page.")
        if fresh.version != seen:
            raise LifecycleStaleError(fresh, last_change(fresh))
        engagement = fresh
    if engagement.status not in transition.froms:
        raise DomainError(
            f"{VERBS[step]} is not possible for an engagement that is "
            f"{engagement.get_status_display().lower()}.")
    from_status = engagement.status
    to_status = values.get("status", from_status)
    updated = Engagement.objects.filter(
        pk=engagement.pk, version=seen, status__in=transition.froms,
    ).update(**values, version=F("version") + 1, updated_at=timezone.now())
    if not updated:  # someone else's step landed between our read and our write
        raise LifecycleStaleError(_reload(engagement), last_change(engagement))
    StatusChange.objects.create(engagement=engagement, step=step, from_status=from_status,
                                to_status=to_status, on=on, actor=actor, **record)
    saved = _reload(engagement)
    audit_record(actor=actor, action=f"engagements.engagement.{step}", obj=saved, changes={
        "from": from_status, "status": to_status, "on": on.isoformat(),
        **{k: plain(v) for k, v in {**values, **record}.items() if k != "status"},
    })
    return saved


def _reload(engagement: Engagement) -> Engagement:
    return Engagement.objects.select_related("programme", "place").get(pk=engagement.pk)


def engagement_request(*, actor: User | None, engagement: Engagement,
                       requested_on: dt.date) -> StatusChange:
    """The first line of an engagement's history: the place asked for support, on the date
    it gave. (The engagement is created in "requested" by whoever creates it.)"""
    change = StatusChange.objects.create(
        engagement=engagement, step=Step.REQUESTED, from_status="", to_status=S.REQUESTED,
        on=requested_on, actor=actor)
    audit_record(actor=actor, action="engagements.engagement.requested", obj=engagement,
                 changes={"status": S.REQUESTED, "requested_on": requested_on.isoformat()})
    return change


@transaction.atomic
def engagement_start_diagnostic(*, actor: User, engagement: Engagement, seen: int,
                                today: dt.date | None = None) -> Engagement:
    today = today or timezone.localdate()
    return _apply(actor=actor, engagement=engagement, seen=seen, step=Step.DIAGNOSTIC,
                  values={"status": S.DIAGNOSTIC}, record={}, on=today)


@transaction.atomic
def engagement_activate(*, actor: User, engagement: Engagement, seen: int,
                        today: dt.date | None = None) -> Engagement:
    """Support starts; the start date is today if it had none."""
    today = today or timezone.localdate()
    values: dict[str, Any] = {"status": S.ACTIVE}
    if engagement.started_on is None:
        values["started_on"] = max(today, engagement.requested_on)
    return _apply(actor=actor, engagement=engagement, seen=seen, step=Step.ACTIVATED,
                  values=values, record={}, on=today)


@transaction.atomic
def engagement_pause(*, actor: User, engagement: Engagement, seen: int, reason: str,
                     expected_resume_on: dt.date | None, today: dt.date | None = None,
                     step: str = Step.PAUSED) -> Engagement:
    """Pause (or postpone, ``step``) with a reason and an expected resume date. A paused
    engagement gets no reminders, no gap warnings and is never listed as "no contact"."""
    today = today or timezone.localdate()
    errors: dict[str | None, list[str]] = {}
    reason = _text(errors, "reason", reason, "Enter why support is paused, for example "
                                             "winter pressures")
    _resume_date(errors, expected_resume_on, today)
    if errors:
        raise DomainError(field_errors=errors)
    return _apply(actor=actor, engagement=engagement, seen=seen, step=step,
                  values={"status": S.PAUSED},
                  record={"reason": reason, "expected_resume_on": expected_resume_on},
                  on=today)


def engagement_postpone(*, actor: User, engagement: Engagement, seen: int, reason: str,
                        expected_resume_on: dt.date | None,
                        today: dt.date | None = None) -> Engagement:
    return engagement_pause(actor=actor, engagement=engagement, seen=seen, reason=reason,
                            expected_resume_on=expected_resume_on, today=today,
                            step=Step.POSTPONED)


@transaction.atomic
def engagement_resume(*, actor: User, engagement: Engagement, seen: int, reason: str = "",
                      today: dt.date | None = None) -> Engagement:
    """Back to the status it had before the pause (active, or the diagnostic, or requested)."""
    today = today or timezone.localdate()
    back_to = _before_pause(engagement) if engagement.status == S.PAUSED else S.ACTIVE
    values: dict[str, Any] = {"status": back_to}
    if back_to == S.ACTIVE and engagement.started_on is None:
        values["started_on"] = max(today, engagement.requested_on)
    return _apply(actor=actor, engagement=engagement, seen=seen, step=Step.RESUMED,
                  values=values, record={"reason": (reason or "").strip()[:MAX_TEXT]},
                  on=today)


@transaction.atomic
def engagement_close(*, actor: User, engagement: Engagement, seen: int, reflection: str,
                     today: dt.date | None = None) -> Engagement:
    """Close with a closing reflection; the end date is today (or the start, if later)."""
    today = today or timezone.localdate()
    errors: dict[str | None, list[str]] = {}
    reflection = _text(errors, "reflection", reflection,
                       "Enter a closing reflection: what the support achieved, what was "
                       "learned")
    if errors:
        raise DomainError(field_errors=errors)
    ended = max(today, engagement.started_on or engagement.requested_on)
    return _apply(actor=actor, engagement=engagement, seen=seen, step=Step.CLOSED,
                  values={"status": S.CLOSED, "ended_on": ended},
                  record={"reflection": reflection}, on=today)


@transaction.atomic
def engagement_days_change(*, actor: User, engagement: Engagement, seen: int,
                           days_allocated: Decimal | None, reason: str = "",
                           today: dt.date | None = None) -> Engagement:
    """Change the days of enabler time agreed ("up to five days on site")."""
    today = today or timezone.localdate()
    errors: dict[str | None, list[str]] = {}
    if days_allocated is None:
        errors["days_allocated"] = ["Enter the days allocated, for example 5"]
    elif days_allocated < 0:
        errors["days_allocated"] = ["Days allocated cannot be negative"]
    elif days_allocated > MAX_DAYS:
        errors["days_allocated"] = ["Enter days allocated of 9999.9 or fewer"]
    elif days_allocated == engagement.days_allocated:
        errors["days_allocated"] = ["That is the allocation already agreed"]
    if errors:
        raise DomainError(field_errors=errors)
    return _apply(actor=actor, engagement=engagement, seen=seen, step=Step.DAYS,
                  values={"days_allocated": days_allocated},
                  record={"days_before": engagement.days_allocated,
                          "days_after": days_allocated,
                          "reason": (reason or "").strip()[:MAX_TEXT]}, on=today)


# -- an enabler's proposals ----------------------------------------------------------------

@transaction.atomic
def proposal_create(*, actor: User, engagement: Engagement, kind: str, reason: str,
                    expected_resume_on: dt.date | None,
                    today: dt.date | None = None) -> Proposal:
    """An enabler proposes to pause or postpone their engagement; a lead decides."""
    today = today or timezone.localdate()
    errors: dict[str | None, list[str]] = {}
    if kind not in Proposal.Kind.values:
        errors["kind"] = ["Choose whether to propose a pause or a postponement"]
    reason = _text(errors, "reason", reason, "Enter why you are proposing it")
    _resume_date(errors, expected_resume_on, today)
    if errors:
        raise DomainError(field_errors=errors)
    step = Step.PAUSED if kind == Proposal.Kind.PAUSE else Step.POSTPONED
    if engagement.status not in STEPS[step].froms:
        raise DomainError(field_errors={"kind": [
            f"An engagement that is {engagement.get_status_display().lower()} cannot be "
            f"{'paused' if kind == Proposal.Kind.PAUSE else 'postponed'}"]})
    if Proposal.objects.filter(engagement=engagement, state=Proposal.State.PENDING).exists():
        raise DomainError("A proposal for this engagement is already awaiting a decision.")
    assert expected_resume_on is not None  # checked above
    proposal = Proposal.objects.create(engagement=engagement, kind=kind, reason=reason,
                                       expected_resume_on=expected_resume_on,
                                       proposed_by=actor)
    audit_record(actor=actor, action="engagements.proposal.created", obj=proposal, changes={
        "kind": kind, "reason": reason, "expected_resume_on": plain(expected_resume_on)})
    return proposal


def _claim(proposal: Proposal, actor: User, state: str, decline_reason: str = "") -> None:
    claimed = Proposal.objects.filter(pk=proposal.pk, state=Proposal.State.PENDING).update(
        state=state, decided_by=actor, decided_at=timezone.now(),
        decline_reason=decline_reason, updated_at=timezone.now())
    if not claimed:
        raise DomainError("This proposal was decided since you opened the page.")


@transaction.atomic
def proposal_accept(*, actor: User, proposal: Proposal, seen: int,
                    today: dt.date | None = None) -> Engagement:
    """Accept: the engagement is paused (or postponed) with the enabler's reason and date."""
    _claim(proposal, actor, Proposal.State.ACCEPTED)
    engagement = _reload(proposal.engagement)
    step = Step.PAUSED if proposal.kind == Proposal.Kind.PAUSE else Step.POSTPONED
    saved = engagement_pause(actor=actor, engagement=engagement, seen=seen,
                             reason=proposal.reason, today=today, step=step,
                             expected_resume_on=proposal.expected_resume_on)
    audit_record(actor=actor, action="engagements.proposal.accepted", obj=proposal,
                 changes={"state": Proposal.State.ACCEPTED})
    return saved


@transaction.atomic
def proposal_decline(*, actor: User, proposal: Proposal, reason: str) -> Proposal:
    errors: dict[str | None, list[str]] = {}
    reason = _text(errors, "decline_reason", reason,
                   "Enter why you are declining it: the enabler sees the reason")
    if errors:
        raise DomainError(field_errors=errors)
    _claim(proposal, actor, Proposal.State.DECLINED, reason)
    audit_record(actor=actor, action="engagements.proposal.declined", obj=proposal,
                 changes={"state": Proposal.State.DECLINED, "decline_reason": reason})
    proposal.refresh_from_db()
    return proposal
