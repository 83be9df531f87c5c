"""Programmes, engagements, the sessions enablers log, and the learning drawn from them.

Privacy rule (seed 004): an enabler's private notes are theirs alone. ``Session.notes_sealed``
holds them encrypted and bound to ``Session.notes_author``; only engagements.notes opens them, for
that user. They are never in ``__str__``, the admin, exports, summaries, audit rows or logs.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Mod
from django.db.models.lookups import Exact

from engagements.outcomes.wording import confirmed_by_text
from engagements.querysets import (
    EngagementQuerySet,
    LearningItemQuerySet,
    OutcomeQuerySet,
    SessionQuerySet,
)
from fieldbook.models import TimeStampedModel
from fieldbook.sealing import TOKEN_PREFIX as SEALED_PREFIX
from fieldbook.units import minutes_to_days  # a day on site, for "days used"
from places.models import Person, Place, Region, Sector

MAX_SESSION_MINUTES = 12 * 60


class Theme(TimeStampedModel):
    """A managed vocabulary term (e.g. "Delayed transfers of care")."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="theme_name_unique_ci"),
            models.UniqueConstraint(fields=["slug"], name="theme_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Programme(TimeStampedModel):
    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    description = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    summary_cadence = models.CharField(
        max_length=20, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="led_programmes", blank=True,
        help_text="Programme leads who look after this programme.",
    )
    # The place's voice (issue 17): how often a board's self-assessment and relationship pulse
    # fall due (engagements.voice.services.voice_rounds_open_due); 0 = only when a lead opens one.
    voice_every_months = models.PositiveSmallIntegerField(
        "self-assessment and pulse every", default=6,
        choices=[(0, "Only when a lead opens a round"), (3, "3 months"), (6, "6 months"),
                 (12, "12 months")],
    )

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="programme_name_unique_ci"),
            models.UniqueConstraint(fields=["slug"], name="programme_slug_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="programme_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Engagement(TimeStampedModel):
    """One place in one programme. Starts as a request from the place (pull, not push)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        DIAGNOSTIC = "diagnostic", "Diagnostic"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="engagements")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="engagements")
    requested_on = models.DateField(help_text="When the place asked for support.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    focus = models.TextField(blank=True, help_text="What the place wants the support to focus on.")
    days_allocated = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True,
        help_text='Days of enabler time agreed, e.g. "up to five days on site".',
    )
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # A pilot (issue 17, point 7): set by leads and admins (engagements.pilots.services).
    is_pilot = models.BooleanField(default=False)
    pilot_of = models.CharField(max_length=300, blank=True, help_text="What it pilots.")

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "place__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "place"], name="engagement_one_per_place_per_programme"
            ),
            models.CheckConstraint(
                condition=Q(days_allocated__isnull=True) | Q(days_allocated__gte=0),
                name="engagement_days_allocated_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=F("requested_on")),
                name="engagement_starts_after_request",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="engagement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(is_pilot=False, pilot_of="") | (Q(is_pilot=True) & ~Q(pilot_of="")),
                name="engagement_pilot_says_what_it_pilots",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status"], name="engagement_prog_status_idx"),
            models.Index(fields=["place", "status"], name="engagement_place_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.place} — {self.programme}"


class Session(TimeStampedModel):
    """A logged visit or piece of work by an enabler for an engagement."""

    class Kind(models.TextChoices):
        SITE_VISIT = "site_visit", "Site visit"
        COACHING = "coaching", "1:1 coaching"
        FACILITATION = "facilitation", "Board or team facilitation"
        WORKSHOP = "workshop", "Workshop"
        DIAGNOSTIC = "diagnostic", "Diagnostic"
        INTERVIEW = "interview", "Interview"
        LEARNING_NETWORK = "learning_network", "Learning-network event"
        REMOTE_CALL = "remote_call", "Remote call"

    class Status(models.TextChoices):
        HELD = "held", "Held"
        POSTPONED = "postponed", "Postponed"
        CANCELLED = "cancelled", "Cancelled"

    # PROTECT: sessions are the record of a multi-year journey; they are soft-deleted only.
    # No index of its own: ``session_engagement_date_idx`` (engagement, -date) leads with it.
    # (With both, PostgreSQL would pick the narrower one and filter dates row by row.)
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="sessions",
                                   db_index=False)
    enabler = models.ForeignKey(
        "enablers.Enabler", on_delete=models.PROTECT, related_name="sessions"
    )
    date = models.DateField()
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.SITE_VISIT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HELD)
    status_reason = models.CharField(
        max_length=300, blank=True,
        help_text='Why a planned visit did not happen, e.g. "site postponed — winter pressures".',
    )
    duration_minutes = models.PositiveSmallIntegerField(
        help_text="Length in minutes, in quarter-hour steps; a day on site is 450."
    )
    attendees = models.ManyToManyField(Person, related_name="sessions", blank=True)
    themes = models.ManyToManyField(Theme, related_name="sessions", blank=True)
    # The enabler's private notes, sealed (engagements.notes): only ``notes_author`` — the user
    # who wrote them, recorded on the row, not the re-linkable enabler profile — can open them.
    # Empty notes are sealed too, so the column does not even say which sessions have notes.
    notes_sealed = models.TextField(editable=False)
    notes_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False,
    )
    # The enabler marked the notes as given in confidence: a subject-access search lists them
    # with the exemption the DPO must weigh, never discloses them (engagements.subjects).
    notes_in_confidence = models.BooleanField(
        "Given in confidence", default=False,
        help_text="Someone told you this in confidence.",
    )
    next_steps = models.TextField(blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SessionQuerySet.as_manager()
    # Not a column: the notes as ``engagements.notes.notes_attach`` opens them for one reader
    # (the text, or None), for templates. Declared for the type checker only.
    notes: str | None

    class Meta:
        ordering = ["-date", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"],
                                    name="session_idempotency_key_unique"),
            models.CheckConstraint(
                condition=Q(("duration_minutes__lte", MAX_SESSION_MINUTES),
                            Exact(Mod(F("duration_minutes"), 15), 0)),
                name="session_duration_quarter_hours_max_12h",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(duration_minutes__gte=15),
                name="session_held_has_duration",
            ),
            models.CheckConstraint(
                condition=Q(status="held") | ~Q(status_reason=""),
                name="session_not_held_has_reason",
            ),
            # The database refuses notes that were not sealed (fieldbook.sealing).
            models.CheckConstraint(
                condition=Q(notes_sealed__startswith=SEALED_PREFIX), name="session_notes_sealed",
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "-date"], name="session_engagement_date_idx"),
            models.Index(fields=["enabler", "-date"], name="session_enabler_date_idx"),
            models.Index(fields=["date"], name="session_date_idx"),
            # The dashboard's per-engagement figures (held sessions, days, last session):
            # index-only scans over held, live sessions. duration_minutes is a trailing key
            # column rather than an ``include``: the same covering scan on PostgreSQL, and no
            # models.W040 on SQLite, which has no non-key index columns.
            models.Index(fields=["engagement", "-date", "duration_minutes"],
                         condition=Q(deleted_at__isnull=True, status="held"),
                         name="session_held_engagement_idx"),
            # My week's "your last contact" per engagement: the newest of this enabler's live
            # sessions on it, one index probe (it was a bitmap scan of their whole history).
            models.Index(fields=["enabler", "engagement", "-date"],
                         condition=Q(deleted_at__isnull=True),
                         name="session_enabler_engagement_idx"),
            # A place's timeline (live sessions, newest first) and its count: an index-only
            # count, where the plain index above had to visit every session to skip deleted ones.
            models.Index(fields=["engagement", "-date"], condition=Q(deleted_at__isnull=True),
                         name="session_live_engagement_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%d %b %Y}"

    @property
    def days(self) -> Decimal:
        return minutes_to_days(self.duration_minutes, "0.01")

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD


class SessionSectorCount(models.Model):
    """A headcount by sector, for large events where naming everyone is not sensible."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="sector_counts")
    sector = models.CharField(max_length=30, choices=Sector.choices)
    headcount = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["sector"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sector"],
                                    name="sector_count_once_per_session"),
            models.CheckConstraint(
                condition=Q(headcount__gte=1) & Q(headcount__lte=5000),
                name="sector_count_between_1_and_5000",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.headcount} from {self.get_sector_display()}"


class LearningItem(TimeStampedModel):
    """Learning an enabler chose to share: lessons, quotes, messages for national leaders...

    Quotes are attributed by role, never by name, and only shared with consent. Sharing is an
    explicit choice (``shareable`` starts False), and the enabler can withdraw it later
    (``withdrawn_at``): from then on the item is never shared again, and the summaries that had
    included it are compiled again without it (engagements.week.services.learning_item_withdraw).
    """

    class Kind(models.TextChoices):
        LESSON = "lesson", "Lesson"
        QUOTE = "quote", "Quote"
        MESSAGE = "message", "Message for national leaders"
        GOOD_PRACTICE = "good_practice", "Good practice"
        BARRIER = "barrier", "Barrier"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="learning_items")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LESSON)
    text = models.TextField()
    themes = models.ManyToManyField(Theme, related_name="learning_items", blank=True)
    attributed_role = models.CharField(
        max_length=200, blank=True,
        help_text='A role, never a name: e.g. "NHS Operations Manager".',
    )
    consent = models.BooleanField(
        default=False, help_text="The speaker agreed to be quoted (by role, never by name)."
    )
    shareable = models.BooleanField(
        default=False, help_text="Shown to programme leads and used in learning summaries."
    )
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the enabler withdrew sharing (and consent): never shared again.",
    )

    objects = LearningItemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="quote") | Q(shareable=False)
                | (Q(consent=True) & ~Q(attributed_role="")),
                name="learning_shared_quote_has_consent_and_role",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="learning_text_not_empty"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(shareable=False, consent=False),
                name="learning_withdrawn_not_shared",
            ),
        ]
        indexes = [models.Index(fields=["kind", "shareable"], name="learning_kind_idx")]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{label} ({self.attributed_role})" if self.attributed_role else label


