"""The database enforces the domain's invariants, on SQLite and PostgreSQL alike.

Each rejected case names the constraint it expects to fire. The helper proves that constraint is
declared on the model and, where the database says which constraint failed (PostgreSQL always,
SQLite for check constraints), that it was that one and not some other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.test import RequestFactory

from enablers.models import Assignment, Enabler
from engagements.api.models import ApiCall, ApiClient
from engagements.context.models import (
    GoodPractice,
    LocalProtocol,
    OtherSupport,
    PlaceContext,
    UecChecklist,
    UecSponsor,
)
from engagements.diagnostic.models import DiagnosticParticipant, DiagnosticRecord
from engagements.lifecycle.models import Proposal, StatusChange, SupportRequest
from engagements.measures.models import Measure, MeasureValue
from engagements.messages.models import (
    Message,
    MessageCollection,
    MessagePublication,
    Nomination,
)
from engagements.models import (
    Engagement,
    EngagementActivity,
    EngagementQuarter,
    EngagementTheme,
    EngagementThemeMonth,
    LearningItem,
    LearningSummary,
    Outcome,
    Programme,
    Session,
    SessionSectorCount,
    Theme,
)
from engagements.notes import clarification_seal
from engagements.reach.models import AreaFunding, Cohort, CohortCount, Innovation, Profession
from engagements.respondents.models import RespondentAttempt, RespondentLink
from engagements.respondents.services import link_create
from engagements.retention.models import (
    DestructionEntry,
    Disposal,
    Erasure,
    RetentionPolicy,
    ReviewItem,
)
from engagements.subjects.models import NoteClarification, NoteSearch, SubjectAccessRequest
from engagements.voice.models import (
    StatementScore,
    TieRating,
    VoiceInvite,
    VoiceResponse,
    VoiceRound,
)
from fieldbook.audit import audit_record
from fieldbook.models import AuditEvent, PasswordResetRequest, UserSession
from places.models import (
    BoardMembership,
    DeliveryBoard,
    ImportBatch,
    Invitation,
    OnboardingDraft,
    Organisation,
    Person,
    Place,
    Region,
    Sector,
    System,
)

from . import factories as f

pytestmark = pytest.mark.django_db

D = dt.date
CANARY = "CANARY-private-7f3a9"


@contextmanager
def violates(model: type[models.Model], name: str) -> Iterator[None]:
    """Expect an IntegrityError from the named constraint of ``model``."""
    declared = {c.name: c for c in model._meta.constraints}
    assert name in declared, f"{model.__name__} declares no constraint {name!r}"
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    says_which = connection.vendor == "postgresql" or isinstance(
        declared[name], models.CheckConstraint
    )
    if says_which:
        assert name in str(excinfo.value), str(excinfo.value)


# Each case: (model, constraint name, a function that writes data breaking that constraint).
Case = tuple[type[models.Model], str, Callable[[], Any]]
REJECTED: dict[str, Case] = {
    "region name unique, case-insensitive": (
        Region, "region_name_unique_ci",
        lambda: (f.RegionFactory.create(
            name="North West"), f.RegionFactory.create(name="NORTH WEST")),
    ),
    "region code unique": (
        Region, "region_code_unique",
        lambda: (f.RegionFactory.create(code="north"), f.RegionFactory.create(code="north")),
    ),
    "system name unique in region": (
        System, "system_name_unique_in_region",
        lambda: (s := f.SystemFactory.create(name="Lancashire ICS"),
                 f.SystemFactory.create(name="Lancashire ICS", region=s.region)),
    ),
    "place name unique in region": (
        Place, "place_name_unique_in_region",
        lambda: (p := f.PlaceFactory.create(name="Central Lancashire"),
                 f.PlaceFactory.create(name="Central Lancashire", region=p.region)),
    ),
    "place slug unique": (
        Place, "place_slug_unique",
        lambda: (f.PlaceFactory.create(slug="barnet"), f.PlaceFactory.create(slug="barnet")),
    ),
    "organisation name unique, case-insensitive": (
        Organisation, "organisation_name_unique_ci",
        lambda: (f.OrganisationFactory.create(name="Acme Trust"),
                 f.OrganisationFactory.create(name="acme trust")),
    ),
    "organisation ODS code unique when set": (
        Organisation, "organisation_ods_code_unique",
        lambda: (f.OrganisationFactory.create(
            ods_code="RXN"), f.OrganisationFactory.create(ods_code="RXN")),
    ),
    "membership ends before it starts": (
        BoardMembership, "membership_ends_after_start",
        lambda: f.BoardMembershipFactory.create(started_on=D(2024, 3, 1), ended_on=D(2024, 2, 1)),
    ),
    "two current memberships of one board": (
        BoardMembership, "membership_one_current_per_person",
        lambda: (m := f.BoardMembershipFactory.create(),
                 f.BoardMembershipFactory.create(board=m.board, person=m.person)),
    ),
    "enabler capacity 0 days": (
        Enabler, "enabler_capacity_between_0_and_7",
        lambda: f.EnablerFactory.create(capacity_days_per_week=Decimal("0")),
    ),
    "enabler capacity 8 days": (
        Enabler, "enabler_capacity_between_0_and_7",
        lambda: f.EnablerFactory.create(capacity_days_per_week=Decimal("8")),
    ),
    "assignment ends before it starts": (
        Assignment, "assignment_ends_after_start",
        lambda: f.AssignmentFactory.create(started_on=D(2024, 3, 1), ended_on=D(2024, 2, 29)),
    ),
    "two current lead enablers": (
        Assignment, "assignment_one_current_lead",
        lambda: (a := f.AssignmentFactory.create(role=Assignment.Role.LEAD),
                 f.AssignmentFactory.create(engagement=a.engagement, role=Assignment.Role.LEAD)),
    ),
    "enabler assigned twice at once": (
        Assignment, "assignment_one_current_per_enabler",
        lambda: (a := f.AssignmentFactory.create(role=Assignment.Role.SUPPORTING),
                 f.AssignmentFactory.create(enabler=a.enabler, engagement=a.engagement,
                                            role=Assignment.Role.SUPPORTING)),
    ),
    "programme ends before it starts": (
        Programme, "programme_ends_after_start",
        lambda: f.ProgrammeFactory.create(starts_on=D(2024, 4, 1), ends_on=D(2024, 3, 31)),
    ),
    "programme name unique, case-insensitive": (
        Programme, "programme_name_unique_ci",
        lambda: (f.ProgrammeFactory.create(
            name="Pioneers"), f.ProgrammeFactory.create(name="PIONEERS")),
    ),
    "programme slug unique": (
        Programme, "programme_slug_unique",
        lambda: (f.ProgrammeFactory.create(
            slug="pioneers"), f.ProgrammeFactory.create(slug="pioneers")),
    ),
    "theme name unique, case-insensitive": (
        Theme, "theme_name_unique_ci",
        lambda: (f.ThemeFactory.create(name="Discharge"), f.ThemeFactory.create(name="discharge")),
    ),
    "theme slug unique": (
        Theme, "theme_slug_unique",
        lambda: (f.ThemeFactory.create(slug="discharge"), f.ThemeFactory.create(slug="discharge")),
    ),
    "place engaged twice in one programme": (
        Engagement, "engagement_one_per_place_per_programme",
        lambda: (e := f.EngagementFactory.create(),
                 f.EngagementFactory.create(programme=e.programme, place=e.place)),
    ),
    "negative days allocated": (
        Engagement, "engagement_days_allocated_not_negative",
        lambda: f.EngagementFactory.create(days_allocated=Decimal("-1")),
    ),
    "engagement starts before the place asked": (
        Engagement, "engagement_starts_after_request",
        lambda: f.EngagementFactory.create(requested_on=D(2024, 2, 1), started_on=D(2024, 1, 31)),
    ),
    "engagement ends before it starts": (
        Engagement, "engagement_ends_after_start",
        lambda: f.EngagementFactory.create(started_on=D(2024, 2, 1), ended_on=D(2024, 1, 31)),
    ),
    "session of 50 minutes (not quarter-hours)": (
        Session, "session_duration_quarter_hours_max_12h",
        lambda: f.SessionFactory.create(duration_minutes=50),
    ),
    "session over 12 hours": (
        Session, "session_duration_quarter_hours_max_12h",
        lambda: f.SessionFactory.create(duration_minutes=735),
    ),
    "held session of 0 minutes": (
        Session, "session_held_has_duration",
        lambda: f.SessionFactory.create(duration_minutes=0),
    ),
    "postponed session without a reason": (
        Session, "session_not_held_has_reason",
        lambda: f.SessionFactory.create(status=Session.Status.POSTPONED, duration_minutes=0),
    ),
    "cancelled session without a reason": (
        Session, "session_not_held_has_reason",
        lambda: f.SessionFactory.create(status=Session.Status.CANCELLED, duration_minutes=0),
    ),
    "idempotency key used twice": (
        Session, "session_idempotency_key_unique",
        lambda: (s := f.SessionFactory.create(
            idempotency_key="5d1c1b7e-7f0e-4a43-9c55-0a7f6c1f2f10"),
                 f.SessionFactory.create(
                     engagement=s.engagement, idempotency_key=s.idempotency_key)),
    ),
    "sector headcount 0": (
        SessionSectorCount, "sector_count_between_1_and_5000",
        lambda: f.SessionSectorCountFactory.create(headcount=0),
    ),
    "sector headcount over 5000": (
        SessionSectorCount, "sector_count_between_1_and_5000",
        lambda: f.SessionSectorCountFactory.create(headcount=5001),
    ),
    "sector counted twice in one session": (
        SessionSectorCount, "sector_count_once_per_session",
        lambda: (c := f.SessionSectorCountFactory.create(sector=Sector.VOLUNTARY),
                 f.SessionSectorCountFactory.create(session=c.session, sector=Sector.VOLUNTARY)),
    ),
    "shared quote without consent": (
        LearningItem, "learning_shared_quote_has_consent_and_role",
        lambda: f.LearningItemFactory.create(
            kind=LearningItem.Kind.QUOTE, shareable=True, consent=False,
            attributed_role="NHS Operations Manager"),
    ),
    "shared quote without a role": (
        LearningItem, "learning_shared_quote_has_consent_and_role",
        lambda: f.LearningItemFactory.create(kind=LearningItem.Kind.QUOTE, shareable=True,
                                             consent=True, attributed_role=""),
    ),
    "learning item with empty text": (
        LearningItem, "learning_text_not_empty",
        lambda: f.LearningItemFactory.create(text=""),
    ),
    "summary period ends before it starts": (
        LearningSummary, "summary_period_in_order",
        lambda: f.LearningSummaryFactory.create(
            period_start=D(2024, 2, 1), period_end=D(2024, 1, 31)),
    ),
    "region summary without a region": (
        LearningSummary, "summary_scope_matches_fields",
        lambda: f.LearningSummaryFactory.create(scope=LearningSummary.Scope.REGION, region=None),
    ),
    "programme summary with a place": (
        LearningSummary, "summary_scope_matches_fields",
        lambda: f.LearningSummaryFactory.create(place=f.PlaceFactory.create()),
    ),
    "place summary without a place": (
        LearningSummary, "summary_scope_matches_fields",
        lambda: f.LearningSummaryFactory.create(scope=LearningSummary.Scope.PLACE, place=None),
    ),
    "place summary with a region too": (
        LearningSummary, "summary_scope_matches_fields",
        lambda: (p := f.PlaceFactory.create(),
                 f.LearningSummaryFactory.create(scope=LearningSummary.Scope.PLACE, place=p,
                                                 region=p.region)),
    ),
    "import token used twice": (
        ImportBatch, "import_token_unique",
        lambda: (b := f.ImportBatchFactory.create(), f.ImportBatchFactory.create(token=b.token)),
    ),
    "invitation token hash used twice": (
        Invitation, "invitation_token_hash_unique",
        lambda: (i := f.InvitationFactory.create(),
                 f.InvitationFactory.create(token_hash=i.token_hash)),
    ),
    "two open invitations for one user": (
        Invitation, "invitation_one_open_per_user",
        lambda: (i := f.InvitationFactory.create(), f.InvitationFactory.create(user=i.user)),
    ),
    "two summaries for one scope and period": (
        LearningSummary, "summary_one_per_scope_and_period",
        lambda: (s := f.LearningSummaryFactory.create(),
                 f.LearningSummaryFactory.create(programme=s.programme)),
    ),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_constraint_rejects_bad_data(case: Case) -> None:
    model, constraint, write = case
    with violates(model, constraint):
        write()
    # The whole block rolled back (nothing half-written) and the connection is still usable.
    assert not model._default_manager.exists()


def _lead_then_ended_lead_then_new_lead() -> None:
    first = f.AssignmentFactory.create(role=Assignment.Role.LEAD, ended_on=D(2024, 6, 30))
    f.AssignmentFactory.create(engagement=first.engagement, role=Assignment.Role.LEAD,
                               started_on=D(2024, 7, 1))


def _two_summaries_different_scopes() -> None:
    programme = f.ProgrammeFactory.create()
    place = f.PlaceFactory.create()
    f.LearningSummaryFactory.create(programme=programme)
    f.LearningSummaryFactory.create(programme=programme, scope=LearningSummary.Scope.REGION,
                                    region=place.region)
    f.LearningSummaryFactory.create(
        programme=programme, scope=LearningSummary.Scope.PLACE, place=place)
    f.LearningSummaryFactory.create(programme=programme, period_start=D(2024, 2, 1),
                                    period_end=D(2024, 2, 29))


# Each case: data near the edge of a constraint that the domain allows.
ACCEPTED: dict[str, Callable[[], Any]] = {
    "same place name in two regions": lambda: (
        f.PlaceFactory.create(name="Northgate"), f.PlaceFactory.create(name="Northgate")),
    "two organisations without ODS codes": lambda: (
        f.OrganisationFactory.create(ods_code=""), f.OrganisationFactory.create(ods_code="")),
    "a past membership and a current one": lambda: (
        m := f.BoardMembershipFactory.create(started_on=D(2023, 1, 1), ended_on=D(2023, 1, 1)),
        f.BoardMembershipFactory.create(board=m.board, person=m.person, started_on=D(2024, 1, 1))),
    "enabler capacity of half a day and of 7 days": lambda: (
        f.EnablerFactory.create(capacity_days_per_week=Decimal("0.5")),
        f.EnablerFactory.create(capacity_days_per_week=Decimal("7"))),
    "a supporting enabler beside the lead": lambda: (
        a := f.AssignmentFactory.create(role=Assignment.Role.LEAD),
        f.AssignmentFactory.create(engagement=a.engagement, role=Assignment.Role.SUPPORTING)),
    "a new lead after the last one ended": _lead_then_ended_lead_then_new_lead,
    "an open-ended programme and engagement": lambda: f.EngagementFactory.create(
        programme=f.ProgrammeFactory.create(ends_on=None), ended_on=None, days_allocated=None),
    "a requested engagement not started yet": lambda: f.EngagementFactory.create(
        status=Engagement.Status.REQUESTED, started_on=None, requested_on=D(2024, 1, 1)),
    "a 12-hour session and a quarter-hour one": lambda: (
        f.SessionFactory.create(
            duration_minutes=720), f.SessionFactory.create(duration_minutes=15)),
    "a postponed session of 0 minutes with a reason": lambda: f.SessionFactory.create(
        status=Session.Status.POSTPONED, duration_minutes=0,
        status_reason="Site postponed: winter pressures"),
    "two sessions without idempotency keys": lambda: (
        s := f.SessionFactory.create(idempotency_key=None),
        f.SessionFactory.create(engagement=s.engagement, idempotency_key=None)),
    "sector headcounts of 1 and 5000": lambda: (
        c := f.SessionSectorCountFactory.create(sector=Sector.ACUTE, headcount=1),
        f.SessionSectorCountFactory.create(
            session=c.session, sector=Sector.PATIENTS, headcount=5000)),
    "an unshared quote without consent": lambda: f.LearningItemFactory.create(
        kind=LearningItem.Kind.QUOTE, shareable=False, consent=False, attributed_role=""),
    "a shared quote with consent and a role": lambda: f.LearningItemFactory.create(
        kind=LearningItem.Kind.QUOTE, shareable=True, consent=True,
        attributed_role="NHS Chief Operating Officer"),
    "a shared lesson needs no consent": lambda: f.LearningItemFactory.create(
        kind=LearningItem.Kind.LESSON, shareable=True, consent=False),
    "summaries of each scope, and the next period": _two_summaries_different_scopes,
    "a new invitation after the last was revoked": lambda: (
        i := f.InvitationFactory.create(revoked_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        f.InvitationFactory.create(user=i.user)),
}


@pytest.mark.parametrize("write", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_constraint_accepts_good_data(write: Callable[[], Any]) -> None:
    with transaction.atomic():
        write()


def test_ods_code_validator() -> None:
    organisation = Organisation(name="Example Trust", kind=Organisation.Kind.ACUTE_TRUST,
                                ods_code="rxn1!")
    with pytest.raises(ValidationError) as excinfo:
        organisation.full_clean()
    assert "ods_code" in excinfo.value.message_dict
    for good in ("RXN", "00R", "RXN01", ""):
        organisation.ods_code = good
        organisation.full_clean()


def test_scope_key_is_one_per_scope() -> None:
    keys = {
        LearningSummary.make_scope_key(scope=scope, programme_id=3, region_id=2, place_id=17)
        for scope in LearningSummary.Scope.values
    }
    assert keys == {"programme:3", "region:3:2", "place:3:17"}


# ---- __str__ ------------------------------------------------------------------------------

def _voice_round(kind: str = "self_assessment") -> VoiceRound:
    return VoiceRound.objects.create(
        engagement=f.EngagementFactory.create(), kind=kind, number=1,
        opened_on=dt.date(2026, 5, 1), closes_on=dt.date(2026, 5, 15))


def _tie_rating() -> TieRating:
    low, high = sorted([f.OrganisationFactory.create(), f.OrganisationFactory.create()],
                       key=lambda o: o.pk)
    return TieRating.objects.create(
        response=VoiceResponse.objects.create(round=_voice_round("pulse")),
        org_low=low, org_high=high, trust=3, value=4)


STR_FACTORIES: dict[type[models.Model], Callable[[], models.Model]] = {
    Region: lambda: f.RegionFactory.create(name="North West"),
    System: lambda: f.SystemFactory.create(name="Lancashire and South Cumbria ICS"),
    Place: lambda: f.PlaceFactory.create(name="Central Lancashire"),
    Organisation: lambda: f.OrganisationFactory.create(name="Example Teaching Hospitals"),
    DeliveryBoard: lambda: f.DeliveryBoardFactory.create(
        name="Central Lancashire A&E Delivery Board"),
    Person: lambda: f.PersonFactory.create(
        full_name="Sam Sample", role_title="Director of Nursing"),
    BoardMembership: lambda: f.BoardMembershipFactory.create(
        person=f.PersonFactory.create(full_name="Sam Sample"),
        board_role=BoardMembership.BoardRole.CHAIR),
    Enabler: lambda: f.EnablerFactory.create(user__first_name="Erin", user__last_name="Example"),
    Assignment: lambda: f.AssignmentFactory.create(),
    Programme: lambda: f.ProgrammeFactory.create(name="Integrated Care Pioneers"),
    Engagement: lambda: f.EngagementFactory.create(),
    Session: lambda: f.SessionFactory.create(private_notes=CANARY),
    EngagementActivity: lambda: f.SessionFactory.create(private_notes=CANARY).engagement.activity,
    EngagementTheme: lambda: EngagementTheme.objects.get(
        engagement=f.SessionFactory.create(
            private_notes=CANARY, themes=[f.ThemeFactory.create()]).engagement),
    EngagementThemeMonth: lambda: EngagementThemeMonth.objects.get(
        engagement=f.SessionFactory.create(
            private_notes=CANARY, themes=[f.ThemeFactory.create()]).engagement),
    EngagementQuarter: lambda: EngagementQuarter.objects.get(
        engagement=f.SessionFactory.create(private_notes=CANARY).engagement),
    SessionSectorCount: lambda: f.SessionSectorCountFactory.create(
        sector=Sector.VOLUNTARY, headcount=12),
    Theme: lambda: f.ThemeFactory.create(name="Delayed transfers of care"),
    LearningItem: lambda: f.LearningItemFactory.create(
        kind=LearningItem.Kind.QUOTE, consent=True, attributed_role="NHS Operations Manager"),
    Outcome: lambda: f.OutcomeFactory.create(title="Shared discharge plan agreed"),
    LearningSummary: lambda: f.LearningSummaryFactory.create(),
    MessageCollection: lambda: f.MessageCollectionFactory.create(),
    Message: lambda: f.MessageFactory.create(),
    Nomination: lambda: f.NominationFactory.create(),
    MessagePublication: lambda: f.MessagePublicationFactory.create(),
    ApiClient: lambda: f.ApiClientFactory.create(name="NHS England BI"),
    ApiCall: lambda: f.ApiCallFactory.create(),
    AuditEvent: lambda: audit_record(actor=None, action="places.place.onboarded"),
    OnboardingDraft: lambda: f.OnboardingDraftFactory.create(place_name="Northgate"),
    ImportBatch: lambda: f.ImportBatchFactory.create(filename="places.csv"),
    Invitation: lambda: f.InvitationFactory.create(email="new.enabler@example.org"),
    UserSession: lambda: UserSession.objects.create(
        session_key="k" * 32, session_data="", user=f.UserFactory.create(),
        expire_date=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)),
    PasswordResetRequest: lambda: PasswordResetRequest.objects.create(
        address_digest="0" * 64, client_ip="192.0.2.1"),
    RespondentLink: lambda: link_create(
        actor=f.UserFactory.create(), purpose=RespondentLink.Purpose.CONFIRM_OUTCOME,
        target=f.OutcomeFactory.create(status="draft"),
        person=f.PersonFactory.create(email="contact@example.org"))[0],
    RespondentAttempt: lambda: RespondentAttempt.objects.create(client_ip="192.0.2.1"),
    Measure: lambda: Measure.objects.create(
        engagement=f.EngagementFactory.create(), name="Bed nights, people over 65",
        unit="count", direction="lower", baseline_start=dt.date(2025, 1, 1),
        baseline_end=dt.date(2025, 6, 30)),
    MeasureValue: lambda: MeasureValue.objects.create(
        measure=Measure.objects.create(
            engagement=f.EngagementFactory.create(), name="Referrals", unit="count",
            direction="lower", baseline_start=dt.date(2025, 1, 1),
            baseline_end=dt.date(2025, 6, 30)),
        period=dt.date(2025, 2, 1), value=Decimal("120")),
    Cohort: lambda: Cohort.objects.create(
        engagement=f.EngagementFactory.create(), name="Leaders' residential",
        kind=Cohort.Kind.RESIDENTIAL, starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 4)),
    CohortCount: lambda: CohortCount.objects.create(
        cohort=Cohort.objects.create(
            engagement=f.EngagementFactory.create(), name="Network day",
            kind=Cohort.Kind.DAY_EVENT, starts_on=dt.date(2026, 5, 6),
            ends_on=dt.date(2026, 5, 6)),
        profession=Profession.GP, sector="primary_care", participants=12),
    AreaFunding: lambda: AreaFunding.objects.create(
        engagement=f.EngagementFactory.create(), allocated=Decimal("86957")),
    Innovation: lambda: Innovation.objects.create(
        engagement=f.EngagementFactory.create(), name="Low-risk chest pain pathway"),
    StatusChange: lambda: StatusChange.objects.create(
        engagement=f.EngagementFactory.create(), step=StatusChange.Step.REQUESTED,
        to_status="requested", on=dt.date(2026, 4, 11)),
    Proposal: lambda: Proposal.objects.create(
        engagement=f.EngagementFactory.create(), kind=Proposal.Kind.PAUSE,
        reason="Winter pressures", expected_resume_on=dt.date(2027, 2, 1),
        proposed_by=f.UserFactory.create()),
    SupportRequest: lambda: SupportRequest.objects.create(
        programme=f.ProgrammeFactory.create(), place=f.PlaceFactory.create(),
        region=f.RegionFactory.create(), contact_name="Ash Reed", contact_role="Director",
        organisation="Northgate Council", email="ash@example.org", help_with="Discharge",
        why_now="Winter", asked_on=dt.date(2026, 11, 2)),
    DiagnosticParticipant: lambda: DiagnosticParticipant.objects.create(
        session=f.SessionFactory.create(kind="diagnostic"), full_name="Ada Quill",
        role=DiagnosticParticipant.Role.SRO, organisation="Fenwick Vale Council"),
    DiagnosticRecord: lambda: DiagnosticRecord.objects.create(
        engagement=f.EngagementFactory.create(), journey_stage=2),
    VoiceRound: lambda: _voice_round(),
    VoiceInvite: lambda: VoiceInvite.objects.create(
        round=_voice_round(), person=(p := f.PersonFactory.create()),
        organisation=p.organisation),
    VoiceResponse: lambda: VoiceResponse.objects.create(round=_voice_round()),
    StatementScore: lambda: StatementScore.objects.create(
        response=VoiceResponse.objects.create(round=_voice_round()),
        statement="trust", score=4),
    TieRating: _tie_rating,
    SubjectAccessRequest: lambda: SubjectAccessRequest.objects.create(
        person=f.PersonFactory.create(), received_on=dt.date(2026, 11, 2),
        due_on=dt.date(2026, 12, 2), logged_by=f.UserFactory.create()),
    NoteSearch: lambda: NoteSearch.objects.create(
        request=SubjectAccessRequest.objects.create(
            person=f.PersonFactory.create(), received_on=dt.date(2026, 11, 2),
            due_on=dt.date(2026, 12, 2), logged_by=f.UserFactory.create()),
        asked_by=f.UserFactory.create(), reason="Disputed notes"),
    NoteClarification: lambda: NoteClarification.objects.create(
        session=f.SessionFactory.create(), author=f.UserFactory.create(),
        text_sealed=clarification_seal("It was the other meeting.", author_id=1)),
    # Retention (issue 18): none of them names a person.
    RetentionPolicy: lambda: RetentionPolicy.objects.create(
        record_class="respondent_links", period_months=12, reason="Query window"),
    ReviewItem: lambda: ReviewItem.objects.create(
        record_class="ended_memberships", object_id=1, due_on=dt.date(2026, 1, 1),
        description="A member of the Central Lancashire board who left on 1 Jan 2023"),
    Disposal: lambda: Disposal.objects.create(requested_by=f.UserFactory.create(),
                                              reason="Past its period"),
    DestructionEntry: lambda: DestructionEntry.objects.create(
        disposal=(d := Disposal.objects.create(requested_by=f.UserFactory.create(),
                                               reason="Old")),
        record_class="respondent_links", count=4, destroyed_at=dt.datetime(2026, 5, 1,
                                                                           tzinfo=dt.UTC),
        requested_by_id=d.requested_by_id, approved_by=f.UserFactory.create()),
    Erasure: lambda: Erasure.objects.create(
        person=f.PersonFactory.create(), placeholder="A board member, acute trust",
        reason="Asked", requested_by=f.UserFactory.create()),
    PlaceContext: lambda: PlaceContext.objects.create(place=f.PlaceFactory.create(),
                                                      councils=2, coterminous=False),
    OtherSupport: lambda: OtherSupport.objects.create(
        place=f.PlaceFactory.create(), name="SAFER patient flow bundle", owner="NHS England",
        started_on=dt.date(2025, 4, 1)),
    UecSponsor: lambda: UecSponsor.objects.create(
        board=f.DeliveryBoardFactory.create(), person=f.PersonFactory.create(),
        since=dt.date(2025, 4, 1)),
    LocalProtocol: lambda: LocalProtocol.objects.create(
        board=f.DeliveryBoardFactory.create(), title="Escalation at times of pressure",
        covers="Who does what", review_on=dt.date(2027, 4, 1)),
    UecChecklist: lambda: UecChecklist.objects.create(board=f.DeliveryBoardFactory.create()),
    GoodPractice: lambda: GoodPractice.objects.create(
        place=f.PlaceFactory.create(), title="Same-day emergency care at the front door",
        kind=GoodPractice.Kind.SDEC, description="Home the same day.",
        recorded_on=dt.date(2026, 1, 5)),
}


def test_every_domain_model_has_a_str_case() -> None:
    ours = {
        model for model in apps.get_models()
        if model._meta.app_label in {"fieldbook", "places", "enablers", "engagements"}
    }
    assert ours == set(STR_FACTORIES), "add new models to STR_FACTORIES (and tests/factories.py)"


@pytest.mark.parametrize("model", STR_FACTORIES, ids=lambda m: m.__name__)
def test_str_is_readable(model: type[models.Model]) -> None:
    obj = STR_FACTORIES[model]()
    text = str(obj)
    assert text.strip()
    assert "object (" not in text  # not Django's default "Model object (1)"
    assert "None" not in text
    assert CANARY not in text


def test_str_examples() -> None:
    session = f.SessionFactory.create(date=D(2024, 1, 8), kind=Session.Kind.WORKSHOP,
                                      private_notes=CANARY)
    assert str(session) == "Workshop on 08 Jan 2024"
    quote = f.LearningItemFactory.create(kind=LearningItem.Kind.QUOTE, consent=True,
                                         attributed_role="NHS Operations Manager")
    assert str(quote) == "Quote (NHS Operations Manager)"
    membership = f.BoardMembershipFactory.create(
        person=f.PersonFactory.create(full_name="Sam Sample"),
        board_role=BoardMembership.BoardRole.CHAIR)
    assert str(membership).startswith("Sam Sample, Chair of ")


# ---- privacy: the admin and the audit trail never carry private notes ---------------------

@pytest.mark.parametrize("model", [Session, LearningItem, SessionSectorCount],
                         ids=lambda m: m.__name__)
def test_admin_does_not_register_session_data(model: type[models.Model]) -> None:
    assert not admin.site.is_registered(model)


def test_no_registered_admin_exposes_private_notes(admin_user: User) -> None:
    request = RequestFactory().get("/")
    admin_user.is_superuser = True  # see every field the admin could show
    request.user = admin_user
    assert admin.site._registry, "expected some registered admins"
    for model, model_admin in admin.site._registry.items():
        fields = {field.name for field in model._meta.get_fields()}
        assert "private_notes" not in fields, model
        assert "private_notes" not in model_admin.get_fields(request), model
        for inline in model_admin.get_inline_instances(request):
            assert "private_notes" not in inline.get_fields(request), inline
            assert "private_notes" not in {fld.name for fld in inline.model._meta.get_fields()}


def test_audit_record_redacts_private_notes() -> None:
    session = f.SessionFactory.create(private_notes=CANARY)
    event = audit_record(
        actor=session.enabler.user,
        action="engagements.session.updated",
        obj=session,
        changes={"private_notes": CANARY, "next_steps": "Meet the chair"},
    )
    event.refresh_from_db()
    assert event.changes == {"private_notes": "(changed)", "next_steps": "Meet the chair"}
    stored = json.dumps(event.changes) + event.object_repr + str(event)
    assert CANARY not in stored
    assert event.object_type == "engagements.session"
    assert event.object_id == str(session.pk)


def test_audit_record_without_actor_or_object() -> None:
    event = audit_record(actor=AnonymousUser(), action="engagements.summary.scheduled")
    assert event.actor is None
    assert event.object_type == "" and event.changes == {}
    assert str(event).startswith("engagements.summary.scheduled by system at ")


# ---- factories build consistent graphs ------------------------------------------------------

def test_session_factory_assigns_its_enabler() -> None:
    session = f.SessionFactory.create()
    assert session.enabler.assignments.filter(engagement=session.engagement,
                                              ended_on=None).exists()
    started = session.engagement.started_on
    assert started is not None and started <= session.date
    assert session.status == Session.Status.HELD and session.duration_minutes == 90
    # A second session on the same engagement gets a supporting enabler, not a second lead.
    second = f.SessionFactory.create(engagement=session.engagement)
    assert second.enabler.assignments.get(engagement=session.engagement).role == "supporting"
    # An enabler passed in is assigned if they were not already.
    outsider = f.EnablerFactory.create()
    third = f.SessionFactory.create(engagement=session.engagement, enabler=outsider)
    assert outsider.assignments.filter(engagement=third.engagement).exists()
    assert session.days == Decimal("0.20")
