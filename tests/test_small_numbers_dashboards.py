"""Small numbers on the lead's pages and exports (README "Small numbers", issue 15 point 5):
per-place sessions and days on the programme dashboard and in its CSV/XLSX, the headlines,
the place summary, the heatmap (with follow-on suppression against the theme totals) and the
caseload read "fewer than 3" / "not shown". An enabler's own week keeps exact counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from engagements.disclosure import FEWER_THAN, WITHHELD

from . import factories as f

pytestmark = pytest.mark.django_db

# Place: (sessions in the last 4 weeks, sessions before them, of them about Flow).
PLACES = {
    "Alder": (2, 0, 1),   # 2 to date: both read "fewer than 3"
    "Birch": (5, 1, 0),   # 6 to date, 5 lately: the 1 before would follow, so 6 is hidden
    "Cedar": (1, 7, 0),   # 1 lately reads "fewer than 3"; 8 to date is shown
    "Dale": (0, 0, 0),    # nothing: 0 is shown
    "Elm": (4, 6, 4),     # shown as they are; Flow 4 hidden, else 5 - 4 gives Alder's 1 away
}


def strip(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    today = timezone.localdate()
    programme = f.ProgrammeFactory.create(name="Small numbers", slug="small")
    flow = f.ThemeFactory.create(name="Flow", slug="flow")
    other = f.ThemeFactory.create(name="Other", slug="other")
    enablers = {}
    for name, (recent, before, on_flow) in PLACES.items():
        place = f.PlaceFactory.create(name=name, slug=name.lower())
        e = f.EngagementFactory.create(programme=programme, place=place, status="active",
                                       started_on=today - dt.timedelta(days=300),
                                       requested_on=today - dt.timedelta(days=310),
                                       days_allocated=Decimal("20"))
        enabler = f.EnablerFactory.create(user__first_name=f"Enid{name}",
                                          user__last_name="Lane")
        f.AssignmentFactory.create(engagement=e, enabler=enabler, started_on=e.started_on)
        enablers[name] = enabler
        for i in range(recent):
            f.SessionFactory.create(engagement=e, enabler=enabler, date=today,
                                    duration_minutes=225,
                                    themes=[flow] if i < on_flow else [other])
        for _ in range(before):
            f.SessionFactory.create(engagement=e, enabler=enabler,
                                    date=today - dt.timedelta(days=200), duration_minutes=225)
    return {"programme": programme, "today": today, "enablers": enablers}


def url(name: str, *args: str) -> str:
    return reverse(f"engagements:{name}", args=["small", *args])


def row_text(html: str, place: str, marker: str = "") -> str:
    rows = re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", html, re.S)
    found = [strip(r) for r in rows if (marker or f">{place}</a>") in r]
    assert len(found) == 1, place
    return found[0]


def test_dashboard_rows_follow_the_rule(lead_client: Client, world: dict[str, Any]) -> None:
    html = lead_client.get(url("programme-dashboard")).content.decode()
    alder = row_text(html, "Alder")
    assert f"{FEWER_THAN} sessions days {WITHHELD}" in alder
    assert f"Days {WITHHELD} 20.0 allocated {FEWER_THAN} sessions" in alder
    birch = row_text(html, "Birch")
    assert "5 sessions 2.5 days" in birch and f"sessions {WITHHELD}" in birch
    assert "6 sessions" not in birch and "3.0 of 20.0" not in birch
    cedar = row_text(html, "Cedar")
    assert f"{FEWER_THAN} sessions days {WITHHELD}" in cedar and "8 sessions" in cedar
    assert "4.0 of 20.0" in cedar
    assert "0 sessions 0.0 days" in row_text(html, "Dale")
    elm = row_text(html, "Elm")
    assert "4 sessions 2.0 days" in elm and "10 sessions" in elm and "5.0 of 20.0" in elm


def export_rows(response: Any, fmt: str) -> dict[str, dict[str, Any]]:
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows: list[Any] = list(csv.reader(io.StringIO(text)))
    else:
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dashboard_export_follows_the_rule(lead_client: Client, world: dict[str, Any],
                                           fmt: str) -> None:
    rows = export_rows(lead_client.get(url("dashboard-export", fmt)), fmt)
    keys = ("Sessions, last 4 weeks", "Days, last 4 weeks", "Sessions to date", "Days to date")

    def figures(place: str) -> list[str]:
        # XLSX hands 4.0 back as 4: compare numbers as one decimal place.
        return [v if isinstance(v := rows[place][k], str) and not v[0].isdigit()
                else f"{Decimal(str(v)):.1f}".removesuffix(".0") if "Sessions" in k
                else f"{Decimal(str(v)):.1f}" for k in keys]

    assert figures("Alder") == [FEWER_THAN, WITHHELD, FEWER_THAN, WITHHELD]
    assert figures("Birch") == ["5", "2.5", WITHHELD, WITHHELD]
    assert figures("Cedar") == [FEWER_THAN, WITHHELD, "8", "4.0"]
    assert figures("Dale")[0] == "0" and figures("Dale")[2] == "0"
    assert figures("Elm") == ["4", "2.0", "10", "5.0"]
    if fmt == "xlsx":  # numbers stay numbers; the words are text cells
        assert rows["Elm"]["Sessions to date"] == 10
        assert rows["Alder"]["Sessions to date"] == FEWER_THAN


def test_place_summary_follows_the_rule(lead_client: Client, world: dict[str, Any]) -> None:
    def summary(place: str) -> str:
        html = lead_client.get(url("place", place)).content.decode()
        match = re.search(r"Days used</dt>(.*?)</dd>", html, re.S)
        assert match is not None
        return strip(match.group(1))

    assert summary("alder") == (f"Not shown (20.0 days allocated) {FEWER_THAN.capitalize()} "
                                f"sessions held; {FEWER_THAN} in the last 4 weeks")
    assert summary("birch") == (f"Not shown (20.0 days allocated) Sessions {WITHHELD} held; "
                                "5 in the last 4 weeks")
    assert summary("cedar") == (f"4.0 of 20.0 days allocated 8 sessions held; {FEWER_THAN} "
                                "in the last 4 weeks")
    assert summary("elm") == "5.0 of 20.0 days allocated 10 sessions held; 4 in the last 4 weeks"


def test_headlines_follow_the_rule(lead_client: Client, db: None) -> None:
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    programme = f.ProgrammeFactory.create(name="Tiny", slug="tiny")
    e = f.EngagementFactory.create(programme=programme, status="active",
                                   started_on=last_month - dt.timedelta(days=30))
    f.SessionFactory.create(engagement=e, date=today)
    f.SessionFactory.create(engagement=e, date=last_month)
    html = lead_client.get(reverse("engagements:programme-dashboard", args=["tiny"]))
    text = strip(html.content.decode())
    assert f"{FEWER_THAN.capitalize()} sessions Days {WITHHELD}" in text
    assert (f"{FEWER_THAN} sessions, days {WITHHELD}; {FEWER_THAN} sessions and days "
            f"{WITHHELD} by the same day") in text


def test_heatmap_hides_the_cell_the_total_would_give_away(lead_client: Client,
                                                          world: dict[str, Any]) -> None:
    html = lead_client.get(url("heatmap")).content.decode()
    # Flow: Alder 1, Elm 4, total 5 shown. Elm's 4 would leave 5 - 4 = 1, so it is hidden.
    header = re.findall(r'app-heatmap__theme" scope="col"><span>([^<]+)</span>', html)
    flow = header.index("Flow")

    def cells(place: str) -> list[str]:
        row = next(r for r in re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", html,
                                         re.S) if f">{place}</a>" in r)
        return [strip(c).split(" session")[0]
                for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]

    assert cells("Alder")[flow] == FEWER_THAN
    assert cells("Elm")[flow] == WITHHELD
    foot = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S)
    assert foot is not None
    totals = [strip(c).split(" session")[0]
              for c in re.findall(r"<td[^>]*>(.*?)</td>", foot.group(1), re.S)]
    assert totals[flow] == "5"
    assert ">4<" not in html.split("<tfoot>")[0].split("Elm")[1].split("</tr>")[0]


def test_caseload_follows_the_rule(lead_client: Client, world: dict[str, Any]) -> None:
    html = lead_client.get(url("caseload")).content.decode()
    alder = row_text(html, "", "EnidAlder Lane")
    assert f"Days {WITHHELD} {FEWER_THAN} sessions" in alder
    elm = row_text(html, "", "EnidElm Lane")
    assert "2.0 days" in elm


def test_an_enablers_own_week_keeps_exact_counts(client: Client, world: dict[str, Any]
                                                 ) -> None:
    enabler = world["enablers"]["Alder"]
    client.force_login(enabler.user)
    text = strip(client.get(reverse("engagements:my-week")).content.decode())
    assert "1.0 of 20.0" in text  # 2 sessions of 225 minutes, to the day


def test_themes_over_time_follow_the_rule(lead_client: Client, world: dict[str, Any]) -> None:
    def chart(place: str) -> tuple[str, str]:
        html = lead_client.get(url("place", place)).content.decode()
        start = html.index('id="themes-over-time"')
        svg = html[start:html.index("</svg>", start)]
        table = html[start:html.index("</table>", start)].split("<tbody", 1)[1]
        return svg, strip(table)

    svg, table = chart("alder")
    assert f"Flow ({FEWER_THAN})" in svg and f"Flow, {today_month(world)}: {WITHHELD}" in svg
    assert "1 session" not in svg and " 1 " not in f" {table} "
    svg, table = chart("elm")
    assert "Flow (4)" in svg and "4 sessions" in svg and " 4" in table


def today_month(world: dict[str, Any]) -> str:
    return str(world["today"].strftime("%B %Y"))


def test_a_theme_series_hides_what_its_total_would_give_away() -> None:
    from engagements.dashboards.place import ThemeSeries

    cells, total = ThemeSeries("Flow", "flow", 6, [1, 0, 0, 5]).shown
    assert [c.text for c in cells] == [FEWER_THAN, "0", "0", WITHHELD] and total.text == "6"
