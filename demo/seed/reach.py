"""The demo's 23-area leadership-development programme (issue 16, seed 002): "£2million … to
help 23 areas", the five named models among fictional others, cohorts and events with
participants counted by profession and sector, the innovations the source lists, and measures
whose series show a real shift on the run chart (nights in hospital avoided for people over 65,
GP referrals to outpatients). Counts only: no person is named. Made once: a programme that
already has cohorts is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from demo.seed.programmes import EngagementSpec
from enablers.models import Assignment, Enabler
from engagements.lifecycle.models import StatusChange
from engagements.measures.models import Measure, MeasureValue
from engagements.measures.services import measure_charts_store_all
from engagements.models import Engagement, Outcome, Programme
from engagements.reach.models import AreaFunding, Cohort, CohortCount, Innovation, Profession
from fieldbook.units import monday_of, month_first
from places.models import Place, Region, Sector

PROGRAMME = "system-leadership-23-areas"
TOTAL_FUNDING = Decimal(2_000_000)
# Fictional areas that make the programme up to 23 (the five models and Cheshire Merseyside
# come from the main seed).
OTHER_AREAS = (
    "Ashworth Vale", "Brackenfield", "Calder Moor", "Dunmere Coast", "Eastbrook",
    "Fernley and Hale", "Greystone", "Harrowdene", "Ivelford", "Kestle Bay", "Longmarsh",
    "Millbeck", "Northholt Downs", "Oakhurst", "Pennford", "Redwater", "Stanbridge",
)
INNOVATIONS = {
    "frimley": [
        ("Low-risk chest pain pathway redesign",
         "Redesign of the low-risk chest pain pathway for Frimley and Wexham hospitals.",
         Innovation.Status.IMPLEMENTED),
        ("Frailty education across the whole ICS", "", Innovation.Status.SPREADING),
        ("Website for families of children with ADHD/ASD symptoms", "",
         Innovation.Status.IMPLEMENTED),
        ("Improved access to primary care for people with additional communication needs",
         "Piloted, then expanded to others.", Innovation.Status.TESTING),
        ("The Red Bag across the whole system", "", Innovation.Status.SPREADING),
    ],
    "surrey-heartlands": [
        ("24/7 advice line for pregnant women",
         "Helping to reduce stillbirth and perinatal death rates.",
         Innovation.Status.IMPLEMENTED),
        ("Advice and guidance telephone service for GPs",
         "Consultant advice by telephone before a referral, across Guildford & Waverley.",
         Innovation.Status.IMPLEMENTED),
        ("Team for people over 65, seen earlier at home",
         "Avoids unnecessary nights in hospital by seeing patients earlier at home.",
         Innovation.Status.SPREADING),
    ],
}


# What the fictional areas' sessions keep returning to: two or three of these each.
AREA_THEMES = (
    "leadership-development", "shared-purpose", "relationships-and-trust", "clinical-leadership",
    "workforce-integration", "patient-and-service-user-voice",
    "chief-executives-as-system-leaders",
)
# The demo enablers who lead the fictional areas, in turn: about three areas each beside their
# own places (the two who started the programme, and four with room in their weeks).
AREA_ENABLERS = ("e.sanjay.mistry", "e.catherine.doyle", "e.neil.fairbairn", "e.bronwen.hughes",
                 "e.david.pryce", "e.priya.raman")
# A session in a little over half the weeks (and the programme's learning network): an area
# goes three weeks without one now and then, as real ones do, and is listed as quiet then.
AREA_CADENCE = 0.55


def _area_slug(name: str) -> str:
    return name.lower().replace(" and ", "-").replace(" ", "-")


def area_engagements() -> list[tuple[EngagementSpec, Engagement]]:
    """The programme's fictional areas as plans for ``demo.seed.sessions.SessionPlanner``: a
    continuous history from each area's start (issue 17, point 8), led by its assigned enabler,
    the programme's learning network included. One query (none of them yet: an empty list)."""
    engagements = (Engagement.objects.filter(programme__slug=PROGRAMME,
                                             place__slug__in=[_area_slug(n) for n in OTHER_AREAS])
                   .select_related("place").order_by("place__slug"))
    plans = []
    for engagement in engagements:
        rng = random.Random(f"{PROGRAMME}:{engagement.place.slug}")
        themes = tuple(rng.sample(AREA_THEMES, rng.randint(2, 3)))
        plans.append((EngagementSpec(
            PROGRAMME, engagement.place.slug, engagement.status, requested_days_ago=0,
            started_days_ago=None, days_allocated=str(engagement.days_allocated or ""),
            focus=engagement.focus, lead="", themes=themes, cadence=AREA_CADENCE,
        ), engagement))
    return plans


