"""The reference data around the sessions: regions, places, boards, people, users, enablers,
programmes, engagements, assignments, themes and outcomes.

Tens of thousands of rows at most (2,000 places), so ordinary ``bulk_create``. Every name carries
the run's ``tag`` so a second run with ``--append`` never collides with the first.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.utils import timezone

from demo.seed.places import REGIONS
from demo.seed.programmes import THEMES
from enablers.models import Assignment, Enabler
from engagements.models import Engagement, Outcome, Programme, Theme
from fieldbook.roles import Role
from places.models import BoardMembership, DeliveryBoard, Organisation, Person, Place, Region

# Everyone generated shares one password (hashed once: a hash per user would take minutes).
LOAD_PASSWORD = "fieldbook-load-password"
BIG_PROGRAMME_PLACES = 200
EXTRA_THEMES = (
    "Winter planning", "Flow and bed occupancy", "Mental health crisis care", "Estates",
    "Digital and shared records", "Care home support", "Urgent community response",
    "Ambulance handovers",
)
TOWNS = (
    "Ash", "Bar", "Bridge", "Brook", "Burn", "Castle", "Chester", "Cliff", "Dale", "Field",
    "Ford", "Gate", "Ham", "Heath", "Hill", "Holme", "Kirk", "Lea", "Marsh", "Mere", "Moor",
    "Ness", "Stow", "Thorpe", "Wick", "Wood", "Worth",
)
PREFIXES = ("North", "South", "East", "West", "Upper", "Lower", "Greater", "Mid", "Central", "Old")
# (organisation kind, how many per place, a typical board role)
BOARD = (
    (Organisation.Kind.ACUTE_TRUST, "Chief Operating Officer"),
    (Organisation.Kind.ACUTE_TRUST, "Director of Nursing"),
    (Organisation.Kind.COMMISSIONER, "Accountable Officer"),
    (Organisation.Kind.LOCAL_AUTHORITY, "Director of Adult Social Services"),
    (Organisation.Kind.PRIMARY_CARE, "GP Federation Clinical Lead"),
    (Organisation.Kind.COMMUNITY_TRUST, "Director of Operations"),
    (Organisation.Kind.MENTAL_HEALTH_TRUST, "Medical Director"),
    (Organisation.Kind.VOLUNTARY, "Chief Executive"),
    (Organisation.Kind.AMBULANCE_TRUST, "Sector Manager"),
    (Organisation.Kind.ACUTE_TRUST, "Emergency Department Clinical Lead"),
)
FIRST = ("Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Kim", "Lee", "Morgan", "Jamie", "Ash",
         "Charlie", "Drew", "Frankie", "Harper", "Jesse", "Kai", "Logan", "Nico", "Quinn")
LAST = ("Ashdown", "Brookes", "Carver", "Dunmore", "Elwood", "Fairley", "Garside", "Holt",
        "Ingram", "Jessop", "Kettle", "Lowther", "Marlow", "Norbury", "Oakes", "Pennock",
        "Quarry", "Rudd", "Sowerby", "Thwaite")


@dataclass
class EngagementPlan:
    id: int
    place_id: int
    programme_index: int
    start: dt.date | None  # None: requested, not started (no sessions)
    end: dt.date  # the last day a session may be dated (today, or when it ended or went quiet)
    lead_enabler: int
    supporting_enabler: int | None


@dataclass
class World:
    tag: str
    today: dt.date
    theme_ids: list[int]
    people_by_place: dict[int, list[int]]
    engagements: list[EngagementPlan] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    user_of_enabler: dict[int, int] = field(default_factory=dict)  # who writes its notes


def _groups() -> dict[Role, Group]:
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}


def _themes() -> list[int]:
    wanted = [(slug, name, desc) for slug, name, desc in THEMES] + [
        (name.lower().replace(" ", "-"), name, "") for name in EXTRA_THEMES]
    existing = {t.slug: t.pk for t in Theme.objects.all()}
    Theme.objects.bulk_create([Theme(slug=s, name=n, description=d)
                               for s, n, d in wanted if s not in existing])
    existing = {t.slug: t.pk for t in Theme.objects.all()}
    # Popularity order = vocabulary order: the seeds' headline themes come first.
    return [existing[s] for s, _, _ in wanted]


def _regions() -> list[Region]:
    existing = {r.code: r for r in Region.objects.all()}
    Region.objects.bulk_create([Region(code=c, name=n) for c, n in REGIONS if c not in existing])
    return list(Region.objects.filter(code__in=[c for c, _ in REGIONS]).order_by("code"))


def build_world(*, rng: random.Random, tag: str, today: dt.date, places: int, enablers: int,
                programmes: int) -> World:
    """Everything but the sessions. Returns what the session writer needs.

    Each step draws from ``rng`` in a fixed order, so the same seed builds the same world."""
    groups = _groups()
    theme_ids = _themes()
    regions = _regions()
    place_rows, counts = _places(rng, tag, places, regions)
    people_by_place = _boards(rng, place_rows, today, counts)
    enabler_rows, lead_users = _users(rng, tag, enablers, programmes, groups, counts)
    by_region = _enabler_regions(enabler_rows, regions)
    programme_rows = _programmes(rng, tag, programmes, today, lead_users)
    cohorts = _cohorts(rng, place_rows, programmes)
    engagement_rows, plans = _engagements(rng, programme_rows, cohorts, today)
    world = World(tag=tag, today=today, theme_ids=theme_ids, people_by_place=people_by_place,
                  user_of_enabler={e.pk: e.user_id for e in enabler_rows})
    n_assignments = _assignments(rng, world, engagement_rows, plans, by_region, enabler_rows)
    n_outcomes = _outcomes(rng, world)
    world.counts = {
        **counts, "enablers": len(enabler_rows), "programmes": len(programme_rows),
        "engagements": len(engagement_rows), "assignments": n_assignments,
        "outcomes": n_outcomes, "themes": len(theme_ids),
    }
    return world


def _places(rng: random.Random, tag: str, places: int,
            regions: list[Region]) -> tuple[list[Place], dict[str, int]]:
    place_rows = Place.objects.bulk_create([
        Place(name=f"{rng.choice(PREFIXES)} {rng.choice(TOWNS)}{rng.choice(TOWNS).lower()} "
                   f"{tag}-{i:04}",
              slug=f"{tag}-place-{i:04}", region=regions[i % len(regions)],
              onboarding_status=Place.OnboardingStatus.ACTIVE)
        for i in range(places)
    ])
    return place_rows, {"places": len(place_rows)}


def _boards(rng: random.Random, place_rows: list[Place], today: dt.date,
            counts: dict[str, int]) -> dict[int, list[int]]:
    """Each place's organisations, delivery board and members (one per BOARD seat); returns
    the people of each place."""
    orgs = Organisation.objects.bulk_create([
        Organisation(name=f"{p.name} {kind.label} {j}", kind=kind)
        for p in place_rows for j, (kind, _) in enumerate(BOARD)
    ], batch_size=2000)
    org_places = Organisation.places.through
    org_places.objects.bulk_create([
        org_places(organisation_id=o.pk, place_id=place_rows[i // len(BOARD)].pk)
        for i, o in enumerate(orgs)], batch_size=5000)
    boards = DeliveryBoard.objects.bulk_create([
        DeliveryBoard(place=p, name=f"{p.name} A&E Delivery Board") for p in place_rows])
    people = Person.objects.bulk_create([
        Person(full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", role_title=role,
               organisation_id=orgs[i * len(BOARD) + j].pk)
        for i in range(len(place_rows)) for j, (_, role) in enumerate(BOARD)
    ], batch_size=2000)
    BoardMembership.objects.bulk_create([
        BoardMembership(board=boards[i // len(BOARD)], person=person,
                        board_role="chair" if i % len(BOARD) == 0 else "member",
                        started_on=today - dt.timedelta(days=900))
        for i, person in enumerate(people)], batch_size=5000)
    counts.update(organisations=len(orgs), people=len(people))
    return {p.pk: [x.pk for x in people[i * len(BOARD):(i + 1) * len(BOARD)]]
            for i, p in enumerate(place_rows)}


def _users(rng: random.Random, tag: str, enablers: int, programmes: int,
           groups: dict[Role, Group], counts: dict[str, int]) -> tuple[list[Enabler], list[User]]:
    """Enablers, leads (one for every two programmes) and two admins; returns the enablers
    and the leads' users."""
    User = get_user_model()
    password = make_password(LOAD_PASSWORD)
    now = timezone.now()
    n_leads, n_admins = max(2, programmes // 2), 2
    users = User.objects.bulk_create(
        [User(username=f"{tag}-enabler-{i:04}", first_name=rng.choice(FIRST),
              last_name=rng.choice(LAST), password=password, date_joined=now)
         for i in range(enablers)]
        + [User(username=f"{tag}-lead-{i:02}", first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST), password=password, date_joined=now)
           for i in range(n_leads)]
        + [User(username=f"{tag}-admin-{i}", first_name=rng.choice(FIRST), is_staff=True,
                last_name=rng.choice(LAST), password=password, date_joined=now)
           for i in range(n_admins)], batch_size=2000)
    enabler_users, lead_users = users[:enablers], users[enablers:enablers + n_leads]
    admin_users = users[enablers + n_leads:]
    membership = User.groups.through
    membership.objects.bulk_create(
        [membership(user_id=u.pk, group_id=groups[Role.ENABLER].pk) for u in enabler_users]
        + [membership(user_id=u.pk, group_id=groups[Role.LEAD].pk) for u in lead_users]
        + [membership(user_id=u.pk, group_id=groups[Role.ADMIN].pk) for u in admin_users])
    enabler_rows = Enabler.objects.bulk_create([
        Enabler(user=u, background="Former NHS executive",
                capacity_days_per_week=Decimal(rng.choice(["1.0", "2.0", "2.5", "3.0"])))
        for u in enabler_users])
    counts["users"] = len(users)
    return enabler_rows, lead_users


