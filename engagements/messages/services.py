"""Writes of the messages pipeline: nominate, write messages, decide, publish, withdraw.

Each is keyword-only and atomic, raises ``DomainError`` keyed by form field, and writes an audit
row (``engagements.message_*``) that names ids, headings and reasons — never a private note.
Every change moves the collection's ``version`` on, so publishing (a compare-and-set on it)
never prints a draft other than the one the lead was looking at.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from engagements.messages.document import (
    collection_content,
    content_hash,
    pdf_bytes,
    publication_document,
    without_item,
)
from engagements.messages.models import (
    Message,
    MessageCollection,
    MessagePublication,
    Nomination,
)
from engagements.models import Engagement, LearningItem, Programme
from engagements.querysets import LearningItemQuerySet
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from enablers.models import Enabler

Status = Nomination.Status


def eligible_items() -> LearningItemQuerySet:
    """Learning that may go into the collection: shared (never withdrawn, live session) and
    consented, whatever its kind."""
    return LearningItem.objects.shared().filter(consent=True)


def collection_for(programme: Programme) -> MessageCollection:
    collection, _ = MessageCollection.objects.get_or_create(programme=programme)
    return collection


def _bump(collection_ids: list[int] | set[int]) -> None:
    MessageCollection.objects.filter(pk__in=collection_ids).update(
        version=F("version") + 1, updated_at=timezone.now())


@transaction.atomic
def nomination_create(*, enabler: Enabler, item_id: int, note: str = "") -> Nomination:
    """An enabler puts forward shared, consented learning from a place they work on now."""
    found = (eligible_items().filter(
        pk=item_id, session__engagement__in=Engagement.objects.assigned_to(enabler))
        .values_list("session__engagement__programme_id", flat=True).first())
    if found is None:
        raise DomainError("Only shared learning with the speaker's consent, from a place you "
                          "work on now, can be nominated.")
    collection, _ = MessageCollection.objects.get_or_create(programme_id=found)
    nomination, created = Nomination.objects.get_or_create(
        collection=collection, item_id=item_id,
        defaults={"nominated_by": enabler.user, "note": note.strip()})
    if not created:
        raise DomainError("This item has already been nominated for the messages.")
    _bump([collection.pk])
    audit_record(actor=enabler.user, action="engagements.message_nomination.created",
                 obj=nomination, changes={"item": item_id, "collection": collection.pk})
    return nomination


@transaction.atomic
def nomination_add_by_lead(*, actor: User, collection: MessageCollection,
                           item_id: int) -> Nomination:
    """A lead takes an item from the quote bank into the collection (then decides on it)."""
    item = eligible_items().filter(
        pk=item_id, session__engagement__programme_id=collection.programme_id).only("pk").first()
    if item is None:
        raise DomainError("This item cannot be added: it is not shared with consent in this "
                          "programme.")
    nomination, created = Nomination.objects.get_or_create(
        collection=collection, item=item, defaults={"nominated_by": actor})
    if created:
        _bump([collection.pk])
        audit_record(actor=actor, action="engagements.message_nomination.created",
                     obj=nomination, changes={"item": item.pk, "collection": collection.pk,
                                              "from": "quote bank"})
    return nomination


@transaction.atomic
def message_save(*, actor: User, collection: MessageCollection, heading: str, argument: str,
                 message: Message | None = None) -> Message:
    heading, argument = heading.strip(), argument.strip()
    if not heading:
        raise DomainError(field_errors={"heading": ["Enter a heading for the message."]})
    created = message is None
    if message is None:
        position = (Message.objects.filter(collection=collection)
                    .aggregate(last=Max("position"))["last"] or 0) + 1
        message = Message(collection=collection, position=position)
    message.heading, message.argument = heading, argument
    message.full_clean()
    message.save()
    _bump([collection.pk])
    audit_record(actor=actor, action="engagements.message."
                 + ("created" if created else "updated"), obj=message,
                 changes={"heading": heading, "collection": collection.pk})
    return message


@transaction.atomic
def message_move(*, actor: User, collection: MessageCollection, message: Message,
                 direction: str, version: int) -> None:
    """Move a headed message one place up or down the document. A compare-and-set on the
    collection's ``version``: a lead looking at an order that has changed since (another lead
    moved or added a message) is told, and nothing moves. Positions are rewritten 1..n, so
    messages made with equal positions get a definite order on their first move."""
    if direction not in ("up", "down"):
        raise DomainError("Move a message up or down.")
    locked = (MessageCollection.objects.select_for_update()
              .filter(pk=collection.pk, version=version).first())
    if locked is None:
        raise DomainError(
            "The messages were changed since you opened this page (by you in another tab, or "
            "by another lead). Nothing was moved: check the order below, then move again.")
    ordered = list(Message.objects.filter(collection=collection).order_by("position", "pk")
                   .only("pk", "position", "heading"))
    index = next((n for n, m in enumerate(ordered) if m.pk == message.pk), None)
    if index is None:
        raise DomainError("This message is not in this collection.")
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        end = "first" if direction == "up" else "last"
        raise DomainError(f"“{message.heading}” is already the {end} message.")
    ordered[index], ordered[target] = ordered[target], ordered[index]
    changed = []
    for position, row in enumerate(ordered, start=1):
        if row.position != position:
            row.position = position
            changed.append(row)
    Message.objects.bulk_update(changed, ["position"])
    _bump([collection.pk])
    audit_record(actor=actor, action="engagements.message.moved", obj=message,
                 changes={"direction": direction, "position": target + 1,
                          "collection": collection.pk})


@transaction.atomic
def collection_update(*, actor: User, collection: MessageCollection, title: str,
                      introduction: str) -> MessageCollection:
    """The document's title and its introduction (what the programme is, and how the messages
    were gathered), as in the source document."""
    title, introduction = title.strip(), introduction.strip()
    if not title:
        raise DomainError(field_errors={"title": ["Enter a title for the document."]})
    collection.title, collection.introduction = title, introduction
    collection.full_clean(exclude=["programme"])
    collection.save(update_fields=["title", "introduction", "updated_at"])
    _bump([collection.pk])
    audit_record(actor=actor, action="engagements.message_collection.updated", obj=collection,
                 changes={"title": title, "introduction": "(changed)"})
    return collection


@transaction.atomic
def nomination_decide(*, actor: User, nomination: Nomination, selected: bool | None,
                      message: Message | None, reason: str, supporting_quote: bool = False
                      ) -> Nomination:
    """Select a nomination into a message, or leave it out: either way with a reason, which
    the nominating enabler sees."""
    reason = reason.strip()
    errors: dict[str | None, list[str]] = {}
    if selected is None:
        errors["decision"] = ["Choose whether to select this item or leave it out."]
    if not reason:
        errors["reason"] = ["Enter why this item was selected or left out: the enabler who "
                            "nominated it sees the reason."]
    if selected and message is None:
        errors["message"] = ["Choose the message this item supports."]
    if message is not None and message.collection_id != nomination.collection_id:
        errors["message"] = ["Choose one of this collection's messages."]
    if nomination.status == Status.WITHDRAWN or not eligible_items().filter(
            pk=nomination.item_id).exists():
        errors[None] = ["This item is no longer shared with consent, so it cannot be used."]
    if errors:
        raise DomainError(field_errors=errors)
    nomination.status = Status.SELECTED if selected else Status.LEFT_OUT
    nomination.message = message if selected else None
    nomination.supporting_quote = bool(selected and supporting_quote)
    nomination.reason = reason
    nomination.decided_by, nomination.decided_at = actor, timezone.now()
    nomination.save()
    _bump([nomination.collection_id])
    audit_record(actor=actor, action=f"engagements.message_nomination.{nomination.status}",
                 obj=nomination, changes={
                     "item": nomination.item_id, "reason": reason,
                     "message": message.heading if selected and message else None,
                     "supporting_quote": nomination.supporting_quote})
    return nomination


@transaction.atomic
def collection_publish(*, actor: User, collection: MessageCollection,
                       version: int) -> MessagePublication:
    """Publish what the lead saw (``version``): an immutable version with its content hash.
    Compare-and-set: if anything changed since, nothing is published and the lead is told."""
    claimed = MessageCollection.objects.filter(pk=collection.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now())
    if not claimed:
        raise DomainError(
            "The messages were changed since you opened this page (by you in another tab, or "
            "by another lead). Nothing was published: check the collection below, then publish "
            "again.")
    collection.refresh_from_db(fields=["version", "title", "introduction"])
    content = collection_content(collection, programme_name=str(collection.programme))
    item_ids = [i["item"] for m in content["messages"] for i in m["items"]]
    if not item_ids:
        raise DomainError("Select at least one item into a message before publishing.")
    number = (MessagePublication.objects.filter(collection=collection)
              .aggregate(last=Max("number"))["last"] or 0) + 1
    publication = MessagePublication.objects.create(
        collection=collection, number=number, content=content,
        content_hash=content_hash(content), published_by=actor, published_at=timezone.now())
    publication.items.set(item_ids)
    publication_pdf_enqueue(publication.pk)
    audit_record(actor=actor, action="engagements.message_collection.published",
                 obj=publication, changes={"number": number, "hash": publication.content_hash,
                                           "items": len(item_ids)})
    return publication


def nominations_withdraw(*, item: LearningItem, actor: User) -> None:
    """Consent withdrawn (engagements.week.services.learning_item_withdraw, in its
    transaction): the item leaves every collection, and every published version that printed
    it loses its text and says an item was withdrawn on this day."""
    nominations = Nomination.objects.filter(item=item).exclude(status=Status.WITHDRAWN)
    collection_ids = set(nominations.values_list("collection_id", flat=True))
    nominations.update(status=Status.WITHDRAWN, message=None, supporting_quote=False,
                       updated_at=timezone.now())
    _bump(collection_ids)
    today = timezone.localdate().isoformat()
    for publication in (MessagePublication.objects.filter(items=item).defer("pdf")
                        .select_for_update()):
        publication.content = without_item(publication.content, item.pk)
        publication.withdrawals = [*publication.withdrawals, today]
        publication.pdf, publication.revision = None, publication.revision + 1
        publication.pdf_attempts = 0  # new text, a new render: its attempts start again
        publication.save(update_fields=["content", "withdrawals", "pdf", "revision",
                                        "pdf_attempts"])
        publication_pdf_enqueue(publication.pk)
        publication.items.remove(item)
        audit_record(actor=actor, action="engagements.message_publication.item_withdrawn",
                     obj=publication, changes={"item": item.pk})
    if collection_ids:
        audit_record(actor=actor, action="engagements.message_nomination.withdrawn",
                     obj=item, changes={"collections": sorted(collection_ids)})


# A version's PDF still missing this long after its render was queued was lost (the broker was
# down, or its worker died): the sweep (engagements.requeue_stale_summaries, every 30 s) queues
# it again, up to PDF_ATTEMPTS times in all; a render that keeps failing is then left alone
# (the page says so) rather than costing a worker ten seconds every sweep for ever.
PDF_STALE_AFTER = dt.timedelta(seconds=settings.FIELDBOOK_JOBS_RUNNING_STALE_SECONDS)
PDF_ATTEMPTS = 5


def publication_pdf_enqueue(publication_id: int, *, now: dt.datetime | None = None) -> None:
    """Queue rendering the version's PDF once the surrounding transaction commits (with no
    broker configured the task runs inline at the commit), and note when: a dead broker costs
    the PDF a wait (the sweep queues it again), never the write."""
    from engagements.messages.tasks import render_messages_pdf

    MessagePublication.objects.filter(pk=publication_id).update(
        pdf_requested_at=now or timezone.now(), pdf_attempts=F("pdf_attempts") + 1)
    transaction.on_commit(lambda: render_messages_pdf.delay(publication_id), robust=True)


def _pdf_lost(now: dt.datetime) -> Q:
    return Q(pdf__isnull=True, pdf_attempts__lt=PDF_ATTEMPTS) & (
        Q(pdf_requested_at__isnull=True) | Q(pdf_requested_at__lt=now - PDF_STALE_AFTER))


def publication_pdf_failed(publication: MessagePublication) -> bool:
    """Every attempt is spent and there is still no PDF: the page says so."""
    return publication.pdf_attempts >= PDF_ATTEMPTS


@transaction.atomic
def publication_pdf_requeue_if_lost(publication_id: int) -> bool:
    """Someone asked for a PDF that is not there: queue it again only if its render looks lost
    (so a reader pressing the link ten times queues no extra render)."""
    now = timezone.now()
    found = (MessagePublication.objects.select_for_update(skip_locked=True)
             .filter(_pdf_lost(now), pk=publication_id).values_list("pk", flat=True).first())
    if found is None:
        return False
    publication_pdf_enqueue(found, now=now)
    return True


@transaction.atomic
def publication_pdfs_requeue_stale(*, now: dt.datetime | None = None) -> list[int]:
    """The sweep: queue again every version's PDF whose render looks lost. Rows another sweep
    holds are skipped; a render that is merely slow and runs twice stores one PDF."""
    now = now or timezone.now()
    ids = list(MessagePublication.objects.select_for_update(skip_locked=True)
               .filter(_pdf_lost(now)).order_by("pk").values_list("pk", flat=True)[:100])
    for publication_id in ids:
        publication_pdf_enqueue(publication_id, now=now)
    return ids


def publication_render_pdf(*, publication_id: int) -> str:
    """Render and store a version's tagged PDF. Idempotent: nothing to do once it is stored;
    stored only over the revision it was rendered from (a withdrawal meanwhile wins, and
    queues its own render)."""
    publication = (MessagePublication.objects.defer("pdf").select_related("published_by")
                   .filter(pk=publication_id).first())
    if publication is None:
        return "missing"
    if MessagePublication.objects.filter(pk=publication_id, pdf__isnull=False).exists():
        return "already stored"
    pdf = pdf_bytes(publication_document(publication))
    stored = MessagePublication.objects.filter(
        pk=publication_id, revision=publication.revision, pdf__isnull=True).update(pdf=pdf)
    return "stored" if stored else "changed meanwhile"