def _funding_shares(n: int, rng: random.Random) -> list[Decimal]:
    """``n`` amounts, whole thousands, that add up to exactly £2m."""
    weights = [rng.uniform(0.6, 1.6) for _ in range(n)]
    total = sum(weights)
    shares = [Decimal(int(TOTAL_FUNDING * Decimal(w / total) / 1000) * 1000) for w in weights]
    shares[0] += TOTAL_FUNDING - sum(shares)
    return shares


def _counts(rng: random.Random, size: int) -> list[tuple[str, str, int]]:
    """Participants of one cohort by profession and sector, about ``size`` in all."""
    mix = [(Profession.GP, Sector.PRIMARY_CARE, 0.14), (Profession.CONSULTANT, Sector.ACUTE, 0.12),
           (Profession.THERAPIST, Sector.COMMUNITY, 0.10), (Profession.NURSE, Sector.ACUTE, 0.18),
           (Profession.NURSE, Sector.COMMUNITY, 0.08),
           (Profession.SOCIAL_WORKER, Sector.SOCIAL_CARE, 0.12),
           (Profession.MANAGER, Sector.COMMISSIONING, 0.14),
           (Profession.OTHER_PUBLIC, Sector.OTHER_PUBLIC, 0.06),
           (Profession.OTHER, Sector.VOLUNTARY, 0.06)]
    out: list[tuple[str, str, int]] = []
    for profession, sector, share in mix:
        n = round(size * share * rng.uniform(0.7, 1.3))
        if n:
            out.append((profession, sector, n))
    return out


def reach_seed(*, today: dt.date, report: Counter[str],
               enabler_engagement: Engagement | None = None) -> None:
    if enabler_engagement is not None and not Measure.objects.filter(
            engagement=enabler_engagement).exists():
        _measure_delays(enabler_engagement, today, random.Random(16))
        report["measures"] += 1
    programme = Programme.objects.filter(slug=PROGRAMME).first()
    if programme is None or Cohort.objects.filter(engagement__programme=programme).exists():
        return
    rng = random.Random(23)
    region = Region.objects.order_by("pk").first()
    assert region is not None
    have = {e.place.slug: e for e in Engagement.objects.filter(programme=programme)
            .select_related("place")}
    started = today - dt.timedelta(days=400)
    area_enablers = list(Enabler.objects.filter(user__username__in=AREA_ENABLERS).order_by("pk"))
    assert area_enablers, "the demo's enablers come first"
    for name in OTHER_AREAS:
        slug = _area_slug(name)
        if slug in have:
            continue
        place, _ = Place.objects.get_or_create(
            slug=slug, defaults={"name": name, "region": region,
                                 "description": "A fictional area of the demo programme."})
        have[slug] = Engagement.objects.create(
            programme=programme, place=place, requested_on=started - dt.timedelta(days=30),
            started_on=started, status=Engagement.Status.ACTIVE,
            focus="A locally tailored system leadership programme.")
        # Its history from the place's request, as every demo engagement's (issue 17).
        StatusChange.objects.bulk_create([
            StatusChange(engagement=have[slug], step=StatusChange.Step.REQUESTED,
                         to_status=Engagement.Status.REQUESTED,
                         on=have[slug].requested_on),
            StatusChange(engagement=have[slug], step=StatusChange.Step.ACTIVATED,
                         from_status=Engagement.Status.REQUESTED,
                         to_status=Engagement.Status.ACTIVE, on=started)])
        # Every working engagement has a lead enabler: six demo enablers take the fictional
        # areas in turn (their sessions there: ``area_engagements``).
        Assignment.objects.create(enabler=area_enablers[len(have) % len(area_enablers)],
                                  engagement=have[slug], role=Assignment.Role.LEAD,
                                  started_on=started)
        report["23-area engagements"] += 1
    areas = sorted(have.values(), key=lambda e: e.place.slug)[:23]
    for engagement, amount in zip(areas, _funding_shares(len(areas), rng), strict=True):
        spent = (amount * Decimal(rng.uniform(0.35, 0.9))).quantize(Decimal(1))
        AreaFunding.objects.create(engagement=engagement, allocated=amount, spent=spent)
    report["area funding"] += len(areas)
    for engagement in areas:
        frimley = engagement.place.slug == "frimley"
        events = ([("Cohort 1 residential", Cohort.Kind.RESIDENTIAL, 40, 0),
                   ("Cohort 1 day events", Cohort.Kind.DAY_EVENT, 40, 34),
                   ("Cohort 2 residential", Cohort.Kind.RESIDENTIAL, 60, 0)] if frimley else
                  [("Leadership course", Cohort.Kind.COURSE, rng.randint(12, 40), 0),
                   ("System leaders network", Cohort.Kind.NETWORK, rng.randint(8, 30),
                    rng.randint(2, 8))])
        if engagement.place.slug == "north-cumbria":
            events = [("Taster day", Cohort.Kind.DAY_EVENT, 2, 0)]  # small: suppressed
        for i, (name, kind, size, returning) in enumerate(events):
            starts = started + dt.timedelta(days=60 + 90 * i)
            ends = starts + dt.timedelta(days=2 if kind == Cohort.Kind.RESIDENTIAL else 0)
            counts = (_counts(rng, size) if size > 5
                      else [(Profession.MANAGER, Sector.SOCIAL_CARE, size)])
            total = sum(n for *_, n in counts)
            cohort = Cohort.objects.create(engagement=engagement, name=name, kind=kind,
                                           starts_on=starts, ends_on=ends,
                                           returning=min(returning, total))
            CohortCount.objects.bulk_create([CohortCount(cohort=cohort, profession=p, sector=s,
                                                         participants=n) for p, s, n in counts])
            report["cohorts and events"] += 1
    for slug, items in INNOVATIONS.items():
        engagement = have.get(slug)
        if engagement is None:
            continue
        for name, description, status in items:
            innovation = Innovation.objects.create(engagement=engagement, name=name,
                                                   description=description, status=status)
            innovation.outcomes.set(Outcome.objects.confirmed().filter(engagement=engagement)[:1])
            report["innovations"] += 1
            if name.startswith("Team for people over 65"):
                _measure_nights(engagement, innovation, today, rng)
                report["measures"] += 1
            if name.startswith("Advice and guidance"):
                _measure_referrals(engagement, innovation, today, rng)
                report["measures"] += 1