def _enabler_regions(enabler_rows: list[Enabler], regions: list[Region]) -> dict[int, list[int]]:
    """Each enabler works in one region, in turn; returns the enablers of each region, so an
    engagement's enablers usually work in its region."""
    enabler_regions = Enabler.regions.through
    enabler_regions.objects.bulk_create([
        enabler_regions(enabler_id=e.pk, region_id=regions[i % len(regions)].pk)
        for i, e in enumerate(enabler_rows)])
    by_region: dict[int, list[int]] = {}
    for i, e in enumerate(enabler_rows):
        by_region.setdefault(regions[i % len(regions)].pk, []).append(e.pk)
    return by_region


def _programmes(rng: random.Random, tag: str, programmes: int, today: dt.date,
                lead_users: list[User]) -> list[Programme]:
    """The current national programme (three years old, ongoing) and older ones."""
    programme_rows = []
    for g in range(programmes):
        if g == 0:
            starts, ends = today - dt.timedelta(days=3 * 365), None
        else:
            starts = today - dt.timedelta(days=rng.randint(180, 10 * 365))
            span = rng.randint(365, 3 * 365)
            ends = starts + dt.timedelta(days=span)
            ends = None if ends >= today else ends
        programme_rows.append(Programme(
            name=f"{'National A&E Improvement' if g == 0 else 'Systems leadership'} "
                 f"programme {tag}-{g:02}",
            slug=f"{tag}-programme-{g:02}", starts_on=starts, ends_on=ends,
            summary_cadence=Programme.Cadence.QUARTERLY))
    programme_rows = Programme.objects.bulk_create(programme_rows)
    leads = Programme.leads.through
    leads.objects.bulk_create([
        leads(programme_id=p.pk, user_id=lead_users[g % len(lead_users)].pk)
        for g, p in enumerate(programme_rows)])
    return programme_rows


