"""What a learning summary says, checked against a small world whose every figure is known.

The world (``world`` fixture): one programme, four places — A and B in region North, C in
region South, D in North with no session in the period. The period is March 2024, compared with
February 2024. Every session's private notes carry ``CANARY``; every attendee has a name that
must never appear either.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import LearningItem, LearningSummary, Session
from engagements.summaries.content import summary_content
from engagements.summaries.document import (
    change_text,
    summary_document,
    summary_markdown_text,
    summary_pdf_bytes,
)
from engagements.summaries.periods import Period, period_label
from engagements.summaries.services import SummaryError, summary_request
from engagements.templatetags.summary_tags import md
from places.models import Organisation, Sector

from .factories import (
    EngagementFactory,
    LearningItemFactory,
    LearningSummaryFactory,
    OrganisationFactory,
    OutcomeFactory,
    PersonFactory,
    PlaceFactory,
    ProgrammeFactory,
    RegionFactory,
    SessionFactory,
    SessionSectorCountFactory,
    ThemeFactory,
    stored_pdf,
)

CANARY = "CANARY-private-9f3b2c"
PERSON = "Zebedee Quartermaine"
MARCH = Period.containing("month", dt.date(2024, 3, 1))
IN_MARCH = dt.date(2024, 3, 12)
IN_FEB = dt.date(2024, 2, 14)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    programme: Any
    north: Any
    south: Any
    a: Any
    b: Any
    c: Any
    d: Any
    themes: dict[str, Any]


def _session(engagement: Any, day: dt.date, *themes: Any, **kwargs: Any) -> Session:
    session = SessionFactory.create(
        engagement=engagement, date=day, private_notes=f"{CANARY} about "
        "the chair", **kwargs)
    session.themes.set(themes)
    return session


@pytest.fixture
def world(db: None) -> World:
    programme = ProgrammeFactory.create(
        name="Urgent Care Leadership", starts_on=dt.date(2023, 1, 1))
    north, south = RegionFactory.create(name="North"), RegionFactory.create(name="South")
    places = {
        "a": PlaceFactory.create(name="Alderley", region=north),
        "b": PlaceFactory.create(name="Brackenfield", region=north),
        "c": PlaceFactory.create(name="Coldharbour", region=south),
        "d": PlaceFactory.create(name="Dunmere", region=north),
    }
    eng = {key: EngagementFactory.create(programme=programme, place=place,
                                         started_on=dt.date(2023, 6, 1))
           for key, place in places.items()}
    t1 = ThemeFactory.create(name="Relationships and trust")
    t2 = ThemeFactory.create(name="Discharge")
    t3 = ThemeFactory.create(name="Blame culture")

    # A: three March sessions on t1 and a fourth on t2; one February session on t1.
    a1 = _session(eng["a"], IN_MARCH, t1)
    _session(eng["a"], IN_MARCH + dt.timedelta(days=1), t1, kind=Session.Kind.COACHING)
    _session(eng["a"], IN_MARCH + dt.timedelta(days=2), t1)
    _session(eng["a"], IN_MARCH + dt.timedelta(days=3), t2)
    feb_a = _session(eng["a"], IN_FEB, t1)
    # B: two March sessions on t1, one February session on t2.
    b1 = _session(eng["b"], IN_MARCH, t1)
    _session(eng["b"], IN_MARCH + dt.timedelta(days=5), t1)
    _session(eng["b"], IN_FEB, t2)
    # C: one March session on t3, one postponed, one deleted (which must not count at all).
    c1 = _session(eng["c"], IN_MARCH, t3)
    _session(eng["c"], IN_MARCH + dt.timedelta(days=1), status=Session.Status.POSTPONED,
             status_reason="Winter pressures", duration_minutes=0)
    deleted = _session(eng["c"], IN_MARCH + dt.timedelta(days=2), t1)
    deleted.deleted_at = timezone.now()
    deleted.save()

    # Who was in the room: a named acute-trust member and an acute headcount on the same
    # session (counted once); on another, the same member and a voluntary-sector headcount
    # (one each: a headcount of one sector never cancels a member of another).
    acute = OrganisationFactory.create(kind=Organisation.Kind.ACUTE_TRUST)
    person = PersonFactory.create(full_name=PERSON, organisation=acute)
    a1.attendees.add(person)
    b1.attendees.add(person)
    SessionSectorCountFactory.create(session=a1, sector=Sector.ACUTE, headcount=3)
    SessionSectorCountFactory.create(session=b1, sector=Sector.VOLUNTARY, headcount=12)

    # Learning.
    lesson = LearningItemFactory.create(session=a1, text="Partners share the pressure first-hand.")
    lesson.themes.set([t1])
    LearningItemFactory.create(session=a1, text="NOT-SHAREABLE lesson", shareable=False)
    LearningItemFactory.create(session=b1, kind=LearningItem.Kind.QUOTE, consent=True,
                               attributed_role="NHS Chief Operating Officer",
                               text="We stopped blaming each other.")
    LearningItemFactory.create(session=b1, kind=LearningItem.Kind.QUOTE, consent=False,
                               attributed_role="Council director", shareable=False,
                               text="NOT-CONSENTED quote")
    LearningItemFactory.create(session=c1, kind=LearningItem.Kind.MESSAGE, consent=False,
                               attributed_role="ROLE-WITHOUT-CONSENT",
                               text="Provide support before systems reach crisis.")
    LearningItemFactory.create(session=deleted, text="DELETED-SESSION lesson")
    LearningItemFactory.create(session=feb_a, text="FEBRUARY lesson")

    OutcomeFactory.create(engagement=eng["a"], recorded_on=dt.date(2024, 3, 20),
                          title="Shared discharge plan agreed", measure="3,600 bed nights avoided")
    OutcomeFactory.create(engagement=eng["b"], recorded_on=dt.date(2024, 2, 20),
                          title="FEBRUARY outcome")
    return World(programme, north, south, eng["a"], eng["b"], eng["c"], eng["d"],
                 {"t1": t1, "t2": t2, "t3": t3})


def _summary(world: World, scope: str = "programme", **kwargs: Any) -> LearningSummary:
    return LearningSummaryFactory.create(
        programme=world.programme, scope=scope, period="month",
        period_start=MARCH.start, period_end=MARCH.end, **kwargs,
    )


def test_activity_figures_and_change(world: World) -> None:
    content = summary_content(_summary(world))
    activity = content["activity"]
    # March: A 4 + B 2 + C 1 held (the deleted one is not counted); February: A 1 + B 1.
    assert activity["sessions"] == {"now": 7, "before": 2, "change": 5}
    assert activity["days"] == {"now": 1.4, "before": 0.4, "change": 1.0}  # 90-minute sessions
    assert activity["places_reached"] == {"now": 3, "before": 2, "change": 1}
    assert activity["places_in_scope"] == 4
    assert activity["not_held"] == {"now": 1, "before": 0, "change": 1}
    kinds = {k["kind"]: (k["now"], k["before"]) for k in activity["kinds"]}
    assert kinds == {"site_visit": (6, 2), "coaching": (1, 0)}


def test_sectors_count_each_session_once(world: World) -> None:
    content = summary_content(_summary(world))
    sectors = {s["sector"]: s["now"] for s in content["activity"]["sectors"]}
    # a1 has a named acute-trust attendee and an acute headcount: one session, not two.
    assert sectors == {"acute": 2, "voluntary": 1}


def test_themes_ranked_with_trend_and_the_small_number_rule(world: World) -> None:
    themes = summary_content(_summary(world))["themes"]
    assert [(t["rank"], t["name"], t["now"], t["before"], t["trend"]) for t in themes] == [
        (1, "Relationships and trust", 5, 1, "up"),
        (2, "Blame culture", 1, 0, "new"),
        (3, "Discharge", 1, 1, "same"),
    ]
    trust, blame, discharge = themes
    # Five sessions: broken down by place, but only places with three or more of them (A has
    # three; B's two would be a small number) are named.
    assert trust["places"] == [{"place": "Alderley", "sessions": 3}]
    assert not trust["places_withheld"]
    # One session each: never broken down by place.
    assert blame["places"] == [] and blame["places_withheld"]
    assert discharge["places"] == [] and discharge["places_withheld"]


def test_a_theme_that_faded_is_listed(world: World) -> None:
    # Move the only March "Discharge" session out of March: it was raised in Feb only.
    Session.objects.filter(themes=world.themes["t2"], date__month=3).update(
        date=dt.date(2024, 4, 2)
    )
    content = summary_content(_summary(world))
    assert content["themes_faded"] == ["Discharge"]


def test_learning_shareable_consented_by_role_never_by_place(world: World) -> None:
    learning = summary_content(_summary(world))["learning"]
    texts = [i["text"] for i in learning["items"]]
    # Reading order: messages, lessons, good practice, barriers, quotes.
    assert texts == [
        "Provide support before systems reach crisis.",
        "Partners share the pressure first-hand.",
        "We stopped blaming each other.",
    ]
    message, lesson, quote = learning["items"]
    assert quote["role"] == "NHS Chief Operating Officer"
    assert message["role"] == ""  # a role without consent is dropped
    # No place, no name (the id is the item's own, for review and withdrawal; never shown).
    assert set(quote) == {"id", "ref", "kind", "text", "role", "themes"}
    assert lesson["themes"] == ["Relationships and trust"]
    assert [g["kind"] for g in learning["by_kind"]] == ["message", "lesson", "quote"]
    assert learning["by_theme"] == [
        {"theme": "Relationships and trust", "refs": [lesson["ref"]]},
        {"theme": None, "refs": [message["ref"], quote["ref"]]},
    ]


def test_outcomes_and_places_with_no_contact(world: World) -> None:
    content = summary_content(_summary(world))
    assert [o["title"] for o in content["outcomes"]] == ["Shared discharge plan agreed"]
    assert content["outcomes"][0]["place"] == "Alderley"
    assert content["outcomes"][0]["measure"] == "3,600 bed nights avoided"
    assert [q["place"] for q in content["quiet_places"]] == ["Dunmere"]


def test_region_and_place_scopes(world: World) -> None:
    region = summary_content(_summary(world, scope="region", region=world.north))
    # North: A and B (and quiet D); C is in the South.
    assert region["activity"]["sessions"]["now"] == 6
    assert region["activity"]["places_in_scope"] == 3
    assert [t["name"] for t in region["themes"]] == ["Relationships and trust", "Discharge"]
    assert region["scope"]["label"] == "Urgent Care Leadership, North"

    place = summary_content(_summary(world, scope="place", place=world.a.place))
    assert place["activity"]["sessions"]["now"] == 4
    assert place["activity"]["places_in_scope"] == 1
    # Within one place there is nothing to break down, and nothing is "withheld".
    assert all(t["places"] == [] and not t["places_withheld"] for t in place["themes"])
    assert place["scope"]["place"] == "Alderley"


def test_compiling_never_selects_private_notes(world: World) -> None:
    summary = _summary(world)
    with CaptureQueriesContext(connection) as queries:
        summary_content(summary)
    assert queries.captured_queries
    assert not [q["sql"] for q in queries.captured_queries if "notes_sealed" in q["sql"]]


def test_compiling_costs_the_same_queries_whatever_the_size(world: World) -> None:
    summary = _summary(world)
    with CaptureQueriesContext(connection) as small:
        summary_content(summary)
    # Triple the world: more places, sessions, themes, learning and outcomes.
    for _ in range(3):
        engagement = EngagementFactory.create(programme=world.programme,
                                              started_on=dt.date(2023, 6, 1))
        theme = ThemeFactory.create()
        for day in range(1, 8):
            session = _session(engagement, dt.date(2024, 3, day), theme, world.themes["t1"])
            LearningItemFactory.create(session=session).themes.add(theme)
        OutcomeFactory.create(engagement=engagement, recorded_on=dt.date(2024, 3, 5))
    with CaptureQueriesContext(connection) as large:
        content = summary_content(summary)
    assert content["activity"]["sessions"]["now"] == 7 + 21
    # 13: the themes by month (issue 15: every theme links to its evidence) is the 13th.
    # 14: the measures and their values are one query (issue 16).
    assert len(large.captured_queries) == len(small.captured_queries) <= 14


def test_periods() -> None:
    assert Period.containing("week", dt.date(2024, 3, 13)) == Period(
        "week", dt.date(2024, 3, 11), dt.date(2024, 3, 17))
    assert Period.containing("quarter", dt.date(2024, 5, 31)) == Period(
        "quarter", dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert Period.last_completed("month", dt.date(2024, 3, 1)) == Period(
        "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert Period.last_completed("quarter", dt.date(2024, 1, 1)) == Period(
        "quarter", dt.date(2023, 10, 1), dt.date(2023, 12, 31))
    assert MARCH.previous() == Period("month", dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    custom = Period.custom(dt.date(2024, 3, 5), dt.date(2024, 3, 14))
    assert custom.kind == "custom" and custom.days == 10
    assert custom.previous() == Period("custom", dt.date(2024, 2, 24), dt.date(2024, 3, 4))
    # Custom dates that are exactly a calendar period become that period.
    assert Period.custom(dt.date(2024, 4, 1), dt.date(2024, 6, 30)).kind == "quarter"
    assert period_label("quarter", dt.date(2024, 1, 1), dt.date(2024, 3, 31)) == (
        "January to March 2024")
    assert period_label("custom", dt.date(2023, 12, 5), dt.date(2024, 1, 4)) == (
        "5 December 2023 to 4 January 2024")


def test_change_in_words() -> None:
    assert change_text(7, 2) == "Up 5 from 2"
    assert change_text(1.4, 2.0) == "Down 0.6 from 2"
    assert change_text(3, 3) == "No change"
    assert change_text(3, 0) == "None before"
    assert change_text(0, 0) == "None in either period"


def test_markdown_escaping() -> None:
    assert md("# not a heading *or* [a link](x)") == r"\# not a heading \*or\* \[a link\](x)"
    assert md("2025. A year") == r"2025\. A year"
    assert md("<script>alert(1)</script>") == r"\<script\>alert(1)\</script\>"
    assert md("two\nlines") == "two lines"


def test_requests_validate_scope_and_dates(world: World) -> None:
    other = PlaceFactory.create()
    with pytest.raises(SummaryError) as error:
        summary_request(requested_by=None, scope="place", programme=world.programme,
                        place=other, period=MARCH)
    assert "place" in error.value.field_errors
    with pytest.raises(SummaryError) as error:
        summary_request(requested_by=None, scope="region", programme=world.programme,
                        region=RegionFactory.create(), period=MARCH)
    assert "region" in error.value.field_errors
    with pytest.raises(SummaryError):
        summary_request(requested_by=None, scope="programme", programme=world.programme,
                        period=Period.custom(dt.date(2023, 1, 1), dt.date(2024, 3, 1)))
    with pytest.raises(SummaryError):
        summary_request(requested_by=None, scope="programme", programme=world.programme,
                        period=MARCH, today=dt.date(2024, 2, 1))


# ---- the privacy canary: HTML, PDF and Markdown ----------------------------------------------

@pytest.fixture
def ready_summary(world: World, django_capture_on_commit_callbacks: Any,
                  caplog: pytest.LogCaptureFixture) -> LearningSummary:
    """Asked for, compiled, and its PDF rendered by the (eager) tasks, as in production;
    every log line at DEBUG level is kept for the canary."""
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        summary, _ = summary_request(requested_by=None, scope="programme",
                                     programme=world.programme, period=MARCH)
    summary.refresh_from_db()
    assert summary.status == LearningSummary.Status.READY, summary.error
    assert summary.pdf_state == "stored", summary.pdf_error
    return summary


FORBIDDEN = (CANARY, PERSON, "NOT-SHAREABLE", "NOT-CONSENTED", "ROLE-WITHOUT-CONSENT",
             "DELETED-SESSION", "FEBRUARY lesson", "FEBRUARY outcome", "Council director")


def test_canary_never_in_the_stored_content(ready_summary: LearningSummary) -> None:
    stored = str(ready_summary.content)
    for text in FORBIDDEN:
        assert text not in stored


def test_canary_never_in_the_page(ready_summary: LearningSummary, lead_client: Any) -> None:
    response = lead_client.get(f"/summaries/{ready_summary.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "We stopped blaming each other." in html and "NHS Chief Operating Officer" in html
    for text in FORBIDDEN:
        assert text not in html


def test_canary_never_in_the_markdown(ready_summary: LearningSummary) -> None:
    text = summary_markdown_text(ready_summary)
    assert "We stopped blaming each other." in text
    assert "— NHS Chief Operating Officer" in text
    assert "| 1 | Relationships and trust | 5 | Up from fewer than 3 | Alderley (3) |" in text
    for forbidden in FORBIDDEN:
        assert forbidden not in text


def test_canary_never_in_the_pdf_text(ready_summary: LearningSummary, tmp_path: Any) -> None:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed to read PDFs"
    pdf = stored_pdf(ready_summary)  # the one the PDF task stored
    assert pdf.startswith(b"%PDF")
    assert summary_pdf_bytes(ready_summary)[:5] == b"%PDF-"  # and the renderer behind it
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Urgent Care Leadership" in text
    assert "We stopped blaming each other." in text
    assert "Page 1 of" in text  # page numbers from the @page counters
    # The contents list carries each section's page number (target-counter).
    contents = text.split("Contents", 1)[1].split("\f", 1)[0]
    assert "Activity" in contents and "Themes" in contents
    assert any(line.rstrip()[-1:].isdigit() for line in contents.splitlines() if "Activity" in line)
    for forbidden in FORBIDDEN:
        assert forbidden not in text


def test_canary_never_in_the_logs(ready_summary: LearningSummary,
                                 caplog: pytest.LogCaptureFixture) -> None:
    """Compiling and rendering logged at DEBUG (the fixture), and a PDF that fails with an
    error quoting the content: neither the content nor anything private reaches a log line."""
    from engagements.summaries.services import (
        summary_compile,
        summary_recompile,
        summary_render_pdf,
    )

    fixture_log = "\n".join(logging.Formatter().format(r) for r in caplog.get_records("setup"))
    assert "render_summary_pdf" in fixture_log  # compiling and rendering were logged
    shown = ready_summary.content["learning"]["items"][0]["text"]
    assert summary_recompile(requested_by=None, summary=ready_summary)
    assert summary_compile(summary_id=ready_summary.pk) == "ready"
    with mock.patch("engagements.summaries.document.summary_pdf_bytes",
                    side_effect=ValueError(f"bad text {shown} {CANARY}")):
        assert summary_render_pdf(summary_id=ready_summary.pk) == "failed"
    assert "failed (ValueError)" in caplog.text
    for text in (*FORBIDDEN, shown):
        assert text not in fixture_log and text not in caplog.text


def test_the_document_view_reads_the_stored_content_only(
    ready_summary: LearningSummary, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        doc = summary_document(ready_summary)
    assert [s["id"] for s in doc["sections"]] == [
        "activity", "themes", "learning-message", "learning-lesson", "learning-quote",
        "learning-by-theme", "outcomes", "quiet-places", "about",
    ]
    # February's 2 sessions are a small number: the change says no more than that.
    assert doc["figures"][0] == {"label": "Sessions held", "value": "7",
                                 "change": "Up from fewer than 3", "direction": "up"}
    assert doc["figures"][2]["value"] == "3 of 4"


def test_small_numbers_in_the_summary(ready_summary: LearningSummary) -> None:
    """Issue 15, point 5: counts of 1 or 2 read "fewer than 3", and the kinds of work, which
    add up to the sessions held, hide one more so the total cannot give it away."""
    doc = summary_document(ready_summary)
    figures = {f["label"]: f for f in doc["figures"]}
    assert figures["Postponed or cancelled"]["value"] == "fewer than 3"  # 1 in March
    assert figures["Postponed or cancelled"]["change"] == "None before"
    kinds = {k["kind"]: (k["now_text"], k["before_text"]) for k in doc["kinds"]}
    # March: 6 site visits + 1 coaching = 7 held. February: 2 site visits, 2 held.
    assert kinds == {"site_visit": ("not shown", "not shown"),
                     "coaching": ("fewer than 3", "not shown")}
    changes = {k["kind"]: k["change_text"] for k in doc["kinds"]}
    assert changes == {"site_visit": "Not shown in both periods",
                       "coaching": "Not shown: small numbers"}
    sectors = {s["sector"]: s for s in doc["sectors"]}
    assert sectors["voluntary"]["now_text"] == "fewer than 3"
    assert sectors["voluntary"]["share"] is None  # 1 of 7 would give it away
    themes = {t["name"]: t for t in doc["themes"]}
    assert themes["Relationships and trust"]["now_text"] == "5"
    assert themes["Discharge"]["now_text"] == "fewer than 3"
    assert themes["Discharge"]["trend_text"] == "Fewer than 3 in both periods"
    text = summary_markdown_text(ready_summary)
    assert "| 1:1 coaching | fewer than 3 |" in text
    assert "| Site visit | 6 |" not in text


# ---- the PDF fetcher: our static files, nothing else --------------------------------------------

def test_the_pdf_fetcher_reads_static_files_only() -> None:
    from weasyprint.urls import URLFetchingError

    from engagements.summaries.pdf import BASE_URL, static_files_fetcher, static_path

    fetcher = static_files_fetcher()
    response = fetcher.fetch(f"{BASE_URL}static/pdf/summary.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    for url in ("https://example.org/static/pdf/summary.css", "file:///etc/passwd",
                "http://127.0.0.1:8000/static/pdf/summary.css", f"{BASE_URL}etc/passwd",
                f"{BASE_URL}static/../fieldbook/settings.py", f"{BASE_URL}static/nope.css"):
        with pytest.raises(URLFetchingError):
            fetcher.fetch(url)
    assert static_path("/static/%2e%2e/fieldbook/settings.py") is None
    assert static_path("/static/../fieldbook/settings.py") is None


def test_a_pdf_never_fetches_what_the_text_names(monkeypatch: Any) -> None:
    """An image or stylesheet URL typed into learning never leaves the machine."""
    import urllib.request

    from engagements.summaries.pdf import html_to_pdf

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the PDF renderer tried the network")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    pdf = html_to_pdf('<html><head><link rel="stylesheet" href="https://example.org/x.css">'
                      '</head><body><img src="http://169.254.169.254/latest/meta-data">'
                      '<img src="file:///etc/hostname"><p>Hello</p></body></html>')
    assert pdf.startswith(b"%PDF")


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated: WeasyPrint packs the structure tree
    into compressed object streams, so reading it means reading those."""
    import re
    import zlib

    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        start = match.end()
        end = pdf.find(b"endstream", start)
        try:
            parts.append(zlib.decompressobj().decompress(pdf[start:end]))
        except zlib.error:
            continue  # an image or font stream that is not Flate
    return b"\n".join(parts)


