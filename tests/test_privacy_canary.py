"""Privacy canary (issue 4, point 7): nothing an enabler keeps private reaches a lead or admin.

The demo world (three programmes, 21 places, ~800 sessions) is seeded, then a unique string is
written into the private notes of every session. Every page, htmx fragment and export a lead
and an admin can reach is fetched, and the string must appear nowhere: not in the HTML source,
not in a fragment, not in a CSV, not inside an XLSX (unzipped). The SQL sent is checked too:
no query so much as selects the ``notes_sealed`` column (the notes, encrypted).

Next steps (the enabler's own plan) and learning the enabler did not share get canaries of
their own: they are not for leads either.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demo.seed.seed import demo_seed
from engagements.models import Engagement, LearningItem, Programme, Session

from .factories import notes_of, notes_write
from .test_access import SITE_URLS

pytestmark = pytest.mark.django_db

PRIVATE = "CANARY-private-notes-4c1d"
NEXT_STEPS = "CANARY-next-steps-9e2b"
UNSHARED = "CANARY-unshared-learning-71aa"
CANARIES = (PRIVATE, NEXT_STEPS, UNSHARED)
HX = {"HX-Request": "true"}

# Every URL of the lead's pages. A new lead page fails test_every_lead_url_is_fetched until
# it is added to the crawl below.
LEAD_URL_NAMES = {
    "engagements:dashboard", "engagements:programme-dashboard", "engagements:dashboard-export",
    "engagements:place", "engagements:place-export", "engagements:heatmap",
    "engagements:caseload", "engagements:outcomes-export",
}


@pytest.fixture
def canary_world(db: None) -> None:
    demo_seed(today=timezone.localdate())
    # "Many sessions": every one of them, held, postponed and deleted alike.
    notes_write(Session.objects.all(), f"My worry about the chair. {PRIVATE}")
    Session.objects.update(next_steps=f"Call back. {NEXT_STEPS}")
    Session.objects.filter(pk__in=Session.objects.order_by("pk").values("pk")[:5]).update(
        deleted_at=timezone.now())
    some = Session.objects.filter(deleted_at__isnull=True, status="held").first()
    assert some is not None
    LearningItem.objects.create(session=some, text=f"Not for sharing {UNSHARED}",
                                shareable=False)
    LearningItem.objects.create(session=some, kind=LearningItem.Kind.QUOTE,
                                text=f"Said in confidence {UNSHARED}", shareable=False,
                                attributed_role="Chief Executive")
    assert sum(PRIVATE in notes_of(s) for s in Session.objects.all()[:600]) > 500


def urls_to_fetch() -> Iterator[tuple[str, dict[str, str], str]]:
    """(url, headers, url name) for every page, fragment variant and export."""
    yield reverse("engagements:dashboard"), {}, "engagements:dashboard"
    since = (timezone.localdate() - dt.timedelta(days=90)).isoformat()
    for programme in Programme.objects.order_by("pk"):
        p = programme.slug
        dashboard = reverse("engagements:programme-dashboard", args=[p])
        for query in ("", "?quiet=1", "?sort=last-oldest&page=2", "?status=active&q=a",
                      "?theme=discharge&sort=days", "?status=paused"):
            for headers in ({}, HX):
                yield dashboard + query, headers, "engagements:programme-dashboard"
        for fmt in ("csv", "xlsx"):
            yield (reverse("engagements:dashboard-export", args=[p, fmt]), {},
                   "engagements:dashboard-export")
            yield (reverse("engagements:dashboard-export", args=[p, fmt]) + "?quiet=1", {},
                   "engagements:dashboard-export")
        for headers in ({}, HX):
            yield reverse("engagements:heatmap", args=[p]), headers, "engagements:heatmap"
        yield reverse("engagements:caseload", args=[p]), {}, "engagements:caseload"
        for fmt in ("csv", "xlsx"):
            yield (reverse("engagements:outcomes-export", args=[p, fmt]), {},
                   "engagements:outcomes-export")
    for e in Engagement.objects.select_related("programme", "place").order_by("pk"):
        args = [e.programme.slug, e.place.slug]
        place = reverse("engagements:place", args=args)
        yield place, {}, "engagements:place"
        for query in ("?page=2", f"?theme=relationships-and-trust&since={since}"):
            for headers in ({}, HX):
                yield place + query, headers, "engagements:place"
        for fmt in ("csv", "xlsx"):
            yield (reverse("engagements:place-export", args=[*args, fmt]), {},
                   "engagements:place-export")


def body_of(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":  # an XLSX is a zip of XML files: read every one of them
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            return "\n".join(book.read(name).decode("utf-8", "replace")
                             for name in book.namelist())
    return raw.decode("utf-8")


@pytest.mark.parametrize("persona", ["lead_client", "admin_client_fb"])
def test_nothing_private_reaches_a_lead_or_an_admin(
    request: pytest.FixtureRequest, canary_world: None, persona: str
) -> None:
    client: Client = request.getfixturevalue(persona)
    fetched: set[str] = set()
    n = 0
    with CaptureQueriesContext(connection) as queries:
        for url, headers, name in urls_to_fetch():
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            body = body_of(response)
            for canary in CANARIES:
                assert canary not in body, (canary, url, headers)
            assert body.strip(), url
            fetched.add(name)
            n += 1
    assert fetched == LEAD_URL_NAMES
    assert n > 100
    selecting_notes = [q["sql"] for q in queries.captured_queries
                       if "notes_sealed" in q["sql"] or "next_steps" in q["sql"]]
    assert selecting_notes == []


def test_the_crawl_would_see_a_canary(canary_world: None, lead_client: Client) -> None:
    """Positive control: the checks above would pass vacuously if bodies were not read. What a
    lead may see (shared learning, a place's name) does show, in the page and inside XLSX."""
    session = Session.objects.filter(deleted_at__isnull=True, status="held").select_related(
        "engagement__programme", "engagement__place").first()
    assert session is not None
    LearningItem.objects.create(session=session, text="SHOWN-shared-learning", shareable=True)
    e = session.engagement
    e.place.name = "SHOWN-place-name"
    e.place.save()
    page = lead_client.get(reverse("engagements:place", args=[e.programme.slug, e.place.slug]))
    assert "SHOWN-shared-learning" in body_of(page)
    xlsx = lead_client.get(reverse("engagements:dashboard-export",
                                   args=[e.programme.slug, "xlsx"]))
    assert "SHOWN-place-name" in body_of(xlsx)


def test_every_lead_url_is_fetched() -> None:
    """Every URL served by the dashboard's views (engagements.dashboards.views)
    is in the crawl. Learning summaries (issue 5) have a canary of their own."""
    ours = {"engagements.dashboards.views"}
    names = {name for name, _, callback in SITE_URLS if callback.__module__ in ours}
    assert names == LEAD_URL_NAMES


def test_the_messages_for_national_leaders_carry_no_private_notes(
    canary_world: None, lead_client: Client
) -> None:
    """Issue 15: the messages pipeline's pages and files (the demo publishes a collection),
    with every session's notes, next steps and unshared learning marked. Private notes are
    never selected from the database either."""
    from engagements.messages.models import MessagePublication, Nomination

    publication = MessagePublication.objects.select_related("collection__programme").first()
    assert publication is not None
    slug = publication.collection.programme.slug
    urls = [reverse("engagements:messages", args=[slug]),
            reverse("engagements:messages-message-add", args=[slug]),
            reverse("engagements:messages-published", args=[slug, publication.number]),
            reverse("engagements:quote-bank"), reverse("engagements:quote-bank") + "?kind=quote",
            reverse("engagements:quote-bank") + f"?programme={slug}&role=senior"]
    urls += [reverse("engagements:messages-decide", args=[slug, pk]) for pk in
             Nomination.objects.filter(collection=publication.collection)
             .values_list("pk", flat=True)]
    urls += [reverse("engagements:messages-download", args=[slug, publication.number, fmt])
             for fmt in ("md", "docx")]
    shown = 0
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            response = lead_client.get(url)
            assert response.status_code == 200, url
            body = body_of(response)
            for canary in CANARIES:
                assert canary not in body, (canary, url)
            shown += publication.content["messages"][0]["items"][0]["text"][:30] in body
    assert shown >= 3  # positive control: the shared text itself is there
    assert [q["sql"] for q in queries.captured_queries
            if "notes_sealed" in q["sql"] or "next_steps" in q["sql"]] == []
