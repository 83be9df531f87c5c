"""The demo's place voice (issue 17): self-assessment and relationship pulse rounds answered by
the fictional board members of two A&E places (two rounds each, nine and three months ago, the
second better than the first), and a self-assessment that only two answered (so it shows
"fewer than 3 responses" and nothing else), and a pulse at West Hertfordshire open since four
days ago that one member has answered so far (a lead can close it). Scores are drawn from a
seeded generator, so every run is the same. Made once per engagement: one with a round
already is left alone.

The demo's rounds have invitations but no respondent links (a link's token exists only in its
mail); their answers are made as ``voice_respond`` would make them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable

from django.utils import timezone

from demo.seed.programmes import EngagementSpec
from demo.seed.sessions import SEED
from engagements.models import Engagement
from engagements.voice.models import (
    Statement,
    StatementScore,
    TieRating,
    VoiceInvite,
    VoiceResponse,
    VoiceRound,
)
from places.models import BoardMembership

# place slug -> how many board members answered each round (None: all of them).
FULL = {"nottingham": None, "central-lancashire": None}
SUPPRESSED = "north-merseyside"
OPEN = "west-hertfordshire"
OPEN_DAYS_AGO = 4
ROUNDS_DAYS_AGO = (270, 90)
COMMENTS = (
    (Statement.TRUST, "We can now disagree in the room and still leave as one system."),
    (Statement.PATIENT_VOICE, "Healthwatch is heard, but patients rarely are directly."),
    (Statement.BOUNDARIES, "The discharge huddle works because the council chairs it."),
)


def _scores(rng: random.Random, lift: int) -> dict[Statement, int]:
    return {s: max(1, min(5, rng.choice((2, 3, 3, 4)) + lift)) for s in Statement}


def voice_seed(*, today: dt.date, engagements: Iterable[tuple[EngagementSpec, Engagement]],
               report: Counter[str]) -> None:
    by_slug = {spec.place: e for spec, e in engagements if spec.place in
               (*FULL, SUPPRESSED, OPEN)}
    done = set(VoiceRound.objects.filter(engagement__in=list(by_slug.values()))
               .values_list("engagement_id", flat=True))
    for slug, e in sorted(by_slug.items()):
        if e.pk in done:
            continue
        members = list(BoardMembership.objects.filter(
            board__place_id=e.place_id, ended_on__isnull=True).exclude(person__email="")
            .select_related("person").order_by("person__full_name", "pk"))
        if len(members) < 3:
            continue
        rng = random.Random(f"{SEED}:voice:{slug}")
        if slug == OPEN:
            _round(e, VoiceRound.Kind.PULSE, 1, today - dt.timedelta(days=OPEN_DAYS_AGO),
                   members, 1, 0, rng, report, closed=False)
            continue
        rounds = ((ROUNDS_DAYS_AGO[-1:], 2) if slug == SUPPRESSED
                  else (ROUNDS_DAYS_AGO, None))
        days_list, answering = rounds
        for number, days_ago in enumerate(days_list, start=1):
            lift = number - 1 if slug != SUPPRESSED else 0
            for kind in ((VoiceRound.Kind.SELF_ASSESSMENT,) if slug == SUPPRESSED
                         else VoiceRound.Kind.values):
                _round(e, kind, number, today - dt.timedelta(days=days_ago), members,
                       answering or len(members) - rng.randrange(0, 2), lift, rng, report)


def _round(e: Engagement, kind: str, number: int, opened_on: dt.date,
           members: list[BoardMembership], answering: int, lift: int, rng: random.Random,
           report: Counter[str], *, closed: bool = True) -> None:
    closes_on = opened_on + dt.timedelta(days=14)
    r = VoiceRound.objects.create(
        engagement=e, kind=kind, number=number, opened_on=opened_on, closes_on=closes_on,
        closed_at=timezone.make_aware(dt.datetime.combine(closes_on, dt.time(18)))
        if closed else None)
    VoiceInvite.objects.bulk_create([
        VoiceInvite(round=r, person=m.person, organisation_id=m.person.organisation_id)
        for m in members])
    report["voice rounds"] += 1
    orgs = sorted({m.person.organisation_id for m in members})
    # Each pair's usual strength (the same in both rounds), lifted in the later round.
    base = {(a, b): random.Random(f"{SEED}:tie:{a}:{b}").choice((2, 3, 3, 4))
            for a in orgs for b in orgs if a < b}
    for i, m in enumerate(rng.sample(members, answering)):
        response = VoiceResponse.objects.create(round=r)
        report["voice responses"] += 1
        if kind == VoiceRound.Kind.SELF_ASSESSMENT:
            comment_for = dict(COMMENTS[i:i + 1]) if number == 2 else {}
            StatementScore.objects.bulk_create([
                StatementScore(response=response, statement=s, score=n,
                               comment=comment_for.get(s, ""))
                for s, n in _scores(rng, lift).items()])
            continue
        own = m.person.organisation_id
        ties = []
        for other in orgs:
            if other == own:
                continue
            low, high = sorted((own, other))
            usual = base[(low, high)] + lift
            ties.append(TieRating(
                response=response, org_low_id=low, org_high_id=high,
                trust=max(1, min(5, usual + rng.choice((-1, 0, 0, 1)))),
                value=max(1, min(5, usual + rng.choice((0, 0, 1))))))
        TieRating.objects.bulk_create(ties)
