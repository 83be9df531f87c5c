"""The summary pages: asking for one, watching it compile, reading and downloading it, the list.

Each view: its happy path, the wrong method (405), the wrong role (403), an object that does
not exist (404), and a fixed number of queries. A ready summary's PDF is made by a task of its
own, so the page has three states for it (stored, being prepared, failed), and the PDF link
never renders one inside the request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.models import LearningSummary
from engagements.summaries.periods import Period
from fieldbook.models import AuditEvent

from .factories import (
    EngagementFactory,
    LearningSummaryFactory,
    PlaceFactory,
    ProgrammeFactory,
    RegionFactory,
    SessionFactory,
    stored_pdf,
)

pytestmark = pytest.mark.django_db
Status = LearningSummary.Status


@pytest.fixture
def programme(db: None) -> Any:
    programme = ProgrammeFactory.create(name="Pioneers", starts_on=dt.date(2022, 1, 1))
    region = RegionFactory.create(name="Midlands")
    for name in ("Ashby", "Belper"):
        engagement = EngagementFactory.create(programme=programme,
                                              place=PlaceFactory.create(name=name, region=region))
        SessionFactory.create(
            engagement=engagement, date=timezone.localdate() - dt.timedelta(days=40))
    return programme


def _ready(programme: Any, *, with_pdf: bool = True, **kwargs: Any) -> LearningSummary:
    """A ready summary with real content (compiled by calling the task function) and, unless
    ``with_pdf`` is false, its PDF (rendered by calling the PDF task function)."""
    from engagements.tasks import compile_learning_summary, render_summary_pdf

    summary = LearningSummaryFactory.create(programme=programme, **kwargs)
    assert compile_learning_summary(summary.pk) == "ready"
    if with_pdf:
        assert render_summary_pdf(summary.pk) == "stored"
    summary.refresh_from_db()
    return summary


# ---- asking for a summary --------------------------------------------------------------------

def test_request_starts_by_choosing_a_programme(lead_client: Client, programme: Any) -> None:
    response = lead_client.get(reverse("engagements:summary-request"))
    assert response.status_code == 200
    assert "engagements/summary-request-programme.html" in [t.name for t in response.templates]
    assert b"Pioneers" in response.content


def test_request_form_offers_the_programmes_regions_and_places(
    lead_client: Client, programme: Any
) -> None:
    outsider = PlaceFactory.create(name="Outsiderton")
    response = lead_client.get(reverse("engagements:summary-request"),
                               {"programme": programme.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="Regions">' in html and "Midlands" in html
    assert "Ashby" in html and "Belper" in html
    assert outsider.name not in html
    last_quarter = Period.last_completed("quarter", timezone.localdate())
    assert f'value="quarter:{last_quarter.start.isoformat()}" selected' in html


def test_request_creates_a_summary_and_compiles_it(
    lead_client: Client, lead_user: User, programme: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    last_month = Period.last_completed("month", timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = lead_client.post(reverse("engagements:summary-request"), {
            "programme": programme.pk, "scope": "programme",
            "period": f"month:{last_month.start.isoformat()}",
        })
    summary = LearningSummary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:summary-detail", args=[summary.pk])
    # The compile task, queued after commit; then the PDF task, queued by the compile.
    assert len(callbacks) == 2
    assert (summary.period, summary.period_start, summary.period_end) == (
        "month", last_month.start, last_month.end)
    assert summary.requested_by == lead_user
    assert summary.status == Status.READY  # the captured callbacks ran the (eager) tasks
    assert summary.pdf_state == "stored" and stored_pdf(summary).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="engagements.summary.requested").count() == 1


def test_asking_twice_gives_one_summary_compiled_again(
    lead_client: Client, programme: Any, django_capture_on_commit_callbacks: Any
) -> None:
    place = programme.engagements.first().place
    data = {"programme": programme.pk, "scope": f"place:{place.pk}", "period": "custom",
            "start": "2024-03-05", "end": "2024-03-20"}
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = lead_client.post(reverse("engagements:summary-request"), data)
        assert response.status_code == 302
    summary = LearningSummary.objects.get()
    assert (summary.scope, summary.place, summary.period) == ("place", place, "custom")
    assert summary.attempts == 2  # compiled twice, one row


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "scope", "Select what the summary should cover"),
        ({"scope": "region:999999", "period": "custom"}, "scope",
         "Select what the summary should cover from the list"),
        ({"scope": "programme", "period": "custom"}, "start", "Enter the first day of the period"),
        ({"scope": "programme", "period": "custom", "start": "2024-03-10", "end": "2024-03-01"},
         "end", "The last day must be on or after the first day"),
        ({"scope": "programme", "period": "custom", "start": "2024-31-31", "end": "2024-03-01"},
         "start", "Enter the first day as a real date"),
        ({"scope": "programme", "period": "custom", "start": "2022-01-01", "end": "2024-03-01"},
         "end", "Custom dates can cover up to 400 days"),
        # Found from outside (issue 14): accepted, then an OverflowError when compiled.
        ({"scope": "programme", "period": "custom", "start": "0001-01-01", "end": "0001-01-31"},
         "start", "Enter a date between 1 January 2000 and"),
        ({"scope": "programme", "period": "custom", "start": "2021-06-01", "end": "2021-06-30"},
         "start", "The programme started on 1 January 2022: enter a first day on or after it"),
        ({"scope": "programme", "period": "month:not-a-date"}, "period",
         "Select a period from the list"),
    ],
    ids=["nothing", "unknown-region", "no-dates", "dates-reversed", "not-a-date", "too-long",
         "year-one", "before-the-programme",
         "bad-period"],
)
def test_request_form_errors(lead_client: Client, programme: Any, data: dict[str, str],
                             field: str, message: str) -> None:
    response = lead_client.post(reverse("engagements:summary-request"),
                                {"programme": programme.pk, **data})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert LearningSummary.objects.count() == 0


def test_request_for_an_unknown_programme_goes_back_to_the_choice(lead_client: Client) -> None:
    response = lead_client.get(reverse("engagements:summary-request"), {"programme": "424242"})
    assert response.status_code == 200
    assert "engagements/summary-request-programme.html" in [t.name for t in response.templates]
    assert b"Select a programme from the list" in response.content


# ---- watching it compile -------------------------------------------------------------------

def test_status_page_polls_while_queued(lead_client: Client, programme: Any) -> None:
    summary = LearningSummaryFactory.create(programme=programme)
    response = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-hx-trigger="every 2s"' in html
    assert f'data-hx-get="/summaries/{summary.pk}/?seen=queued"' in html
    assert "Waiting to be compiled" in html
    assert "style=" not in html and "hx-on" not in html  # CSP: no inline styles or handlers


def test_polling_answers_204_until_the_status_changes(lead_client: Client, programme: Any) -> None:
    summary = LearningSummaryFactory.create(programme=programme)
    url = reverse("engagements:summary-detail", args=[summary.pk])
    response = lead_client.get(url, {"seen": "queued"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert "HX-Request" in response["Vary"]

    LearningSummary.objects.filter(pk=summary.pk).update(status=Status.COMPILING)
    response = lead_client.get(url, {"seen": "queued"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="summary-status"')  # the partial, not the page
    assert "<html" not in html
    assert "?seen=compiling" in html and 'data-hx-trigger="every 2s"' in html


def test_the_ready_panel_stops_polling(lead_client: Client, programme: Any) -> None:
    summary = _ready(programme)
    response = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk]),
                               {"seen": "compiling"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "hx-trigger" not in html
    assert "Read the summary" in html


def test_a_failed_summary_offers_a_retry_that_queues_it_again(
    lead_client: Client, programme: Any, django_capture_on_commit_callbacks: Any
) -> None:
    summary = LearningSummaryFactory.create(programme=programme, status=Status.FAILED,
                                            error="Compiling stopped with an error (ValueError).")
    detail = reverse("engagements:summary-detail", args=[summary.pk])
    html = lead_client.get(detail).content.decode()
    assert "Compiling stopped with an error (ValueError)." in html
    assert "Try again" in html and "hx-trigger" not in html

    retry = reverse("engagements:summary-compile", args=[summary.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = lead_client.post(retry, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert len(callbacks) == 1
    summary.refresh_from_db()
    assert summary.status == Status.QUEUED and summary.error == ""
    assert 'data-hx-trigger="every 2s"' in response.content.decode()  # polling again

    # Without JavaScript the same button posts and comes back to the page.
    LearningSummary.objects.filter(pk=summary.pk).update(status=Status.FAILED)
    response = lead_client.post(retry)
    assert response.status_code == 302 and response["Location"] == detail


# ---- reading and downloading -----------------------------------------------------------------

def test_the_ready_summary_reads_as_a_page(lead_client: Client, programme: Any) -> None:
    summary = _ready(programme)
    response = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "engagements/summary.html" in [t.name for t in response.templates]
    assert '<h1 class="app-summary__title">Pioneers</h1>' in html
    assert 'href="#themes"' in html and 'id="themes"' in html  # the contents list
    assert f"/summaries/{summary.pk}/pdf/" in html and f"/summaries/{summary.pk}/markdown/" in html
    assert "style=" not in html and "hx-on" not in html


def test_pdf_and_markdown_downloads(lead_client: Client, programme: Any) -> None:
    summary = _ready(programme)
    response = lead_client.get(reverse("engagements:summary-pdf", args=[summary.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        'attachment; filename="learning-summary-pioneers-2024-01-01.pdf"')
    response = lead_client.get(reverse("engagements:summary-markdown", args=[summary.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content.decode().startswith("# Pioneers\n")


def test_the_pdf_is_the_one_the_worker_rendered(lead_client: Client, programme: Any) -> None:
    summary = _ready(programme)
    stored = stored_pdf(LearningSummary.objects.get(pk=summary.pk))
    assert stored.startswith(b"%PDF")
    url = reverse("engagements:summary-pdf", args=[summary.pk])
    with mock.patch("engagements.summaries.document.summary_pdf_bytes") as render:
        response = lead_client.get(url)
    assert response.content == stored and not render.called


# ---- the PDF's three states --------------------------------------------------------------------

def test_the_summary_reads_before_its_pdf_is_made(lead_client: Client, programme: Any) -> None:
    summary = _ready(programme, with_pdf=False)
    assert summary.pdf_state == "preparing" and summary.pdf is None
    response = lead_client.get(reverse("engagements:summary-detail", args=[summary.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="app-summary__title">Pioneers</h1>' in html
    assert "The PDF is being prepared. Refresh this page in a minute." in html
    assert f"/summaries/{summary.pk}/pdf/" not in html  # no button for a PDF not there yet
    assert f"/summaries/{summary.pk}/markdown/" in html
    assert f'data-hx-get="/summaries/{summary.pk}/?pdf=preparing"' in html
    assert 'data-hx-trigger="every 5s"' in html
    assert "style=" not in html and "hx-on" not in html


def test_the_pdf_link_before_the_pdf_is_made_goes_back_to_the_page(
    lead_client: Client, programme: Any
) -> None:
    summary = _ready(programme, with_pdf=False)
    with mock.patch("engagements.summaries.document.summary_pdf_bytes") as render:
        response = lead_client.get(reverse("engagements:summary-pdf", args=[summary.pk]),
                                   follow=True)
    assert not render.called  # never rendered inside a web request
    assert response.redirect_chain == [
        (reverse("engagements:summary-detail", args=[summary.pk]), 302)]
    html = response.content.decode()
    assert "The PDF of this summary is being prepared." in html
    assert "The PDF is being prepared. Refresh this page in a minute." in html


def test_polling_for_the_pdf_answers_204_until_it_is_stored(
    lead_client: Client, programme: Any
) -> None:
    from engagements.tasks import render_summary_pdf

    summary = _ready(programme, with_pdf=False)
    url = reverse("engagements:summary-detail", args=[summary.pk])
    hx = {"HX-Request": "true"}
    response = lead_client.get(url, {"pdf": "preparing"}, headers=hx)
    assert response.status_code == 204
    assert "HX-Request" in response["Vary"]

    assert render_summary_pdf(summary.pk) == "stored"
    response = lead_client.get(url, {"pdf": "preparing"}, headers=hx)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="summary-actions" data-pdf="stored"')
    assert "<html" not in html and "hx-trigger" not in html  # polling stops
    assert f"/summaries/{summary.pk}/pdf/" in html and "Download PDF" in html

    # Compiled again meanwhile: the page itself is out of date, so htmx reloads it.
    LearningSummary.objects.filter(pk=summary.pk).update(status=Status.QUEUED)
    response = lead_client.get(url, {"pdf": "stored"}, headers=hx)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"


def test_a_pdf_that_could_not_be_made_is_said_with_a_way_to_try_again(
    lead_client: Client, programme: Any
) -> None:
    from engagements.tasks import render_summary_pdf

    summary = _ready(programme, with_pdf=False)
    with mock.patch("engagements.summaries.document.summary_pdf_bytes",
                    side_effect=RuntimeError("pango")):
        assert render_summary_pdf(summary.pk) == "failed"
    detail = reverse("engagements:summary-detail", args=[summary.pk])
    html = lead_client.get(detail).content.decode()
    assert "The PDF could not be made (RuntimeError)." in html
    assert "Refresh this page" not in html and "hx-trigger" not in html
    assert f"/summaries/{summary.pk}/pdf/" not in html
    assert f'action="/summaries/{summary.pk}/compile/"' in html  # compiling again tries again

    response = lead_client.get(reverse("engagements:summary-pdf", args=[summary.pk]),
                               follow=True)
    assert response.redirect_chain == [(detail, 302)]
    assert "The PDF of this summary could not be made." in response.content.decode()


@pytest.mark.parametrize("name", ["engagements:summary-pdf", "engagements:summary-markdown"])
def test_downloads_of_a_summary_not_ready_are_404(lead_client: Client, programme: Any,
                                                  name: str) -> None:
    summary = LearningSummaryFactory.create(programme=programme)
    assert lead_client.get(reverse(name, args=[summary.pk])).status_code == 404


@pytest.mark.parametrize("name", ["engagements:summary-detail", "engagements:summary-pdf",
                                  "engagements:summary-markdown", "engagements:summary-compile"])
def test_a_summary_that_does_not_exist_is_404(lead_client: Client, name: str) -> None:
    url = reverse(name, args=[999999])
    response = lead_client.post(url) if name.endswith("compile") else lead_client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method"), [
    ("engagements:summary-list", "post"), ("engagements:summary-detail", "post"),
    ("engagements:summary-pdf", "post"), ("engagements:summary-markdown", "post"),
    ("engagements:summary-compile", "get"), ("engagements:summary-request", "put"),
])
def test_wrong_method_is_405(lead_client: Client, programme: Any, name: str, method: str) -> None:
    summary = LearningSummaryFactory.create(programme=programme)
    args = [] if name in ("engagements:summary-list", "engagements:summary-request") else [
        summary.pk]
    assert getattr(lead_client, method)(reverse(name, args=args)).status_code == 405


@pytest.mark.parametrize("name", ["engagements:summary-list", "engagements:summary-request",
                                  "engagements:summary-detail", "engagements:summary-pdf",
                                  "engagements:summary-markdown", "engagements:summary-compile"])
def test_enablers_may_not_see_summaries(enabler_client: Client, programme: Any,
                                        name: str) -> None:
    summary = _ready(programme)
    args = [] if name in ("engagements:summary-list", "engagements:summary-request") else [
        summary.pk]
    url = reverse(name, args=args)
    response = enabler_client.post(url) if name.endswith("compile") else enabler_client.get(url)
    assert response.status_code == 403


def test_admins_may(admin_client_fb: Client, programme: Any) -> None:
    summary = _ready(programme)
    assert admin_client_fb.get(reverse("engagements:summary-list")).status_code == 200
    assert admin_client_fb.get(
        reverse("engagements:summary-detail", args=[summary.pk])).status_code == 200


# ---- the list ----------------------------------------------------------------------------------

def _many(programme: Any, other: Any, n: int = 25) -> None:
    start = dt.date(2020, 1, 1)
    for i in range(n):
        month = Period.containing("month", start + dt.timedelta(days=31 * i))
        LearningSummaryFactory.create(programme=programme, period_start=month.start,
                                      period_end=month.end,
                                      status=Status.READY if i % 2 else Status.FAILED)
    LearningSummaryFactory.create(
        programme=other, period="quarter", period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31))


def test_list_is_paginated_and_filtered(lead_client: Client, programme: Any) -> None:
    other = ProgrammeFactory.create(name="Other programme")
    _many(programme, other)
    url = reverse("engagements:summary-list")
    page1 = lead_client.get(url)
    assert page1.status_code == 200
    assert page1.context["page"].paginator.count == 26
    assert len(page1.context["page"].object_list) == 20
    assert b"Page 2 of 2" in page1.content
    page2 = lead_client.get(url, {"page": 2})
    assert len(page2.context["page"].object_list) == 6

    filtered = lead_client.get(url, {"programme": programme.pk, "status": "failed"})
    rows = filtered.context["page"].object_list
    assert len(rows) == 13 and {s.status for s in rows} == {"failed"}
    assert b"Clear filters" in filtered.content
    quarter = lead_client.get(url, {"period": "quarter"})
    assert [s.programme for s in quarter.context["page"].object_list] == [other]
    # Filters survive paging.
    page = lead_client.get(url, {"programme": programme.pk, "page": 1})
    assert f"programme={programme.pk}&amp;page=2".encode() in page.content


def test_list_ignores_bad_filters(lead_client: Client, programme: Any) -> None:
    _ready(programme)
    response = lead_client.get(reverse("engagements:summary-list"),
                               {"programme": "nope", "status": "lost", "page": "x"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


# ---- a fixed number of queries per page ---------------------------------------------------------

@pytest.mark.parametrize("size", [2, 30])
def test_query_budgets(lead_client: Client, programme: Any, size: int,
                       django_assert_max_num_queries: Any) -> None:
    other = ProgrammeFactory.create()
    _many(programme, other, n=size)
    ready = _ready(programme, period_start=dt.date(2030, 1, 1), period_end=dt.date(2030, 1, 31))
    preparing = _ready(programme, with_pdf=False, period_start=dt.date(2030, 2, 1),
                       period_end=dt.date(2030, 2, 28))
    queued = LearningSummaryFactory.create(programme=programme, period_start=dt.date(2031, 1, 1),
                                           period_end=dt.date(2031, 1, 31))
    pages = [
        # The schedule costs two of these (engagements.summaries.schedule).
        (reverse("engagements:summary-list"), {}, 8),
        (reverse("engagements:summary-list"), {"programme": programme.pk, "status": "ready"}, 9),
        (reverse("engagements:summary-request"), {}, 5),
        (reverse("engagements:summary-request"), {"programme": programme.pk}, 5),
        (reverse("engagements:summary-detail", args=[ready.pk]), {}, 4),
        (reverse("engagements:summary-detail", args=[preparing.pk]), {}, 4),
        (reverse("engagements:summary-detail", args=[queued.pk]), {}, 4),
        (reverse("engagements:summary-markdown", args=[ready.pk]), {}, 4),
        (reverse("engagements:summary-pdf", args=[ready.pk]), {}, 4),
    ]
    for url, params, budget in pages:
        with django_assert_max_num_queries(budget):
            assert lead_client.get(url, params).status_code == 200
    with django_assert_max_num_queries(4):
        response = lead_client.get(reverse("engagements:summary-detail", args=[queued.pk]),
                                   {"seen": "queued"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    with django_assert_max_num_queries(4):
        response = lead_client.get(reverse("engagements:summary-detail", args=[preparing.pk]),
                                   {"pdf": "preparing"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