class Outcome(TimeStampedModel):
    """An outcome statement (Outcome Harvesting): an observable change in someone the programme
    works with, and how the support contributed, substantiated by the place itself.

    An enabler of the engagement drafts it (engagements.outcomes.services); a board member of
    the place confirms, corrects or declines it through a respondent link
    (engagements.respondents). Only ``CONFIRMED`` outcomes reach programme leads, dashboards,
    summaries and exports (``OutcomeQuerySet.confirmed``); drafts are the engagement's current
    enablers' alone. ``RECORDED``: recorded by an admin in Manage (and every outcome from before
    outcome statements), not confirmed by the place, so not shown to leads either until an
    enabler sends it and the place confirms it.
    """

    class Kind(models.TextChoices):
        COMMON_PURPOSE = "common_purpose", "Common purpose across boundaries"
        BEHAVIOURS = "behaviours", "Different behaviours"
        RELATIONSHIPS = "relationships", "Improved relationships"
        WORKING_METHODS = "working_methods", "New working methods"
        PATHWAY_REDESIGN = "pathway_redesign", "Pathway redesign"
        REGULATOR_RECOGNITION = "regulator_recognition", "Regulator recognition"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING = "awaiting", "Awaiting the place"
        CONFIRMED = "confirmed", "Confirmed by the place"
        DECLINED = "declined", "Declined by the place"
        RECORDED = "recorded", "Recorded by an admin"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    recorded_on = models.DateField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    measure = models.CharField(
        max_length=200, blank=True, help_text='Optional, e.g. "3,600 bed nights avoided".'
    )
    themes = models.ManyToManyField(Theme, related_name="outcomes", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # The statement (engagements.outcomes). Who changed is a role, organisation or sector, never
    # a person: the drafting service refuses a name Fieldbook knows and a role that points at
    # one person at the place (engagements.attribution).
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    who_changed = models.CharField(max_length=200, blank=True)
    what_changed = models.TextField(blank=True)
    changed_on = models.DateField(null=True, blank=True, help_text="When the change was seen.")
    why_it_matters = models.TextField(blank=True)
    contribution = models.TextField(blank=True, help_text="How the support contributed.")
    version = models.PositiveIntegerField(default=1, editable=False)
    # The place's answer: who confirmed it, as role and kind of organisation (never the name,
    # copied when they answered), when, their comment, and what they corrected ({field: their
    # text}; the enabler's original stays in the fields above, alongside).
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_by_role = models.CharField(max_length=300, blank=True, editable=False)
    place_comment = models.TextField(blank=True, editable=False)
    correction = models.JSONField(default=dict, blank=True, editable=False)
    # Written by the place's own contact through a respondent link (engagements.outcomes:
    # ``outcome_write_by_place``): confirmed by them as they wrote it, so never a draft.
    written_by_place = models.BooleanField(default=False, editable=False)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="confirmed")
                | (Q(confirmed_at__isnull=False) & ~Q(confirmed_by_role="")),
                name="outcome_confirmed_has_who_and_when",
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "-recorded_on"], name="outcome_engagement_idx"),
            models.Index(fields=["status", "engagement"], name="outcome_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    def as_confirmed(self, field: str) -> str:
        """A statement field as the place confirmed it: their correction, if they made one."""
        return str((self.correction or {}).get(field) or getattr(self, field))

    @property
    def who_changed_confirmed(self) -> str:
        return self.as_confirmed("who_changed")

    @property
    def what_changed_confirmed(self) -> str:
        return self.as_confirmed("what_changed")

    @property
    def why_it_matters_confirmed(self) -> str:
        return self.as_confirmed("why_it_matters")

    @property
    def contribution_confirmed(self) -> str:
        return self.as_confirmed("contribution")

    @property
    def confirmed_by_text(self) -> str:
        return confirmed_by_text(self.confirmed_by_role, self.confirmed_at)


class LearningSummary(TimeStampedModel):
    """A compiled learning summary for one scope and period, built by a Celery job."""

    class Scope(models.TextChoices):
        PROGRAMME = "programme", "Programme"
        REGION = "region", "Region within a programme"
        PLACE = "place", "Place"

    class Period(models.TextChoices):
        WEEK = "week", "Week"
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"
        CUSTOM = "custom", "Custom dates"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        COMPILING = "compiling", "Compiling"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    scope = models.CharField(max_length=20, choices=Scope.choices)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="summaries")
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="summaries"
    )
    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, null=True, blank=True, related_name="summaries"
    )
    # "programme:3", "region:3:2", "place:3:17": one key makes (scope, period) unique on every
    # database, where a unique constraint over nullable foreign keys would not.
    scope_key = models.CharField(max_length=100, editable=False)
    period = models.CharField(max_length=20, choices=Period.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    content = models.JSONField(default=dict, blank=True)
    # The PDF of the current content, rendered by a task of its own once the content is saved
    # (WeasyPrint takes seconds for a long quarter: too long for the compile job, which readers
    # wait on, and far too long for a web request). Compiling clears it; ``pdf_compiled_at`` is
    # the ``compiled_at`` of the content it was rendered from, so a PDF of older content is never
    # stored over newer content. ``pdf_error``: why the PDF of the current content could not be
    # made, in our words (never data).
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_compiled_at = models.DateTimeField(null=True, blank=True, editable=False)
    pdf_error = models.TextField(blank=True, editable=False)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    compiled_at = models.DateTimeField(null=True, blank=True)
    # The learning items the current content quotes, written with it at compile time: a
    # withdrawal finds the summaries to compile again through this index, not their JSON.
    learning_items = models.ManyToManyField(
        LearningItem, related_name="summaries", blank=True, editable=False,
    )
    # When an item this summary had included was withdrawn, so it was compiled again without
    # it: the summary page says so.
    withdrawal_recompiled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A lead's review of the compiled content (engagements.summaries.review): an editorial
    # introduction, items hidden with a reason ({item id: reason}), and the order of the
    # sections. ``review_version`` is the compare-and-set token for review, lock and unlock;
    # compiling bumps it too, so a lock always seals the content the lead was looking at.
    introduction = models.TextField(blank=True)
    hidden_items = models.JSONField(default=dict, blank=True)
    section_order = models.JSONField(default=list, blank=True)
    review_version = models.PositiveIntegerField(default=1, editable=False)
    # Locked: content, figures and files never change again (compiling refuses it). The hash
    # is SHA-256 over the content and the review as locked. A withdrawal of consent afterwards
    # blanks the item and sets ``changed_after_lock_at``; the hash stays that of what was locked.
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    changed_after_lock_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-period_start", "scope_key"]
        verbose_name_plural = "learning summaries"
        constraints = [
            models.UniqueConstraint(
                fields=["scope_key", "period_start", "period_end"],
                name="summary_one_per_scope_and_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="summary_period_in_order"
            ),
            models.CheckConstraint(
                condition=(Q(scope="programme") & Q(region__isnull=True) & Q(place__isnull=True))
                | (Q(scope="region") & Q(region__isnull=False) & Q(place__isnull=True))
                | (Q(scope="place") & Q(place__isnull=False) & Q(region__isnull=True)),
                name="summary_scope_matches_fields",
            ),
            models.CheckConstraint(
                condition=Q(pdf__isnull=True, pdf_compiled_at__isnull=True)
                | Q(pdf__isnull=False, pdf_compiled_at__isnull=False, pdf_error=""),
                name="summary_pdf_with_its_content_time",
            ),
            models.CheckConstraint(
                condition=Q(locked_at__isnull=True, content_hash="")
                | (Q(locked_at__isnull=False, status="ready") & ~Q(content_hash="")),
                name="summary_locked_is_ready_with_hash",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "-period_start"], name="summary_programme_idx"),
            models.Index(fields=["status", "updated_at"], name="summary_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} — {self.period_start:%d %b %Y} to {self.period_end:%d %b %Y}"

    @property
    def pdf_state(self) -> str:
        """The PDF of the current content: "stored", "failed" (``pdf_error`` says why) or
        "preparing". Reads no bytes: ``pdf`` may stay deferred."""
        if self.pdf_compiled_at is not None and self.pdf_compiled_at == self.compiled_at:
            return "stored"
        return "failed" if self.pdf_error else "preparing"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def scope_label(self) -> str:
        if self.scope == self.Scope.PLACE and self.place_id:
            return f"{self.place} ({self.programme})"
        if self.scope == self.Scope.REGION and self.region_id:
            return f"{self.programme}, {self.region}"
        return str(self.programme)

    @staticmethod
    def make_scope_key(*, scope: str, programme_id: int, region_id: int | None,
                       place_id: int | None) -> str:
        if scope == LearningSummary.Scope.REGION:
            return f"region:{programme_id}:{region_id}"
        if scope == LearningSummary.Scope.PLACE:
            return f"place:{programme_id}:{place_id}"
        return f"programme:{programme_id}"


# -- rollups ----------------------------------------------------------------------------------
#
# What the dashboards read instead of aggregating every session on each request. Each row is
# a pure function of the engagement's held, live sessions, recomputed for the engagements a
# write touched in the same transaction (engagements.rollups, called by engagements.week.services),
# and rebuilt for everything by ``manage.py rebuild_rollups`` (which also reports drift).


class EngagementActivity(models.Model):
    """An engagement's held, live sessions to date: how many, how long, and the latest."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="activity"
    )
    held_sessions = models.PositiveIntegerField(default=0)
    held_minutes = models.PositiveIntegerField(default=0)
    last_held_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "engagement activity"
        constraints = [
            models.CheckConstraint(
                condition=Q(held_sessions=0, held_minutes=0, last_held_on__isnull=True)
                | Q(held_sessions__gt=0, last_held_on__isnull=False),
                name="engagement_activity_consistent",
            ),
        ]

    def __str__(self) -> str:
        plural = "" if self.held_sessions == 1 else "s"
        return f"Engagement {self.engagement_id}: {self.held_sessions} held session{plural}"


class EngagementTheme(models.Model):
    """How many of an engagement's held, live sessions touched a theme, to date (the sum of
    its ``EngagementThemeMonth`` rows)."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="theme_counts"
    )
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    held_sessions = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "theme"],
                                    name="engagement_theme_unique"),
            models.CheckConstraint(condition=Q(held_sessions__gt=0),
                                   name="engagement_theme_counts_sessions"),
        ]

    def __str__(self) -> str:
        plural = "" if self.held_sessions == 1 else "s"
        return (f"Engagement {self.engagement_id}, theme {self.theme_id}: "
                f"{self.held_sessions} held session{plural}")


