"""Every rule of logging, editing, deleting and copying sessions (engagements/week/services.py),
and the reads behind My week (engagements/week/reads.py).

The services take ``today`` so the rules about dates are tested against a fixed day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enablers.models import Assignment
from engagements.models import LearningItem, Session
from engagements.week import services
from engagements.week.reads import empty_weeks, engagement_rows, quiet_engagements, week_days
from engagements.week.services import LearningItemData, SessionData
from fieldbook.errors import DomainError, StaleEditError
from fieldbook.models import AuditEvent

from .factories import (
    START,
    AssignmentFactory,
    BoardMembershipFactory,
    DeliveryBoardFactory,
    EnablerFactory,
    EngagementFactory,
    LearningItemFactory,
    PersonFactory,
    SessionFactory,
    ThemeFactory,
    notes_of,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 3, 13)  # a Wednesday, nine weeks into the engagement (started START)
CANARY = "PRIVATE-canary-7f3a"


class World:
    """One enabler on one engagement, whose place has a board of two (one has left)."""

    def __init__(self) -> None:
        self.assignment = AssignmentFactory.create()
        self.enabler = self.assignment.enabler
        self.engagement = self.assignment.engagement
        board = DeliveryBoardFactory.create(place=self.engagement.place)
        self.member = BoardMembershipFactory.create(board=board).person
        self.former = BoardMembershipFactory.create(
            board=board, started_on=START, ended_on=dt.date(2024, 2, 1)
        ).person
        self.theme = ThemeFactory.create()
        self.other_theme = ThemeFactory.create()

    def data(self, **overrides: Any) -> SessionData:
        base = SessionData(
            engagement_id=self.engagement.pk,
            date=dt.date(2024, 3, 12),
            kind=Session.Kind.SITE_VISIT,
            duration_minutes=120,
            attendee_ids=frozenset({self.member.pk}),
            theme_ids=frozenset({self.theme.pk}),
            private_notes=f"Notes {CANARY}",
            next_steps="Meet the chair again.",
        )
        return replace(base, **overrides)

    def log(self, **overrides: Any) -> Session:
        session, created = services.session_log(
            enabler=self.enabler, data=self.data(**overrides), idempotency_key=uuid.uuid4(),
            today=TODAY,
        )
        assert created
        return session


@pytest.fixture
def world() -> World:
    return World()


def field_errors(excinfo: pytest.ExceptionInfo[DomainError]) -> dict[str | None, list[str]]:
    return excinfo.value.field_errors


# ---- logging ---------------------------------------------------------------------------------

def test_log_writes_the_session_its_links_learning_and_an_audit_row(world: World) -> None:
    key = uuid.uuid4()
    quote = LearningItemData(
        kind=LearningItem.Kind.QUOTE, text="We stopped blaming each other.",
        attributed_role="NHS Operations Manager", consent=True,
        theme_ids=frozenset({world.other_theme.pk}),
    )
    data = world.data(sector_counts={"acute": 12, "voluntary": 3}, learning_items=(quote,))
    session, created = services.session_log(
        enabler=world.enabler, data=data, idempotency_key=key, today=TODAY
    )

    assert created
    session.refresh_from_db()
    assert (session.engagement, session.enabler, session.date) == (
        world.engagement, world.enabler, dt.date(2024, 3, 12))
    assert session.idempotency_key == key and session.version == 1
    assert list(session.attendees.all()) == [world.member]
    assert list(session.themes.all()) == [world.theme]
    assert {c.sector: c.headcount for c in session.sector_counts.all()} == {
        "acute": 12, "voluntary": 3}
    item = session.learning_items.get()
    assert (item.kind, item.attributed_role, item.consent) == ("quote", "NHS Operations Manager",
                                                               True)
    assert list(item.themes.all()) == [world.other_theme]
    event = AuditEvent.objects.get(action="engagements.session.logged")
    assert event.object_id == str(session.pk) and event.actor == world.enabler.user


def test_checking_the_rules_costs_one_query(world: World) -> None:
    with CaptureQueriesContext(connection) as ctx:
        services._validate(enabler=world.enabler, data=world.data(), today=TODAY)
    assert len(ctx.captured_queries) == 1


@pytest.mark.parametrize("day", [TODAY + dt.timedelta(days=1), dt.date(2030, 1, 1)])
def test_a_future_date_is_refused(world: World, day: dt.date) -> None:
    with pytest.raises(DomainError) as excinfo:
        world.log(date=day)
    assert "cannot be in the future" in field_errors(excinfo)["date"][0]
    assert not Session.objects.exists()


def test_today_is_allowed(world: World) -> None:
    assert world.log(date=TODAY).date == TODAY


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (0, "at least 15 minutes"),
        (10, "at least 15 minutes"),
        (12 * 60 + 15, "longer than 12 hours"),
        (24 * 60, "longer than 12 hours"),
        (50, "quarter-hour steps"),
        (125, "quarter-hour steps"),
    ],
)
def test_zero_absurd_and_odd_durations_are_refused(world: World, minutes: int,
                                                   message: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        world.log(duration_minutes=minutes)
    assert message in field_errors(excinfo)["duration"][0]


@pytest.mark.parametrize("minutes", [15, 225, 450, 12 * 60])
def test_quarter_hours_up_to_twelve_hours_are_allowed(world: World, minutes: int) -> None:
    assert world.log(duration_minutes=minutes).duration_minutes == minutes


def test_a_date_before_the_engagement_started_is_refused(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        world.log(date=START - dt.timedelta(days=1))
    assert "on or after 8 January 2024" in field_errors(excinfo)["date"][0]


def test_a_date_after_the_engagement_ended_is_refused(world: World) -> None:
    world.engagement.ended_on = dt.date(2024, 2, 29)
    world.engagement.save()
    with pytest.raises(DomainError) as excinfo:
        world.log(date=dt.date(2024, 3, 1))
    assert "on or before 29 February 2024" in field_errors(excinfo)["date"][0]
    assert world.log(date=dt.date(2024, 2, 29)).date == dt.date(2024, 2, 29)


def test_an_engagement_the_enabler_is_not_assigned_to_is_refused(world: World) -> None:
    elsewhere = EngagementFactory.create()
    with pytest.raises(DomainError) as excinfo:
        world.log(engagement_id=elsewhere.pk)
    assert field_errors(excinfo)["engagement"] == [
        "Choose one of the engagements you are assigned to."]


def test_an_ended_assignment_or_a_closed_engagement_is_refused(world: World) -> None:
    world.assignment.ended_on = dt.date(2024, 3, 1)
    world.assignment.save()
    with pytest.raises(DomainError) as excinfo:
        world.log()
    assert "engagement" in field_errors(excinfo)

    other = AssignmentFactory.create(enabler=world.enabler)
    other.engagement.status = "closed"
    other.engagement.save()
    with pytest.raises(DomainError):
        world.log(engagement_id=other.engagement.pk)


def test_attendees_must_be_on_the_places_board(world: World) -> None:
    stranger = PersonFactory.create()
    elsewhere = BoardMembershipFactory.create().person  # on another place's board
    for person in (stranger, elsewhere):
        with pytest.raises(DomainError) as excinfo:
            world.log(attendee_ids=frozenset({world.member.pk, person.pk}))
        assert "delivery board" in field_errors(excinfo)["attendees"][0]


def test_a_former_board_member_may_be_recorded(world: World) -> None:
    # Editing an old session must not drop someone who has since left the board.
    session = world.log(attendee_ids=frozenset({world.member.pk, world.former.pk}))
    assert set(session.attendees.all()) == {world.member, world.former}


def test_themes_must_be_active_and_known(world: World) -> None:
    retired = ThemeFactory.create(is_active=False)
    for ids in ({retired.pk}, {world.theme.pk, 999_999}):
        with pytest.raises(DomainError) as excinfo:
            world.log(theme_ids=frozenset(ids))
        assert field_errors(excinfo)["themes"] == ["Choose themes from the list."]


def test_a_shared_quote_needs_consent_and_a_role(world: World) -> None:
    quote = LearningItemData(kind=LearningItem.Kind.QUOTE, text="“We are one system.”",
                             shareable=True)
    with pytest.raises(DomainError) as excinfo:
        world.log(learning_items=(LearningItemData(kind="lesson", text="Fine."), quote))
    errors = field_errors(excinfo)
    assert "consent" in errors["learning-1-consent"][0]
    assert "role" in errors["learning-1-attributed_role"][0]
    assert "learning-0-text" not in errors

    with pytest.raises(DomainError) as excinfo:
        world.log(learning_items=(replace(quote, consent=True),))
    assert set(field_errors(excinfo)) == {"learning-0-attributed_role"}

    # Kept to oneself (not shared), a quote needs neither.
    session = world.log(learning_items=(replace(quote, shareable=False),))
    assert session.learning_items.get().shareable is False


def test_a_learning_item_needs_text(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        world.log(learning_items=(LearningItemData(kind="lesson", text="  ",
                                                   attributed_role="Chair"),))
    assert "learning-0-text" in field_errors(excinfo)


def test_unknown_kinds_are_refused(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        world.log(kind="party", status="maybe")
    assert {"kind", "status"} <= set(field_errors(excinfo))


def test_every_problem_is_reported_at_once(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        world.log(date=TODAY + dt.timedelta(days=3), duration_minutes=0,
                  attendee_ids=frozenset({PersonFactory.create().pk}))
    assert {"date", "duration", "attendees"} <= set(field_errors(excinfo))


def test_a_postponed_visit_needs_a_reason_and_counts_as_contact(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        world.log(status=Session.Status.POSTPONED, status_reason=" ")
    assert "Say why" in field_errors(excinfo)["status_reason"][0]

    session = world.log(status=Session.Status.POSTPONED, duration_minutes=0,
                        status_reason="Site postponed — winter pressures")
    assert session.status == "postponed" and not session.is_held

    # Contact attempted: the engagement is not a gap; but no days are used.
    [row] = engagement_rows(world.enabler)
    assert row.my_last_contact_on == session.date
    assert row.days_used == Decimal("0.0") and row.last_session_on is None
    assert quiet_engagements([row], TODAY) == []


def test_a_cancelled_visit_keeps_its_planned_length_in_quarter_hours(world: World) -> None:
    with pytest.raises(DomainError) as excinfo:
        world.log(status=Session.Status.CANCELLED, status_reason="Snow", duration_minutes=50)
    assert "duration" in field_errors(excinfo)
    assert world.log(status=Session.Status.CANCELLED, status_reason="Snow").duration_minutes == 120


# ---- exactly once ----------------------------------------------------------------------------

def test_the_same_form_sent_twice_logs_one_session(world: World) -> None:
    key = uuid.uuid4()
    first, created = services.session_log(enabler=world.enabler, data=world.data(),
                                          idempotency_key=key, today=TODAY)
    again, created_again = services.session_log(enabler=world.enabler, data=world.data(),
                                                idempotency_key=key, today=TODAY)
    assert created and not created_again
    assert again.pk == first.pk
    assert Session.objects.count() == 1
    assert first.attendees.count() == 1
    assert AuditEvent.objects.filter(action="engagements.session.logged").count() == 1


def test_a_concurrent_duplicate_loses_on_the_unique_key(world: World,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests with one key: the other commits between our checks and our INSERT."""
    key = uuid.uuid4()
    winner: dict[str, Session] = {}
    validate = services._validate

    def validate_then_lose_the_race(**kwargs: Any) -> Any:
        engagement = validate(**kwargs)
        winner["session"] = SessionFactory.create(
            engagement=world.engagement, enabler=world.enabler, idempotency_key=key,
            date=dt.date(2024, 3, 12),
        )
        return engagement

    monkeypatch.setattr(services, "_validate", validate_then_lose_the_race)
    session, created = services.session_log(enabler=world.enabler, data=world.data(),
                                             idempotency_key=key, today=TODAY)
    assert not created
    assert session.pk == winner["session"].pk
    assert Session.objects.count() == 1
    # Our half-written row was rolled back with its links and audit row.
    assert not AuditEvent.objects.filter(action="engagements.session.logged").exists()


