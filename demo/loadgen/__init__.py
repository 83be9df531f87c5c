"""Synthetic national-scale data for benchmarks: ``manage.py generate_load``.

``generate(...)`` builds a deterministic world for a seed (places, boards, enablers,
programmes, engagements) with the ORM, then streams the sessions and their children with COPY.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from demo.loadgen.history import HistoryCounts, write_history
from demo.loadgen.world import BIG_PROGRAMME_PLACES, LOAD_PASSWORD, build_world
from engagements import rollups
from engagements.models import Session
from places.models import Place

__all__ = ["LOAD_PASSWORD", "LoadReport", "database_is_empty", "default_sizes", "generate"]

BIG_TABLES = ("engagements_session", "engagements_session_themes",
              "engagements_session_attendees", "engagements_learningitem",
              "engagements_learningitem_themes", "engagements_sessionsectorcount")


@dataclass
class LoadReport:
    tag: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    history: HistoryCounts | None = None

    def summary(self) -> str:
        parts = [f"{v:,} {k}" for k, v in self.counts.items()]
        h = self.history
        if h is not None:
            parts += [f"{h.sessions:,} sessions", f"{h.session_themes:,} session themes",
                      f"{h.session_attendees:,} attendees", f"{h.sector_counts:,} headcounts",
                      f"{h.learning_items:,} learning items"]
        return f"{', '.join(parts)} in {self.seconds:.1f} s (tag {self.tag})"


def default_sizes(sessions: int) -> dict[str, int]:
    """Places, enablers and programmes in proportion to the sessions, up to the design's
    national scale (2,000 places, 1,000 enablers, 20 programmes at 1,000,000 sessions)."""
    return {
        "places": min(2000, max(BIG_PROGRAMME_PLACES, sessions // 500)),
        "enablers": min(1000, max(20, sessions // 1000)),
        "programmes": min(20, max(3, sessions // 50_000)),
    }


def database_is_empty() -> bool:
    return not (Place.objects.exists() or Session.objects.exists())


def generate(*, sessions: int, places: int, enablers: int, programmes: int, seed: int,
             today: dt.date | None = None) -> LoadReport:
    """Fill the database. One transaction: a failure leaves nothing half-written."""
    started = time.monotonic()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    # The tag keeps names unique when appending to a database that already has a load.
    tag = f"l{seed}" if database_is_empty() else f"l{seed}x{Place.objects.count()}"
    with transaction.atomic():
        world = build_world(rng=rng, tag=tag, today=today, places=places, enablers=enablers,
                            programmes=programmes)
        history = write_history(world, sessions, rng)
        # The dashboards read the rollups: compute them for the new engagements, as the
        # services would have one session at a time.
        rollups.refresh_all([p.id for p in world.engagements])
    if connection.vendor == "postgresql":
        # Fresh statistics and visibility maps, so the planner (and index-only scans) see the
        # database as it would be after autovacuum. VACUUM cannot run inside a transaction.
        # (Inside a caller's transaction, e.g. a test, only ANALYZE is possible.)
        with connection.cursor() as cursor:
            if not connection.in_atomic_block:
                for table in BIG_TABLES:
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
            cursor.execute("ANALYZE")
    return LoadReport(tag=tag, seconds=time.monotonic() - started, counts=world.counts,
                      history=history)
