"""The programme lead's pages over HTTP: who may open them, 404s, htmx fragments, what the
pages say, and the CSV/XLSX exports (with spreadsheet formula injection neutralised).

Figures themselves are checked on a fixed date in test_dashboard_figures.py; here dates are
relative to today, as the views use the real date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from engagements.dashboards.exports import safe_cell, xlsx_cell
from engagements.models import Engagement, LearningItem
from places.models import Organisation, Sector

from . import factories as f

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "enabler", "lead", "admin", "roleless")
EXPECTED_STATUS = {"anonymous": 302, "enabler": 403, "lead": 200, "admin": 200, "roleless": 403}


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    today = timezone.localdate()
    programme = f.ProgrammeFactory.create(name="Urgent care leadership", slug="urgent-care")
    north = f.RegionFactory.create(name="North", code="north")
    south = f.RegionFactory.create(name="South", code="south")
    discharge = f.ThemeFactory.create(name="Discharge", slug="discharge")
    places = {}
    for name, region, status in [("Ashby", north, "active"), ("Brockley", south, "active"),
                                 ("Carrow", north, "paused")]:
        place = f.PlaceFactory.create(name=name, slug=name.lower(), region=region)
        e = f.EngagementFactory.create(programme=programme, place=place, status=status,
                                       started_on=today - dt.timedelta(days=200),
                                       requested_on=today - dt.timedelta(days=210),
                                       days_allocated=Decimal("20"))
        enabler = f.EnablerFactory.create(user__first_name=f"Enid{name}", user__last_name="Lane")
        f.AssignmentFactory.create(engagement=e, enabler=enabler, started_on=e.started_on)
        places[name] = (e, enabler)
    ashby, ashby_enabler = places["Ashby"]
    s = f.SessionFactory.create(
        engagement=ashby, enabler=ashby_enabler, date=today, duration_minutes=450,
        next_steps="Ring the chair", themes=[discharge])
    s.attendees.add(f.PersonFactory.create(organisation=f.OrganisationFactory.create(
        name="Ashby Hospitals NHS Trust", kind=Organisation.Kind.ACUTE_TRUST)))
    f.SessionSectorCountFactory.create(session=s, sector=Sector.VOLUNTARY, headcount=9)
    f.LearningItemFactory.create(session=s, text="Partners now meet weekly.")
    f.LearningItemFactory.create(session=s, text="Not for sharing.", shareable=False)
    f.OutcomeFactory.create(engagement=ashby, title="Shared discharge plan")
    board = f.DeliveryBoardFactory.create(place=ashby.place, name="Ashby A&E Delivery Board")
    f.BoardMembershipFactory.create(
        board=board, person=f.PersonFactory.create(full_name="Morgan Vale",
                                                   role_title="Chief Executive"))
    # Brockley went quiet 4 weeks ago; a visit since was postponed.
    brockley, b_enabler = places["Brockley"]
    f.SessionFactory.create(
        engagement=brockley, enabler=b_enabler, date=today - dt.timedelta(days=28))
    f.SessionFactory.create(
        engagement=brockley, enabler=b_enabler, date=today - dt.timedelta(days=7),
        status="postponed", status_reason="Board rescheduled", duration_minutes=0)
    return {"programme": programme, "ashby": ashby, "brockley": brockley,
            "ashby_enabler": ashby_enabler, "today": today}


def urls(world: dict[str, Any]) -> dict[str, str]:
    p = world["programme"].slug
    return {
        "programmes": reverse("engagements:dashboard"),
        "dashboard": reverse("engagements:programme-dashboard", args=[p]),
        "dashboard-csv": reverse("engagements:dashboard-export", args=[p, "csv"]),
        "dashboard-xlsx": reverse("engagements:dashboard-export", args=[p, "xlsx"]),
        "place": reverse("engagements:place", args=[p, "ashby"]),
        "place-csv": reverse("engagements:place-export", args=[p, "ashby", "csv"]),
        "place-xlsx": reverse("engagements:place-export", args=[p, "ashby", "xlsx"]),
        "heatmap": reverse("engagements:heatmap", args=[p]),
        "caseload": reverse("engagements:caseload", args=[p]),
    }


def client_for(request: pytest.FixtureRequest, persona: str) -> Client:
    if persona == "anonymous":
        return Client()
    fixture = "admin_client_fb" if persona == "admin" else f"{persona}_client"
    return request.getfixturevalue(fixture)


URL_KEYS = ["programmes", "dashboard", "dashboard-csv", "dashboard-xlsx", "place", "place-csv",
            "place-xlsx", "heatmap", "caseload"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", URL_KEYS)
def test_who_may_open_each_page(request: pytest.FixtureRequest, world: dict[str, Any],
                                key: str, persona: str) -> None:
    url = urls(world)[key]
    response = client_for(request, persona).get(url)
    assert response.status_code == EXPECTED_STATUS[persona], (key, persona)
    if persona == "anonymous":
        assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("key", URL_KEYS)
def test_post_is_405(lead_client: Client, world: dict[str, Any], key: str) -> None:
    assert lead_client.post(urls(world)[key]).status_code == 405


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("engagements:programme-dashboard", ["no-such-programme"]),
        ("engagements:dashboard-export", ["no-such-programme", "csv"]),
        ("engagements:dashboard-export", ["urgent-care", "pdf"]),
        ("engagements:place", ["no-such-programme", "ashby"]),
        ("engagements:place", ["urgent-care", "no-such-place"]),
        ("engagements:place-export", ["urgent-care", "no-such-place", "csv"]),
        ("engagements:place-export", ["urgent-care", "ashby", "exe"]),
        ("engagements:heatmap", ["no-such-programme"]),
        ("engagements:caseload", ["no-such-programme"]),
    ],
)
def test_unknown_programme_place_or_format_is_404(
    lead_client: Client, admin_client_fb: Client, world: dict[str, Any], name: str,
    args: list[str],
) -> None:
    url = reverse(name, args=args)
    assert lead_client.get(url).status_code == 404
    assert admin_client_fb.get(url).status_code == 404


def test_a_place_from_another_programme_is_404(lead_client: Client,
                                                world: dict[str, Any]) -> None:
    elsewhere = f.EngagementFactory.create(place=f.PlaceFactory.create(slug="elsewhere"))
    url = reverse("engagements:place", args=[world["programme"].slug, "elsewhere"])
    assert lead_client.get(url).status_code == 404
    own = reverse("engagements:place", args=[elsewhere.programme.slug, "elsewhere"])
    assert lead_client.get(own).status_code == 200


def test_programme_list(lead_client: Client, lead_user: User, world: dict[str, Any]) -> None:
    other = f.ProgrammeFactory.create(name="Another programme")
    other.leads.add(lead_user)
    response = lead_client.get(urls(world)["programmes"])
    programmes = response.context["programmes"]
    assert [p.name for p in programmes][:1] == ["Another programme"]  # the lead's own first
    text = response.content.decode()
    assert "You lead this programme" in text
    assert "3 places" in text and "2 active" in text and "1 paused" in text


def test_dashboard_page(lead_client: Client, world: dict[str, Any]) -> None:
    response = lead_client.get(urls(world)["dashboard"])
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    text = response.content.decode()
    assert [r.engagement.place.name for r in response.context["table"].rows] == [
        "Ashby", "Brockley", "Carrow"]
    assert "Showing 1 to 3 of 3 places" in text
    # Brockley is quiet (4 weeks), with the reason for the postponed visit since.
    assert [r.engagement.place.name for r in response.context["table"].quiet] == ["Brockley"]
    assert "Board rescheduled" in text
    assert "4 weeks ago" in text
    assert "EnidAshby Lane" in text
    assert 'data-hx-push-url="true"' in text and 'id="dashboard-table"' in text
    # No scorecards: no RAG colours, no rank.
    for word in ("nhsuk-tag--red", "nhsuk-tag--orange", "nhsuk-tag--green", "Rank", "League"):
        assert word not in text


def test_dashboard_htmx_swaps_only_the_table(lead_client: Client, world: dict[str, Any]) -> None:
    url = urls(world)["dashboard"] + "?region=south"
    response = lead_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="dashboard-table"')
    assert "<html" not in text and "app-headlines" not in text and "<form" not in text
    assert [r.engagement.place.name for r in response.context["table"].rows] == ["Brockley"]
    assert 'data-hx-swap-oob="innerHTML:#dashboard-announce"' in text
    # A history restore (back button after the cache is gone) needs the whole page.
    restore = lead_client.get(url, headers={"HX-Request": "true",
                                            "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_dashboard_filters_without_javascript(lead_client: Client, world: dict[str, Any]) -> None:
    base = urls(world)["dashboard"]

    def names(query: str) -> list[str]:
        response = lead_client.get(base + query)
        assert response.status_code == 200
        return [r.engagement.place.name for r in response.context["table"].rows]

    assert names("?q=brock") == ["Brockley"]
    assert names("?status=paused") == ["Carrow"]
    assert names("?theme=discharge") == ["Ashby"]
    assert names(f"?enabler={world['ashby_enabler'].pk}") == ["Ashby"]
    assert names("?quiet=1") == ["Brockley"]
    assert names("?sort=last-newest") == ["Ashby", "Brockley", "Carrow"]
    assert names("?region=north&status=active") == ["Ashby"]
    assert names("?enabler=not-a-number&page=99") == ["Ashby", "Brockley", "Carrow"]
    response = lead_client.get(base + "?region=south")
    assert '<option value="south" selected>' in response.content.decode()


def test_dashboard_paginates_50_a_page(lead_client: Client, world: dict[str, Any]) -> None:
    programme = world["programme"]
    region = f.RegionFactory.create()
    for i in range(52):
        f.EngagementFactory.create(programme=programme,
                                   place=f.PlaceFactory.create(name=f"Zed {i:02}", slug=f"zed-{i}",
                                                 region=region))
    base = urls(world)["dashboard"]
    first = lead_client.get(base)
    assert len(first.context["table"].rows) == 50
    assert 'aria-label="Page 2"' in first.content.decode()
    second = lead_client.get(base + "?page=2", headers={"HX-Request": "true"})
    assert [r.engagement.place.name for r in second.context["table"].rows] == [
        "Zed 47", "Zed 48", "Zed 49", "Zed 50", "Zed 51"]
    assert "Showing 51 to 55 of 55 places" in second.content.decode()


def test_place_page(lead_client: Client, world: dict[str, Any]) -> None:
    response = lead_client.get(urls(world)["place"])
    assert response.status_code == 200
    text = response.content.decode()
    for expected in ("Ashby", "20.0 days allocated", "EnidAshby Lane", "Ashby Hospitals NHS Trust",
                     "Voluntary and community sector: 9 people", "Discharge",
                     "Shared discharge plan", "Partners now meet weekly.",
                     "Ashby A&amp;E Delivery Board", "Morgan Vale", "Chief Executive",
                     'role="img"', "Themes over time as a table"):
        assert expected in text, expected
    assert "Not for sharing." not in text
    assert "Ring the chair" not in text  # next steps are the enabler's own plan
    assert response.context["summary"].days_used == Decimal("1.0")


def test_place_timeline_htmx_fragment_and_filters(lead_client: Client,
                                                  world: dict[str, Any]) -> None:
    url = urls(world)["place"]
    response = lead_client.get(url + "?theme=nothing-matches", headers={"HX-Request": "true"})
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="place-timeline"')
    assert "No sessions" in text and "<html" not in text
    assert "HX-Request" in response["Vary"]
    since = (world["today"] - dt.timedelta(days=3)).isoformat()
    full = lead_client.get(url + f"?theme=discharge&since={since}")
    assert len(full.context["entries"]) == 1
    # A date the page cannot use is a 400 page saying so (issue 14: no 5xx from any input).
    assert lead_client.get(url + "?since=not-a-date").status_code == 400
    assert lead_client.get(url + "?since=0001-01-01").status_code == 400


def test_heatmap_and_caseload(lead_client: Client, world: dict[str, Any]) -> None:
    response = lead_client.get(urls(world)["heatmap"])
    ashby = next(r for r in response.context["heatmap"].rows
                 if r.engagement.place.name == "Ashby")
    assert {c.theme.name: c.n for c in ashby.cells}["Discharge"] == 1
    text = response.content.decode()
    assert "?theme=discharge&amp;since=" in text
    fragment = lead_client.get(urls(world)["heatmap"] + "?region=south",
                               headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="heatmap-table"')
    assert [r.engagement.place.name for r in fragment.context["heatmap"].rows] == ["Brockley"]

    response = lead_client.get(urls(world)["caseload"])
    rows = response.context["rows"]
    assert [r.enabler.display_name for r in rows] == [
        "EnidAshby Lane", "EnidBrockley Lane", "EnidCarrow Lane"]
    assert rows[0].days_this_month == Decimal("1.0")  # today's 450 minutes


# -- exports ----------------------------------------------------------------------------------

def read_csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response: Any) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_dashboard_csv_has_every_filtered_row(lead_client: Client, world: dict[str, Any]) -> None:
    response = lead_client.get(urls(world)["dashboard-csv"] + "?region=north&page=2")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Place", "Region", "Status"]
    assert [r[0] for r in body] == ["Ashby", "Carrow"]  # the filter applies; the page does not
    ashby = dict(zip(header, body[0], strict=True))
    # One session to date: the small-number rule (README "Small numbers"), in words.
    assert ashby["Sessions to date"] == "fewer than 3" and ashby["Days to date"] == "not shown"
    assert ashby["Days allocated"] == "20.0"
    assert ashby["In the room last quarter: Acute"] == "Yes"
    assert ashby["In the room last quarter: Voluntary"] == "Yes"
    assert ashby["In the room last quarter: Mental health"] == "No"
    assert ashby["Top themes (to date)"] == "Discharge"


def test_dashboard_xlsx(lead_client: Client, world: dict[str, Any]) -> None:
    response = lead_client.get(urls(world)["dashboard-xlsx"])
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rows = read_xlsx(response)
    assert rows[0][0] == "Place"
    assert [r[0] for r in rows[1:]] == ["Ashby", "Brockley", "Carrow"]


def test_place_timeline_exports(lead_client: Client, world: dict[str, Any]) -> None:
    rows = read_csv(lead_client.get(urls(world)["place-csv"]))
    assert rows[0][:3] == ["Date", "Kind", "Status"]
    assert rows[1][0] == world["today"].isoformat()
    # One person from the trust: the organisation without a count (README "Small numbers").
    assert "Ashby Hospitals NHS Trust" in rows[1]
    assert "Ashby Hospitals NHS Trust (1)" not in rows[1]
    assert "Voluntary and community sector: 9" in rows[1]
    xlsx = read_xlsx(lead_client.get(urls(world)["place-xlsx"]))
    assert xlsx[1][0] is not None and xlsx[1][1] == "Site visit"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"),
     ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tTAB", "'\tTAB"), ("\rCR", "'\rCR"),
     ("Plain", "Plain"), (Decimal("-1.5"), Decimal("-1.5")), (3, 3), (True, "Yes"),
     (None, None)],
)
def test_safe_cell(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected


def test_exports_neutralise_formulas(lead_client: Client, world: dict[str, Any]) -> None:
    ashby: Engagement = world["ashby"]
    ashby.place.name = "=HYPERLINK(\"http://evil.example\",\"Ashby\")"
    ashby.place.save()
    theme = f.ThemeFactory.create(name="@SUM(1+1)")
    session = ashby.sessions.get()
    session.themes.add(theme)
    f.refresh_rollups(session)  # a write below the services
    f.SessionFactory.create(engagement=ashby, enabler=world["ashby_enabler"], status="cancelled",
                            status_reason="+44 cancelled by phone", duration_minutes=0,
                            date=world["today"] - dt.timedelta(days=1))
    csv_rows = read_csv(lead_client.get(urls(world)["dashboard-csv"]))
    assert csv_rows[1][0] == "'=HYPERLINK(\"http://evil.example\",\"Ashby\")"
    # Themes tie on one session each and sort by name: "@SUM(1+1)" comes first.
    assert csv_rows[1][csv_rows[0].index("Top themes (to date)")] == "'@SUM(1+1); Discharge"
    xlsx_rows = read_xlsx(lead_client.get(urls(world)["dashboard-xlsx"]))
    assert xlsx_rows[1][0] == "'=HYPERLINK(\"http://evil.example\",\"Ashby\")"
    timeline = read_csv(lead_client.get(urls(world)["place-csv"]))
    reasons = [r[3] for r in timeline[1:]]
    assert "'+44 cancelled by phone" in reasons


# XML-illegal characters (PostgreSQL stores them, NUL aside), then a formula prefix once they
# are stripped.
HOSTILE = "\ufffe@North\uffff\x1b\x0b"


def open_xlsx_strictly(response: Any) -> list[tuple[Any, ...]]:
    """Every XML part of the file parses (expat refuses U+FFFE, as Excel does), and openpyxl
    reads the sheet."""
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))
    book = load_workbook(io.BytesIO(data), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_exports_always_open(lead_client: Client, world: dict[str, Any]) -> None:
    """Found from outside: a "why it did not go ahead" text or a region name containing U+FFFE
    or U+FFFF made the timeline and places .xlsx files malformed XML. Hostile text goes into
    every text field the two exports show; both files parse, in XLSX and in CSV."""
    ashby: Engagement = world["ashby"]
    region = ashby.place.region
    region.name = HOSTILE
    region.save()
    ashby.place.name = "Ashby" + HOSTILE
    ashby.place.save()
    enabler = world["ashby_enabler"]
    enabler.user.first_name = HOSTILE
    enabler.user.save()
    session = ashby.sessions.get()
    session.themes.add(f.ThemeFactory.create(name="Theme" + HOSTILE))
    session.attendees.add(f.PersonFactory.create(organisation=f.OrganisationFactory.create(
        name="Trust" + HOSTILE, kind=Organisation.Kind.ACUTE_TRUST)))
    f.refresh_rollups(session)  # a write below the services
    f.SessionFactory(engagement=ashby, enabler=enabler, status="cancelled",
                     status_reason="Snow" + HOSTILE, duration_minutes=0,
                     date=world["today"] - dt.timedelta(days=1))
    for key in ("dashboard-xlsx", "place-xlsx"):
        rows = open_xlsx_strictly(lead_client.get(urls(world)[key]))
        text = repr(rows)
        assert "\ufffe" not in text and "\uffff" not in text and "North" in text
    dashboard = open_xlsx_strictly(lead_client.get(urls(world)["dashboard-xlsx"]))
    ashby_row = next(r for r in dashboard if str(r[0]).startswith("Ashby"))
    assert ashby_row[1] == "'@North"
    timeline = open_xlsx_strictly(lead_client.get(urls(world)["place-xlsx"]))
    assert any(r[3] and str(r[3]).startswith("Snow@North") for r in timeline[1:])
    assert any("Trust@North" in str(r[6]) for r in timeline[1:])
    for key in ("dashboard-csv", "place-csv"):
        response: Any = lead_client.get(urls(world)[key])
        body = b"".join(response.streaming_content)
        assert "@North" in body.decode("utf-8")  # strictly UTF-8


@pytest.mark.parametrize(("value", "in_xlsx", "in_csv"), [
    ("\ud800lone", "lone", "lone"), ("lone\udfff", "lone", "lone"),
    ("\ufffe\uffff", "", "\ufffe\uffff"), ("\x00\x0bok", "ok", "\x00\x0bok"),
    ("\ufffe=SUM(1)", "'=SUM(1)", "\ufffe=SUM(1)"), ("\ud800+1", "'+1", "'+1"),
])
def test_cells_lose_what_the_format_cannot_hold(value: str, in_xlsx: str, in_csv: str) -> None:
    assert xlsx_cell(value) == in_xlsx
    assert safe_cell(value) == in_csv


def test_learning_quote_without_consent_never_shown(lead_client: Client,
                                                    world: dict[str, Any]) -> None:
    session = world["ashby"].sessions.get()
    f.LearningItemFactory.create(
        session=session, kind=LearningItem.Kind.QUOTE, text="Private quote",
        consent=False, shareable=False, attributed_role="Chief Executive")
    f.LearningItemFactory.create(session=session, kind=LearningItem.Kind.QUOTE, text="Public quote",
                                 consent=True, attributed_role="NHS Operations Manager")
    text = lead_client.get(urls(world)["place"]).content.decode()
    assert "Public quote" in text and "NHS Operations Manager" in text
    assert "Private quote" not in text


def test_people_in_the_room_follow_the_small_number_rule(lead_client: Client,
                                                         world: dict[str, Any]) -> None:
    """Issue 15, point 5: counts shown to leads and in exports that describe fewer than 3 people
    read "fewer than 3". Before, the timeline said "Police: 2 people" and the export "(1)"."""
    ashby, enabler = world["ashby"], world["ashby_enabler"]
    s = f.SessionFactory.create(engagement=ashby, enabler=enabler,
                                date=world["today"] - dt.timedelta(days=1))
    f.SessionSectorCountFactory.create(session=s, sector=Sector.OTHER_PUBLIC, headcount=2)
    trust = f.OrganisationFactory.create(name="Ashby Community Trust",
                                         kind=Organisation.Kind.COMMUNITY_TRUST)
    s.attendees.add(*f.PersonFactory.create_batch(2, organisation=trust))
    council = f.OrganisationFactory.create(name="Ashby Council",
                                           kind=Organisation.Kind.LOCAL_AUTHORITY)
    s.attendees.add(*f.PersonFactory.create_batch(3, organisation=council))
    page = lead_client.get(urls(world)["place"]).content.decode()
    assert "Other public sector: fewer than 3 people" in page and "sector: 2 people" not in page
    assert "Ashby Community Trust</li>" in page and "(2 people)" not in page
    assert "Ashby Council (3 people)" in page
    rows = read_csv(lead_client.get(urls(world)["place-csv"]))
    row = next(r for r in rows if r[0] == s.date.isoformat())
    assert "Other public sector: fewer than 3" in row
    assert any("Ashby Community Trust" in c and "(2)" not in c and "Ashby Council (3)" in c
               for c in row)
