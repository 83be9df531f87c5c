"""The demo's lifecycle (issue 17): every engagement's history from the day its place asked
(requested, the diagnostic, support started, paused, closed), one engagement paused over the
winter and resumed, a pending proposal from the demo enabler, and requests for support
awaiting triage. Every person is fictional. Made once per engagement: an engagement that has a
history is left alone, and the requests are looked up by their email address.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.models import User

from demo.seed.programmes import EngagementSpec
from engagements.lifecycle.models import Proposal, StatusChange, SupportRequest
from engagements.models import Engagement, Programme
from places.models import Place, Region

S = Engagement.Status
Step = StatusChange.Step
# The engagement paused over a winter and resumed (its sessions keep a gap then anyway).
PAUSED_AND_RESUMED = ("national-ae-improvement", "cornwall")
# Requests awaiting triage: (place slug or None, a new place's name, region code, name, role,
# organisation, email, help with, why now, days ago asked).
REQUESTS = (
    (None, "Fenwick Vale", "north", "Marta Quill", "Director of Strategy",
     "Fenwick Vale Integrated Care Board", "marta.quill@example.nhs.uk",
     "Bringing the acute trust, the council and the voluntary sector round one table on "
     "discharge.", "Two winters of escalation have worn relationships thin; the new chair "
     "wants to start differently.", 9),
    (None, "Harrowdown", "south", "Idris Penhale", "Chief Operating Officer",
     "Harrowdown Community Health Trust", "idris.penhale@example.nhs.uk",
     "Clinical leadership across the community and acute divide.",
     "A merger of two CCGs has left the board without shared purpose.", 4),
    (None, "Marlow Reach", "london", "Sade Okonkwo", "Assistant Director, Adult Social Care",
     "Marlow Reach Council", "sade.okonkwo@example.gov.uk",
     "The primary care and patient voice on the A&E Delivery Board.",
     "The board is reviewing its terms of reference this spring.", 1),
)


def _history(spec: EngagementSpec, e: Engagement, today: dt.date) -> list[StatusChange]:
    rows = [StatusChange(engagement=e, step=Step.REQUESTED, from_status="",
                         to_status=S.REQUESTED, on=e.requested_on)]
    if e.started_on is None:
        return rows
    if (e.started_on - e.requested_on).days > 14:
        rows.append(StatusChange(engagement=e, step=Step.DIAGNOSTIC, from_status=S.REQUESTED,
                                 to_status=S.DIAGNOSTIC,
                                 on=e.requested_on + dt.timedelta(days=14)))
    before = rows[-1].to_status
    rows.append(StatusChange(engagement=e, step=Step.ACTIVATED, from_status=before,
                             to_status=S.ACTIVE, on=e.started_on))
    if (spec.programme, spec.place) == PAUSED_AND_RESUMED:
        paused_on = max(e.started_on + dt.timedelta(days=30), today - dt.timedelta(days=150))
        rows += [
            StatusChange(engagement=e, step=Step.PAUSED, from_status=S.ACTIVE,
                         to_status=S.PAUSED, on=paused_on,
                         reason="System pressures: the board asked for a pause while the "
                                "system is in escalation.",
                         expected_resume_on=paused_on + dt.timedelta(days=28)),
            StatusChange(engagement=e, step=Step.RESUMED, from_status=S.PAUSED,
                         to_status=S.ACTIVE, on=paused_on + dt.timedelta(days=28),
                         reason="The board is ready to pick the work up again."),
        ]
    if e.status == S.PAUSED:
        paused_on = today - dt.timedelta(weeks=max(spec.quiet_weeks - 1, 1))
        rows.append(StatusChange(engagement=e, step=Step.PAUSED, from_status=S.ACTIVE,
                                 to_status=S.PAUSED, on=max(paused_on, e.started_on),
                                 reason="Paused at the board's request over winter "
                                        "pressures.",
                                 expected_resume_on=today + dt.timedelta(days=45)))
    if e.status == S.CLOSED and e.ended_on is not None:
        rows.append(StatusChange(engagement=e, step=Step.CLOSED, from_status=S.ACTIVE,
                                 to_status=S.CLOSED, on=e.ended_on,
                                 reflection="The board now meets as a system, not as the "
                                            "hospital's problem-solving group; the work "
                                            "carries on without us."))
    return rows


def lifecycle_seed(*, today: dt.date, engagements: Iterable[tuple[EngagementSpec, Engagement]],
                   regions: dict[str, Region], lead: User, enabler: User | None,
                   report: Counter[str]) -> None:
    pairs = list(engagements)
    have = set(StatusChange.objects.filter(engagement__in=[e for _, e in pairs])
               .values_list("engagement_id", flat=True).distinct())
    rows = [row for spec, e in pairs if e.pk not in have for row in _history(spec, e, today)]
    for row in rows:
        row.actor = None if row.step == Step.REQUESTED else lead
    if rows:
        StatusChange.objects.bulk_create(rows)
        report["status changes"] += len(rows)
    programme = next((e.programme for _, e in pairs), None)
    if programme is None:
        return
    _requests(programme, today, regions, report)
    if enabler is not None:
        _proposal(enabler, today, report)


def _requests(programme: Programme, today: dt.date, regions: dict[str, Region],
              report: Counter[str]) -> None:
    emails = [r[6] for r in REQUESTS]
    known = set(SupportRequest.objects.filter(email__in=emails).values_list("email", flat=True))
    places = {p.slug: p for p in Place.objects.filter(slug__in=[r[0] for r in REQUESTS if r[0]])}
    wanted = [
        SupportRequest(programme=programme, place=places.get(slug or ""),
                       new_place_name="" if slug else new, region=regions[region],
                       contact_name=name, contact_role=role, organisation=org, email=email,
                       help_with=help_with, why_now=why_now,
                       asked_on=today - dt.timedelta(days=ago))
        for slug, new, region, name, role, org, email, help_with, why_now, ago in REQUESTS
        if email not in known and region in regions]
    if wanted:
        SupportRequest.objects.bulk_create(wanted)
        report["requests for support"] += len(wanted)


def _proposal(enabler: User, today: dt.date, report: Counter[str]) -> None:
    """The demo enabler proposes to pause one of their active places; a lead decides."""
    if Proposal.objects.filter(proposed_by=enabler).exists():
        return
    engagement = (Engagement.objects.filter(assignments__enabler__user=enabler,
                                            assignments__ended_on__isnull=True,
                                            status=S.ACTIVE)
                  .order_by("-place__name").first())
    if engagement is None:
        return
    Proposal.objects.create(
        engagement=engagement, kind=Proposal.Kind.PAUSE, proposed_by=enabler,
        reason="The board is consumed by a CQC inspection for the next month.",
        expected_resume_on=today + dt.timedelta(days=42))
    report["proposals"] += 1
