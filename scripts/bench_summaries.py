"""Benchmark: compile a quarterly learning summary for a programme of 200 places and 30,000
sessions, and report its queries, time and peak memory (issue 5, "Budget").

    DEBUG=true .venv/bin/python scripts/bench_summaries.py
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldbook \\
        .venv/bin/python scripts/bench_summaries.py

It never touches your data: like the test suite it creates a throw-away test database (SQLite in
memory, or ``test_<name>`` on PostgreSQL), fills it with bulk inserts, and drops it at the end.
Options: --places N, --sessions N (defaults 200 and 30000).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from enablers.models import Assignment, Enabler  # noqa: E402
from engagements.models import (  # noqa: E402
    Engagement,
    LearningItem,
    LearningSummary,
    Outcome,
    Programme,
    Session,
    SessionSectorCount,
    Theme,
)
from engagements.notes import notes_seal  # noqa: E402
from engagements.summaries.periods import Period  # noqa: E402
from places.models import Organisation, Person, Place, Region, Sector  # noqa: E402

QUARTER = Period.containing("quarter", dt.date(2025, 4, 1))


def build(places: int, sessions: int) -> Programme:
    rng = random.Random(5)
    regions = Region.objects.bulk_create(
        [Region(name=f"Region {i}", code=f"region-{i}") for i in range(10)])
    place_rows = Place.objects.bulk_create([
        Place(name=f"Place {i}", slug=f"place-{i}", region=regions[i % 10],
              onboarding_status="active") for i in range(places)])
    programme = Programme.objects.create(name="Bench programme", slug="bench",
                                         starts_on=dt.date(2024, 1, 1))
    engagements = Engagement.objects.bulk_create([
        Engagement(programme=programme, place=p, requested_on=dt.date(2024, 1, 1),
                   started_on=dt.date(2024, 1, 8), status="active") for p in place_rows])
    users = get_user_model().objects.bulk_create([
        get_user_model()(username=f"bench-enabler-{i}") for i in range(50)])
    enablers = Enabler.objects.bulk_create([Enabler(user=u) for u in users])
    Assignment.objects.bulk_create([
        Assignment(enabler=enablers[i % 50], engagement=e, role="lead",
                   started_on=dt.date(2024, 1, 8)) for i, e in enumerate(engagements)])
    themes = Theme.objects.bulk_create(
        [Theme(name=f"Theme {i}", slug=f"theme-{i}") for i in range(16)])
    kinds = [k for k, _ in Organisation.Kind.choices]
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"Organisation {i}", kind=kinds[i % len(kinds)]) for i in range(400)])
    people = Person.objects.bulk_create([
        Person(full_name=f"Bench Person {i}", role_title="Director", organisation=orgs[i % 400])
        for i in range(1000)])

    previous = QUARTER.previous()
    span = (QUARTER.end - previous.start).days + 1
    session_rows = Session.objects.bulk_create([
        Session(engagement=engagements[i % places], enabler=enablers[(i % places) % 50],
                date=previous.start + dt.timedelta(days=rng.randrange(span)),
                kind=rng.choice(Session.Kind.values), duration_minutes=rng.choice([60, 90, 450]),
                notes_author_id=enablers[(i % places) % 50].user_id,
                notes_sealed=notes_seal("private", author_id=enablers[(i % places) % 50].user_id),
                status="held")
        for i in range(sessions)], batch_size=2000)
    through = Session.themes.through
    through.objects.bulk_create([
        through(session_id=s.pk, theme_id=t.pk)
        for s in session_rows for t in rng.sample(themes, 2)], batch_size=5000)
    attendees = Session.attendees.through
    attendees.objects.bulk_create([
        attendees(session_id=s.pk, person_id=p.pk)
        for s in session_rows for p in rng.sample(people, 3)], batch_size=5000)
    SessionSectorCount.objects.bulk_create([
        SessionSectorCount(session=s, sector=rng.choice(Sector.values), headcount=5)
        for s in session_rows[::3]], batch_size=5000)
    items = LearningItem.objects.bulk_create([
        LearningItem(session=s, kind="lesson", text=f"Lesson {i}", shareable=True)
        for i, s in enumerate(session_rows[::20])], batch_size=2000)
    LearningItem.themes.through.objects.bulk_create([
        LearningItem.themes.through(learningitem_id=item.pk, theme_id=rng.choice(themes).pk)
        for item in items], batch_size=5000)
    Outcome.objects.bulk_create([
        Outcome(engagement=e, kind="relationships", title=f"Outcome {i}",
                recorded_on=QUARTER.start + dt.timedelta(days=i % 80),
                status=Outcome.Status.CONFIRMED, confirmed_by_role="Chair, council",
                confirmed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        for i, e in enumerate(engagements * 2)])
    return programme


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=30000)
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest queries")
    args = parser.parse_args()

    from engagements.summaries.content import summary_content
    from engagements.summaries.document import summary_markdown_text, summary_pdf_bytes

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        programme = build(args.places, args.sessions)
        print(f"{connection.vendor}: built {args.places} places, {args.sessions} sessions "
              f"in {time.perf_counter() - started:.1f} s")
        summary = LearningSummary.objects.create(
            scope="programme", programme=programme, scope_key=f"programme:{programme.pk}",
            period="quarter", period_start=QUARTER.start, period_end=QUARTER.end)
        summary = LearningSummary.objects.select_related("programme").get(pk=summary.pk)

        tracemalloc.start()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            content = summary_content(summary)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert not [q for q in queries.captured_queries if "notes_sealed" in q["sql"]]
        print(f"compile: {len(queries.captured_queries)} queries, {elapsed:.2f} s, "
              f"peak Python memory {peak / 1e6:.1f} MB; "
              f"{content['activity']['sessions']['now']} sessions in the quarter, "
              f"{len(content['themes'])} themes, {len(content['learning']['items'])} learning "
              f"items, {len(content['outcomes'])} outcomes")

        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
        for query in slowest[:args.slowest]:
            print(f"  {float(query['time']):7.3f} s  {query['sql'][:300]}")

        summary.content, summary.status = content, "ready"
        started = time.perf_counter()
        pdf = summary_pdf_bytes(summary)
        print(f"PDF: {len(pdf) / 1e3:.0f} kB in {time.perf_counter() - started:.2f} s; "
              f"Markdown: {len(summary_markdown_text(summary)) / 1e3:.0f} kB")
        print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