class EngagementThemeMonth(models.Model):
    """How many of an engagement's held, live sessions in a calendar month touched a theme:
    the place page's chart of themes over time, month by month."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="theme_months"
    )
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    held_sessions = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "month", "theme"],
                                    name="engagement_theme_month_unique"),
            models.CheckConstraint(condition=Q(held_sessions__gt=0),
                                   name="engagement_theme_month_counts_sessions"),
        ]

    def __str__(self) -> str:
        plural = "" if self.held_sessions == 1 else "s"
        return (f"Engagement {self.engagement_id}, theme {self.theme_id}, {self.month:%B %Y}: "
                f"{self.held_sessions} held session{plural}")


class EngagementQuarter(models.Model):
    """An engagement's last quarter (the 91 days to ``as_of``), kept so the heatmap and the
    sector marks never aggregate a quarter of sessions per request: held, live sessions per
    theme, and the sectors that had people in the room (named attendees by their organisation's
    kind, and headcounts). Written by every session write (engagements.rollups.refresh) and
    each night as the window moves on; a row whose ``as_of`` is not today is not read (the
    pages compute that engagement live instead)."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="quarter"
    )
    as_of = models.DateField(help_text="The last day of the window.")
    themes = models.JSONField(default=dict, help_text="Theme id -> held sessions in the window.")
    sectors = models.JSONField(default=list, help_text="Sectors with people in the room.")

    def __str__(self) -> str:
        return f"Engagement {self.engagement_id}, the quarter to {self.as_of:%d %B %Y}"


