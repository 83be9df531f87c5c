"""Privacy canary for issue 16's pages and exports: the demo world with a canary in every
private note, next step and unshared learning item (tests/test_privacy_canary.py), and none of
it in the reach dashboard, an area's page, an engagement's measures, a measure, or the
measures and reach exports (CSV, and inside the XLSX), for a lead or an admin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.measures.models import Measure
from engagements.models import Engagement, Programme

from .test_privacy_canary import CANARIES, body_of, canary_world  # noqa: F401

pytestmark = pytest.mark.django_db


def urls() -> Iterator[str]:
    for programme in Programme.objects.order_by("pk"):
        yield reverse("engagements:reach", args=[programme.slug])
        for fmt in ("csv", "xlsx"):
            yield reverse("engagements:reach-export", args=[programme.slug, fmt])
            yield reverse("engagements:measures-export", args=[programme.slug, fmt])
    for e in Engagement.objects.select_related("programme").order_by("pk"):
        yield reverse("engagements:reach-area", args=[e.programme.slug, e.pk])
        yield reverse("engagements:measures", args=[e.pk])
    for m in Measure.objects.order_by("pk"):
        yield reverse("engagements:measure", args=[m.pk])


@pytest.mark.parametrize("persona", ["lead_client", "admin_client_fb"])
def test_no_private_note_reaches_the_measures_and_reach_pages(
        request: pytest.FixtureRequest, canary_world: None, persona: str) -> None:  # noqa: F811
    client: Client = request.getfixturevalue(persona)
    n = 0
    with CaptureQueriesContext(connection) as queries:
        for url in urls():
            response = client.get(url)
            assert response.status_code == 200, url
            body = body_of(response)
            assert body.strip(), url
            for canary in CANARIES:
                assert canary not in body, (canary, url)
            n += 1
    assert n > 40 and Measure.objects.exists()
    assert [q["sql"] for q in queries.captured_queries
            if "notes_sealed" in q["sql"] or "next_steps" in q["sql"]] == []
