"""The "Messages for national leaders" collection of a programme (issue 15, point 1).

In the spirit of Most Significant Change: enablers *nominate* shared learning from their places;
a programme lead groups nominations under *headed messages*, and records *why* each one was
selected or left out (the reason goes back to the enabler who nominated it); the collection is
then *published* as an immutable version (HTML, tagged PDF, Markdown, Word).

Models name the learning items and programmes by string, so this module imports nothing of
``engagements.models`` (which imports it, to register these models with the app).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from fieldbook.models import TimeStampedModel

if TYPE_CHECKING:
    from engagements.models import LearningItem, Programme  # noqa: F401

DEFAULT_TITLE = "Messages for national leaders"


class MessageCollection(TimeStampedModel):
    """One programme's collection. ``version`` goes up with every change, so publishing is a
    compare-and-set: two leads publishing the same draft at once, one wins."""

    programme = models.OneToOneField(
        "engagements.Programme", on_delete=models.PROTECT, related_name="message_collection"
    )
    title = models.CharField(max_length=200, default=DEFAULT_TITLE)
    introduction = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="message_collection_has_title"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, programme {self.programme_id}"


class Message(TimeStampedModel):
    """A headed message: the heading, and the lead's short argument for it."""

    collection = models.ForeignKey(
        MessageCollection, on_delete=models.CASCADE, related_name="messages"
    )
    heading = models.CharField(max_length=200)
    argument = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(heading=""), name="message_has_heading"),
        ]

    def __str__(self) -> str:
        return self.heading


class Nomination(TimeStampedModel):
    """A learning item put forward for the collection, and what the lead decided about it."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", "Awaiting a decision"
        SELECTED = "selected", "Selected"
        LEFT_OUT = "left_out", "Left out"
        WITHDRAWN = "withdrawn", "Withdrawn"

    collection = models.ForeignKey(
        MessageCollection, on_delete=models.CASCADE, related_name="nominations"
    )
    item = models.ForeignKey(
        "engagements.LearningItem", on_delete=models.CASCADE, related_name="nominations"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(blank=True, help_text="Why the enabler put it forward.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOMINATED)
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="nominations"
    )
    supporting_quote = models.BooleanField(
        default=False, help_text="Quoted in the message's text, not only listed as evidence."
    )
    reason = models.TextField(blank=True, help_text="Why it was selected or left out.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "item"],
                                    name="nomination_one_per_item"),
            models.CheckConstraint(
                condition=~Q(status="selected") | (Q(message__isnull=False) & ~Q(reason="")),
                name="nomination_selected_has_message_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="left_out") | (Q(message__isnull=True) & ~Q(reason="")),
                name="nomination_left_out_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["collection", "status"], name="nomination_status_idx")]

    def __str__(self) -> str:
        return f"Nomination of item {self.item_id}: {self.get_status_display()}"


class MessagePublication(models.Model):
    """A published version: its content as printed (JSON), a hash of it, who and when.

    Never edited but for one thing: when consent for an item in it is withdrawn, the item's text
    is taken out of ``content`` (so no file made from it carries the text; the stored PDF is
    dropped and rendered again) and the withdrawal is recorded in ``withdrawals``;
    ``content_hash`` stays the hash of what was published.
    """

    collection = models.ForeignKey(
        MessageCollection, on_delete=models.PROTECT, related_name="publications"
    )
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField()
    items = models.ManyToManyField(
        "engagements.LearningItem", related_name="message_publications", blank=True
    )
    withdrawals = models.JSONField(
        default=list, blank=True, help_text="[ISO date] on which an item in it was withdrawn."
    )
    # The tagged PDF, rendered by a task after publishing (seconds of WeasyPrint that no web
    # request waits on), and again after a withdrawal takes text out: ``revision`` goes up with
    # each such change, and a PDF is stored only over the revision it was rendered from.
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    # When a render was last queued, and how many times: the sweep queues again a PDF still
    # missing after FIELDBOOK_JOBS_RUNNING_STALE_SECONDS (its task lost with the broker, or its
    # worker killed), up to PDF_ATTEMPTS times; asking for the PDF queues it only then too.
    pdf_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    pdf_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "number"],
                                    name="message_publication_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.collection} version {self.number}"