def _measure_nights(engagement: Engagement, innovation: Innovation, today: dt.date,
                    rng: random.Random) -> None:
    """Weekly bed nights for people over 65 for two years: level, then about 35 fewer a week
    once the team started seeing patients earlier at home (≈ 3,600 nights over two years)."""
    first = monday_of(today) - dt.timedelta(weeks=103)
    measure = Measure.objects.create(
        engagement=engagement, innovation=innovation,
        name="Bed nights in hospital, people over 65", unit=Measure.Unit.BED_NIGHTS,
        direction=Measure.Direction.LOWER, frequency=Measure.Frequency.WEEKLY,
        baseline_start=first, baseline_end=first + dt.timedelta(weeks=19))
    values = []
    for week in range(104):
        level = 410 if week < 30 else 372
        values.append(MeasureValue(measure=measure, period=first + dt.timedelta(weeks=week),
                                   value=Decimal(level + rng.randint(-14, 14)),
                                   source=MeasureValue.Source.IMPORT))
    MeasureValue.objects.bulk_create(values)
    measure_charts_store_all([measure])


def _measure_referrals(engagement: Engagement, innovation: Innovation, today: dt.date,
                       rng: random.Random) -> None:
    """Monthly GP referrals to outpatients: a seven per cent fall after the advice and
    guidance service began."""
    first = month_first(today.replace(day=1) - dt.timedelta(days=30 * 24))
    measure = Measure.objects.create(
        engagement=engagement, innovation=innovation,
        name="GP referrals to outpatients, Guildford & Waverley", unit=Measure.Unit.COUNT,
        direction=Measure.Direction.LOWER, frequency=Measure.Frequency.MONTHLY,
        baseline_start=first, baseline_end=month_first(first + dt.timedelta(days=31 * 11)))
    values = []
    day = first
    for month in range(24):
        level = 5200 if month < 12 else 4836
        values.append(MeasureValue(measure=measure, period=day,
                                   value=Decimal(level + rng.randint(-90, 90)),
                                   source=MeasureValue.Source.IMPORT))
        day = month_first(day + dt.timedelta(days=32))
    MeasureValue.objects.bulk_create(values)
    measure_charts_store_all([measure])


def _measure_delays(engagement: Engagement, today: dt.date, rng: random.Random) -> None:
    """The demo enabler's own place: monthly delayed-transfer bed days for 18 months, falling
    after the board's shared discharge plan (something to enter values against while demoing)."""
    first = month_first(today.replace(day=1) - dt.timedelta(days=30 * 17))
    measure = Measure.objects.create(
        engagement=engagement, name="Delayed transfers of care (bed days)",
        unit=Measure.Unit.DAYS, direction=Measure.Direction.LOWER,
        frequency=Measure.Frequency.MONTHLY, baseline_start=first,
        baseline_end=month_first(first + dt.timedelta(days=31 * 5)))
    values, day = [], first
    for month in range(18):
        level = 1450 if month < 8 else 1290
        values.append(MeasureValue(measure=measure, period=day,
                                   value=Decimal(level + rng.randint(-60, 60))))
        day = month_first(day + dt.timedelta(days=32))
    MeasureValue.objects.bulk_create(values)
    measure_charts_store_all([measure])
