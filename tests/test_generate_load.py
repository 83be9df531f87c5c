"""``manage.py generate_load``: consistent, skewed synthetic data, and its refusals.

Small N on whatever database the suite runs on (SQLite locally, PostgreSQL in CI); the bench
(bench/run.py) runs the same code at 10k to 1M sessions.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from statistics import fmean, median
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.test import Client
from django.utils import timezone

from demo.loadgen import default_sizes
from enablers.models import Assignment, Enabler
from engagements.models import Engagement, LearningItem, Programme, Session, SessionSectorCount
from places.models import BoardMembership, Place

from .factories import notes_of

pytestmark = pytest.mark.django_db

SESSIONS = 2_000


@pytest.fixture
def loaded(settings: Any) -> None:
    settings.DEBUG = True
    call_command("generate_load", sessions=SESSIONS, places=12, enablers=6, programmes=3,
                 seed=7, stdout=None)


def test_counts_and_sizes(loaded: None) -> None:
    assert Session.objects.count() == SESSIONS
    assert Place.objects.count() == 12
    assert Enabler.objects.count() == 6
    assert Programme.objects.count() == 3
    # The first programme takes the first 200 places (here all 12).
    assert Engagement.objects.filter(programme__slug="l7-programme-00").count() == 12
    assert not Session.objects.filter(idempotency_key__isnull=False).exists()


def test_every_session_is_inside_its_engagement_and_never_in_the_future(loaded: None) -> None:
    today = timezone.localdate()
    assert not Session.objects.filter(date__gt=today).exists()
    assert not Session.objects.filter(date__lt=F("engagement__started_on")).exists()
    assert not Session.objects.filter(engagement__started_on__isnull=True).exists()
    assert not Session.objects.filter(engagement__ended_on__isnull=False,
                                      date__gt=F("engagement__ended_on")).exists()
    # Written by an enabler assigned to the engagement.
    assert not Session.objects.exclude(
        enabler__assignments__engagement=F("engagement")).exists()


def test_themes_attendees_and_learning_per_session(loaded: None) -> None:
    themes = list(Session.objects.annotate(n=Count("themes")).values_list("n", flat=True))
    attendees = list(Session.objects.annotate(n=Count("attendees")).values_list("n", flat=True))
    assert min(themes) >= 1 and max(themes) <= 6
    assert 2.5 <= fmean(themes) <= 3.8  # ≈ 3
    assert min(attendees) >= 1 and max(attendees) <= 7
    assert 3.5 <= fmean(attendees) <= 4.5  # ≈ 4
    # Attendees sit on the board of the session's place.
    assert not Session.attendees.through.objects.exclude(
        person__memberships__board__place=F("session__engagement__place")).exists()
    held = Session.objects.filter(status="held")
    with_learning = held.filter(learning_items__isnull=False).distinct().count()
    assert 0.07 <= with_learning / held.count() <= 0.15  # ≈ 10% of held sessions
    assert LearningItem.themes.through.objects.exists()
    assert SessionSectorCount.objects.exists()
    # Shared quotes always have consent and a role (the model's rule).
    assert not LearningItem.objects.filter(kind="quote", shareable=True).filter(
        Q(consent=False) | Q(attributed_role="")).exists()


def test_statuses_deletions_and_notes(loaded: None) -> None:
    statuses = Counter(Session.objects.values_list("status", flat=True))
    assert statuses["postponed"] > 0 and statuses["cancelled"] > 0
    assert statuses["held"] / SESSIONS > 0.8
    assert not Session.objects.exclude(status="held").filter(status_reason="").exists()
    assert not Session.objects.filter(status="held", duration_minutes__lt=15).exists()
    assert Session.objects.filter(deleted_at__isnull=False).exists()
    assert Session.objects.filter(deleted_at__isnull=False).count() < SESSIONS * 0.02
    # Notes are sealed for the enabler profile's user, like the services' own.
    assert not Session.objects.exclude(notes_sealed__startswith="gAAAAA").exists()
    assert not Session.objects.exclude(notes_author_id=F("enabler__user_id")).exists()
    assert any(notes_of(s) for s in Session.objects.order_by("pk")[:50])  # they open


def test_the_data_is_skewed(loaded: None) -> None:
    per_engagement = list(Session.objects.values("engagement").annotate(n=Count("id"))
                          .values_list("n", flat=True))
    assert max(per_engagement) >= 2.5 * median(per_engagement)  # busy places and quiet ones
    per_theme = Counter(Session.themes.through.objects.values_list("theme_id", flat=True))
    ranked = [n for _, n in per_theme.most_common()]
    assert ranked[0] >= 5 * ranked[-1]  # Zipf-like: a few themes dominate


def test_the_generated_people_can_use_the_app(loaded: None) -> None:
    """A generated enabler's My week (private notes, empty or not) and a lead's dashboard."""
    assignment = Assignment.objects.filter(
        ended_on__isnull=True, engagement__status="active").select_related("enabler__user")[0]
    client = Client()
    client.force_login(assignment.enabler.user)
    assert client.get("/week/").status_code == 200
    client.force_login(Programme.objects.get(slug="l7-programme-00").leads.get())
    assert client.get("/programmes/l7-programme-00/").status_code == 200


def test_refuses_a_database_with_data_unless_appending(loaded: None, settings: Any) -> None:
    with pytest.raises(CommandError, match="already has"):
        call_command("generate_load", sessions=10, places=2, enablers=1, programmes=1)
    call_command("generate_load", sessions=50, places=2, enablers=1, programmes=1, append=True,
                 stdout=None)
    assert Session.objects.count() == SESSIONS + 50
    assert Place.objects.filter(slug__startswith="l1x12-").count() == 2


def test_refuses_when_debug_is_off(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("generate_load", sessions=10)
    assert not Session.objects.exists()
    call_command("generate_load", sessions=20, places=2, enablers=1, programmes=1, force=True,
                 stdout=None)
    assert Session.objects.count() == 20


def test_default_sizes_reach_the_national_scale_at_a_million() -> None:
    assert default_sizes(1_000_000) == {"places": 2000, "enablers": 1000, "programmes": 20}
    assert default_sizes(10_000)["places"] == 200  # always room for the 200-place programme


def test_each_place_has_a_board_of_ten(settings: Any) -> None:
    settings.DEBUG = True
    call_command("generate_load", sessions=100, places=3, enablers=2, programmes=1, seed=3,
                 stdout=None)
    first = sorted(Place.objects.values_list("name", flat=True))
    assert first and all(name.endswith(tuple(f"l3-{i:04}" for i in range(3))) for name in first)
    assert BoardMembership.objects.filter(board__place__in=Place.objects.all()).count() == 30
    assert Session.objects.filter(date__lte=timezone.localdate() + dt.timedelta(days=0)).count() \
        == 100