def _cohorts(rng: random.Random, place_rows: list[Place], programmes: int) -> list[list[Place]]:
    """The first programme has the first 200 places; the others share ~1.3 engagements per
    place between them, picked at random."""
    cohorts = [place_rows[:BIG_PROGRAMME_PLACES]]
    others = max(0, int(len(place_rows) * 1.3) - len(cohorts[0]))
    for _ in range(1, programmes):
        size = min(len(place_rows), max(5, others // max(1, programmes - 1)))
        cohorts.append(rng.sample(place_rows, size))
    return cohorts


# (programme index, started, the last day a session may be dated)
Plan = tuple[int, dt.date | None, dt.date]


def _engagements(rng: random.Random, programme_rows: list[Programme],
                 cohorts: list[list[Place]],
                 today: dt.date) -> tuple[list[Engagement], list[Plan]]:
    engagement_rows: list[Engagement] = []
    plans: list[Plan] = []
    for g, (programme, cohort) in enumerate(zip(programme_rows, cohorts, strict=True)):
        for place in cohort:
            requested = min(programme.starts_on + dt.timedelta(days=rng.randint(0, 120)),
                            today - dt.timedelta(days=60))
            requested = max(requested, programme.starts_on)
            started = requested + dt.timedelta(days=rng.randint(7, 45))
            status, start, ended, end = _life(rng, programme, started, today)
            engagement_rows.append(Engagement(
                programme=programme, place=place, requested_on=requested, status=status,
                started_on=start, ended_on=ended, focus="Flow through the urgent care system",
                days_allocated=Decimal(rng.choice([5, 10, 20, 30, 60]))))
            plans.append((g, start, end))
    return Engagement.objects.bulk_create(engagement_rows, batch_size=2000), plans


def _life(rng: random.Random, programme: Programme, started: dt.date,
          today: dt.date) -> tuple[str, dt.date | None, dt.date | None, dt.date]:
    """An engagement's status, start, end, and the last day a session may be dated: closed
    with its programme, else mostly active (some gone quiet), some requested, closed, paused
    or in diagnostic."""
    roll = rng.random()
    if programme.ends_on is not None:
        ended = max(programme.ends_on, started)
        return Engagement.Status.CLOSED, started, ended, ended
    if roll < 0.05:
        return Engagement.Status.REQUESTED, None, None, today
    if roll < 0.10:
        ended = started + dt.timedelta(days=rng.randint(0, max(0, (today - started).days)))
        return Engagement.Status.CLOSED, started, ended, ended
    if roll < 0.17:
        end = max(started, today - dt.timedelta(days=rng.randint(30, 120)))
        return Engagement.Status.PAUSED, started, None, end
    if roll < 0.25:
        return Engagement.Status.DIAGNOSTIC, started, None, today
    end = today
    if roll > 0.93:  # gone quiet: nothing for a month or more
        end = max(started, today - dt.timedelta(days=rng.randint(25, 90)))
    return Engagement.Status.ACTIVE, started, None, end


def _assignments(rng: random.Random, world: World, engagement_rows: list[Engagement],
                 plans: list[Plan], by_region: dict[int, list[int]],
                 enabler_rows: list[Enabler]) -> int:
    """A lead enabler for every engagement, from its region, and a supporting one for ~30 %."""
    assignments = []
    for eng, (g, started, end) in zip(engagement_rows, plans, strict=True):
        pool = by_region.get(eng.place.region_id) or [x.pk for x in enabler_rows]
        lead = rng.choice(pool)
        support = rng.choice(pool) if rng.random() < 0.3 else None
        support = None if support == lead else support
        since = started or eng.requested_on
        until = eng.ended_on
        assignments.append(Assignment(enabler_id=lead, engagement=eng, role="lead",
                                      started_on=since, ended_on=until))
        if support is not None:
            assignments.append(Assignment(enabler_id=support, engagement=eng, role="supporting",
                                          started_on=since, ended_on=until))
        world.engagements.append(EngagementPlan(
            id=eng.pk, place_id=eng.place_id, programme_index=g, start=started, end=end,
            lead_enabler=lead, supporting_enabler=support))
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    return len(assignments)


def _outcomes(rng: random.Random, world: World) -> int:
    """None to three outcomes per started engagement, dated while it ran."""
    outcome_kinds = [k for k, _ in Outcome.Kind.choices]
    outcomes = [
        Outcome(engagement_id=p.id, kind=rng.choice(outcome_kinds), title="Agreed progress",
                recorded_on=p.start + dt.timedelta(days=rng.randint(0, (p.end - p.start).days)),
                description="Recorded with the place's board.",
                status=Outcome.Status.CONFIRMED, who_changed="The acute trust's discharge team",
                what_changed="Agreed one discharge plan with social care.",
                contribution="Facilitated the board's sessions.",
                confirmed_by_role="Director of Operations, acute trust",
                confirmed_at=dt.datetime.combine(p.end, dt.time(12), tzinfo=dt.UTC))
        for p in world.engagements if p.start is not None and p.end >= p.start
        for _ in range(rng.choice((0, 0, 1, 2, 3)))
    ]
    Outcome.objects.bulk_create(outcomes, batch_size=5000)
    return len(outcomes)
