"""The sessions and everything hanging off them, streamed to the database (``COPY`` on
PostgreSQL) with explicit ids, one engagement at a time.

Shape (deliberately skewed, like a real programme):
- sessions per engagement follow a log-normal weight: a few places are very busy, many are
  quiet; requested engagements have none, quiet ones stopped weeks ago;
- dates are uniform within the engagement's working span and never after today;
- ~90% held, ~6% postponed, ~4% cancelled (with a reason); ~0.5% soft-deleted;
- ~3 themes a session, Zipf-like over the vocabulary (the first themes dominate);
- ~4 named attendees from the place's board; a headcount by sector on ~5% (workshops);
- a shareable learning item on ~10% of sessions, with one or two of the session's themes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TypeVar

from demo.loadgen.world import World
from demo.loadgen.writer import (
    constraints_deferred_to_the_end,
    next_id,
    reset_sequences,
    write_rows,
)
from engagements.models import LearningItem, Session, SessionSectorCount
from engagements.notes import notes_seal
from places.models import Sector

KINDS = [
    (Session.Kind.SITE_VISIT, 30), (Session.Kind.COACHING, 25), (Session.Kind.FACILITATION, 15),
    (Session.Kind.WORKSHOP, 8), (Session.Kind.DIAGNOSTIC, 5), (Session.Kind.INTERVIEW, 7),
    (Session.Kind.LEARNING_NETWORK, 3), (Session.Kind.REMOTE_CALL, 7),
]
DURATIONS = [(60, 25), (90, 25), (120, 20), (180, 10), (240, 8), (450, 10), (30, 2)]
NOTES = [
    "", "", "Board tense; COO and DASS still talking past each other on discharge.",
    "Good energy. Chair wants a follow-up on shared purpose.",
    "Frank conversation about blame culture after the CQC visit.",
    "Quiet session. Need to check in with the GP federation lead.",
]
NEXT_STEPS = ["", "Follow up with the chair.", "Share the SDEC case study.",
              "Book the next board development session."]
REASONS = ["Site postponed — winter pressures", "Chair unavailable", "Rearranged by the place",
           "Cancelled — OPEL 4"]
LEARNING = [
    (LearningItem.Kind.LESSON, "Trust grows when the same people meet every week, not just "
     "when the numbers are bad.", "", False),
    (LearningItem.Kind.GOOD_PRACTICE, "A joint discharge huddle run by the council and the "
     "trust cut delays within a month.", "", False),
    (LearningItem.Kind.BARRIER, "National reporting deadlines crowd out the time to think.",
     "", False),
    (LearningItem.Kind.MESSAGE, "Fewer, steadier national asks would help the place lead.",
     "", False),
    (LearningItem.Kind.QUOTE, "For the first time we are solving the problem together.",
     "NHS Chief Operating Officer", True),
]
# Zipf-like popularity for themes (rank^-1.1).
THEME_SKEW = 1.1


@dataclass
class HistoryCounts:
    sessions: int = 0
    session_themes: int = 0
    session_attendees: int = 0
    sector_counts: int = 0
    learning_items: int = 0
    learning_item_themes: int = 0
    by_engagement: dict[int, int] = field(default_factory=dict)


# Sessions per COPY round: children are held in memory only for one chunk.
CHUNK = 50_000


@dataclass
class Chunk:
    sessions: list[tuple[object, ...]] = field(default_factory=list)
    themes: list[tuple[int, int]] = field(default_factory=list)
    attendees: list[tuple[int, int]] = field(default_factory=list)
    sectors: list[tuple[int, str, int]] = field(default_factory=list)
    items: list[tuple[object, ...]] = field(default_factory=list)
    item_themes: list[tuple[int, int]] = field(default_factory=list)

    def write(self, counts: HistoryCounts, session_columns: list[str],
              item_columns: list[str]) -> None:
        if not self.sessions:
            return
        counts.sessions += write_rows(Session, session_columns, self.sessions)
        counts.session_themes += write_rows(Session.themes.through, ["session_id", "theme_id"],
                                            self.themes)
        counts.session_attendees += write_rows(
            Session.attendees.through, ["session_id", "person_id"], self.attendees)
        counts.sector_counts += write_rows(
            SessionSectorCount, ["session_id", "sector", "headcount"], self.sectors)
        counts.learning_items += write_rows(LearningItem, item_columns, self.items)
        counts.learning_item_themes += write_rows(
            LearningItem.themes.through, ["learningitem_id", "theme_id"], self.item_themes)


T = TypeVar("T")


def _weighted(pairs: Sequence[tuple[T, int]]) -> tuple[list[T], list[int]]:
    values = [v for v, _ in pairs]
    return values, list(accumulate(w for _, w in pairs))


def allocate(world: World, total: int, rng: random.Random) -> dict[int, int]:
    """How many sessions each engagement gets: log-normal weights, by working days."""
    working = [(p, p.start) for p in world.engagements
               if p.start is not None and p.end >= p.start]
    if not working:
        return {}
    weights = [rng.lognormvariate(0, 1.0) * ((p.end - start).days + 1) ** 0.5
               for p, start in working]
    scale = total / sum(weights)
    shares = {p.id: int(w * scale) for (p, _), w in zip(working, weights, strict=True)}
    short = total - sum(shares.values())
    for p, _ in rng.choices(working, weights=weights, k=short):
        shares[p.id] += 1
    return shares


BULK_TABLES = (Session, Session.themes.through, Session.attendees.through, SessionSectorCount,
               LearningItem, LearningItem.themes.through)
# Below this, rows are checked one by one as usual; above it, constraints and indexes are
# rebuilt once at the end (PostgreSQL only, see writer.constraints_deferred_to_the_end).
BULK_FROM = 20_000


def write_history(world: World, total: int, rng: random.Random) -> HistoryCounts:
    """Write ``total`` sessions and their themes, attendees, headcounts and learning."""
    if total >= BULK_FROM:
        with constraints_deferred_to_the_end(BULK_TABLES):
            return _write_history(world, total, rng)
    return _write_history(world, total, rng)


def _write_history(world: World, total: int, rng: random.Random) -> HistoryCounts:
    counts = HistoryCounts()
    shares = allocate(world, total, rng)
    plans = {p.id: p for p in world.engagements}
    first_session = next_id(Session)
    first_item = next_id(LearningItem)
    themes = world.theme_ids
    theme_cum = list(accumulate((r + 1) ** -THEME_SKEW for r in range(len(themes))))
    kinds, kinds_cum = _weighted(KINDS)
    durations, durations_cum = _weighted(DURATIONS)
    sectors = [s for s, _ in Sector.choices]
    tz = dt.UTC

    now = dt.datetime.now(tz)
    # Notes are sealed for their author like real ones, but one sealed note per enabler is
    # reused: sealing each of 1M rows would add ~30 s to generation for nothing measured.
    sealed: dict[int, tuple[str, int]] = {}

    def sealed_note(enabler_id: int) -> tuple[str, int]:
        if enabler_id not in sealed:
            user_id = world.user_of_enabler[enabler_id]
            sealed[enabler_id] = (notes_seal(NOTES[enabler_id % len(NOTES)], author_id=user_id),
                                  user_id)
        return sealed[enabler_id]

    session_columns = ["id", "created_at", "updated_at", "engagement_id", "enabler_id", "date",
                       "kind", "status", "status_reason", "duration_minutes", "notes_sealed",
                       "notes_author_id", "notes_in_confidence", "next_steps", "idempotency_key",
                       "version", "deleted_at"]
    item_columns = ["id", "created_at", "updated_at", "session_id", "kind", "text",
                    "attributed_role", "consent", "shareable"]
    chunk = Chunk()
    sid, iid = first_session, first_item
    for engagement_id, n in shares.items():
        plan = plans[engagement_id]
        start = plan.start
        assert start is not None  # allocate() shares sessions among started engagements only
        span = (plan.end - start).days
        people = world.people_by_place[plan.place_id]
        counts.by_engagement[engagement_id] = n
        for _ in range(n):
            day = start + dt.timedelta(days=rng.randint(0, span))
            enabler = (plan.supporting_enabler
                       if plan.supporting_enabler and rng.random() < 0.25
                       else plan.lead_enabler)
            kind = rng.choices(kinds, cum_weights=kinds_cum)[0]
            roll = rng.random()
            status, reason = Session.Status.HELD, ""
            minutes = rng.choices(durations, cum_weights=durations_cum)[0]
            if roll < 0.04:
                status, reason, minutes = Session.Status.CANCELLED, rng.choice(REASONS), 0
            elif roll < 0.10:
                status, reason, minutes = Session.Status.POSTPONED, rng.choice(REASONS), 0
            created = dt.datetime(day.year, day.month, day.day, 17, tzinfo=tz)
            deleted = now if rng.random() < 0.005 else None
            chunk.sessions.append((sid, created, created, engagement_id, enabler, day, kind,
                                   status, reason, minutes, *sealed_note(enabler), False,
                                   rng.choice(NEXT_STEPS), None, 1, deleted))
            # ~3 themes (2 to 6 drawn, duplicates merged), Zipf-like
            chosen = list(dict.fromkeys(
                rng.choices(themes, cum_weights=theme_cum, k=rng.randint(2, 6))))
            chunk.themes.extend((sid, t) for t in chosen)
            # ~4 attendees (1 to 7) from the place's board
            chunk.attendees.extend((sid, p) for p in rng.sample(people, rng.randint(1, 7)))
            if kind in (Session.Kind.WORKSHOP, Session.Kind.LEARNING_NETWORK) \
                    and rng.random() < 0.6:
                chunk.sectors.extend((sid, s, rng.randint(2, 40))
                                     for s in rng.sample(sectors, rng.randint(1, 4)))
            if status == Session.Status.HELD and rng.random() < 0.11:
                item_kind, text, role, consent = rng.choice(LEARNING)
                chunk.items.append((iid, created, created, sid, item_kind, text, role, consent,
                                    True))
                chunk.item_themes.extend((iid, t) for t in chosen[:rng.randint(1, 2)])
                iid += 1
            sid += 1
            if len(chunk.sessions) >= CHUNK:
                chunk.write(counts, session_columns, item_columns)
                chunk = Chunk()
    chunk.write(counts, session_columns, item_columns)
    reset_sequences([Session, LearningItem])
    return counts