def test_a_re_send_after_the_rules_changed_returns_the_saved_session(world: World) -> None:
    key = uuid.uuid4()
    first, _ = services.session_log(enabler=world.enabler, data=world.data(),
                                    idempotency_key=key, today=TODAY)
    world.engagement.status = "closed"
    world.engagement.save()
    again, created = services.session_log(enabler=world.enabler, data=world.data(),
                                          idempotency_key=key, today=TODAY)
    assert (again.pk, created) == (first.pk, False)


def test_another_enablers_key_is_refused(world: World) -> None:
    key = uuid.uuid4()
    services.session_log(enabler=world.enabler, data=world.data(), idempotency_key=key,
                         today=TODAY)
    other = AssignmentFactory.create(engagement=world.engagement, role=Assignment.Role.SUPPORTING)
    with pytest.raises(DomainError, match="already used"):
        services.session_log(enabler=other.enabler, data=world.data(), idempotency_key=key,
                             today=TODAY)
    assert Session.objects.count() == 1


# ---- editing: optimistic concurrency ---------------------------------------------------------

def test_an_edit_saves_and_moves_the_version_on(world: World) -> None:
    session = world.log()
    updated = services.session_update(
        enabler=world.enabler, session=session, expected_version=1, today=TODAY,
        data=world.data(duration_minutes=180, attendee_ids=frozenset(),
                        theme_ids=frozenset({world.other_theme.pk}),
                        learning_items=(LearningItemData(kind="lesson", text="Listen first."),)),
    )
    assert updated.version == 2 and updated.duration_minutes == 180
    assert list(updated.attendees.all()) == []
    assert list(updated.themes.all()) == [world.other_theme]
    assert updated.learning_items.get().text == "Listen first."
    event = AuditEvent.objects.get(action="engagements.session.updated")
    assert event.changes["duration_minutes"] == 180
    assert "date" not in event.changes  # only what changed
    assert "private_notes" not in event.changes  # unchanged: not even "(changed)"


