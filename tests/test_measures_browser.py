"""Issue 16's walk in a real browser: an enabler adds a measure, imports its values from a CSV
file through the page (a bad file first: the row's problem is listed and nothing saved), and
the programme lead sees the run chart on the place page with its shift marked and explained."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engagements.measures.models import MeasureValue
from fieldbook.roles import Role

from .factories import AssignmentFactory, EnablerFactory, UserFactory
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

SERIES = [30, 32, 29, 31, 30, 33, 28, 31, 30, 32, 29, 31, 22, 21, 23, 20, 22, 21, 20, 22]


def test_an_enabler_imports_values_and_the_lead_sees_the_shift(
        page: Page, live_server: Any, console_errors: list[str], tmp_path: Path) -> None:
    enabler = EnablerFactory.create(user__username="erin-enabler")
    engagement = AssignmentFactory.create(enabler=enabler).engagement
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])
    first = dt.date(2024, 1, 1)
    sign_in(page, live_server, "erin-enabler")
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/measures/new/")
    page.get_by_label("Name of the measure").fill("GP referrals to outpatients")
    page.get_by_label("Unit").select_option("count")
    page.get_by_label("Lower is better").check()
    page.get_by_label("Monthly").check()
    page.get_by_label("Baseline period starts").fill("2024-01-01")
    page.get_by_label("Baseline period ends").fill("2024-12-31")
    page.get_by_role("button", name="Add the measure").click()
    expect(page.get_by_text("Added the measure")).to_be_visible()
    page.get_by_role("link", name="Import values for").click()
    bad = tmp_path / "bad.csv"
    bad.write_text("date,value\n2024-01-01,30\n2024-02-01,-4\n")
    page.get_by_label("Upload a CSV or Excel file").set_input_files(str(bad))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Nothing was imported").first).to_be_visible()
    expect(page.get_by_role("cell", name="-4 is not a plausible value", exact=False)
           ).to_be_visible()
    assert not MeasureValue.objects.exists()
    good = tmp_path / "good.csv"
    rows = [f"{dt.date(first.year + i // 12, i % 12 + 1, 1).isoformat()},{v}"
            for i, v in enumerate(SERIES)]
    good.write_text("date,value\n" + "\n".join(rows) + "\n")
    page.get_by_label("Upload a CSV or Excel file").set_input_files(str(good))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text(f"Imported {len(SERIES)} values")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "lee-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    page.goto(f"{live_server.url}/programmes/{engagement.programme.slug}/places/"
              f"{engagement.place.slug}/")
    chart = page.get_by_role("img", name="Run chart: GP referrals to outpatients")
    expect(chart).to_be_visible()
    assert chart.locator("rect.app-runchart__shift").count() == 8
    expect(page.locator(".app-runchart-signals li").filter(
        has_text="Shift: 8 points below the median from January 2025 — a sign of real change "
                 "in the better direction.")).to_be_visible()
    page.get_by_text("Show the figures of “GP referrals to outpatients” as a table").click()
    expect(page.get_by_role("cell", name="Jan 2025")).to_be_visible()
    assert console_errors == []
