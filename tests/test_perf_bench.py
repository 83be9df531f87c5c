"""The bench's own machinery (bench/run.py): the query-count header, the bare view, and the
same query count for every bench page on two generated worlds of different sizes.

The timed figures live in bench/results.json (``make bench``), never in tests.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

import fieldbook.urls
from bench.views import QUERIES_HEADER, SERVER_MS_HEADER, bench_urlpatterns
from enablers.models import Assignment
from engagements.models import Engagement, Programme, Session

pytestmark = pytest.mark.django_db

# This module is also the URLconf of the tests that need the bare view (as with FIELDBOOK_BENCH).
urlpatterns = [*fieldbook.urls.urlpatterns, *bench_urlpatterns]
MIDDLEWARE = "bench.views.BenchHeadersMiddleware"


@pytest.fixture
def bench(settings: Any) -> None:
    settings.FIELDBOOK_BENCH = True
    settings.MIDDLEWARE = [MIDDLEWARE, *django_settings.MIDDLEWARE]


def test_the_bare_view_and_header_exist_only_in_the_bench(enabler_client: Client) -> None:
    with pytest.raises(NoReverseMatch):
        reverse("bench-bare")
    response = enabler_client.get("/week/")
    assert QUERIES_HEADER not in response


@pytest.mark.urls(__name__)
def test_the_bare_view_counts_its_queries(bench: None, enabler_user: User) -> None:
    client = Client()
    client.force_login(enabler_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("bench-bare"))
    assert response.status_code == 200
    # The header counts exactly what ran: session, user, the sign-in middleware's reads, and
    # the one trivial query.
    assert response[QUERIES_HEADER] == str(len(queries.captured_queries))
    assert any("places_region" in q["sql"] for q in queries.captured_queries)
    assert float(response[SERVER_MS_HEADER]) > 0
    assert Client().get(reverse("bench-bare")).status_code == 302  # sign in first


def personas(tag: str) -> dict[str, Any]:
    programme = Programme.objects.get(slug=f"{tag}-programme-00")
    busiest = (Engagement.objects.filter(programme=programme).annotate(n=Count("sessions"))
               .order_by("-n").select_related("place").first())
    assignment = (Assignment.objects.filter(
        engagement__programme=programme, ended_on__isnull=True, role="lead",
        engagement__status="active").select_related("enabler__user", "engagement__place__board")
        .order_by("pk").first())
    assert busiest is not None and assignment is not None
    members = list(assignment.engagement.place.board.members.values_list("pk", flat=True)[:2])
    themes = list(Session.themes.through.objects.filter(session__engagement=assignment.engagement)
                  .values_list("theme_id", flat=True).distinct()[:2])
    return {"programme": programme, "busiest": busiest, "assignment": assignment,
            "lead": programme.leads.get(), "members": members, "themes": themes}


def page_counts(tag: str) -> dict[str, int]:
    p = personas(tag)
    slug = p["programme"].slug
    enabler, lead = Client(), Client()
    enabler.force_login(p["assignment"].enabler.user)
    lead.force_login(p["lead"])
    post = {
        "engagement": p["assignment"].engagement_id, "date": "", "kind": "site_visit",
        "duration": "120", "status": "held", "status_reason": "", "attendees": p["members"],
        "themes": p["themes"], "private_notes": "", "next_steps": "",
        "idempotency_key": str(uuid.uuid4()), "learning-TOTAL_FORMS": "0",
        "learning-INITIAL_FORMS": "0", "learning-MIN_NUM_FORMS": "0",
        "learning-MAX_NUM_FORMS": "20",
    }
    post["date"] = timezone.localdate().isoformat()
    # Logging first, so My week has a session this week in both worlds (a week with sessions
    # costs one more query, for their themes, whatever the history).
    calls = {
        "bare": (enabler, "get", "/bench/bare/", 200),
        "log a visit": (enabler, "post", "/week/log/", 302),
        "my week": (enabler, "get", "/week/", 200),
        "dashboard": (lead, "get", f"/programmes/{slug}/", 200),
        "place": (lead, "get", f"/programmes/{slug}/places/{p['busiest'].place.slug}/", 200),
        "heatmap": (lead, "get", f"/programmes/{slug}/themes/", 200),
        "caseload": (lead, "get", f"/programmes/{slug}/enablers/", 200),
    }
    counts = {}
    for name, (client, method, url, expect) in calls.items():
        response = getattr(client, method)(url, post) if method == "post" else client.get(url)
        assert response.status_code == expect, (name, response.status_code)
        counts[name] = int(response[QUERIES_HEADER])
    return counts


@pytest.mark.urls(__name__)
def test_bench_pages_cost_the_same_queries_on_a_small_and_a_ten_times_bigger_world(
    bench: None, settings: Any
) -> None:
    settings.DEBUG = True  # generate_load's guard
    call_command("generate_load", sessions=300, places=10, enablers=4, programmes=2, seed=1,
                 stdout=None)
    call_command("generate_load", sessions=3000, places=10, enablers=4, programmes=2, seed=2,
                 append=True, stdout=None)
    settings.DEBUG = False
    small, large = page_counts("l1"), page_counts("l2x10")
    assert small == large, (small, large)
    assert small["bare"] < min(n for name, n in small.items() if name != "bare")


def test_the_open_load_asks_for_its_rate_with_the_closed_loads_mix() -> None:
    """The open load (bench/run.py) is a Poisson stream at the asked rate, and its users ask
    for what the closed load's users ask for."""
    import random

    from bench.run import arrivals, next_call

    due = arrivals(50, 60, seed=11)
    assert 2800 < len(due) < 3200 and due == sorted(due) and due[0] > 0 and due[-1] < 60
    rng = random.Random(1)
    enabler = {"role": "enabler", "post": {"engagement": 1, "attendees": [2], "themes": [3]}}
    calls = [next_call(enabler, rng, "p", ["/programmes/p/places/x/"], "t") for _ in range(2000)]
    week = sum(1 for (method, path, _), _ in calls if path == "/week/") / len(calls)
    posts = [(call, expect) for call, expect in calls if call[0] == "POST"]
    assert 0.65 < week < 0.75 and 0.12 < len(posts) / len(calls) < 0.18
    assert {expect for _, expect in posts} == {302}
    admin = {"role": "admin"}
    paths = {next_call(admin, rng, "p", ["/programmes/p/places/x/"], "t")[0][1]
             for _ in range(200)}
    assert paths == {"/programmes/p/", "/programmes/p/places/x/", "/programmes/p/themes/",
                     "/programmes/p/enablers/", "/manage/", "/manage/audit/"}