def test_a_stale_edit_is_refused_and_changes_nothing(world: World) -> None:
    session = world.log()
    services.session_update(enabler=world.enabler, session=session, expected_version=1,
                            data=world.data(next_steps="First edit."), today=TODAY)
    stale_form = world.data(duration_minutes=450, next_steps="Second edit.",
                            attendee_ids=frozenset(), theme_ids=frozenset())
    with pytest.raises(StaleEditError) as excinfo:
        services.session_update(enabler=world.enabler, session=session, expected_version=1,
                                data=stale_form, today=TODAY)

    current = excinfo.value.current
    assert isinstance(current, Session) and current.version == 2
    assert current.next_steps == "First edit."
    session.refresh_from_db()
    assert (session.version, session.duration_minutes, session.next_steps) == (
        2, 120, "First edit.")
    assert list(session.attendees.all()) == [world.member]
    assert list(session.themes.all()) == [world.theme]
    assert AuditEvent.objects.filter(action="engagements.session.updated").count() == 1


def test_an_edit_after_a_delete_is_refused(world: World) -> None:
    session = world.log()
    services.session_delete(enabler=world.enabler, session=session)
    with pytest.raises(DomainError, match="deleted"):
        services.session_update(enabler=world.enabler, session=session, expected_version=1,
                                data=world.data(), today=TODAY)


