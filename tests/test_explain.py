"""The per-place and per-enabler session reads use an index, not a scan of every session.

100,000 sessions (200 places' engagements, 100 enablers, three years) are written with COPY on
PostgreSQL (about a second), then analysed, and the real selectors' plans are read. SQLite gets
20,000 (``executemany`` of 100,000 rows into five indexes takes ~10 s there, and its planner
picks an index for these equality-and-range reads whatever the row count once ANALYZEd):

- PostgreSQL: ``EXPLAIN (FORMAT JSON)``; no ``Seq Scan`` on engagements_session, and an index
  scan (plain, index-only or bitmap) on it. The planner runs with real statistics and
  ``enable_seqscan`` left on: a per-place or per-enabler read touches ~1% of the rows, so a
  sequential scan chosen here is a real regression (a dropped index, a filter that stops the
  index applying), not noise. (Forcing ``enable_seqscan = off`` would only prove an index
  *could* be used; we want the plan production would get.)
- SQLite: ``EXPLAIN QUERY PLAN``; the session table is reached by ``SEARCH ... USING INDEX``
  (or ``USING COVERING INDEX``), never ``SCAN``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet, Sum
from django.utils import timezone

from demo.loadgen.writer import next_id, write_rows
from enablers.models import Assignment, Enabler
from engagements.dashboards.definitions import Windows
from engagements.dashboards.place import timeline_queryset
from engagements.dashboards.programme import with_figures
from engagements.models import Engagement, Session
from engagements.notes import notes_seal
from fieldbook.units import monday_of
from places.models import Place, Region

from . import factories as f

pytestmark = pytest.mark.django_db

SESSIONS = 100_000 if connection.vendor == "postgresql" else 20_000
PLACES = 200
ENABLERS = 100
TABLE = "engagements_session"
COLUMNS = ["id", "created_at", "updated_at", "engagement_id", "enabler_id", "date", "kind",
           "status", "status_reason", "duration_minutes", "notes_sealed", "notes_author_id",
           "notes_in_confidence", "next_steps",
           "idempotency_key", "version", "deleted_at"]


@pytest.fixture
def history(db: None) -> dict[str, Any]:
    today = timezone.localdate()
    start = today - dt.timedelta(days=3 * 365)
    programme = f.ProgrammeFactory.create(starts_on=start)
    region = Region.objects.create(name="Explain region", code="explain")
    places = Place.objects.bulk_create([
        Place(name=f"Explain place {i}", slug=f"explain-{i}", region=region)
        for i in range(PLACES)])
    engagements = Engagement.objects.bulk_create([
        Engagement(programme=programme, place=p, status="active", requested_on=start,
                   started_on=start) for p in places])
    enablers = [f.EnablerFactory.create() for _ in range(ENABLERS)]
    Assignment.objects.bulk_create([
        Assignment(enabler=enablers[i % ENABLERS], engagement=e, started_on=start)
        for i, e in enumerate(engagements)])
    rng = random.Random(8)
    sealed = [notes_seal("", author_id=e.user_id) for e in enablers]
    first = next_id(Session)
    created = timezone.now()
    span = (today - start).days

    def rows():
        for n in range(SESSIONS):
            i = rng.randrange(PLACES)
            yield (first + n, created, created, engagements[i].pk, enablers[i % ENABLERS].pk,
                   start + dt.timedelta(days=rng.randint(0, span)), "site_visit", "held", "",
                   90, sealed[i % ENABLERS], enablers[i % ENABLERS].user_id, False, "", None, 1,
                   None)

    assert write_rows(Session, COLUMNS, rows()) == SESSIONS
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}" if connection.vendor == "postgresql" else "ANALYZE")
    return {"today": today, "engagement": engagements[0], "enabler": enablers[0]}


def plan_uses_index(qs: QuerySet[Any]) -> tuple[bool, str]:
    """(True if the session table is read through an index and never scanned, the plan)."""
    if connection.vendor == "postgresql":
        raw = qs.explain(format="json")
        nodes: list[dict[str, Any]] = []

        def walk(node: dict[str, Any]) -> None:
            nodes.append(node)
            for child in node.get("Plans", []):
                walk(child)

        walk(json.loads(raw)[0]["Plan"])
        on_sessions = [n for n in nodes if n.get("Relation Name") == TABLE
                       or str(n.get("Index Name", "")).startswith("session_")]
        scans = {n["Node Type"] for n in on_sessions}
        ok = "Seq Scan" not in scans and bool(
            scans & {"Index Scan", "Index Only Scan", "Bitmap Index Scan", "Bitmap Heap Scan"})
        return ok, raw
    plan = qs.explain()
    # Correlated subqueries name the table by alias (U0): their lines are found by the index.
    lines = [line for line in plan.splitlines()
             if TABLE in line or re.search(r"INDEX (engagements_)?session_", line)]
    full_scans = [line for line in plan.splitlines()
                  if re.search(rf"\bSCAN ({TABLE}|U\d+)\b", line)]
    ok = bool(lines) and not full_scans and all("SEARCH" in line and "INDEX" in line
                                           for line in lines)
    return ok, plan


def queries(history: dict[str, Any]) -> dict[str, QuerySet[Any]]:
    """The reads that must stay indexed: per enabler (My week, the month's minutes behind the
    caseload) and per place (the timeline page, a quarter's figures)."""
    monday = monday_of(history["today"])
    w = Windows(history["today"])
    enabler, engagement = history["enabler"], history["engagement"]
    return {
        "my week": Session.objects.by_enabler(enabler)
        .between(monday, monday + dt.timedelta(days=6)).for_week_table()
        .order_by("date", "created_at"),
        "enabler's month": Session.objects.by_enabler(enabler).held()
        .between(w.month_from, w.today).values("enabler").annotate(m=Sum("duration_minutes")),
        "place timeline": timeline_queryset(engagement)[:50],
        "place's quarter": Session.objects.filter(engagement=engagement).live().held()
        .between(w.quarter_from, w.today).values("engagement")
        .annotate(m=Sum("duration_minutes")),
        # The figures to date come from the rollups; what is left on sessions (the enabler's
        # own last contact, the last 4 weeks per row) must still be index lookups.
        "my engagements": Engagement.objects.assigned_to(enabler).with_activity(enabler),
        "dashboard rows": with_figures(
            Engagement.objects.filter(programme=engagement.programme), w)[:50],
    }


def test_per_place_and_per_enabler_reads_use_an_index(history: dict[str, Any]) -> None:
    # One test, one 100k-session build: the build is the slow part.
    assert Session.objects.count() == SESSIONS
    assert Enabler.objects.count() == ENABLERS
    failures = {}
    for name, qs in queries(history).items():
        ok, plan = plan_uses_index(qs)
        if not ok:
            failures[name] = plan
    assert not failures, failures
