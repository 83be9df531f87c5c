"""factory_boy factories for every model, building consistent object graphs.

Conventions:
- names, slugs and codes come from sequences, so factories never collide on a unique constraint;
- an ``EnablerFactory`` creates its user and puts it in the Enabler group;
- a ``SessionFactory`` uses an enabler *assigned* to its engagement: when no enabler is passed it
  creates an enabler and a lead assignment; when one is passed it adds a supporting assignment
  if the enabler has no current assignment there. Pass ``ensure_assigned=False`` to skip that
  (e.g. to build an outsider's session on purpose);
- sessions are held, 90 minutes long, dated on the engagement's start date (within it).

People are fictional: factory names never match the real names in the seeds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from decimal import Decimal
from typing import Any, TypeVar

import factory
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.db import models
from factory.django import DjangoModelFactory

from enablers.models import Assignment, Enabler
from engagements import rollups
from engagements.api.models import ApiCall, ApiClient
from engagements.messages.models import (
    Message,
    MessageCollection,
    MessagePublication,
    Nomination,
)
from engagements.models import (
    Engagement,
    LearningItem,
    LearningSummary,
    Outcome,
    Programme,
    Session,
    SessionSectorCount,
    Theme,
)
from engagements.notes import notes_read, notes_seal
from fieldbook.roles import Role
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

TEST_PASSWORD = "correct-horse-battery-staple"
START = dt.date(2024, 1, 8)


M = TypeVar("M", bound=models.Model)


def first_of(queryset: models.QuerySet[M]) -> M:
    """``queryset.first()`` for a row the test needs: it fails loudly if there is none."""
    row = queryset.first()
    assert row is not None, f"no {queryset.model.__name__} to use"
    return row


def stored_pdf(summary: LearningSummary) -> bytes:
    """The summary's stored PDF, which the test expects to be there."""
    assert summary.pdf is not None, "no PDF stored"
    return bytes(summary.pdf)


def ensure_role_groups() -> None:
    """Create the role groups and their permissions the way migration fieldbook 0002 does.

    They exist in every test database, but a transactional test (live server, Celery worker)
    empties all tables when it ends, and ``serialized_rollback`` cannot bring them back once
    Playwright runs: its event loop makes Django hand the test thread a second connection
    object, one without the serialized snapshot. Idempotent.
    """
    roles_migration = importlib.import_module("fieldbook.migrations.0002_roles")
    roles_migration.create_roles(django_apps, None)
    # The data-protection officer's group comes from a later migration.
    if not Group.objects.filter(name=Role.DPO.value).exists():
        importlib.import_module("fieldbook.migrations.0006_dpo_role").create_role(
            django_apps, None)


def add_role(user: User, role: Role) -> None:
    """Put a user in a role's group (re-creating the groups if a flush removed them)."""
    group = Group.objects.filter(name=role.value).first()
    if group is None:
        ensure_role_groups()
        group = Group.objects.get(name=role.value)
    user.groups.add(group)
    # user_roles() caches on the instance; drop it so the new role is seen.
    user.__dict__.pop("_fieldbook_roles", None)


