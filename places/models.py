"""Where the work happens: regions, systems, places, organisations, boards and their members."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from fieldbook.models import TimeStampedModel
from places import names
from places.querysets import OrganisationQuerySet, PersonQuerySet, PlaceQuerySet


class Sector(models.TextChoices):
    """Who was in the room: the sectors a whole-system conversation should reach."""

    ACUTE = "acute", "Acute care"
    PRIMARY_CARE = "primary_care", "Primary care"
    COMMUNITY = "community", "Community health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    AMBULANCE = "ambulance", "Ambulance"
    COMMISSIONING = "commissioning", "Commissioning (CCG / ICB)"
    SOCIAL_CARE = "social_care", "Local authority / social care"
    VOLUNTARY = "voluntary", "Voluntary and community sector"
    INDEPENDENT = "independent", "Independent sector"
    OTHER_PUBLIC = "other_public", "Other public sector"
    PATIENTS = "patients", "Patients and service users"


class Region(TimeStampedModel):
    """An NHS England region (e.g. "North", "London")."""

    name = models.CharField(max_length=100)
    code = models.SlugField(max_length=40, help_text="Short stable key used by imports.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="region_name_unique_ci"),
            models.UniqueConstraint(fields=["code"], name="region_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class System(TimeStampedModel):
    """An integrated care system, STP or ICB that a place may sit within."""

    class Kind(models.TextChoices):
        STP = "stp", "Sustainability and transformation partnership"
        ICS = "ics", "Integrated care system"
        ICB = "icb", "Integrated care board"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ICS)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="systems")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="system_name_unique_in_region"),
        ]

    def __str__(self) -> str:
        return self.name


class Place(TimeStampedModel):
    """A locality and its leaders (e.g. "Central Lancashire", "Barnet & Enfield")."""

    class OnboardingStatus(models.TextChoices):
        DRAFT = "draft", "Draft"
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Onboarded"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="places")
    system = models.ForeignKey(
        System, on_delete=models.SET_NULL, null=True, blank=True, related_name="places"
    )
    onboarding_status = models.CharField(
        max_length=20, choices=OnboardingStatus.choices, default=OnboardingStatus.DRAFT
    )
    description = models.TextField(blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="place_name_unique_in_region"),
            models.UniqueConstraint(fields=["slug"], name="place_slug_unique"),
        ]
        indexes = [models.Index(fields=["region", "name"], name="place_region_name_idx")]

    def __str__(self) -> str:
        return self.name


ods_code_validator = RegexValidator(
    regex=r"^[A-Z0-9]{3,6}$",
    message="An ODS code is 3 to 6 capital letters and digits, e.g. RXN or 00R.",
)


IN_WORDS = {"commissioner": "CCG or ICB", "primary_care": "primary care or GP federation",
            "other_public": "other public sector (police, fire…)"}


class Organisation(TimeStampedModel):
    """A body that takes part in a place's system: a trust, CCG/ICB, council, charity..."""

    class Kind(models.TextChoices):
        ACUTE_TRUST = "acute_trust", "Acute trust"
        COMMUNITY_TRUST = "community_trust", "Community trust"
        MENTAL_HEALTH_TRUST = "mental_health_trust", "Mental health trust"
        AMBULANCE_TRUST = "ambulance_trust", "Ambulance trust"
        COMMISSIONER = "commissioner", "CCG / ICB"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        PRIMARY_CARE = "primary_care", "Primary care / GP federation"
        VOLUNTARY = "voluntary", "Voluntary and community sector"
        INDEPENDENT = "independent", "Independent sector"
        OTHER_PUBLIC = "other_public", "Other public sector (police, fire…)"

        @classmethod
        def in_words(cls, kind: str) -> str:
            """The kind inside a sentence ("confirmed by the Chief Executive, acute trust"):
            lower case, but acronyms stay capitals and a slash reads "or"."""
            return IN_WORDS.get(kind) or cls(kind).label.lower()

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    ods_code = models.CharField(
        "ODS code", max_length=6, blank=True, validators=[ods_code_validator]
    )
    places = models.ManyToManyField(Place, related_name="organisations", blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
            models.UniqueConstraint(
                fields=["ods_code"], condition=~Q(ods_code=""), name="organisation_ods_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sector(self) -> str:
        return SECTOR_BY_KIND[self.kind]


SECTOR_BY_KIND: dict[str, str] = {
    Organisation.Kind.ACUTE_TRUST: Sector.ACUTE,
    Organisation.Kind.COMMUNITY_TRUST: Sector.COMMUNITY,
    Organisation.Kind.MENTAL_HEALTH_TRUST: Sector.MENTAL_HEALTH,
    Organisation.Kind.AMBULANCE_TRUST: Sector.AMBULANCE,
    Organisation.Kind.COMMISSIONER: Sector.COMMISSIONING,
    Organisation.Kind.LOCAL_AUTHORITY: Sector.SOCIAL_CARE,
    Organisation.Kind.PRIMARY_CARE: Sector.PRIMARY_CARE,
    Organisation.Kind.VOLUNTARY: Sector.VOLUNTARY,
    Organisation.Kind.INDEPENDENT: Sector.INDEPENDENT,
    Organisation.Kind.OTHER_PUBLIC: Sector.OTHER_PUBLIC,
}


class DeliveryBoard(TimeStampedModel):
    """A place's A&E delivery board (urgent and emergency care board)."""

    place = models.OneToOneField(Place, on_delete=models.CASCADE, related_name="board")
    name = models.CharField(max_length=200)
    established_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(TimeStampedModel):
    """A board member. Personal data: only what the job needs (name, role, organisation)."""

    full_name = models.CharField(max_length=200)
    role_title = models.CharField(max_length=200, help_text="e.g. Chief Operating Officer")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people"
    )
    email = models.EmailField(blank=True)
    boards: models.ManyToManyField[DeliveryBoard, BoardMembership] = models.ManyToManyField(
        DeliveryBoard, through="BoardMembership", related_name="members", blank=True
    )
    # The name's first and last words, normalised (places.names.keys): what shared learning is
    # checked against, with one indexed lookup, so that no quote is attributed to a person and
    # no shared text names one. Derived from full_name alone, so kept by save() and by the
    # queryset's bulk_create (not a rule of the domain: an index key). Empty for one-word names.
    given_key = models.CharField(max_length=100, blank=True, editable=False)
    family_key = models.CharField(max_length=100, blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["organisation", "full_name"], name="person_org_name_idx"),
            models.Index(fields=["family_key", "given_key"], name="person_name_keys_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.role_title})"

    def set_name_keys(self) -> None:
        given, family = names.keys(self.full_name) or ("", "")
        self.given_key, self.family_key = given[:100], family[:100]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_name_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "given_key", "family_key"}
        super().save(*args, **kwargs)


class BoardMembership(TimeStampedModel):
    class BoardRole(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        MEMBER = "member", "Member"

    board = models.ForeignKey(DeliveryBoard, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    board_role = models.CharField(
        max_length=20, choices=BoardRole.choices, default=BoardRole.MEMBER
    )
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["board", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "person"],
                condition=Q(ended_on__isnull=True),
                name="membership_one_current_per_person",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name}, {self.get_board_role_display()} of {self.board}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


# ---- the admin's Manage area: onboarding drafts, spreadsheet imports, invitations -------------


class OnboardingDraft(TimeStampedModel):
    """An admin's unfinished guided onboarding (backoffice.onboarding).

    The answers live in ``payload`` (plain JSON: names, ids and ISO dates) until the review page
    saves them in one transaction; a draft survives signing out and is resumed from the Manage
    page. ``place_name`` copies the name typed so far, so lists need not read the payload.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="onboarding_drafts"
    )
    place_name = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="draft_owner_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.place_name or "A locality not named yet"


class ImportBatch(TimeStampedModel):
    """One uploaded spreadsheet, between its preview and its import (backoffice.imports).

    The parsed cells are kept here (not the file), keyed by an unguessable token, and checked
    again against the database when the admin confirms.
    """

    class Kind(models.TextChoices):
        PLACES = "places", "Places"
        ORGANISATIONS = "organisations", "Organisations"
        BOARD_MEMBERS = "board_members", "Board members"
        ENGAGEMENTS = "engagements", "Engagements"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        IMPORTED = "imported", "Imported"

    token = models.UUIDField(default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    rows = models.JSONField(default=list, blank=True, help_text="[row number, {column: text}]")
    results = models.JSONField(default=dict, blank=True, help_text="Counts and row outcomes.")
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"
        constraints = [models.UniqueConstraint(fields=["token"], name="import_token_unique")]
        indexes = [models.Index(fields=["owner", "-created_at"], name="import_owner_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.filename}"


class Invitation(TimeStampedModel):
    """An invitation to set a password: a one-time link that expires (backoffice.accounts).

    Only a SHA-256 of the token is stored, so a database dump cannot be used to sign in.
    The invited user exists (inactive) from the start, so an enabler can be assigned before
    they accept.
    """

    class Role(models.TextChoices):
        ENABLER = "Enabler", "Enabler"
        LEAD = "Programme lead", "Programme lead"
        ADMIN = "Admin", "Admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=30, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="invitation_token_hash_unique"),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.role})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
