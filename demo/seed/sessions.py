"""The demo's year of sessions, and the learning recorded in them.

Each engagement is planned week by week over the twelve months up to today. A week's random
choices come from a generator seeded by (programme, place, Monday), and every choice is drawn
whether or not the session is kept, so a week always plans the same sessions. Each session's
``idempotency_key`` is a uuid5 of (place, enabler, date, kind): the seed asks the database once
which keys exist and bulk-creates only the rest, with their attendees, themes and headcounts.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from demo.seed.learning import (
    CANCELLED_REASONS,
    NEXT_STEPS,
    POSTPONED_REASONS,
    PRIVATE_NOTES,
    WINTER_REASON,
    LearningSpec,
)
from demo.seed.organisations import ORGANISATIONS
from demo.seed.places import PLACES
from demo.seed.programmes import PROGRAMMES, EngagementSpec
from enablers.models import Assignment
from engagements import rollups
from engagements.models import Engagement, LearningItem, Session, SessionSectorCount, Theme
from engagements.notes import notes_seal
from fieldbook.units import monday_of
from places.models import SECTOR_BY_KIND, BoardMembership, Place, Sector

# Fixed seed for every random choice in the demo (board members' names, each week's sessions).
SEED = 2017
SESSION_KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fieldbook.example/demo/sessions")
# Sessions are planned from each engagement's start (issue 17: a year's window left Central
# Lancashire "started 11 April 2025" with no session before December), at most this far back.
WINDOW = dt.timedelta(days=3 * 364)
LEARNING_WINDOW = dt.timedelta(days=364)
WORKING_STATUSES = frozenset({"diagnostic", "active", "paused", "closed"})
DIAGNOSTIC_WEEKS = 6  # the first weeks of an engagement are diagnostic work
GAP_WEEKS = 4  # length of a calendar-anchored quiet spell

# Minutes (min, max) by kind; always drawn in quarter-hour steps.
MINUTES: dict[str, tuple[int, int]] = {
    "site_visit": (240, 450), "coaching": (60, 120), "facilitation": (120, 240),
    "workshop": (180, 420), "diagnostic": (240, 450), "interview": (60, 90),
    "learning_network": (300, 420), "remote_call": (60, 90),
}
KIND_WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = {
    "diagnostic": (("diagnostic", 4), ("interview", 4), ("site_visit", 2), ("remote_call", 1)),
    "support": (("site_visit", 6), ("coaching", 5), ("facilitation", 4), ("workshop", 2),
                ("remote_call", 3), ("interview", 1)),
    # Leadership-development programmes: more workshops and coaching, fewer site visits.
    "development": (("workshop", 4), ("coaching", 5), ("facilitation", 3), ("site_visit", 3),
                    ("remote_call", 3)),
}
DEVELOPMENT_PROGRAMMES = frozenset({PROGRAMMES[2].slug})
WEEKDAY_WEIGHTS = (2, 3, 3, 3, 1)
EARLY_WEEKDAY_WEIGHTS = (5, 4, 1, 1, 0)
HEADCOUNT_KINDS = frozenset({"workshop", "learning_network"})
LEARNING_KINDS = frozenset({"site_visit", "coaching", "facilitation", "workshop", "diagnostic",
                            "interview", "learning_network"})


@dataclass(frozen=True)
class _Plan:
    key: uuid.UUID
    engagement_id: int
    enabler_id: int
    date: dt.date
    kind: str
    status: str
    reason: str
    minutes: int
    attendee_ids: tuple[int, ...]
    theme_ids: tuple[int, ...]
    private_notes: str
    next_steps: str
    sector_counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class _Slot:
    role: str
    enabler_id: int
    username: str
    started_on: dt.date
    ended_on: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)


class SessionPlanner:
    def __init__(self, *, today: dt.date, engagements: list[tuple[EngagementSpec, Engagement]],
                 places: dict[str, Place], themes: dict[str, Theme], report: Counter[str]) -> None:
        self.today = today
        self.engagements = engagements
        self.places = places
        self.themes = themes
        self.report = report
        self.programmes = {p.slug: p for p in PROGRAMMES}
        self.theme_slugs = sorted(themes)

    def run(self, learning: Iterable[LearningSpec]) -> None:
        self._load()
        plans = {eng.pk: self._plan(spec, eng) for spec, eng in self.engagements}
        existing = dict(
            Session.objects.filter(engagement_id__in=plans, idempotency_key__isnull=False)
            .values_list("idempotency_key", "pk")
        )
        new = [p for ps in plans.values() for p in ps if p.key not in existing]
        if new:  # a rerun on the same day plans the same keys, finds them all and writes nothing
            existing.update(self._create(new))
        self._learning(learning, plans, existing)

    def _load(self) -> None:
        """Assignments and board members of the demo engagements: two queries."""
        self.slots: dict[int, list[_Slot]] = defaultdict(list)
        self.user_of_enabler: dict[int, int] = {}
        for a in (Assignment.objects.filter(engagement__in=[e for _, e in self.engagements])
                  .select_related("enabler__user").order_by("started_on", "pk")):
            self.user_of_enabler[a.enabler_id] = a.enabler.user_id
            self.slots[a.engagement_id].append(_Slot(
                a.role, a.enabler_id, a.enabler.user.get_username(), a.started_on, a.ended_on))
        self.people: dict[int, list[int]] = defaultdict(list)
        for place_id, person_id in (
            BoardMembership.objects.filter(board__place__in=self.places.values(),
                                           ended_on__isnull=True)
            .order_by("person_id").values_list("board__place_id", "person_id")
        ):
            self.people[place_id].append(person_id)
        self.sectors = {
            p.slug: sorted({SECTOR_BY_KIND[ORGANISATIONS[o][0]] for o in p.organisations}
                           | {Sector.PATIENTS})
            for p in PLACES
        }

    # -- planning --------------------------------------------------------------------------

    def _plan(self, spec: EngagementSpec, eng: Engagement) -> list[_Plan]:
        if eng.status not in WORKING_STATUSES or eng.started_on is None:
            return []
        start = max(eng.started_on, self.today - WINDOW)
        end = min(self.today, eng.ended_on or self.today,
                  self.today - dt.timedelta(weeks=spec.quiet_weeks))
        plans: dict[uuid.UUID, _Plan] = {}
        monday = monday_of(start)
        while monday <= end:
            for plan in self._week(spec, eng, monday):
                if start <= plan.date <= end:
                    plans.setdefault(plan.key, plan)
            monday += dt.timedelta(weeks=1)
        return sorted(plans.values(), key=lambda p: (p.date, p.kind))

    def _week(self, spec: EngagementSpec, eng: Engagement, monday: dt.date,
              ) -> Iterator[_Plan]:
        rng = random.Random(f"{SEED}:{spec.programme}:{spec.place}:{monday.isoformat()}")
        if _is_holiday_week(monday) or _in_gap(spec, monday):
            return
        assert eng.started_on is not None
        diagnostic = (eng.status == Engagement.Status.DIAGNOSTIC
                      or (monday - eng.started_on).days // 7 < DIAGNOSTIC_WEEKS)
        programme = self.programmes[spec.programme]
        if not diagnostic and monday.day <= 7 and monday.month in programme.network_months:
            # The programme's learning network meets on the same Wednesday for every place.
            yield from self._session(rng, spec, eng, monday + dt.timedelta(days=2),
                                     "learning_network", "lead")
            return
        # An engagement opens with a diagnostic visit in its first full week, whatever the
        # cadence (the Accelerate model: "starting with a diagnostic"): no history starts late.
        first_week = monday == monday_of(eng.started_on + dt.timedelta(days=6))
        if rng.random() >= spec.cadence and not first_week:
            return
        weights = KIND_WEIGHTS["diagnostic" if diagnostic else
                               "development" if spec.programme in DEVELOPMENT_PROGRAMMES
                               else "support"]
        kind = rng.choices([k for k, _ in weights], weights=[w for _, w in weights])[0]
        role = "supporting" if rng.random() < 0.15 else "lead"
        day_weights = EARLY_WEEKDAY_WEIGHTS if spec.early_in_week else WEEKDAY_WEIGHTS
        weekday = rng.choices(range(5), weights=day_weights)[0]
        yield from self._session(rng, spec, eng, monday + dt.timedelta(days=weekday), kind, role)
        if rng.random() < 0.15:  # the supporting enabler's own catch-up, on another day
            weekday = (weekday + 1 + rng.randrange(4)) % 5
            kind = rng.choice(("coaching", "remote_call"))
            yield from self._session(rng, spec, eng, monday + dt.timedelta(days=weekday), kind,
                                     "supporting", fallback_to_lead=False)

    def _session(self, rng: random.Random, spec: EngagementSpec, eng: Engagement,
                 day: dt.date, kind: str, role: str, *, fallback_to_lead: bool = True,
                 ) -> Iterator[_Plan]:
        # Every draw happens before any decision to drop the session, so that what this week
        # plans never depends on whether an earlier session fell inside the window.
        roll = rng.random()
        winter = day.month in (12, 1, 2)
        status, reason = Session.Status.HELD.value, ""
        if roll < 0.02:
            status, reason = Session.Status.CANCELLED.value, rng.choice(CANCELLED_REASONS)
        elif roll < (0.12 if winter else 0.05):
            status = Session.Status.POSTPONED.value
            reason = (WINTER_REASON if winter and rng.random() < 0.6
                      else rng.choice(POSTPONED_REASONS))
        low, high = MINUTES[kind]
        minutes = rng.randrange(low, high + 1, 15)
        size = {"coaching": 1, "interview": rng.randint(1, 2),
                "remote_call": rng.randint(1, 3)}.get(kind) or rng.randint(2, 6)
        pool = self.people[self.places[spec.place].pk]
        attendees = rng.sample(pool, min(size, len(pool)))
        themes: list[str] = []
        for _ in range(rng.randint(1, 3)):
            slug = (rng.choice(spec.themes) if spec.themes and rng.random() < 0.75
                    else rng.choice(self.theme_slugs))
            if slug not in themes:
                themes.append(slug)
        notes = rng.choice(PRIVATE_NOTES) if rng.random() < 0.85 else ""
        next_steps = rng.choice(NEXT_STEPS) if rng.random() < 0.4 else ""
        # A place outside PLACES (the 23-area programme's fictional areas) has no
        # organisations on record: its events draw on every sector.
        sectors = self.sectors.get(spec.place) or sorted(Sector.values)
        picked = rng.sample(sectors, rng.randint(min(3, len(sectors)), min(6, len(sectors))))
        top = 25 if kind == "learning_network" else 12
        headcounts = tuple((sector, rng.randint(1, top)) for sector in sorted(picked))

        slot = self._slot(eng.pk, role, day) or (
            self._slot(eng.pk, "lead", day) if fallback_to_lead else None)
        if slot is None:
            return
        held = status == Session.Status.HELD
        yield _Plan(
            key=uuid.uuid5(SESSION_KEY_NAMESPACE,
                           f"{spec.place}|{slot.username}|{day.isoformat()}|{kind}"),
            engagement_id=eng.pk, enabler_id=slot.enabler_id, date=day, kind=kind,
            status=status, reason=reason, minutes=minutes,
            attendee_ids=tuple(attendees) if held else (),
            theme_ids=tuple(self.themes[slug].pk for slug in themes),
            private_notes=notes if held else "", next_steps=next_steps if held else "",
            sector_counts=headcounts if held and kind in HEADCOUNT_KINDS else (),
        )

    def _slot(self, engagement_id: int, role: str, day: dt.date) -> _Slot | None:
        return next((s for s in self.slots[engagement_id]
                     if s.role == role and s.covers(day)), None)

    # -- writing ---------------------------------------------------------------------------

    def _create(self, plans: list[_Plan]) -> dict[uuid.UUID, int]:
        sessions = [
            Session(engagement_id=p.engagement_id, enabler_id=p.enabler_id, date=p.date,
                    kind=p.kind, status=p.status, status_reason=p.reason,
                    duration_minutes=p.minutes,
                    notes_author_id=self.user_of_enabler[p.enabler_id],
                    notes_sealed=notes_seal(p.private_notes,
                                            author_id=self.user_of_enabler[p.enabler_id]),
                    next_steps=p.next_steps, idempotency_key=p.key)
            for p in plans
        ]
        Session.objects.bulk_create(sessions, batch_size=500)
        pks: dict[uuid.UUID, int] = {p.key: s.pk for p, s in zip(plans, sessions, strict=True)}
        attendees = [Session.attendees.through(session_id=pks[p.key], person_id=person)
                     for p in plans for person in p.attendee_ids]
        themes = [Session.themes.through(session_id=pks[p.key], theme_id=theme)
                  for p in plans for theme in p.theme_ids]
        headcounts = [SessionSectorCount(session_id=pks[p.key], sector=sector, headcount=n)
                      for p in plans for sector, n in p.sector_counts]
        Session.attendees.through.objects.bulk_create(attendees, batch_size=1000)
        Session.themes.through.objects.bulk_create(themes, batch_size=1000)
        SessionSectorCount.objects.bulk_create(headcounts, batch_size=1000)
        rollups.refresh_all({p.engagement_id for p in plans})
        self.report["sessions"] += len(sessions)
        for label, rows in (("session attendees", attendees), ("session themes", themes),
                            ("sector headcounts", headcounts)):
            if rows:
                self.report[label] += len(rows)
        return pks

    def _learning(self, learning: Iterable[LearningSpec],
                  plans: dict[int, list[_Plan]], session_pks: dict[uuid.UUID, int]) -> None:
        """Shareable learning, each item once per engagement, on one of its held sessions."""
        # A place's first engagement in the list holds its learning (a place in two
        # programmes, such as an Integrated Care Pioneer also an Accelerate site, keeps it).
        engagement_by_place = {spec.place: eng for spec, eng in reversed(self.engagements)}
        existing = set(
            LearningItem.objects.filter(session__engagement_id__in=plans)
            .values_list("session__engagement_id", "text")
        )
        items: list[LearningItem] = []
        item_themes: list[tuple[LearningItem, str]] = []
        for spec in learning:
            eng = engagement_by_place[spec.place]
            held = [p for p in plans[eng.pk]
                    if p.status == Session.Status.HELD and p.kind in LEARNING_KINDS]
            # Placed along the last year's sessions, as before the history reached back to
            # each engagement's start: who shared what (and so the messages and the demo
            # enabler's own learning) stays as it was.
            held = [p for p in held if p.date > self.today - LEARNING_WINDOW] or held
            if (eng.pk, spec.text) in existing or not held:
                continue
            plan = held[round(spec.position * (len(held) - 1))]
            item = LearningItem(
                session_id=session_pks[plan.key], kind=spec.kind, text=spec.text,
                attributed_role=spec.attributed_role, consent=spec.kind == "quote",
                shareable=spec.shareable,
            )
            items.append(item)
            item_themes += [(item, slug) for slug in spec.themes]
        if not items:
            return
        LearningItem.objects.bulk_create(items)
        LearningItem.themes.through.objects.bulk_create([
            LearningItem.themes.through(learningitem_id=item.pk, theme_id=self.themes[slug].pk)
            for item, slug in item_themes
        ])
        self.report["learning items"] += len(items)
        self.report["learning item themes"] += len(item_themes)


def _is_holiday_week(monday: dt.date) -> bool:
    """The weeks of Christmas Day and New Year's Day: nobody books a visit."""
    return (monday.month == 12 and monday.day >= 19) or (monday.month == 1 and monday.day <= 1)


def _in_gap(spec: EngagementSpec, monday: dt.date) -> bool:
    """A quiet spell of GAP_WEEKS at a fixed calendar period, the same on every run."""
    if not spec.gap_every_weeks:
        return False
    phase = zlib.crc32(spec.place.encode())
    return (monday.toordinal() // 7 + phase) % spec.gap_every_weeks < GAP_WEEKS