class UserFactory(DjangoModelFactory[User]):
    """A user with a known password (``TEST_PASSWORD``). ``roles=[Role.LEAD]`` adds groups."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Test{n}")
    last_name = "Person"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            for role in extracted:
                add_role(self, role)


class RegionFactory(DjangoModelFactory[Region]):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n}")
    code = factory.Sequence(lambda n: f"region-{n}")


class SystemFactory(DjangoModelFactory[System]):
    class Meta:
        model = System

    name = factory.Sequence(lambda n: f"System {n}")
    kind = System.Kind.ICS
    region = factory.SubFactory(RegionFactory)


class PlaceFactory(DjangoModelFactory[Place]):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Place {n}")
    slug = factory.Sequence(lambda n: f"place-{n}")
    region = factory.SubFactory(RegionFactory)
    system = None
    onboarding_status = Place.OnboardingStatus.ACTIVE


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n} NHS Trust")
    kind = Organisation.Kind.ACUTE_TRUST
    ods_code = ""


class DeliveryBoardFactory(DjangoModelFactory[DeliveryBoard]):
    class Meta:
        model = DeliveryBoard

    place = factory.SubFactory(PlaceFactory)
    name = factory.LazyAttribute(lambda b: f"{b.place.name} A&E Delivery Board")


class PersonFactory(DjangoModelFactory[Person]):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Alex Example {n}")
    role_title = "Chief Operating Officer"
    organisation = factory.SubFactory(OrganisationFactory)


class BoardMembershipFactory(DjangoModelFactory[BoardMembership]):
    class Meta:
        model = BoardMembership

    board = factory.SubFactory(DeliveryBoardFactory)
    person = factory.SubFactory(PersonFactory)
    board_role = BoardMembership.BoardRole.MEMBER
    started_on = START


class EnablerFactory(DjangoModelFactory[Enabler]):
    """An enabler profile with its own user, who is in the Enabler group."""

    class Meta:
        model = Enabler

    user = factory.SubFactory(UserFactory, roles=[Role.ENABLER])
    background = "Former acute trust chief operating officer."
    capacity_days_per_week = Decimal("2.0")


class ProgrammeFactory(DjangoModelFactory[Programme]):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    starts_on = dt.date(2023, 4, 1)
    ends_on = None


class EngagementFactory(DjangoModelFactory[Engagement]):
    """An active engagement: requested, then started a week later."""

    class Meta:
        model = Engagement

    programme = factory.SubFactory(ProgrammeFactory)
    place = factory.SubFactory(PlaceFactory)
    requested_on = factory.LazyAttribute(lambda e: e.started_on - dt.timedelta(days=7))
    started_on = START
    status = Engagement.Status.ACTIVE
    focus = "Relationships across the urgent and emergency care system."
    days_allocated = Decimal("5.0")


class AssignmentFactory(DjangoModelFactory[Assignment]):
    class Meta:
        model = Assignment

    enabler = factory.SubFactory(EnablerFactory)
    engagement = factory.SubFactory(EngagementFactory)
    role = Assignment.Role.LEAD
    started_on = factory.LazyAttribute(
        lambda a: a.engagement.started_on or a.engagement.requested_on
    )


def _assigned_enabler(session: Any) -> Enabler:
    """The default enabler for a session: a new one, assigned to the engagement (as its lead
    enabler, or supporting if the engagement already has a current lead)."""
    engagement = session.engagement
    has_lead = engagement.assignments.filter(role=Assignment.Role.LEAD, ended_on=None).exists()
    role = Assignment.Role.SUPPORTING if has_lead else Assignment.Role.LEAD
    return AssignmentFactory.create(engagement=engagement, role=role).enabler


class SessionFactory(DjangoModelFactory[Session]):
    """A held 90-minute site visit, by an enabler assigned to the engagement (see module doc)."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    engagement = factory.SubFactory(EngagementFactory)
    enabler = factory.LazyAttribute(_assigned_enabler)
    date = factory.LazyAttribute(lambda s: s.engagement.started_on or s.engagement.requested_on)
    kind = Session.Kind.SITE_VISIT
    status = Session.Status.HELD
    duration_minutes = 90
    next_steps = "Follow up with the board chair."
    # ``SessionFactory.create(private_notes="...")``: sealed for the enabler's user, as the
    # services do.
    notes_author = factory.LazyAttribute(lambda s: s.enabler.user)
    notes_sealed = factory.LazyAttribute(
        lambda s: notes_seal(s.private_notes, author_id=s.notes_author.pk))

    class Params:
        private_notes = ""

    @factory.post_generation
    def ensure_assigned(self: Session, create: bool, extracted: Any, **kwargs: Any) -> None:
        # Matters only for an enabler passed in by the caller (the default one is assigned).
        # ``SessionFactory.create(enabler=x, ensure_assigned=False)`` builds an unassigned session.
        if not create or extracted is False:
            return
        if not self.enabler.assignments.filter(engagement=self.engagement, ended_on=None).exists():
            AssignmentFactory.create(
                enabler=self.enabler, engagement=self.engagement, role=Assignment.Role.SUPPORTING
            )

    @factory.post_generation
    def themes(self: Session, create: bool, extracted: Any, **kwargs: Any) -> None:
        """``SessionFactory.create(themes=[t1, t2])``: set before the rollups are computed."""
        if create and extracted:
            self.themes.set(extracted)

    @factory.post_generation
    def attendees(self: Session, create: bool, extracted: Any, **kwargs: Any) -> None:
        """``SessionFactory.create(attendees=[p1, p2])``: set before the rollups are computed
        (who was in the room is in the engagement's stored quarter)."""
        if create and extracted:
            self.attendees.set(extracted)

    @factory.post_generation
    def rollups(self: Session, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Keep the engagement's rollups in step, as the services do (engagements.rollups).
        A test that changes a session's themes, attendees, status or date below the services
        afterwards calls ``refresh_rollups(session)``."""
        if create:
            refresh_rollups(self)


def refresh_rollups(*sessions_or_engagements: Any) -> None:
    """Recompute the rollups after a test wrote sessions below the services."""
    rollups.refresh(
        getattr(x, "engagement_id", None) or x.pk for x in sessions_or_engagements
    )


class SessionSectorCountFactory(DjangoModelFactory[SessionSectorCount]):
    class Meta:
        model = SessionSectorCount
        skip_postgeneration_save = True

    session = factory.SubFactory(SessionFactory)
    sector = Sector.ACUTE
    headcount = 4

    @factory.post_generation
    def rollups(self: SessionSectorCount, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Headcounts are in the room: the engagement's stored quarter counts them (and any
        attendee the test added to the session before)."""
        if create:
            refresh_rollups(self.session)


class ThemeFactory(DjangoModelFactory[Theme]):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")


class LearningItemFactory(DjangoModelFactory[LearningItem]):
    """A shareable lesson. For a quote pass kind, consent=True and an attributed_role."""

    class Meta:
        model = LearningItem

    session = factory.SubFactory(SessionFactory)
    kind = LearningItem.Kind.LESSON
    text = "Trust grows when partners see each other's pressures first-hand."
    attributed_role = ""
    consent = False
    shareable = True


class MessageCollectionFactory(DjangoModelFactory[MessageCollection]):
    class Meta:
        model = MessageCollection

    programme = factory.SubFactory(ProgrammeFactory)


class MessageFactory(DjangoModelFactory[Message]):
    class Meta:
        model = Message

    collection = factory.SubFactory(MessageCollectionFactory)
    heading = "Plan support collaboratively with local leaders"
    argument = "Parachuting help in undermines faith in local leaders."


class NominationFactory(DjangoModelFactory[Nomination]):
    """A nomination awaiting a decision, of a shared quote with consent."""

    class Meta:
        model = Nomination

    collection = factory.SubFactory(MessageCollectionFactory)
    item = factory.SubFactory(LearningItemFactory, kind=LearningItem.Kind.QUOTE, consent=True,
                              attributed_role="NHS Operations Manager")


class MessagePublicationFactory(DjangoModelFactory[MessagePublication]):
    class Meta:
        model = MessagePublication

    collection = factory.SubFactory(MessageCollectionFactory)
    number = 1
    content = factory.LazyFunction(lambda: {"title": "Messages for national leaders",
                                            "messages": []})
    content_hash = "0" * 64
    published_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))


