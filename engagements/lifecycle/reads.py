"""Named reads for the lifecycle: an engagement's history, the status lines that go on a page
of its timeline, a pending proposal, and the programme's triage list. No side effects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, QuerySet, Subquery

from engagements.lifecycle.models import Proposal, StatusChange, SupportRequest

if TYPE_CHECKING:
    from django.core.paginator import Page

    from engagements.models import Engagement, Programme

HISTORY_SHOWN = 50
STATUS_LABELS = dict(StatusChange._meta.get_field("to_status").choices or [])


@dataclass
class StatusLine:
    """A status change as a line of the place page's timeline."""

    date: dt.date
    step: str
    from_status: str
    to_status: str
    reason: str
    expected_resume_on: dt.date | None
    reflection: str
    days_before: Decimal | None
    days_after: Decimal | None
    actor_name: str

    @property
    def step_label(self) -> str:
        return StatusChange.Step(self.step).label


LINE_COLUMNS = ("on", "step", "from_status", "to_status", "reason", "expected_resume_on",
                "reflection", "days_before", "days_after", "actor__first_name",
                "actor__last_name", "actor__username")


def _line(row: dict[str, Any]) -> StatusLine:
    name = " ".join(filter(None, (row["actor__first_name"], row["actor__last_name"])))
    return StatusLine(
        date=row["on"], step=row["step"], from_status=row["from_status"],
        to_status=row["to_status"], reason=row["reason"],
        expected_resume_on=row["expected_resume_on"], reflection=row["reflection"],
        days_before=row["days_before"], days_after=row["days_after"],
        actor_name=name or row["actor__username"] or "the place")


def history_of(engagement: Engagement, *, limit: int = HISTORY_SHOWN) -> list[StatusLine]:
    """The engagement's status changes, newest first. One query."""
    return [_line(r) for r in StatusChange.objects.filter(engagement=engagement)
            .order_by("-on", "-pk").values(*LINE_COLUMNS)[:limit]]


def timeline_lines(engagement: Engagement, page: Page, session_dates: list[dt.date],
                   previous_last: dt.date | None, *, since: dt.date | None = None,
                   history: list[StatusLine] | None = None) -> list[StatusLine]:
    """The status changes that belong on this page of the (newest first) timeline: from the
    page's oldest session (or the start, on the last page) to the oldest session of the page
    before (or today, on the first). Picked from ``history`` when it is the whole history (no
    query: the place page has read it anyway), else one query."""
    low = session_dates[-1] if page.has_next() and session_dates else None
    high = previous_last if page.number > 1 else None

    def belongs(day: dt.date) -> bool:
        return ((since is None or day >= since) and (low is None or day >= low)
                and (high is None or day < high))

    if history is not None and len(history) < HISTORY_SHOWN:
        return [line for line in history if belongs(line.date)]
    qs = StatusChange.objects.filter(engagement=engagement)
    if since:
        qs = qs.filter(on__gte=since)
    if low is not None:
        qs = qs.filter(on__gte=low)
    if high is not None:
        qs = qs.filter(on__lt=high)
    return [_line(r) for r in qs.order_by("-on", "-pk").values(*LINE_COLUMNS)[:200]]


def pending_proposal(engagement: Engagement) -> Proposal | None:
    """The proposal awaiting a decision, if any. No query when the engagement was read with
    ``pending_proposal_id`` annotated and has none (``pending_proposal_pk``)."""
    if getattr(engagement, "pending_proposal_id", 0) is None:
        return None
    return (Proposal.objects.filter(engagement=engagement, state=Proposal.State.PENDING)
            .select_related("proposed_by").first())


def pending_proposal_pk() -> Subquery:
    """An annotation: the engagement's pending proposal's key, or None."""
    return Subquery(Proposal.objects.filter(engagement=OuterRef("pk"),
                                            state=Proposal.State.PENDING).values("pk")[:1])


def triage_queryset(programme: Programme) -> QuerySet[SupportRequest]:
    """Requests awaiting triage, oldest first, with their place and region (one join)."""
    return (SupportRequest.objects.filter(programme=programme,
                                          state=SupportRequest.State.PENDING)
            .select_related("place", "region")
            .only("pk", "asked_on", "created_at", "contact_role", "organisation",
                  "new_place_name", "help_with", "version", "place__name", "region__name")
            .order_by("created_at", "pk"))


def requests_by_region(programme: Programme) -> list[dict[str, Any]]:
    """Per region: requests awaiting triage, accepted and declined. One query."""
    rows = (SupportRequest.objects.filter(programme=programme)
            .values("region__name", "state").annotate(n=Count("pk")).order_by("region__name"))
    by_region: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = by_region.setdefault(r["region__name"], {
            "region": r["region__name"], "pending": 0, "accepted": 0, "declined": 0})
        entry[r["state"]] = r["n"]
    return list(by_region.values())


def pending_proposals(programme: Programme, *, limit: int = HISTORY_SHOWN) -> list[Proposal]:
    """Enablers' proposals awaiting a decision in the programme, oldest first. One query."""
    return list(Proposal.objects.filter(engagement__programme=programme,
                                        state=Proposal.State.PENDING)
                .select_related("engagement__place", "proposed_by")
                .order_by("created_at", "pk")[:limit])
