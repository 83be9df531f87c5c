"""The demo's diagnostics (issue 17, point 3): who took part in each engagement's first
diagnostic session beyond the board (two or three local Senior Responsible Officers, the
faculty practitioner, an NHS England account manager; fictional people), and the places' own
diagnostic records: agreed and shared, agreed and kept to the place, and drafts by an enabler.
Made once per engagement: an engagement whose diagnostic has participants, or which has a
record, is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable

from django.utils import timezone

from demo.seed.organisations import ORGANISATIONS
from demo.seed.people import FIRST_NAMES, SEED_REAL_NAMES, SURNAMES
from demo.seed.places import PLACES
from demo.seed.programmes import EngagementSpec
from demo.seed.sessions import SEED
from engagements.diagnostic.models import DiagnosticParticipant, DiagnosticRecord
from engagements.models import Engagement, Session

Role = DiagnosticParticipant.Role
FACULTY = {"accelerate-sites": "NHS Leadership Academy"}
FACULTY_DEFAULT = "The Leadership Centre"
SRO_KINDS = ("local_authority", "commissioner", "acute_trust")
SRO_TITLES = {"local_authority": "Director of Adult Social Care",
              "commissioner": "Director of Commissioning",
              "acute_trust": "Director of Strategy"}
# (programme slug, place slug) -> (status, stage, strengths, areas, shared with the centre).
RECORDS: dict[tuple[str, str], tuple[str, int | None, str, str, bool]] = {
    ("national-ae-improvement", "nottingham"): (
        "agreed", 2,
        "A board that wants to re-imagine how the whole system works for its population; "
        "partners who already share data on flow.",
        "Trust between the acute trust and primary care; the board spends its time on the "
        "four-hour figure rather than on what lies behind it.", True),
    ("national-ae-improvement", "central-lancashire"): (
        "agreed", 3,
        "A shared discharge plan, owned across the council and both trusts.",
        "The voice of the voluntary sector and of patients at the table.", True),
    ("national-ae-improvement", "cornwall"): (
        "agreed", 2,
        "Strong local identity and a voluntary sector that is an equal partner.",
        "Working across a long peninsula; relationships with the ambulance service.", False),
    ("integrated-care-pioneers", "islington"): (
        "agreed", 4,
        "Senior leaders who reflect, share and challenge together; new models of care around "
        "primary care tested borough-wide.",
        "Moving the workforce to a new ethos and culture, starting at the top.", True),
    ("integrated-care-pioneers", "worcestershire"): (
        "agreed", 4,
        "A vision for health and care built into the five-year plan.",
        "Care models under a capitated budget; an integrated commissioning unit.", True),
    ("accelerate-sites", "fylde-coast"): (
        "agreed", 3,
        "Partners committed to the extensivist model and to developing leaders together.",
        "Spreading the model beyond the first practices.", True),
    ("accelerate-sites", "greater-manchester"): (
        "agreed", 3,
        "A shared purpose for the integrated care organisation.",
        "Clinical leadership across organisational boundaries.", True),
    ("accelerate-sites", "west-hertfordshire"): (
        "agreed", 2,
        "A partnership board that meets regularly and shares its plans.",
        "Small-group working between the community trust and the council.", False),
    ("accelerate-sites", "leeds"): (
        "draft", 3,
        "Integrated neighbourhood teams already working from a shared data source.", "", False),
    ("system-leadership-23-areas", "north-cumbria"): (
        "draft", None, "A leadership model that includes the voluntary sector and care homes.",
        "", False),
}


def _names(rng: random.Random, taken: set[str], n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _participants(spec: EngagementSpec, session_id: int, taken: set[str]
                  ) -> list[DiagnosticParticipant]:
    rng = random.Random(f"{SEED}:diagnostic:{spec.programme}:{spec.place}")
    place = next(p for p in PLACES if p.slug == spec.place)
    orgs: list[tuple[str, str]] = []
    for kind in SRO_KINDS:
        org = next((o for o in place.organisations if ORGANISATIONS[o][0] == kind), None)
        if org is not None:
            orgs.append((kind, org))
    orgs = orgs[:rng.choice((2, 3))]
    names = _names(rng, taken, len(orgs) + 2)
    rows = [DiagnosticParticipant(session_id=session_id, full_name=name, role=Role.SRO,
                                  role_title=SRO_TITLES[kind], organisation=org)
            for name, (kind, org) in zip(names, orgs, strict=False)]
    rows.append(DiagnosticParticipant(
        session_id=session_id, full_name=names[-2], role=Role.FACULTY,
        role_title="Faculty practitioner",
        organisation=FACULTY.get(spec.programme, FACULTY_DEFAULT)))
    rows.append(DiagnosticParticipant(
        session_id=session_id, full_name=names[-1], role=Role.ACCOUNT_MANAGER,
        role_title="Account manager", organisation="NHS England"))
    return rows


def diagnostic_seed(*, engagements: Iterable[tuple[EngagementSpec, Engagement]],
                    agreed_by: dict[str, str], report: Counter[str]) -> None:
    """``agreed_by`` is each place's chair as a record credits them (role, kind of
    organisation), by place slug."""
    pairs = list(engagements)
    by_pk = {e.pk: (spec, e) for spec, e in pairs}
    first: dict[int, tuple[int, dt.date]] = {}
    for pk, engagement_id, day in (
            Session.objects.filter(engagement_id__in=by_pk, kind=Session.Kind.DIAGNOSTIC,
                                   deleted_at__isnull=True)
            .order_by("engagement_id", "date", "pk")
            .values_list("pk", "engagement_id", "date")):
        first.setdefault(engagement_id, (pk, day))
    have = set(DiagnosticParticipant.objects.filter(session__engagement_id__in=by_pk)
               .values_list("session__engagement_id", flat=True).distinct())
    taken = set(SEED_REAL_NAMES)
    rows: list[DiagnosticParticipant] = []
    for engagement_id, (session_id, _day) in sorted(first.items()):
        if engagement_id not in have:
            rows += _participants(by_pk[engagement_id][0], session_id, taken)
    if rows:
        DiagnosticParticipant.objects.bulk_create(rows)
        report["diagnostic participants"] += len(rows)

    recorded = set(DiagnosticRecord.objects.filter(engagement_id__in=by_pk)
                   .values_list("engagement_id", flat=True))
    records = []
    for spec, e in pairs:
        wanted = RECORDS.get((spec.programme, spec.place))
        if wanted is None or e.pk in recorded:
            continue
        status, stage, strengths, areas, shared = wanted
        day = first.get(e.pk, (0, e.started_on or e.requested_on))[1]
        agreed = status == DiagnosticRecord.Status.AGREED
        records.append(DiagnosticRecord(
            engagement=e, status=status, journey_stage=stage, strengths=strengths,
            development_areas=areas, shared_with_centre=agreed and shared,
            agreed_at=(timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=21),
                                                               dt.time(10)))
                       if agreed else None),
            agreed_by_role=agreed_by.get(spec.place, "") if agreed else ""))
    if records:
        DiagnosticRecord.objects.bulk_create(records)
        report["diagnostic records"] += len(records)