def test_the_pdf_is_tagged_pdf_ua_with_every_heading(ready_summary: LearningSummary) -> None:
    """Issue 15, point 7 (the finding: "The summary PDF is untagged"): a structure tree, the
    document's language and title, and one heading element for every heading of the HTML."""
    import re

    from django.template.loader import render_to_string

    pdf = stored_pdf(ready_summary)
    objects = _pdf_objects(pdf)
    assert b"/StructTreeRoot" in objects and b"/MarkInfo" in objects
    assert b"/Lang (en-GB)" in objects
    assert b"pdfuaid:part" in objects  # the PDF/UA-1 identification in the XMP metadata
    html = render_to_string("engagements/summary-pdf.html",
                            {"doc": summary_document(ready_summary)})
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None
    assert b"/DisplayDocTitle true" in objects
    assert title.group(1).strip().split(":")[0].encode() in objects
    for level in range(1, 7):
        in_html = len(re.findall(rf"<h{level}[\s>]", html))
        tagged = len(re.findall(rb"/S /H%d\b" % level, objects))
        assert tagged == in_html, (level, in_html, tagged)
    assert len(re.findall(rb"/S /H\d", objects)) > 5


def test_every_theme_lists_the_evidence_behind_it(ready_summary: LearningSummary,
                                                  lead_client: Any) -> None:
    """Issue 15, point 3: a theme statement says how many sessions, in how many places and
    when, and links the items of learning behind it — never a note, never a name."""
    doc = summary_document(ready_summary)
    themes = {t["name"]: t for t in doc["themes"]}
    trust = themes["Relationships and trust"]["evidence"]
    assert trust["sessions"] == "5" and trust["places"] == 2
    assert trust["items"] == [{"label": "Lesson 1", "anchor": trust["items"][0]["anchor"]}]
    # One session: no place count (it would say which), no learning recorded against it.
    blame = themes["Blame culture"]["evidence"]
    assert blame["sessions"] == "fewer than 3" and blame["places"] is None
    assert blame["items"] == []
    html = lead_client.get(reverse("engagements:summary-detail",
                                   args=[ready_summary.pk])).content.decode()
    assert (f'Evidence:</span> 5 held sessions in 2 places; learning recorded against it: '
            f'<a href="#{trust["items"][0]["anchor"]}">Lesson 1</a>.') in html
    assert 'id="' + trust["items"][0]["anchor"] + '"' in html
    for forbidden in FORBIDDEN:
        assert forbidden not in html
    text = summary_markdown_text(ready_summary)
    assert "- **Relationships and trust**: 5 held sessions in 2 places; learning: Lesson 1" in text


def test_a_quarter_lists_its_themes_month_by_month(world: World) -> None:
    quarter = Period.containing("quarter", dt.date(2024, 2, 1))
    summary = LearningSummaryFactory.create(
        programme=world.programme, scope="programme", period="quarter",
        period_start=quarter.start, period_end=quarter.end)
    summary.content = summary_content(summary)
    trust = next(t for t in summary_document(summary)["themes"]
                 if t["name"] == "Relationships and trust")
    # 1 in February and 5 in March make the 6 shown: March is not shown either, or the
    # total would give February away.
    assert trust["now_text"] == "6"
    assert trust["evidence"]["months"] == [
        {"label": "February 2024", "sessions": "fewer than 3"},
        {"label": "March 2024", "sessions": "not shown"},
    ]
