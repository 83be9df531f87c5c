"""The dashboard's figures, checked against values computed by hand on a small fixture.

``TODAY`` is fixed (Wednesday 19 June 2024), and the selectors are called with it, so every
boundary is exact: the last 4 weeks start on 23 May (27 days back), the last quarter on
21 March (90 days back), and a working engagement is quiet from a last session on 29 May
(21 days back). See engagements/dashboards/definitions.py for the definitions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from engagements.dashboards.caseload import caseload_page
from engagements.dashboards.definitions import (
    Windows,
    sectors_in_room,
    weeks_ago_label,
    weeks_since,
)
from engagements.dashboards.filters import DashboardFilterForm, filter_choices
from engagements.dashboards.heatmap import heatmap_page
from engagements.dashboards.place import (
    board_of,
    learning_of,
    sector_coverage,
    themes_over_time,
    timeline_page,
)
from engagements.dashboards.programme import (
    dashboard_page,
    dashboard_queryset,
    headlines,
    quiet_engagements,
)
from engagements.models import Engagement, LearningItem, Session
from fieldbook.units import weekdays_in
from places.models import Organisation, Sector

from . import factories as f

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2024, 6, 19)
W = Windows(TODAY)


def test_windows_boundaries() -> None:
    assert W.four_weeks_from == D(2024, 5, 23)
    assert W.quarter_from == D(2024, 3, 21)
    assert W.quiet_on_or_before == D(2024, 5, 29)
    assert (W.month_from, W.last_month_from, W.last_month_to) == (
        D(2024, 6, 1), D(2024, 5, 1), D(2024, 5, 31))
    # January: last month is December of the year before.
    jan = Windows(D(2024, 1, 15))
    assert (jan.last_month_from, jan.last_month_to) == (D(2023, 12, 1), D(2023, 12, 31))


@pytest.mark.parametrize(
    ("days_ago", "weeks", "label"),
    [(0, 0, "less than a week ago"), (6, 0, "less than a week ago"), (7, 1, "1 week ago"),
     (13, 1, "1 week ago"), (14, 2, "2 weeks ago"), (20, 2, "2 weeks ago"),
     (21, 3, "3 weeks ago"), (27, 3, "3 weeks ago"), (28, 4, "4 weeks ago")],
)
def test_weeks_since_last_contact(days_ago: int, weeks: int, label: str) -> None:
    assert weeks_since(TODAY - dt.timedelta(days=days_ago), TODAY) == weeks
    assert weeks_ago_label(weeks) == label
    assert weeks_since(None, TODAY) is None


def person(kind: str) -> Any:
    return f.PersonFactory.create(organisation=f.OrganisationFactory.create(kind=kind))


def held(engagement: Engagement, enabler: Any, day: dt.date, minutes: int, *,
         people: tuple[Any, ...] = (), themes: tuple[Any, ...] = (), **kwargs: Any) -> Session:
    # Themes go through the factory, so the engagement's rollups count them.
    session = f.SessionFactory.create(engagement=engagement, enabler=enabler, date=day,
                                      duration_minutes=minutes, themes=themes, **kwargs)
    session.attendees.add(*people)
    return session


@pytest.fixture
def world() -> dict[str, Any]:
    """Seven places in one programme, each built to test one rule (see each comment)."""
    programme = f.ProgrammeFactory.create(slug="figures")
    north = f.RegionFactory.create(name="North", code="north")
    south = f.RegionFactory.create(name="South", code="south")
    blame = f.ThemeFactory.create(name="Blame culture", slug="blame-culture")
    discharge = f.ThemeFactory.create(name="Discharge", slug="discharge")
    trust = f.ThemeFactory.create(name="Relationships and trust", slug="relationships-and-trust")
    acute_flow = f.ThemeFactory.create(name="Acute flow", slug="acute-flow")

    def engagement(name: str, status: str, started: dt.date | None, region: Any = north,
                   **kwargs: Any) -> tuple[Engagement, Any]:
        place = f.PlaceFactory.create(name=name, slug=name.lower(), region=region)
        e = f.EngagementFactory.create(
            programme=programme, place=place, status=status, started_on=started,
            requested_on=(started or D(2024, 1, 1)) - dt.timedelta(days=7), **kwargs)
        enabler = f.EnablerFactory.create(user__first_name=f"Lead of {name}", user__last_name="")
        f.AssignmentFactory.create(engagement=e, enabler=enabler, role="lead",
                                   started_on=e.requested_on)
        return e, enabler

    # Alpha: every window boundary, every way into "the room", and what must not count.
    alpha, a_enabler = engagement("Alpha", "active", D(2024, 1, 8), days_allocated=Decimal(10))
    held(alpha, a_enabler, TODAY, 450, people=(person(Organisation.Kind.ACUTE_TRUST),),
         themes=(blame, discharge))
    s2 = held(alpha, a_enabler, D(2024, 5, 23), 225, themes=(blame,))  # first day of 4 weeks
    f.SessionSectorCountFactory.create(session=s2, sector=Sector.VOLUNTARY, headcount=12)
    held(alpha, a_enabler, D(2024, 5, 22), 90,  # the day before the 4 weeks
         people=(person(Organisation.Kind.LOCAL_AUTHORITY),), themes=(trust,))
    held(alpha, a_enabler, D(2024, 3, 21), 90,  # first day of the quarter
         people=(person(Organisation.Kind.AMBULANCE_TRUST),))
    held(alpha, a_enabler, D(2024, 3, 20), 90,  # the day before the quarter
         people=(person(Organisation.Kind.MENTAL_HEALTH_TRUST),), themes=(acute_flow,))
    # Not days, not "in the room": a postponement and a deleted session. (Nothing future-dated:
    # the services refuse it, so the figures to date, read from the rollups, need no date.)
    f.SessionFactory.create(engagement=alpha, enabler=a_enabler, date=D(2024, 6, 10),
                            status="postponed", status_reason="Board rescheduled",
                            duration_minutes=0)
    held(alpha, a_enabler, D(2024, 6, 18), 450, deleted_at=timezone.now(),
         people=(person(Organisation.Kind.PRIMARY_CARE),), themes=(trust,))
    f.OutcomeFactory.create(engagement=alpha)
    f.OutcomeFactory.create(engagement=alpha)

    # Bravo: last session 20 days ago, so 2 weeks since: not quiet.
    bravo, b_enabler = engagement("Bravo", "active", D(2024, 1, 8), region=south)
    held(bravo, b_enabler, D(2024, 5, 30), 90)
    held(bravo, b_enabler, D(2024, 5, 10), 60)

    # Charlie: last session 21 days ago: quiet, with two attempts since and one before.
    charlie, c_enabler = engagement("Charlie", "active", D(2024, 1, 8))
    held(charlie, c_enabler, D(2024, 5, 29), 90)
    for day, status, reason in [(D(2024, 6, 5), "postponed", "Site postponed — winter pressures"),
                                (D(2024, 6, 12), "cancelled", "Chair unwell"),
                                (D(2024, 5, 1), "postponed", "Before the last visit")]:
        f.SessionFactory.create(engagement=charlie, enabler=c_enabler, date=day, status=status,
                                status_reason=reason, duration_minutes=0)

    # Delta: paused, nothing for weeks, but a pause is agreed: never "quiet".
    delta, d_enabler = engagement("Delta", "paused", D(2024, 1, 8))
    held(delta, d_enabler, D(2024, 4, 1), 90)

    # Echo and Foxtrot: diagnostic, nothing held yet, started 21 and 20 days ago.
    engagement("Echo", "diagnostic", D(2024, 5, 29))
    engagement("Foxtrot", "diagnostic", D(2024, 5, 30))
    # Golf: requested only.
    engagement("Golf", "requested", None)
    return {"programme": programme, "alpha": alpha, "charlie": charlie,
            "themes": (blame, discharge, trust, acute_flow), "a_enabler": a_enabler}


def table(world: dict[str, Any], **filters: Any) -> dict[str, Any]:
    programme = world["programme"]
    form = DashboardFilterForm(filters, choices=filter_choices(programme))
    page = dashboard_page(dashboard_queryset(programme, form.values(), W), W, 1)
    return {row.engagement.place.name: row for row in page.rows}


def test_dashboard_rows_match_hand_computed_figures(world: dict[str, Any]) -> None:
    rows = table(world)
    assert list(rows) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf"]
    alpha = rows["Alpha"]
    assert alpha.last_session_on == TODAY and alpha.weeks_since == 0
    assert (alpha.sessions_recent, alpha.days_recent) == (2, Decimal("1.5"))  # 450 + 225 min
    assert (alpha.sessions_to_date, alpha.days_to_date) == (5, Decimal("2.1"))  # 945 minutes
    assert alpha.days_allocated == Decimal(10) and alpha.percent_used == 21
    assert alpha.engagement.n_outcomes == 2
    assert alpha.engagement.lead_name == "Lead of Alpha"
    # Ties broken by name: Acute flow, Discharge and Relationships each have one session.
    assert [t["name"] for t in alpha.top_themes] == ["Blame culture", "Acute flow", "Discharge"]
    # In the room last quarter: acute (named), voluntary (headcount), local authority and
    # ambulance (-> Other). Not mental health (the day before the quarter), nor primary care
    # (deleted session).
    assert {c["key"] for c in alpha.breadth.columns if c["present"]} == {
        "acute", "voluntary", "social_care", "other"}
    assert alpha.breadth.count == 4
    assert alpha.breadth.other_labels == "Ambulance"
    assert not alpha.is_quiet

    bravo = rows["Bravo"]
    assert (bravo.weeks_since, bravo.is_quiet) == (2, False)
    assert bravo.breadth.count == 0 and bravo.sessions_recent == 1  # 30 May is in the 4 weeks

    charlie = rows["Charlie"]
    assert (charlie.weeks_since, charlie.is_quiet) == (3, True)
    assert [(a.date, a.status_label, a.reason) for a in charlie.attempts_since_last_session] == [
        (D(2024, 6, 12), "Cancelled", "Chair unwell"),
        (D(2024, 6, 5), "Postponed", "Site postponed — winter pressures"),
    ]
    assert rows["Delta"].is_quiet is False  # paused
    assert rows["Echo"].is_quiet is True  # diagnostic, started 21 days ago, nothing held
    assert rows["Echo"].last_session_on is None and rows["Echo"].days_to_date == 0
    assert rows["Foxtrot"].is_quiet is False  # started 20 days ago
    assert rows["Golf"].is_quiet is False and rows["Golf"].engagement.lead_name == "Lead of Golf"


def test_headlines(world: dict[str, Any]) -> None:
    h = headlines(world["programme"], W)
    assert h.by_status == [("requested", "Requested", 1), ("diagnostic", "Diagnostic", 2),
                           ("active", "Active", 3), ("paused", "Paused", 1),
                           ("closed", "Closed", 0)]
    assert (h.n_places, h.n_quiet) == (7, 2)  # Charlie and Echo
    # June 1-19: Alpha today (450). May: Alpha 23rd (225) and 22nd (90), Bravo 30th (90) and
    # 10th (60), Charlie 29th (90) = 555 minutes; by 19 May only Bravo's 10th (60).
    assert (h.sessions_this_month, h.days_this_month) == (1, Decimal("1.0"))
    assert (h.sessions_last_month, h.days_last_month) == (5, Decimal("1.2"))
    assert (h.sessions_last_month_to_date, h.days_last_month_to_date) == (1, Decimal("0.1"))
    assert [e.place.name for e in quiet_engagements(world["programme"], W)] == [
        "Charlie", "Echo"]


def test_filters_and_sorts(world: dict[str, Any]) -> None:
    assert list(table(world, region="south")) == ["Bravo"]
    assert list(table(world, status="diagnostic")) == ["Echo", "Foxtrot"]
    assert list(table(world, q="LPH")) == ["Alpha"]
    assert list(table(world, quiet="1")) == ["Charlie", "Echo"]
    assert list(table(world, theme="relationships-and-trust")) == ["Alpha"]
    assert list(table(world, theme="acute-flow")) == ["Alpha"]
    enabler = world["a_enabler"]
    assert list(table(world, enabler=str(enabler.pk))) == ["Alpha"]
    # Not valid values are ignored, not errors.
    assert len(table(world, status="nonsense", region="nowhere", sort="evil")) == 7
    assert list(table(world, sort="last-oldest"))[:5] == [
        "Echo", "Foxtrot", "Golf", "Delta", "Charlie"]
    assert list(table(world, sort="last-newest"))[:3] == ["Alpha", "Bravo", "Charlie"]
    assert list(table(world, sort="days"))[:2] == ["Alpha", "Bravo"]
    assert list(table(world, sort="status")) == [
        "Golf", "Echo", "Foxtrot", "Alpha", "Bravo", "Charlie", "Delta"]
    assert list(table(world, sort="region"))[-1] == "Bravo"


def test_sectors_in_room_union(world: dict[str, Any]) -> None:
    alpha = world["alpha"]
    # Over the whole life of the engagement, mental health (20 March) is in the room too.
    found = sectors_in_room([alpha.pk], since=D(2024, 1, 1), today=TODAY)[alpha.pk]
    assert found.sectors == {Sector.ACUTE, Sector.VOLUNTARY, Sector.SOCIAL_CARE,
                             Sector.AMBULANCE, Sector.MENTAL_HEALTH}


def test_place_timeline_and_themes_over_time(world: dict[str, Any]) -> None:
    alpha = world["alpha"]
    _page, entries = timeline_page(alpha, 1)
    # Live sessions, newest first, including the postponement.
    assert [e.date for e in entries] == [TODAY, D(2024, 6, 10), D(2024, 5, 23),
                                         D(2024, 5, 22), D(2024, 3, 21), D(2024, 3, 20)]
    first = entries[0]
    assert first.organisations[0]["n"] == 1 and first.days == Decimal("1.00")
    assert [t["name"] for t in first.themes] == ["Blame culture", "Discharge"]
    assert entries[2].headcounts == [{"label": "", "sector": "Voluntary and community sector",
                                      "n": 12}]
    assert entries[1].status_label == "Postponed" and entries[1].days == 0
    _, about_blame = timeline_page(alpha, 1, theme="blame-culture", since=D(2024, 6, 1))
    assert [e.date for e in about_blame] == [TODAY]

    over_time = themes_over_time(alpha, W, months=4)
    assert over_time.months == [D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1)]
    series = {s.name: s.counts for s in over_time.series}
    assert series == {"Blame culture": [0, 0, 1, 1], "Acute flow": [1, 0, 0, 0],
                      "Discharge": [0, 0, 0, 1], "Relationships and trust": [0, 0, 1, 0]}
    # The table under the chart follows the small-number rule (README "Small numbers"):
    # every theme here adds up to 1 or 2, so its months read "not shown" (0 stays 0).
    assert over_time.table_rows[0] == {"month": D(2024, 6, 1),
                                       "counts": ["not shown", "0", "not shown", "0"]}
    assert [s.shown[1].text for s in over_time.series] == ["fewer than 3"] * 4
    # The timeline's theme filter offers every theme of a held, live session (the rollup),
    # including those older than the chart.
    assert [name for _, name in themes_over_time(alpha, W, months=1).all_themes] == [
        "Acute flow", "Blame culture", "Discharge", "Relationships and trust"]
    # The chart starts no earlier than the engagement (started January 2024).
    assert themes_over_time(alpha, W).months[0] == D(2024, 1, 1)


def test_learning_board_and_coverage(world: dict[str, Any]) -> None:
    alpha = world["alpha"]
    session = alpha.sessions.filter(date=TODAY).get()
    f.LearningItemFactory.create(session=session, text="Shared lesson")
    f.LearningItemFactory.create(session=session, text="Kept back", shareable=False)
    f.LearningItemFactory.create(session=session, kind=LearningItem.Kind.QUOTE, text="A quote",
                                 consent=True, attributed_role="NHS Operations Manager")
    deleted = alpha.sessions.filter(deleted_at__isnull=False).get()
    f.LearningItemFactory.create(session=deleted, text="From a deleted session")
    assert sorted(i["text"] for i in learning_of(alpha)) == ["A quote", "Shared lesson"]

    board = f.DeliveryBoardFactory.create(place=alpha.place)
    f.BoardMembershipFactory.create(board=board, person=person(Organisation.Kind.ACUTE_TRUST))
    f.BoardMembershipFactory.create(board=board, person=person(Organisation.Kind.ACUTE_TRUST))
    f.BoardMembershipFactory.create(board=board, person=person(Organisation.Kind.COMMISSIONER))
    f.BoardMembershipFactory.create(board=board, person=person(Organisation.Kind.VOLUNTARY),
                                    ended_on=D(2024, 2, 1))
    alpha.place.refresh_from_db()
    view = board_of(alpha)
    assert len(view.members) == 3
    assert view.sectors_on_board == {Sector.ACUTE: 2, Sector.COMMISSIONING: 1}
    rooms = sectors_in_room([alpha.pk], since=W.quarter_from, today=TODAY)[alpha.pk]
    coverage = {c["sector"]: (c["on_board"], c["in_room"])
                for c in sector_coverage(view, rooms.sectors)
                if c["on_board"] or c["in_room"]}
    assert coverage == {"Acute care": (2, True), "Ambulance": (0, True),
                        "Commissioning (CCG / ICB)": (1, False),
                        "Local authority / social care": (0, True),
                        "Voluntary and community sector": (0, True)}
    assert len(sector_coverage(view, rooms.sectors)) == len(Sector.choices)


def test_heatmap_counts_last_quarter(world: dict[str, Any]) -> None:
    heat = heatmap_page(world["programme"], W, 1)
    alpha = next(r for r in heat.rows if r.engagement.place.name == "Alpha")
    cells = {c.theme.name: (c.n, c.level, c.text) for c in alpha.cells}
    # Blame culture twice (19 June, 23 May); Acute flow's only session is before the quarter.
    # 1 and 2 read "fewer than 3", shaded alike (README "Small numbers"); Blame culture's
    # column adds up to 2 in all, so its total reads "fewer than 3" and no place's count shows.
    assert cells["Blame culture"] == (2, 0, "not shown")
    assert {t.name: t.total_cell.text for t in heat.themes}["Blame culture"] == "fewer than 3"
    assert cells["Discharge"][:2] == (1, 0) and cells["Discharge"][2] == "not shown"
    assert cells["Acute flow"] == (0, 0, "")
    theme = {t.name: t for t in heat.themes}["Relationships and trust"]
    assert theme.total == 1 and theme.total_cell.text == "fewer than 3"
    assert [r.engagement.place.name for r in
            heatmap_page(world["programme"], W, 1, region="south").rows] == ["Bravo"]


def test_caseload_days_against_capacity(world: dict[str, Any]) -> None:
    # The Alpha lead also logged 225 minutes this month in another programme.
    enabler = world["a_enabler"]
    other = f.EngagementFactory.create()
    held(other, enabler, D(2024, 6, 3), 225)
    page, rows = caseload_page(world["programme"], W, 1)
    row = next(r for r in rows if r.enabler == enabler)
    assert [a.engagement.place.name for a in row.assignments] == ["Alpha"]
    assert row.days_this_month == Decimal("1.0")  # 450 minutes today in this programme
    assert row.days_this_month_all == Decimal("1.5")
    # June 2024 has 20 weekdays; 2 days a week -> 8 days; 13 weekdays by the 19th -> 5.2.
    assert weekdays_in(D(2024, 6, 1), D(2024, 6, 30)) == 20
    assert (row.month_capacity, row.capacity_to_date) == (Decimal("8.0"), Decimal("5.2"))
    assert row.percent_of_month == 18
    assert page.paginator.count == 7


def test_onboarding_and_the_caseload_show_the_same_capacity(world: dict[str, Any]) -> None:
    """One capacity rule (enablers.capacity): the enabler choice in onboarding and the caseload
    page give the same month's capacity for the same enabler (it was 8.6, days-in-month / 7, on
    one page and 8.0, working days / 5, on the other)."""
    from backoffice.views.onboarding.team import enablers_with_caseload

    enabler = world["a_enabler"]
    _, rows = caseload_page(world["programme"], W, 1)
    on_caseload = next(r for r in rows if r.enabler == enabler).month_capacity
    in_onboarding = next(r for r in enablers_with_caseload(region_id=None, today=W.today)
                         if r["enabler"] == enabler)["capacity_this_month"]
    assert on_caseload == in_onboarding == Decimal("8.0")
