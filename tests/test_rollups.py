"""The engagement rollups (engagements/rollups.py) stay equal to what the sessions say: after
every kind of write through the services, after the bulk writers, and under concurrent logs.

``expected()`` recomputes each figure in Python from the sessions, independently of the SQL in
``rollups``; ``rollups.rebuild()`` returning 0 says no row had drifted.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from engagements import rollups
from engagements.models import (
    Engagement,
    EngagementActivity,
    EngagementQuarter,
    EngagementTheme,
    EngagementThemeMonth,
    Session,
)
from engagements.week import services
from places.models import Organisation, Sector

from . import factories as f
from .test_week_services import TODAY, World

pytestmark = pytest.mark.django_db


def expected(engagement: Engagement) -> dict[str, Any]:
    held = [s for s in Session.objects.filter(engagement=engagement).prefetch_related("themes")
            if s.status == Session.Status.HELD and s.deleted_at is None]
    themes: dict[int, list[dt.date]] = {}
    months: dict[tuple[int, dt.date], int] = {}
    for s in held:
        for t in s.themes.all():
            themes.setdefault(t.pk, []).append(s.date)
            key = (t.pk, s.date.replace(day=1))
            months[key] = months.get(key, 0) + 1
    return {
        "activity": (len(held), sum(s.duration_minutes for s in held),
                     max((s.date for s in held), default=None)),
        "themes": {pk: len(days) for pk, days in themes.items()},
        "months": months,
    }


def stored(engagement: Engagement) -> dict[str, Any]:
    activity = EngagementActivity.objects.filter(engagement=engagement).first()
    return {
        "activity": ((activity.held_sessions, activity.held_minutes, activity.last_held_on)
                     if activity else (0, 0, None)),
        "themes": {row.theme_id: row.held_sessions
                   for row in EngagementTheme.objects.filter(engagement=engagement)},
        "months": {(row.theme_id, row.month): row.held_sessions
                   for row in EngagementThemeMonth.objects.filter(engagement=engagement)},
    }


def in_step(*engagements: Engagement) -> None:
    for engagement in engagements:
        assert stored(engagement) == expected(engagement), engagement
    assert rollups.rebuild() == 0


def test_every_service_write_keeps_the_rollups_in_step() -> None:
    world = World()
    engagement = world.engagement
    first = world.log(duration_minutes=120, date=dt.date(2024, 3, 4))
    assert stored(engagement) == {"activity": (1, 120, dt.date(2024, 3, 4)),
                                  "themes": {world.theme.pk: 1},
                                  "months": {(world.theme.pk, dt.date(2024, 3, 1)): 1}}
    second = world.log(date=dt.date(2024, 3, 11), duration_minutes=60,
                       theme_ids=frozenset({world.theme.pk, world.other_theme.pk}))
    world.log(date=dt.date(2024, 3, 12), status=Session.Status.POSTPONED, duration_minutes=0,
              status_reason="Board moved", theme_ids=frozenset({world.other_theme.pk}))
    # A postponement is contact attempted, never a held session or a theme count.
    assert stored(engagement) == {
        "activity": (2, 180, dt.date(2024, 3, 11)),
        "themes": {world.theme.pk: 2,
                   world.other_theme.pk: 1},
        "months": {(world.theme.pk, dt.date(2024, 3, 1)): 2,
                   (world.other_theme.pk, dt.date(2024, 3, 1)): 1}}
    in_step(engagement)

    # An edit that changes the length, the date and the themes.
    services.session_update(
        enabler=world.enabler, session=first, expected_version=first.version, today=TODAY,
        data=world.data(date=dt.date(2024, 3, 12), duration_minutes=45,
                        theme_ids=frozenset({world.other_theme.pk})))
    assert stored(engagement)["activity"] == (2, 105, dt.date(2024, 3, 12))
    assert stored(engagement)["themes"] == {world.theme.pk: 1,
                                            world.other_theme.pk: 2}
    in_step(engagement)

    # Delete, then undo.
    services.session_delete(enabler=world.enabler, session=second)
    assert stored(engagement) == {"activity": (1, 45, dt.date(2024, 3, 12)),
                                  "themes": {world.other_theme.pk: 1},
                                  "months": {(world.other_theme.pk, dt.date(2024, 3, 1)): 1}}
    services.session_restore(enabler=world.enabler, session=second)
    in_step(engagement)

    # Moving a session to another engagement updates both.
    other = f.AssignmentFactory.create(enabler=world.enabler).engagement
    first.refresh_from_db()
    services.session_update(
        enabler=world.enabler, session=first, expected_version=first.version, today=TODAY,
        data=world.data(engagement_id=other.pk, attendee_ids=frozenset(),
                        date=dt.date(2024, 3, 12), duration_minutes=45))
    assert stored(other)["activity"] == (1, 45, dt.date(2024, 3, 12))
    assert stored(engagement)["activity"] == (1, 60, dt.date(2024, 3, 11))
    in_step(engagement, other)


def test_a_write_recomputes_only_its_months_and_leaves_the_others_right() -> None:
    """The services recompute the theme counts of the months they wrote; the other months'
    rows stay as they were, and the totals to date add them all up."""
    world = World()
    engagement = world.engagement
    feb = world.log(date=dt.date(2024, 2, 20))
    world.log(date=dt.date(2024, 3, 5))
    services.session_update(
        enabler=world.enabler, session=feb, expected_version=feb.version, today=TODAY,
        data=world.data(date=dt.date(2024, 1, 31),
                        theme_ids=frozenset({world.theme.pk, world.other_theme.pk})))
    assert stored(engagement)["months"] == {
        (world.theme.pk, dt.date(2024, 1, 1)): 1, (world.other_theme.pk, dt.date(2024, 1, 1)): 1,
        (world.theme.pk, dt.date(2024, 3, 1)): 1}
    assert stored(engagement)["themes"] == {world.theme.pk: 2, world.other_theme.pk: 1}
    in_step(engagement)


def test_copying_last_week_forward_counts_the_copies() -> None:
    world = World()
    source = world.log(date=dt.date(2024, 3, 5))
    services.sessions_repeat(enabler=world.enabler, source_ids=[source.pk],
                             batch_key=uuid.uuid4(), today=TODAY)
    assert stored(world.engagement)["activity"] == (2, 240, dt.date(2024, 3, 12))
    in_step(world.engagement)


def test_an_engagement_nobody_has_logged_against_reads_as_nothing_yet() -> None:
    engagement = f.EngagementFactory.create()
    rollups.refresh([engagement.pk])
    assert stored(engagement) == {"activity": (0, 0, None), "themes": {}, "months": {}}


def test_rebuild_finds_and_repairs_drift(capsys: Any) -> None:
    session = f.SessionFactory.create(themes=[f.ThemeFactory.create()])
    engagement = session.engagement
    call_command("rebuild_rollups", "--check")
    assert "0 rows corrected" in capsys.readouterr().out
    # Writes that go around the services: the session's length changed by raw SQL, and one
    # theme row lost.
    Session.objects.filter(pk=session.pk).update(duration_minutes=180)
    EngagementTheme.objects.filter(engagement=engagement).delete()
    with pytest.raises(CommandError, match="2 rollup rows had drifted"):
        call_command("rebuild_rollups", "--check")
    in_step(engagement)


def test_the_nightly_task_repairs_and_reports_drift(caplog: Any, settings: Any) -> None:
    from engagements import tasks

    session = f.SessionFactory.create()
    assert tasks.check_rollups() == 0
    assert "engagements.check_rollups" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED,
                                                 status_reason="Chair unwell")
    with caplog.at_level("WARNING", logger="engagements.tasks"):
        assert tasks.check_rollups() == 1
    assert "1 rows had drifted" in caplog.text
    assert stored(session.engagement)["activity"] == (0, 0, None)


def test_the_demo_data_and_the_load_generator_leave_the_rollups_in_step(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert EngagementActivity.objects.filter(held_sessions__gt=0).exists()
    assert rollups.rebuild() == 0
    call_command("generate_load", "--sessions", "300", "--seed", "3", "--append",
                 stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rollups.rebuild() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_two_visits_logged_at_once_are_both_counted() -> None:
    """Two enablers log on one engagement at the same moment, each in its own connection.

    On PostgreSQL both sessions are inserted before either transaction recomputes the
    rollup, so without the engagement lock each would count only its own visit. (SQLite lets
    one writer in at a time: there the two logs simply run one after the other.)
    """
    world = World()
    second = f.AssignmentFactory.create(engagement=world.engagement, role="supporting").enabler
    postgres = connection.vendor == "postgresql"
    barrier = threading.Barrier(2, timeout=15)
    real_write = services._write_relations
    errors: list[BaseException] = []

    def write_then_wait(*args: Any, **kwargs: Any) -> list[int]:
        written = real_write(*args, **kwargs)
        if postgres:
            barrier.wait()  # both sessions are in, neither committed
        return written

    def log(enabler: Any) -> None:
        try:
            services.session_log(enabler=enabler, idempotency_key=uuid.uuid4(), today=TODAY,
                                 data=world.data(attendee_ids=frozenset()))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    services._write_relations = write_then_wait
    try:
        threads = [threading.Thread(target=log, args=(e,)) for e in (world.enabler, second)]
        for thread in threads:
            thread.start()
            if not postgres:
                thread.join()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        services._write_relations = real_write
    assert not errors, errors
    assert stored(world.engagement)["activity"] == (2, 240, dt.date(2024, 3, 12))
    assert stored(world.engagement)["themes"] == {world.theme.pk: 2}


# -- the stored quarter (EngagementQuarter) --------------------------------------------------

def _quarter_world() -> tuple[Engagement, Any, Any]:
    """An engagement with held sessions on both edges of the last quarter and just outside
    it, a postponed and a deleted one, attendees from two sectors and a headcount."""
    today = timezone.localdate()
    theme, other = f.ThemeFactory.create(), f.ThemeFactory.create()
    acute = f.PersonFactory.create(organisation=f.OrganisationFactory.create(
        kind=Organisation.Kind.ACUTE_TRUST))
    council = f.PersonFactory.create(organisation=f.OrganisationFactory.create(
        kind=Organisation.Kind.LOCAL_AUTHORITY))
    first = f.SessionFactory.create(date=today, themes=[theme, other], attendees=[acute])
    engagement = first.engagement
    enabler = first.enabler
    f.SessionFactory.create(engagement=engagement, enabler=enabler,
                            date=today - dt.timedelta(days=rollups.QUARTER_DAYS - 1),
                            themes=[theme], attendees=[council])
    f.SessionFactory.create(engagement=engagement, enabler=enabler,  # a day too old
                            date=today - dt.timedelta(days=rollups.QUARTER_DAYS),
                            themes=[theme, other], attendees=[acute])
    f.SessionFactory.create(engagement=engagement, enabler=enabler, date=today,
                            status=Session.Status.POSTPONED, status_reason="Board moved",
                            duration_minutes=0, themes=[other])
    f.SessionFactory.create(engagement=engagement, enabler=enabler, date=today,
                            deleted_at=timezone.now(), themes=[other])
    f.SessionSectorCountFactory.create(session=first, sector=Sector.VOLUNTARY, headcount=5)
    return engagement, theme, other


def test_the_stored_quarter_counts_the_last_91_days_of_held_sessions() -> None:
    engagement, theme, other = _quarter_world()
    row = EngagementQuarter.objects.get(engagement=engagement)
    assert row.as_of == timezone.localdate()
    assert row.themes == {str(theme.pk): 2, str(other.pk): 1}
    assert row.sectors == sorted([Sector.ACUTE, Sector.SOCIAL_CARE, Sector.VOLUNTARY])
    today = timezone.localdate()
    assert rollups.quarters([engagement.pk], today) == rollups.quarters_live(
        [engagement.pk], today)
    assert rollups.theme_counts_of_programme(engagement.programme_id, today) == {
        engagement.pk: {str(theme.pk): 2, str(other.pk): 1}}
    assert rollups.rebuild() == 0


def test_a_stored_quarter_not_for_today_is_never_read_and_the_night_rewrites_it(
        settings: Any) -> None:
    from engagements import tasks
    from engagements.dashboards.definitions import Windows
    from engagements.dashboards.heatmap import heatmap_page

    engagement, theme, other = _quarter_world()
    today = timezone.localdate()
    right = rollups.quarters_live([engagement.pk], today)
    # Yesterday's row (the night's job has not run yet), and wrong for today.
    EngagementQuarter.objects.filter(engagement=engagement).update(
        as_of=today - dt.timedelta(days=1), themes={str(theme.pk): 99}, sectors=[])
    assert rollups.quarters([engagement.pk], today) == right
    # The heatmap's read of the same: the stored JSON as it is, the live count for this one.
    assert rollups.theme_counts_of_programme(engagement.programme_id, today) == {
        pk: {str(t): n for t, n in q.themes.items()} for pk, q in right.items()}
    heat = heatmap_page(engagement.programme, Windows(today), 1)
    assert heat.totals == {theme.pk: 2, other.pk: 1}
    assert [c.n for c in heat.rows[0].cells if c.theme.pk == theme.pk] == [2]
    # Not drift (the window moved on): rebuild rewrites it without counting it.
    assert "engagements.slide_quarters" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.slide_quarters() == 1
    row = EngagementQuarter.objects.get(engagement=engagement)
    assert (row.as_of, row.themes) == (today, {str(theme.pk): 2, str(other.pk): 1})
    assert tasks.slide_quarters() == 0


def test_a_wrong_stored_quarter_for_today_is_drift() -> None:
    engagement, theme, _ = _quarter_world()
    EngagementQuarter.objects.filter(engagement=engagement).update(themes={str(theme.pk): 7})
    assert rollups.rebuild() == 1
    assert EngagementQuarter.objects.get(engagement=engagement).themes[str(theme.pk)] == 2