class ApiClientFactory(DjangoModelFactory[ApiClient]):
    """A client of the read-only API (its token is unknown: services.api_client_issue makes
    real ones). ``ApiClientFactory.create(programmes=[p])``."""

    class Meta:
        model = ApiClient
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"API client {n}")
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: dt.datetime(2030, 1, 1, tzinfo=dt.UTC))

    @factory.post_generation
    def programmes(self: ApiClient, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.programmes.set(extracted)


class ApiCallFactory(DjangoModelFactory[ApiCall]):
    class Meta:
        model = ApiCall

    client = factory.SubFactory(ApiClientFactory)
    called_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    path = "/api/v1/themes/"
    status = 200


class OutcomeFactory(DjangoModelFactory[Outcome]):
    class Meta:
        model = Outcome

    engagement = factory.SubFactory(EngagementFactory)
    kind = Outcome.Kind.RELATIONSHIPS
    recorded_on = factory.LazyAttribute(lambda o: o.engagement.started_on or START)
    title = factory.Sequence(lambda n: f"Outcome {n}")
    description = "Partners agreed a shared discharge plan."
    # Confirmed by the place unless a test says otherwise: what leads, summaries and exports
    # read. Pass status=Outcome.Status.DRAFT (and no confirmation) for an enabler's draft.
    status = Outcome.Status.CONFIRMED
    who_changed = "The acute trust's discharge team"
    what_changed = "Agreed one discharge plan with social care."
    contribution = "Facilitated the board's discharge sessions."
    changed_on = factory.LazyAttribute(lambda o: o.recorded_on)
    confirmed_by_role = factory.LazyAttribute(
        lambda o: "Director of Operations, acute trust"
        if o.status == Outcome.Status.CONFIRMED else "")
    confirmed_at = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.recorded_on, dt.time(12), tzinfo=dt.UTC)
        if o.status == Outcome.Status.CONFIRMED else None)


