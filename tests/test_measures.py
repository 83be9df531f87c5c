"""Measures, their values (form and file import) and run charts on the pages (issue 16).

Every bad value the issue names is refused beside its field or row, with nothing saved: a
percentage outside 0–100, a negative count, a date before the baseline, a second value for a
period, a file with one bad row among good ones.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from engagements.measures import services
from engagements.measures.models import Measure, MeasureValue
from engagements.models import Engagement
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from fieldbook.units import monday_of

from .factories import EngagementFactory

TODAY = dt.date.today()
BASE = monday_of(TODAY - dt.timedelta(weeks=110))


def own_engagement(user: User) -> Engagement:
    return user.enabler.assignments.get().engagement


def make_measure(engagement: Engagement, *, unit: str = "count", weekly: bool = True,
                 name: str = "Nights in hospital avoided") -> Measure:
    return Measure.objects.create(
        engagement=engagement, name=name, unit=unit, direction="lower",
        frequency="weekly" if weekly else "monthly", baseline_start=BASE,
        baseline_end=BASE + dt.timedelta(weeks=11))


def fill(measure: Measure, values: Sequence[float]) -> None:
    MeasureValue.objects.bulk_create([
        MeasureValue(measure=measure, period=BASE + dt.timedelta(weeks=i), value=Decimal(v))
        for i, v in enumerate(values)])


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# -- services -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_value_is_added_for_its_week_and_audited(enabler_user: User) -> None:
    measure = make_measure(own_engagement(enabler_user))
    row = services.measure_value_add(actor=enabler_user, measure=measure,
                                     on=BASE + dt.timedelta(days=3), value=Decimal(12))
    assert row.period == BASE  # the Monday of its week
    assert AuditEvent.objects.filter(action="engagements.measure.value_added").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("unit", "value", "message"), [
    ("percent", "101", "not a plausible value"),
    ("percent", "-1", "not a plausible value"),
    ("count", "-3", "not a plausible value"),
    ("count", "2.5", "whole number"),
    ("bed_nights", "99999999999", "not a plausible value"),
])
def test_implausible_values_are_refused(enabler_user: User, unit: str, value: str,
                                        message: str) -> None:
    measure = make_measure(own_engagement(enabler_user), unit=unit)
    with pytest.raises(DomainError) as refused:
        services.measure_value_add(actor=enabler_user, measure=measure, on=BASE,
                                   value=Decimal(value))
    assert message in " ".join(refused.value.field_errors["value"])
    assert not MeasureValue.objects.exists()


@pytest.mark.django_db
def test_a_date_before_the_baseline_and_a_duplicate_period_are_refused(
        enabler_user: User) -> None:
    measure = make_measure(own_engagement(enabler_user))
    with pytest.raises(DomainError) as before:
        services.measure_value_add(actor=enabler_user, measure=measure,
                                   on=BASE - dt.timedelta(days=1), value=Decimal(1))
    assert "before the baseline" in before.value.field_errors["on"][0]
    services.measure_value_add(actor=enabler_user, measure=measure, on=BASE, value=Decimal(1))
    with pytest.raises(DomainError) as twice:
        services.measure_value_add(actor=enabler_user, measure=measure,
                                   on=BASE + dt.timedelta(days=2), value=Decimal(2))
    assert "already a value for the week of" in twice.value.field_errors["on"][0]
    assert MeasureValue.objects.count() == 1


@pytest.mark.django_db
def test_a_place_contact_can_add_a_value_without_an_account(enabler_user: User) -> None:
    """The entry point the signed-link respondent mechanism will call."""
    measure = make_measure(own_engagement(enabler_user))
    row = services.measure_value_add(actor=None, measure=measure, on=BASE, value=Decimal(4),
                                     source=MeasureValue.Source.PLACE)
    assert row.source == "place" and row.entered_by is None


@pytest.mark.django_db
def test_measure_create_checks_the_baseline_and_the_name(enabler_user: User) -> None:
    engagement = own_engagement(enabler_user)
    with pytest.raises(DomainError) as refused:
        services.measure_create(actor=enabler_user, engagement=engagement, name=" ",
                                unit="percent", direction="lower", frequency="monthly",
                                baseline_start=TODAY, baseline_end=TODAY - dt.timedelta(1),
                                baseline_value=Decimal(140))
    assert set(refused.value.field_errors) == {"name", "baseline_end", "baseline_value"}
    services.measure_create(actor=enabler_user, engagement=engagement, name="Referrals",
                            unit="count", direction="lower", frequency="monthly",
                            baseline_start=BASE, baseline_end=BASE + dt.timedelta(days=90))
    with pytest.raises(DomainError) as twice:
        services.measure_create(actor=enabler_user, engagement=engagement, name="referrals",
                                unit="count", direction="lower", frequency="monthly",
                                baseline_start=BASE, baseline_end=BASE + dt.timedelta(days=90))
    assert "already has a measure" in twice.value.field_errors["name"][0]


# -- import -------------------------------------------------------------------------------

def csv_upload(text: str, name: str = "values.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.mark.django_db
def test_a_file_with_one_bad_row_saves_nothing_and_names_the_row(
        enabler_user: User, enabler_client: Client) -> None:
    measure = make_measure(own_engagement(enabler_user), unit="percent")
    good = "\n".join(f"{BASE + dt.timedelta(weeks=i)},{50 + i}" for i in range(5))
    text = f"date,value\n{good}\n{BASE + dt.timedelta(weeks=9)},140\n"
    response = enabler_client.post(reverse("backoffice:measure-import", args=[measure.pk]),
                                   {"file": csv_upload(text)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "<td class=\"nhsuk-table__cell\">7</td>" in body  # the header is row 1
    assert "140 is not a plausible value" in body
    assert not MeasureValue.objects.exists()


@pytest.mark.django_db
def test_import_refuses_duplicates_bad_dates_and_text(enabler_user: User,
                                                      enabler_client: Client) -> None:
    measure = make_measure(own_engagement(enabler_user))
    fill(measure, [5])
    text = (f"date,value\n{BASE},3\n{BASE + dt.timedelta(weeks=1)},4\n"
            f"{BASE + dt.timedelta(weeks=1, days=1)},4\n{BASE - dt.timedelta(weeks=1)},1\n"
            f"31/02/2026,1\n{BASE + dt.timedelta(weeks=3)},lots\n")
    body = enabler_client.post(reverse("backoffice:measure-import", args=[measure.pk]),
                               {"file": csv_upload(text)}).content.decode()
    for message in ("already a value for the week of", "Row 3 is for the same period",
                    "before the baseline period", "is not a date", "“lots” is not a number"):
        assert message in body, message
    assert MeasureValue.objects.count() == 1


@pytest.mark.django_db
def test_an_xlsx_file_is_imported_all_at_once(enabler_user: User,
                                              enabler_client: Client) -> None:
    measure = make_measure(own_engagement(enabler_user))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Week", "Value"])
    for i in range(12):
        sheet.append([BASE + dt.timedelta(weeks=i), 20 - i])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("values.xlsx", buffer.getvalue())
    response = enabler_client.post(reverse("backoffice:measure-import", args=[measure.pk]),
                                   {"file": upload})
    assert response.status_code == 302
    assert MeasureValue.objects.filter(measure=measure, source="import").count() == 12
    assert AuditEvent.objects.filter(action="engagements.measure.values_imported").exists()


@pytest.mark.django_db
def test_an_unreadable_file_is_a_form_error(enabler_user: User, enabler_client: Client) -> None:
    measure = make_measure(own_engagement(enabler_user))
    response = enabler_client.post(reverse("backoffice:measure-import", args=[measure.pk]),
                                   {"file": csv_upload("\x00\x01", name="x.xlsx")})
    assert response.status_code == 200
    assert "not a readable Excel" in response.content.decode()


# -- pages --------------------------------------------------------------------------------

SHIFTED = [30, 32, 29, 31, 30, 33, 28, 31, 30, 32, 29, 31, 22, 21, 23, 20, 22, 21, 20, 22]


@pytest.mark.django_db
def test_the_lead_sees_the_run_chart_with_its_shift_explained(
        enabler_user: User, lead_client: Client) -> None:
    engagement = own_engagement(enabler_user)
    fill(make_measure(engagement), SHIFTED)
    url = reverse("engagements:place", args=[engagement.programme.slug, engagement.place.slug])
    body = lead_client.get(url).content.decode()
    assert 'role="img"' in body and "<title id=\"measure-" in body
    assert "Shift: 8 points below the median from" in body
    assert "a sign of real change in the better direction" in body
    assert 'class="app-runchart__median"' in body and 'class="app-runchart__shift"' in body


@pytest.mark.django_db
def test_the_enabler_adds_a_value_on_the_form_and_errors_stay_beside_the_field(
        enabler_user: User, enabler_client: Client) -> None:
    measure = make_measure(own_engagement(enabler_user), unit="percent")
    url = reverse("engagements:measure", args=[measure.pk])
    refused = enabler_client.post(url, {"on": BASE.isoformat(), "value": "250"})
    body = refused.content.decode()
    assert refused.status_code == 200 and "Error:" in body and 'value="250"' in body
    assert "not a plausible value" in body
    assert enabler_client.post(url, {"on": BASE.isoformat(), "value": "55.5"}).status_code == 302
    assert MeasureValue.objects.get().value == Decimal("55.5")


@pytest.mark.django_db
def test_an_enabler_adds_a_measure(enabler_user: User, enabler_client: Client) -> None:
    engagement = own_engagement(enabler_user)
    url = reverse("engagements:measure-add", args=[engagement.pk])
    response = enabler_client.post(url, {
        "name": "GP referrals to outpatients", "unit": "count", "direction": "lower",
        "frequency": "monthly", "baseline_start": "2025-01-01", "baseline_end": "2025-12-31"})
    assert response.status_code == 302
    assert Measure.objects.get().name == "GP referrals to outpatients"


@pytest.mark.django_db
def test_another_enablers_measures_are_not_found(enabler_user: User,
                                                 other_enabler_user: User) -> None:
    measure = make_measure(own_engagement(enabler_user))
    client = Client()
    client.force_login(other_enabler_user)
    for url in (reverse("engagements:measure", args=[measure.pk]),
                reverse("engagements:measures", args=[measure.engagement_id]),
                reverse("backoffice:measure-import", args=[measure.pk])):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
@pytest.mark.parametrize("measures", [1, 10])
def test_the_place_page_query_budget_with_10_measures_of_104_points(
        enabler_user: User, lead_client: Client, django_assert_max_num_queries: Any,
        measures: int) -> None:
    engagement = own_engagement(enabler_user)
    for n in range(measures):
        fill(make_measure(engagement, name=f"Measure {n}"),
             [(i * 7 + n) % 23 + 40 for i in range(104 if measures > 1 else 1)])
    url = reverse("engagements:place", args=[engagement.programme.slug, engagement.place.slug])
    with django_assert_max_num_queries(21):
        response = lead_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="app-runchart"') == measures


@pytest.mark.django_db
@pytest.mark.parametrize("measures", [1, 10])
def test_the_measures_page_query_budget(enabler_user: User, enabler_client: Client,
                                        django_assert_max_num_queries: Any,
                                        measures: int) -> None:
    engagement = own_engagement(enabler_user)
    for n in range(measures):
        fill(make_measure(engagement, name=f"Measure {n}"), [40 + n] * (104 if n else 3))
    with django_assert_max_num_queries(6):
        response = enabler_client.get(reverse("engagements:measures", args=[engagement.pk]))
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_measures_export_is_long_format_and_guarded(enabler_user: User,
                                                       lead_client: Client) -> None:
    engagement = own_engagement(enabler_user)
    measure = make_measure(engagement, name="=1+2\ufffe beds")
    fill(measure, [5, 6])
    csv_text = body_of(lead_client.get(reverse(
        "engagements:measures-export", args=[engagement.programme.slug, "csv"]))
    ).decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("Measure,Place,Programme,Innovation,Period,Value,Unit")
    assert len(lines) == 3
    assert lines[1].startswith("'=1+2")
    assert f"{BASE.isoformat()},5.00,Count,Lower is better,Yes" in lines[1]
    xlsx = lead_client.get(reverse("engagements:measures-export",
                                   args=[engagement.programme.slug, "xlsx"]))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body_of(xlsx)))
    cell = book.active["A2"].value  # type: ignore[index]
    assert cell.startswith("'=1+2") and "\ufffe" not in cell


@pytest.mark.django_db
def test_a_measure_of_another_programme_is_not_exported(lead_client: Client) -> None:
    here, there = EngagementFactory.create(), EngagementFactory.create()
    fill(make_measure(there), [1])
    response = lead_client.get(reverse("engagements:measures-export",
                                       args=[here.programme.slug, "csv"]))
    assert len(body_of(response).decode().strip().splitlines()) == 1


@pytest.mark.django_db
def test_the_learning_summary_shows_the_run_chart_and_its_shift(
        enabler_user: User, lead_client: Client) -> None:
    from engagements.summaries.services import summary_compile

    from .factories import LearningSummaryFactory

    engagement = own_engagement(enabler_user)
    fill(make_measure(engagement), SHIFTED)
    end = BASE + dt.timedelta(weeks=30)
    summary = LearningSummaryFactory.create(programme=engagement.programme, period="custom",
                                            period_start=end - dt.timedelta(days=27),
                                            period_end=end)
    summary_compile(summary_id=summary.pk)
    summary.refresh_from_db()
    assert len(summary.content["measures"][0]["points"]) == len(SHIFTED)
    body = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk])
                           ).content.decode()
    assert 'id="measures-title"' in body and 'role="img"' in body
    assert "Shift: 8 points below the median" in body
    markdown = lead_client.get(reverse("engagements:summary-markdown", args=[summary.pk]))
    assert "Shift: 8 points below the median" in markdown.content.decode()
    # The PDF (WeasyPrint) draws the chart from the same content, with its own colours.
    from engagements.summaries.services import summary_render_pdf

    summary_render_pdf(summary_id=summary.pk)
    summary.refresh_from_db()
    assert summary.pdf_state == "stored", summary.pdf_error