def test_an_edit_keeps_a_retired_theme_and_a_former_member(world: World) -> None:
    session = world.log(attendee_ids=frozenset({world.former.pk}))
    world.theme.is_active = False
    world.theme.save()
    updated = services.session_update(
        enabler=world.enabler, session=session, expected_version=1, today=TODAY,
        data=world.data(attendee_ids=frozenset({world.former.pk}), duration_minutes=60),
    )
    assert list(updated.themes.all()) == [world.theme]
    # ...but a retired theme cannot be added to a session that did not have it.
    other = world.log(theme_ids=frozenset())
    with pytest.raises(DomainError):
        services.session_update(enabler=world.enabler, session=other, expected_version=1,
                                data=world.data(), today=TODAY)


def test_an_edit_follows_the_same_rules_as_logging(world: World) -> None:
    session = world.log()
    with pytest.raises(DomainError) as excinfo:
        services.session_update(enabler=world.enabler, session=session, expected_version=1,
                                data=world.data(date=TODAY + dt.timedelta(days=1)), today=TODAY)
    assert "date" in field_errors(excinfo)
    session.refresh_from_db()
    assert session.version == 1


def test_only_the_author_may_edit_delete_or_restore(world: World) -> None:
    session = world.log()
    other = AssignmentFactory.create(engagement=world.engagement, role=Assignment.Role.SUPPORTING)
    with pytest.raises(DomainError):
        services.session_update(enabler=other.enabler, session=session, expected_version=1,
                                data=world.data(), today=TODAY)
    with pytest.raises(DomainError):
        services.session_delete(enabler=other.enabler, session=session)
    services.session_delete(enabler=world.enabler, session=session)
    with pytest.raises(DomainError):
        services.session_restore(enabler=other.enabler, session=session)
    session.refresh_from_db()
    assert session.deleted_at is not None