# The API's clients and their calls, the lifecycle's models (issue 17: status history,
# proposals, requests for support) and the messages collection's live with their subjects;
# importing them here registers them. So do the measures, and the reach, cohorts, funding and
# innovations of an area (issue 16).
from engagements.api.models import ApiCall, ApiClient  # noqa: E402, F401
from engagements.context.models import (  # noqa: E402, F401
    GoodPractice,
    LocalProtocol,
    OtherSupport,
    PlaceContext,
    UecChecklist,
    UecSponsor,
)
from engagements.diagnostic.models import (  # noqa: E402, F401
    DiagnosticParticipant,
    DiagnosticRecord,
)
from engagements.lifecycle.models import (  # noqa: E402, F401
    Proposal,
    StatusChange,
    SupportRequest,
)
from engagements.measures.models import Measure, MeasureValue  # noqa: E402, F401
from engagements.messages.models import (  # noqa: E402, F401
    Message,
    MessageCollection,
    MessagePublication,
    Nomination,
)
from engagements.reach.models import (  # noqa: E402, F401
    AreaFunding,
    Cohort,
    CohortCount,
    Innovation,
)
from engagements.respondents.models import RespondentAttempt, RespondentLink  # noqa: E402, F401
from engagements.retention.models import (  # noqa: E402, F401
    DestructionEntry,
    Disposal,
    Erasure,
    RetentionPolicy,
    ReviewItem,
)
from engagements.subjects.models import (  # noqa: E402, F401
    NoteClarification,
    NoteSearch,
    SubjectAccessRequest,
)
from engagements.voice.models import (  # noqa: E402, F401
    StatementScore,
    TieRating,
    VoiceInvite,
    VoiceResponse,
    VoiceRound,
)