class LearningSummaryFactory(DjangoModelFactory[LearningSummary]):
    """A programme-wide monthly summary; pass scope/region/place for narrower ones."""

    class Meta:
        model = LearningSummary

    scope = LearningSummary.Scope.PROGRAMME
    programme = factory.SubFactory(ProgrammeFactory)
    region = None
    place = None
    period = LearningSummary.Period.MONTH
    period_start = dt.date(2024, 1, 1)
    period_end = dt.date(2024, 1, 31)
    scope_key = factory.LazyAttribute(
        lambda s: LearningSummary.make_scope_key(
            scope=s.scope,
            programme_id=s.programme.pk,
            region_id=s.region.pk if s.region else None,
            place_id=s.place.pk if s.place else None,
        )
    )


class OnboardingDraftFactory(DjangoModelFactory[OnboardingDraft]):
    class Meta:
        model = OnboardingDraft

    owner = factory.SubFactory(UserFactory, roles=[Role.ADMIN])
    place_name = factory.Sequence(lambda n: f"Draft place {n}")
    payload = factory.LazyAttribute(lambda d: {"place": {"name": d.place_name}})


class ImportBatchFactory(DjangoModelFactory[ImportBatch]):
    class Meta:
        model = ImportBatch

    owner = factory.SubFactory(UserFactory, roles=[Role.ADMIN])
    kind = ImportBatch.Kind.PLACES
    filename = factory.Sequence(lambda n: f"places-{n}.csv")
    rows = factory.LazyFunction(lambda: [[2, {"name": "Northgate", "region": "North"}]])


class InvitationFactory(DjangoModelFactory[Invitation]):
    """An open invitation; only a hash of its token is stored, as the real service does."""

    class Meta:
        model = Invitation

    user = factory.SubFactory(UserFactory, is_active=False)
    email = factory.LazyAttribute(lambda i: i.user.email)
    role = Invitation.Role.ENABLER
    invited_by = factory.SubFactory(UserFactory, roles=[Role.ADMIN])
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    expires_at = factory.LazyFunction(
        lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    )


def notes_write(sessions: Any, text: str) -> int:
    """Give every session in the queryset the private notes ``text``, sealed for each one's
    author (one UPDATE per author). Returns how many rows changed."""
    changed = 0
    for author_id in set(sessions.values_list("notes_author_id", flat=True)):
        changed += sessions.filter(notes_author_id=author_id).update(
            notes_sealed=notes_seal(text, author_id=author_id))
    return changed


def notes_of(session: Session) -> str:
    """A session's notes as its author reads them (for assertions)."""
    session.refresh_from_db(fields=["notes_sealed", "notes_author"])
    text = notes_read(session, reader=session.notes_author)
    assert text is not None
    return text