# ---- soft delete and restore -----------------------------------------------------------------

def test_a_deleted_session_leaves_my_week_and_the_counts_until_restored(world: World) -> None:
    session = world.log(duration_minutes=450)
    monday = dt.date(2024, 3, 11)

    def sessions_in_week() -> list[int]:
        return [s.pk for _, day in week_days(world.enabler, monday) for s in day]

    assert sessions_in_week() == [session.pk]
    assert engagement_rows(world.enabler)[0].days_used == Decimal("1.0")

    services.session_delete(enabler=world.enabler, session=session)
    assert sessions_in_week() == []
    [row] = engagement_rows(world.enabler)
    assert (row.days_used, row.my_last_contact_on) == (Decimal("0.0"), None)
    assert Session.objects.filter(pk=session.pk).exists()  # soft: still there

    services.session_restore(enabler=world.enabler, session=session)
    assert sessions_in_week() == [session.pk]
    assert engagement_rows(world.enabler)[0].days_used == Decimal("1.0")
    actions = list(AuditEvent.objects.filter(object_type="engagements.session")
                   .order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["engagements.session.deleted", "engagements.session.restored"]


# ---- copy forward ----------------------------------------------------------------------------

def test_repeat_copies_last_weeks_sessions_without_private_content(world: World) -> None:
    source = world.log(date=dt.date(2024, 3, 4), sector_counts={"acute": 9},
                       learning_items=(LearningItemData(kind="lesson", text="Keep it."),))
    world.log(date=dt.date(2024, 3, 5), status="cancelled", status_reason="Snow")  # not copied
    this_monday = dt.date(2024, 3, 11)

    candidates = services.repeat_candidates(enabler=world.enabler, target_week_start=this_monday)
    assert [c.pk for c in candidates] == [source.pk]

    batch = uuid.uuid4()
    [copy] = services.sessions_repeat(enabler=world.enabler, source_ids=[source.pk],
                                      batch_key=batch, today=TODAY)
    copy.refresh_from_db()
    assert copy.date == dt.date(2024, 3, 11)
    assert (copy.engagement_id, copy.kind, copy.duration_minutes) == (
        source.engagement_id, source.kind, source.duration_minutes)
    assert list(copy.attendees.all()) == [world.member]
    assert list(copy.themes.all()) == [world.theme]
    assert notes_of(copy) == "" and copy.next_steps == ""
    assert not copy.learning_items.exists() and not copy.sector_counts.exists()

    # The same batch again (a double click) creates nothing; a new batch is a new decision.
    again = services.sessions_repeat(enabler=world.enabler, source_ids=[source.pk],
                                     batch_key=batch, today=TODAY)
    assert [s.pk for s in again] == [copy.pk]
    assert Session.objects.filter(date=dt.date(2024, 3, 11)).count() == 1


def test_repeat_into_a_day_not_yet_happened_is_refused_whole(world: World) -> None:
    monday = world.log(date=dt.date(2024, 3, 4))
    friday = world.log(date=dt.date(2024, 3, 8))  # its copy would be 15 March, after TODAY
    with pytest.raises(DomainError, match=r"Friday 15 March.*future"):
        services.sessions_repeat(enabler=world.enabler, source_ids=[monday.pk, friday.pk],
                                 batch_key=uuid.uuid4(), today=TODAY)
    assert not Session.objects.filter(date__gte=dt.date(2024, 3, 11)).exists()


def test_repeat_ignores_other_enablers_sessions(world: World) -> None:
    theirs = SessionFactory.create(engagement=world.engagement, date=dt.date(2024, 3, 4))
    assert services.sessions_repeat(enabler=world.enabler, source_ids=[theirs.pk],
                                    batch_key=uuid.uuid4(), today=TODAY) == []


# ---- audit rows never hold the private notes -------------------------------------------------

def test_audit_rows_never_contain_private_notes(world: World) -> None:
    session = world.log(date=dt.date(2024, 3, 4))
    services.session_update(enabler=world.enabler, session=session, expected_version=1,
                            data=world.data(date=dt.date(2024, 3, 4),
                                            private_notes=f"Changed {CANARY}"), today=TODAY)
    services.session_delete(enabler=world.enabler, session=session)
    services.session_restore(enabler=world.enabler, session=session)
    services.sessions_repeat(enabler=world.enabler, source_ids=[session.pk],
                             batch_key=uuid.uuid4(), today=TODAY)

    assert AuditEvent.objects.filter(object_type="engagements.session").count() == 5
    events = list(AuditEvent.objects.all())
    for event in events:
        assert CANARY not in str(event.changes) and CANARY not in event.object_repr
    updated = next(e for e in events if e.action == "engagements.session.updated")
    assert updated.changes["private_notes"] == "(changed)"


# ---- the reads behind My week ----------------------------------------------------------------

def test_gaps_list_quiet_engagements_and_empty_weeks(world: World) -> None:
    quiet = AssignmentFactory.create(enabler=world.enabler, engagement=EngagementFactory.create())
    world.log(date=dt.date(2024, 3, 4))  # last week: the first engagement is not quiet
    SessionFactory.create(engagement=quiet.engagement, date=dt.date(2024, 3, 12))  # a co-enabler's
    world.log(date=dt.date(2024, 2, 14))

    rows = engagement_rows(world.enabler)
    assert [r.engagement for r in quiet_engagements(rows, TODAY)] == [quiet.engagement]
    # Weeks of 12 Feb..4 Mar: 12 Feb and 4 Mar have sessions.
    assert empty_weeks(world.enabler, TODAY, rows) == [dt.date(2024, 2, 19), dt.date(2024, 2, 26)]


def test_no_empty_weeks_before_the_enabler_was_assigned(world: World) -> None:
    newcomer = EnablerFactory.create()
    AssignmentFactory.create(enabler=newcomer, engagement=world.engagement,
                             role=Assignment.Role.SUPPORTING, started_on=dt.date(2024, 3, 1))
    rows = engagement_rows(newcomer)
    assert empty_weeks(newcomer, TODAY, rows) == [dt.date(2024, 2, 26), dt.date(2024, 3, 4)]
    assert empty_weeks(EnablerFactory.create(), TODAY, []) == []


def test_days_used_counts_everyones_held_sessions(world: World) -> None:
    world.log(duration_minutes=450)
    SessionFactory.create(engagement=world.engagement, duration_minutes=225)  # a co-enabler's
    SessionFactory.create(engagement=world.engagement, status="postponed", status_reason="Flu")
    [row] = engagement_rows(world.enabler)
    assert row.days_used == Decimal("1.5")
    assert row.percent_used == 30  # of 5 days allocated


def test_learning_items_are_counted_for_the_week_table(world: World) -> None:
    session = world.log()
    LearningItemFactory.create_batch(2, session=session)
    [(_, [row])] = [d for d in week_days(world.enabler, dt.date(2024, 3, 11)) if d[1]]
    assert row.n_learning == 2


def test_an_edit_may_keep_an_engagement_whose_assignment_ended(world: World) -> None:
    session = world.log()
    world.assignment.ended_on = TODAY
    world.assignment.save()
    updated = services.session_update(enabler=world.enabler, session=session, expected_version=1,
                                      data=world.data(next_steps="Typo fixed"), today=TODAY)
    assert updated.next_steps == "Typo fixed"
    # ...but cannot move the session to an engagement they are not assigned to.
    with pytest.raises(DomainError) as excinfo:
        services.session_update(enabler=world.enabler, session=session, expected_version=2,
                                data=world.data(engagement_id=EngagementFactory.create().pk),
                                today=TODAY)
    assert "engagement" in field_errors(excinfo)
