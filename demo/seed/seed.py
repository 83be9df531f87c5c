"""Build the demo world for ``manage.py seed_demo``: idempotent, deterministic, fast.

- Every row has a natural key (a region's code, a place's slug, an organisation's name, a
  session's ``idempotency_key``...). The seed loads what exists in one query per model and
  bulk-creates only what is missing, so a second run creates nothing and updates nothing.
- Rows that exist are never overwritten: what someone changed while demoing survives the next
  ``make run``. Dates relative to "today" are fixed when a row is first created.
- Sessions are planned per calendar week, with a random generator seeded by (engagement, week):
  a rerun on the same day plans exactly the same sessions and finds them all; a rerun on a later
  day finds the earlier weeks and adds only the weeks since.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, overload

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.db.models.functions import Lower

from demo.seed.boards import board_seats
from demo.seed.context import context_seed
from demo.seed.diagnostic import diagnostic_seed
from demo.seed.learning import DEFAULT_STATEMENT, LEARNING, OUTCOME_STATEMENTS, OUTCOMES
from demo.seed.lifecycle import lifecycle_seed
from demo.seed.messages import messages_seed
from demo.seed.organisations import ORGANISATIONS
from demo.seed.people import (
    DEMO_ENABLER,
    DEMO_PASSWORD,
    ENABLERS,
    OTHER_USERS,
)
from demo.seed.places import PLACES, REGIONS, SYSTEMS
from demo.seed.programmes import ENGAGEMENTS, PROGRAMMES, THEMES
from demo.seed.reach import area_engagements, reach_seed
from demo.seed.sessions import SessionPlanner
from demo.seed.voice import voice_seed
from enablers.models import Assignment, Enabler
from engagements.models import Engagement, Outcome, Programme, Theme
from fieldbook.audit import audit_record
from fieldbook.roles import ALL_ROLES, Role
from places.models import (
    BoardMembership,
    DeliveryBoard,
    Organisation,
    Person,
    Place,
    Region,
    System,
)


def demo_email(full_name: str) -> str:
    return ".".join("".join(c for c in word if c.isalnum())
                    for word in full_name.lower().split()) + "@example.org"


M = TypeVar("M", bound=models.Model)


@dataclass
class SeedReport:
    created: Counter[str] = field(default_factory=Counter)
    passwords_reset: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created) or bool(self.passwords_reset)

    def summary(self) -> str:
        if not self.changed:
            return "Demo data already present; nothing changed."
        counts = dict(self.created)
        parts = [f"{counts.pop('sessions', 0)} sessions"] if self.created else []
        parts += [f"{n} {label}" for label, n in counts.items()]
        lines = ["Created " + ", ".join(parts) + "."] if parts else []
        if self.passwords_reset:
            lines.append("Reset the demo password for: " + ", ".join(self.passwords_reset) + ".")
        return " ".join(lines)


def demo_seed(*, today: dt.date) -> SeedReport:
    """Create whatever of the demo world is missing, in one transaction."""
    seeder = _Seeder(today)
    with transaction.atomic():
        seeder.run()
        if seeder.report.changed:
            audit_record(actor=None, action="fieldbook.demo.seeded",
                         changes=dict(seeder.report.created))
    return seeder.report


class _Seeder:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.report = SeedReport()
        self._password_hash = ""
        self._password_ok: dict[str, bool] = {}

    # -- helpers ---------------------------------------------------------------------------

    def _ensure(self, label: str, existing: Iterable[M], key: Callable[[M], Hashable],
                wanted: Iterable[M]) -> dict[Any, M]:
        """Index existing rows by natural key and bulk-create the wanted ones that are missing."""
        index: dict[Any, M] = {key(obj): obj for obj in existing}
        missing: dict[Any, M] = {}
        for obj in wanted:
            if key(obj) not in index:
                missing.setdefault(key(obj), obj)
        if missing:
            first = next(iter(missing.values()))
            type(first)._default_manager.bulk_create(list(missing.values()))
            index.update(missing)
            self.report.created[label] += len(missing)
        return index

    def _ensure_links(self, label: str, through: type[models.Model], left: str, right: str,
                      pairs: Iterable[tuple[int, int]]) -> None:
        """Add the missing rows of a many-to-many table: one SELECT and at most one INSERT."""
        wanted = set(pairs)
        if not wanted:
            return
        manager = through._default_manager
        existing = set(manager.filter(**{f"{left}__in": {a for a, _ in wanted}})
                       .values_list(left, right))
        missing = sorted(wanted - existing)
        if missing:
            manager.bulk_create([through(**{left: a, right: b}) for a, b in missing])
            self.report.created[label] += len(missing)

    @overload
    def _days_ago(self, days: int) -> dt.date: ...
    @overload
    def _days_ago(self, days: int | None) -> dt.date | None: ...

    def _days_ago(self, days: int | None) -> dt.date | None:
        return None if days is None else self.today - dt.timedelta(days=days)

    # -- the world -------------------------------------------------------------------------

    def run(self) -> None:
        self._places()
        self._boards()
        self._themes()
        self._users()
        self._programmes()
        self._assignments()
        self._outcomes()
        planner = SessionPlanner(
            today=self.today, engagements=self.engagements, places=self.places,
            themes=self.themes, report=self.report.created,
        )
        planner.run(LEARNING)
        # Fresh rows: the bulk-created users' cached profiles may not carry their keys.
        demo_enabler = Enabler.objects.select_related("user").get(user__username=DEMO_ENABLER)
        assigned = Engagement.objects.assigned_to(demo_enabler).select_related(
            "programme").order_by("programme__name").first()
        if assigned is not None:
            messages_seed(programme=assigned.programme, enabler=demo_enabler,
                          lead=User.objects.get(username="lead"), report=self.report.created)
        # Issue 17: each engagement's history, a pause and resume, a pending proposal, and
        # requests for support awaiting triage.
        lifecycle_seed(today=self.today, engagements=self.engagements, regions=self.regions,
                       lead=User.objects.get(username="lead"), enabler=demo_enabler.user,
                       report=self.report.created)
        # Issue 17, point 3: diagnostic participants beyond the board, and the places' records.
        diagnostic_seed(engagements=self.engagements, agreed_by=self._chairs(),
                        report=self.report.created)
        # The 23-area programme's reach, funding, innovations and measures (issue 16).
        reach_seed(today=self.today, report=self.report.created,
                   enabler_engagement=assigned)
        # ... and the fictional areas' sessions from each one's start (issue 17, point 8).
        areas = area_engagements()
        SessionPlanner(today=self.today, engagements=areas,
                       places={spec.place: e.place for spec, e in areas}, themes=self.themes,
                       report=self.report.created).run(())
        # The place's own voice (issue 17): self-assessment and pulse rounds, one suppressed.
        voice_seed(today=self.today, engagements=self.engagements, report=self.report.created)
        # Issue 17, points 6 and 7: context, other support, the CQC asks, good practice.
        context_seed(today=self.today, report=self.report.created)

    def _places(self) -> None:
        codes = [code for code, _ in REGIONS]
        self.regions = self._ensure(
            "regions", Region.objects.filter(code__in=codes), lambda r: r.code,
            [Region(code=code, name=name) for code, name in REGIONS],
        )
        self.systems = self._ensure(
            "systems", System.objects.filter(region__in=self.regions.values()),
            lambda s: (s.region_id, s.name),
            [System(region=self.regions[code], name=name, kind=kind)
             for code, name, kind in SYSTEMS],
        )
        systems_by_name = {s.name: s for s in self.systems.values()}
        self.places = self._ensure(
            "places", Place.objects.filter(slug__in=[p.slug for p in PLACES]),
            lambda p: p.slug,
            [Place(slug=p.slug, name=p.name, region=self.regions[p.region],
                   system=systems_by_name.get(p.system or ""), description=p.description,
                   onboarding_status=p.onboarding_status) for p in PLACES],
        )
        names = [name.lower() for name in ORGANISATIONS]
        self.organisations = self._ensure(
            "organisations",
            Organisation.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=names),
            lambda o: o.name.lower(),
            [Organisation(name=name, kind=kind, ods_code=ods)
             for name, (kind, ods) in ORGANISATIONS.items()],
        )
        self._ensure_links(
            "organisation–place links", Organisation.places.through, "organisation_id",
            "place_id",
            [(self.organisations[org.lower()].pk, self.places[p.slug].pk)
             for p in PLACES for org in p.organisations],
        )

    def _boards(self) -> None:
        boards = self._ensure(
            "delivery boards", DeliveryBoard.objects.filter(place__in=self.places.values()),
            lambda b: b.place_id,
            [DeliveryBoard(
                place=self.places[p.slug], name=p.board,
                established_on=p.board_established_on,
            ) for p in PLACES],
        )
        seats = board_seats()
        people = self._ensure(
            "people",
            Person.objects.filter(full_name__in={s.full_name for _, s in seats},
                                  organisation__in=self.organisations.values()),
            lambda p: (p.organisation_id, p.full_name),
            [Person(full_name=s.full_name, role_title=s.role_title,
                    organisation=self.organisations[s.organisation.lower()],
                    # Fictional, and example.org's: so an enabler can send an outcome to
                    # confirm (issue 16) in the demo.
                    email=demo_email(s.full_name)) for _, s in seats],
        )
        self._ensure(
            "board memberships",
            BoardMembership.objects.filter(board__in=boards.values()),
            lambda m: (m.board_id, m.person_id),
            [BoardMembership(
                board=boards[self.places[place.slug].pk],
                person=people[(self.organisations[s.organisation.lower()].pk, s.full_name)],
                board_role=s.board_role, started_on=s.started_on,
            ) for place, s in seats],
        )

    def _themes(self) -> None:
        self.themes = self._ensure(
            "themes", Theme.objects.filter(slug__in=[slug for slug, _, _ in THEMES]),
            lambda t: t.slug,
            [Theme(slug=slug, name=name, description=description)
             for slug, name, description in THEMES],
        )

    def _users(self) -> None:
        specs = [(e.username, e.first_name, e.last_name, Role.ENABLER, False)
                 for e in ENABLERS] + list(OTHER_USERS)
        existing = list(User.objects.filter(username__in=[s[0] for s in specs]))
        for user in existing:
            self._check_password(user)
        missing = {s[0] for s in specs} - {u.get_username() for u in existing}
        self.users = self._ensure(
            "users", existing, lambda u: u.get_username(),
            [User(username=username, first_name=first, last_name=last, is_staff=is_staff,
                  email=f"{first}.{last}@example.org".lower(), password=self._hash())
             for username, first, last, _, is_staff in specs if username in missing],
        )
        groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in ALL_ROLES])}
        for role in ALL_ROLES:  # The groups come from a migration; this only guards a bare DB.
            if role.value not in groups:
                groups[role.value] = Group.objects.create(name=role.value)
        self._ensure_links(
            "role memberships", User.groups.through, "user_id", "group_id",
            [(self.users[s[0]].pk, groups[s[3].value].pk) for s in specs],
        )
        self.enablers = self._ensure(
            "enablers", Enabler.objects.filter(user__in=self.users.values()),
            lambda e: e.user_id,
            [Enabler(user=self.users[e.username], background=e.background,
                     capacity_days_per_week=Decimal(e.capacity)) for e in ENABLERS],
        )
        self._ensure_links(
            "enabler regions", Enabler.regions.through, "enabler_id", "region_id",
            [(self.enablers[self.users[e.username].pk].pk, self.regions[code].pk)
             for e in ENABLERS for code in e.regions],
        )

    def _hash(self) -> str:
        # One hash for every demo user: they share a published password, and hashing it once
        # (rather than per user) keeps the first run fast.
        if not self._password_hash:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def _check_password(self, user: User) -> None:
        """Reset a demo user's password only if it no longer is the demo password."""
        encoded = user.password
        if encoded not in self._password_ok:  # one (slow) hash check per distinct hash
            self._password_ok[encoded] = check_password(DEMO_PASSWORD, encoded)
        if not self._password_ok[encoded]:
            user.password = self._hash()
            user.save(update_fields=["password"])
            self.report.passwords_reset.append(user.get_username())

    def _programmes(self) -> None:
        self.programmes = self._ensure(
            "programmes", Programme.objects.filter(slug__in=[p.slug for p in PROGRAMMES]),
            lambda p: p.slug,
            [Programme(slug=p.slug, name=p.name, description=p.description,
                       starts_on=self._days_ago(p.starts_days_ago),
                       summary_cadence=p.summary_cadence) for p in PROGRAMMES],
        )
        lead = self.users["lead"]
        self._ensure_links("programme leads", Programme.leads.through, "programme_id", "user_id",
                           [(p.pk, lead.pk) for p in self.programmes.values()])
        engagements = self._ensure(
            "engagements",
            Engagement.objects.filter(programme__in=self.programmes.values()),
            lambda e: (e.programme_id, e.place_id),
            [Engagement(
                programme=self.programmes[e.programme], place=self.places[e.place],
                status=e.status, focus=e.focus, days_allocated=Decimal(e.days_allocated),
                requested_on=self._days_ago(e.requested_days_ago),
                started_on=self._days_ago(e.started_days_ago),
                ended_on=self._days_ago(e.ended_days_ago),
                is_pilot=bool(e.pilot_of), pilot_of=e.pilot_of,
            ) for e in ENGAGEMENTS],
        )
        self.engagements = [
            (spec, engagements[(self.programmes[spec.programme].pk, self.places[spec.place].pk)])
            for spec in ENGAGEMENTS
        ]

    def _assignments(self) -> None:
        existing = list(Assignment.objects.filter(
            engagement__in=[e for _, e in self.engagements]))
        current = {(a.engagement_id, a.enabler_id) for a in existing if a.ended_on is None}
        has_lead = {a.engagement_id for a in existing
                    if a.role == Assignment.Role.LEAD and a.ended_on is None}
        wanted: list[Assignment] = []
        for spec, eng in self.engagements:
            if eng.started_on is None or not spec.lead:
                continue
            for username, role in ((spec.lead, "lead"), (spec.supporting, "supporting")):
                if not username:
                    continue
                enabler = self.enablers[self.users[username].pk]
                # Respect reassignments made while demoing: never a second current lead, and
                # never a second current assignment for one enabler (both are constraints).
                if (role == "lead" and eng.pk in has_lead) or (eng.pk, enabler.pk) in current:
                    continue
                started = eng.started_on
                if role == "supporting":
                    started = min(started + dt.timedelta(weeks=8), self.today)
                wanted.append(Assignment(
                    enabler=enabler, engagement=eng, role=role, started_on=started,
                    ended_on=eng.ended_on if eng.status == Engagement.Status.CLOSED else None,
                ))
        self._ensure("assignments", existing,
                     lambda a: (a.enabler_id, a.engagement_id, a.role), wanted)

    @staticmethod
    def _chairs() -> dict[str, str]:
        """Who confirms a place's outcomes (and agrees its diagnostic record) in the demo: its
        board's chair, by role and kind of organisation, by place slug."""
        return {
            place.slug: f"{seat.role_title}, "
            f"{Organisation.Kind.in_words(ORGANISATIONS[seat.organisation][0])}"
            for place, seat in board_seats() if seat.board_role == "chair"}

    def _outcomes(self) -> None:
        by_place = {spec.place: (spec, eng) for spec, eng in reversed(self.engagements)}
        existing = Outcome.objects.filter(engagement__in=[e for _, e in self.engagements])
        wanted: list[Outcome] = []
        themes: list[tuple[Outcome, str]] = []
        confirmers = self._chairs()
        for o in OUTCOMES:
            spec, eng = by_place[o.place]
            if eng.started_on is None:
                continue
            recorded = max(self.today - dt.timedelta(days=o.days_ago), eng.started_on)
            if eng.ended_on:
                recorded = min(recorded, eng.ended_on)
            statement = OUTCOME_STATEMENTS.get(o.title, DEFAULT_STATEMENT)
            confirmed = statement.state == Outcome.Status.CONFIRMED
            outcome = Outcome(engagement=eng, kind=o.kind, title=o.title,
                              description=o.description, measure=o.measure,
                              recorded_on=recorded,
                              recorded_by=self.users[spec.lead] if spec.lead else None,
                              status=statement.state, who_changed=statement.who_changed,
                              what_changed=o.description, changed_on=recorded,
                              why_it_matters=o.measure, contribution=statement.contribution,
                              # A fictional board member of the place, by role (never name).
                              confirmed_by_role=confirmers.get(o.place, "") if confirmed else "",
                              confirmed_at=dt.datetime.combine(
                                  min(recorded + dt.timedelta(days=9), self.today), dt.time(10),
                                  tzinfo=dt.UTC) if confirmed else None)
            wanted.append(outcome)
            themes += [(outcome, slug) for slug in o.themes]
        index = self._ensure("outcomes", existing, lambda o: (o.engagement_id, o.title), wanted)
        # Themes only for the outcomes created just now: an existing outcome keeps its own.
        self._ensure_links(
            "outcome themes", Outcome.themes.through, "outcome_id", "theme_id",
            [(o.pk, self.themes[slug].pk) for o, slug in themes
             if index[(o.engagement_id, o.title)] is o],
        )
