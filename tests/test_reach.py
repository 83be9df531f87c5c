"""Reach, cohorts, funding and innovations (issue 16, point 4), the 23-area demo (point 5) and
the reach export (point 6). Counts of people are suppressed under 3."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.seed import demo_seed
from demo.seed.reach import PROGRAMME
from engagements.dashboards.runchart import SHIFT
from engagements.measures import services as measures
from engagements.measures.models import Measure
from engagements.measures.reads import charts_for
from engagements.models import Engagement, Programme
from engagements.reach import services
from engagements.reach.models import AreaFunding, Cohort
from fieldbook.errors import DomainError

from .factories import EngagementFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


def cohort(user: User, engagement: Engagement, counts: list[tuple[str, str, int]],
           name: str = "Cohort 1", returning: int = 0) -> Cohort:
    return services.cohort_record(actor=user, engagement=engagement, name=name,
                                  kind="residential", starts_on=DAY, ends_on=DAY,
                                  returning=returning, counts=counts)


def test_cohort_checks_its_lines_and_dates(lead_user: User) -> None:
    engagement = EngagementFactory.create()
    with pytest.raises(DomainError) as refused:
        services.cohort_record(actor=lead_user, engagement=engagement, name="",
                               kind="party", starts_on=DAY, ends_on=DAY - dt.timedelta(1),
                               returning=9, counts=[("gp", "acute", 0), ("gp", "acute", 3)])
    assert {"name", "kind", "ends_on", "line_0_participants", "line_1_profession",
            "returning"} <= set(refused.value.field_errors)
    assert not Cohort.objects.exists()


def test_the_dashboard_suppresses_small_counts(lead_user: User, lead_client: Client) -> None:
    engagement = EngagementFactory.create()
    cohort(lead_user, engagement, [("gp", "primary_care", 2), ("nurse", "acute", 9),
                                   ("manager", "commissioning", 6)], returning=1)
    response = lead_client.get(reverse("engagements:reach", args=[engagement.programme.slug]))
    body = response.content.decode()
    row = response.context["page"].areas[0]
    assert row.by_profession[0].text == "fewer than 3"  # the two GPs
    assert row.returning_text == "fewer than 3"  # the one returner
    assert 'numeric">2</td>' not in body and "fewer than 3" in body
    assert "not shown" in body  # follow-on: the total would give the GPs away


def test_funding_is_set_with_compare_and_set(lead_user: User, lead_client: Client) -> None:
    engagement = EngagementFactory.create()
    url = reverse("engagements:reach-area", args=[engagement.programme.slug, engagement.pk])
    assert lead_client.post(url, {"allocated": "90000", "spent": "1000"}).status_code == 302
    stale = lead_client.post(url, {"allocated": "5", "spent": "1"})  # opened before it existed
    assert stale.status_code == 200 and "changed since you opened" in stale.content.decode()
    funding = AreaFunding.objects.get()
    assert funding.allocated == Decimal(90000) and funding.version == 1
    assert lead_client.post(url, {"allocated": "95000", "spent": "2000",
                                  "version": "1"}).status_code == 302


def test_an_innovation_links_only_its_areas_outcomes(lead_user: User) -> None:
    from .factories import OutcomeFactory

    engagement = EngagementFactory.create()
    elsewhere = OutcomeFactory.create()
    with pytest.raises(DomainError) as refused:
        services.innovation_record(actor=lead_user, engagement=engagement, name="Red Bag",
                                   description="", status="testing",
                                   outcome_ids=[elsewhere.pk])
    assert "outcomes" in refused.value.field_errors
    # A draft of this area is the enablers' alone: not the centre's to link (or to see).
    draft = OutcomeFactory.create(engagement=engagement, status="draft")
    with pytest.raises(DomainError):
        services.innovation_record(actor=lead_user, engagement=engagement, name="Red Bag",
                                   description="", status="testing", outcome_ids=[draft.pk])


def test_the_cohort_form_records_participants(lead_client: Client) -> None:
    engagement = EngagementFactory.create()
    url = reverse("engagements:reach-cohort-add", args=[engagement.programme.slug,
                                                        engagement.pk])
    response = lead_client.post(url, {
        "name": "Day event", "kind": "day_event", "starts_on": "2026-03-02",
        "ends_on": "2026-03-02", "returning": "", "line_0_profession": "gp",
        "line_0_sector": "primary_care", "line_0_participants": "12",
        "line_1_profession": "nurse", "line_1_sector": "", "line_1_participants": "4"})
    assert response.status_code == 200 and "Choose a sector" in response.content.decode()
    assert not Cohort.objects.exists()


@pytest.mark.parametrize("areas", [1, 23])
def test_the_reach_dashboard_query_budget(lead_user: User, lead_client: Client,
                                          django_assert_max_num_queries: Any,
                                          areas: int) -> None:
    programme = ProgrammeFactory.create()
    for n in range(areas):
        engagement = EngagementFactory.create(programme=programme)
        AreaFunding.objects.create(engagement=engagement, allocated=Decimal(80000))
        cohort(lead_user, engagement, [("gp", "primary_care", 5 + n)])
        innovation = services.innovation_record(actor=lead_user, engagement=engagement,
                                                name=f"Innovation {n}", description="",
                                                status="testing", outcome_ids=[])
        measures.measure_create(actor=lead_user, engagement=engagement,
                                innovation=innovation, name="M", unit="count",
                                direction="lower", frequency="monthly", baseline_start=DAY,
                                baseline_end=DAY)
    # Each measure's result is stored with it (no values read): 10, one fewer than when the
    # dashboard charted every value on each request.
    with django_assert_max_num_queries(10):
        response = lead_client.get(reverse("engagements:reach", args=[programme.slug]))
    assert response.status_code == 200


def test_the_demo_tells_the_seeds_story() -> None:
    demo_seed(today=timezone.localdate())
    lead_client = Client()
    lead_client.force_login(User.objects.get(username="lead"))
    programme = Programme.objects.get(slug=PROGRAMME)
    assert Engagement.objects.filter(programme=programme).count() == 23
    funding = AreaFunding.objects.filter(engagement__programme=programme)
    assert sum(f.allocated for f in funding) == Decimal(2_000_000) and funding.count() == 23
    nights = Measure.objects.get(name__startswith="Bed nights in hospital")
    referrals = Measure.objects.get(name__startswith="GP referrals to outpatients")
    for chart in charts_for([nights, referrals]):
        shift = next(s for s in chart.chart.signals if s.kind == SHIFT)
        assert shift.better is True and "below the median" in shift.text
    assert len(charts_for([nights])[0].chart.points) == 104
    body = lead_client.get(reverse("engagements:reach", args=[PROGRAMME])).content.decode()
    for text in ("Low-risk chest pain pathway redesign", "24/7 advice line for pregnant women",
                 "Frimley", "fewer than 3", "Shift:"):
        assert text in body, text
    csv_body = b"".join(lead_client.get(reverse(  # type: ignore[attr-defined]
        "engagements:reach-export", args=[PROGRAMME, "csv"])).streaming_content).decode()
    assert csv_body.count("\n") == 24  # the header and 23 areas
    # Idempotent: a second run creates nothing of it.
    assert "cohorts and events" not in demo_seed(today=timezone.localdate()).created


def test_the_area_page_suppresses_small_counts_too(lead_user: User, lead_client: Client) -> None:
    engagement = EngagementFactory.create()
    cohort(lead_user, engagement, [("gp", "primary_care", 2), ("nurse", "acute", 9)],
           returning=1)
    body = lead_client.get(reverse("engagements:reach-area", args=[
        engagement.programme.slug, engagement.pk])).content.decode()
    assert "fewer than 3 GP (Primary care)" in body and "9 Nurse (Acute care)" in body
    assert "2 GP" not in body
