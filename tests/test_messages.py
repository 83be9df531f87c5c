"""Messages for national leaders (issue 15, points 1, 3, 5, 6 and 7): nominate, group under
headed messages with reasons, feed back, publish (HTML, tagged PDF, Markdown, Word), withdraw.

Each finding quoted in the issue has a test here:
- "a lead cannot yet produce that document":
  test_a_lead_goes_from_nominations_to_a_published_document
- "A role attribution can point at one person" (Chief Executive of the only acute trust):
  test_the_only_acute_trusts_chief_executive_is_generalised (and tests/test_attribution.py)
- "the .docx uses real heading styles": test_the_word_file_uses_real_heading_styles
- "PDF is tagged (structure tree, headings tagged)": test_the_pdf_is_tagged_with_its_headings
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zlib
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, TestCase
from django.urls import reverse

from enablers.models import Enabler
from engagements.messages import services
from engagements.messages.models import MessageCollection, MessagePublication, Nomination
from engagements.models import Engagement, LearningItem
from engagements.week import services as week
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from places.models import Organisation

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    LearningItemFactory,
    OrganisationFactory,
    PersonFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

QUOTE = "Sacking chief executives to make an example of them hammers morale."


def engagement_of(user: User) -> Engagement:
    return user.enabler.assignments.select_related("engagement__programme",
                                                   "engagement__place").get().engagement


def shared_item(user: User, *, text: str = QUOTE, role: str = "Director of Nursing",
                kind: str = LearningItem.Kind.QUOTE) -> LearningItem:
    engagement = engagement_of(user)
    session = SessionFactory.create(enabler=user.enabler, engagement=engagement,
                                    private_notes="PRIVATE-not-for-anyone")
    return LearningItemFactory.create(session=session, kind=kind, text=text,
                                      attributed_role=role, consent=True, shareable=True)


def publish_one(enabler_user: User, lead_user: User, *, text: str = QUOTE
                ) -> tuple[MessageCollection, MessagePublication, LearningItem]:
    item = shared_item(enabler_user, text=text)
    nomination = services.nomination_create(enabler=enabler_user.enabler, item_id=item.pk)
    collection = nomination.collection
    message = services.message_save(actor=lead_user, collection=collection,
                                    heading="Sacking chief executives hammers morale",
                                    argument="Support, not sackings.")
    services.nomination_decide(actor=lead_user, nomination=nomination, selected=True,
                               message=message, reason="Says it plainly.",
                               supporting_quote=True)
    collection.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the PDF task runs (eagerly)
        publication = services.collection_publish(actor=lead_user, collection=collection,
                                                  version=collection.version)
    return collection, publication, item


def test_a_lead_goes_from_nominations_to_a_published_document(
    enabler_user: User, lead_user: User, enabler_client: Client, lead_client: Client
) -> None:
    item = shared_item(enabler_user)
    slug = engagement_of(enabler_user).programme.slug
    # The enabler nominates from their list.
    page = enabler_client.get(reverse("engagements:messages-mine"))
    assert QUOTE in page.content.decode()
    response = enabler_client.post(reverse("engagements:messages-nominate", args=[item.pk]),
                                   {"note": "The board said this twice."})
    assert response.status_code == 302
    nomination = Nomination.objects.get(item=item)
    # The lead writes a message and selects the item into it, with a reason.
    collection_url = reverse("engagements:messages", args=[slug])
    assert QUOTE in lead_client.get(collection_url).content.decode()
    lead_client.post(reverse("engagements:messages-message-add", args=[slug]),
                     {"heading": "Sacking chief executives hammers morale",
                      "argument": "Support and development should come first."})
    message = collection_message(slug)
    response = lead_client.post(reverse("engagements:messages-decide", args=[slug, nomination.pk]),
                                {"decision": "select", "message": message.pk,
                                 "supporting_quote": "on", "reason": "Raised by many."})
    assert response.status_code == 302
    # The enabler sees what became of it.
    feedback = enabler_client.get(reverse("engagements:messages-mine")).content.decode()
    assert "Selected" in feedback and "Raised by many." in feedback
    assert "Sacking chief executives hammers morale" in feedback
    # The lead publishes what they saw.
    collection = MessageCollection.objects.get(programme__slug=slug)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the PDF task, after the commit
        response = lead_client.post(reverse("engagements:messages-publish", args=[slug]),
                                    {"version": collection.version})
    assert response.status_code == 302
    publication = MessagePublication.objects.get(collection=collection)
    assert len(publication.content_hash) == 64 and publication.published_by == lead_user
    html = lead_client.get(response["Location"]).content.decode()
    assert "Sacking chief executives hammers morale" in html and QUOTE in html
    assert "PRIVATE-not-for-anyone" not in html
    for fmt in ("pdf", "docx", "md"):
        download = lead_client.get(reverse("engagements:messages-download",
                                           args=[slug, publication.number, fmt]))
        assert download.status_code == 200, fmt
        assert b"PRIVATE-not-for-anyone" not in download.content
    actions = set(AuditEvent.objects.filter(action__startswith="engagements.message")
                  .values_list("action", flat=True))
    assert actions == {"engagements.message_nomination.created", "engagements.message.created",
                       "engagements.message_nomination.selected",
                       "engagements.message_collection.published"}


def collection_message(slug: str) -> Any:
    return MessageCollection.objects.get(programme__slug=slug).messages.get()


def test_a_message_without_a_heading_keeps_what_was_typed(
    enabler_user: User, lead_client: Client
) -> None:
    slug = engagement_of(enabler_user).programme.slug
    response = lead_client.post(reverse("engagements:messages-message-add", args=[slug]),
                                {"heading": "  ", "argument": "Plan support with local leaders"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a heading for the message." in body
    assert "Plan support with local leaders" in body
    assert "nhsuk-error-summary" in body


def test_a_selection_without_a_reason_keeps_what_was_typed(
    enabler_user: User, lead_user: User, lead_client: Client
) -> None:
    item = shared_item(enabler_user)
    nomination = services.nomination_create(enabler=enabler_user.enabler, item_id=item.pk)
    message = services.message_save(actor=lead_user, collection=nomination.collection,
                                    heading="Provide support for the long-term", argument="")
    slug = engagement_of(enabler_user).programme.slug
    url = reverse("engagements:messages-decide", args=[slug, nomination.pk])
    response = lead_client.post(url, {"decision": "select", "message": message.pk,
                                      "supporting_quote": "on", "reason": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter why this item was selected or left out" in body
    assert f'value="{message.pk}" selected' in body and "checked" in body
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.NOMINATED
    # Leaving out needs a reason too; with one, the enabler is told it.
    response = lead_client.post(url, {"decision": "leave_out", "reason": "Too close to another."})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.LEFT_OUT and nomination.message is None


def test_left_out_is_fed_back_with_the_reason(
    enabler_user: User, lead_user: User, enabler_client: Client
) -> None:
    item = shared_item(enabler_user)
    nomination = services.nomination_create(enabler=enabler_user.enabler, item_id=item.pk)
    services.nomination_decide(actor=lead_user, nomination=nomination, selected=False,
                               message=None, reason="Already made by another place.")
    body = enabler_client.get(reverse("engagements:messages-mine")).content.decode()
    assert "Not selected" in body and "Already made by another place." in body


def test_only_consented_shared_items_from_ones_own_places_can_be_nominated(
    enabler_user: User, other_enabler_user: User
) -> None:
    unconsented = shared_item(enabler_user, kind=LearningItem.Kind.LESSON, role="")
    LearningItem.objects.filter(pk=unconsented.pk).update(consent=False)
    with pytest.raises(DomainError):
        services.nomination_create(enabler=enabler_user.enabler, item_id=unconsented.pk)
    others = shared_item(other_enabler_user)
    with pytest.raises(DomainError):
        services.nomination_create(enabler=enabler_user.enabler, item_id=others.pk)
    mine = shared_item(enabler_user)
    services.nomination_create(enabler=enabler_user.enabler, item_id=mine.pk)
    with pytest.raises(DomainError, match="already been nominated"):
        services.nomination_create(enabler=enabler_user.enabler, item_id=mine.pk)


def test_publishing_is_a_compare_and_set(enabler_user: User, lead_user: User,
                                         lead_client: Client) -> None:
    collection, first, _ = publish_one(enabler_user, lead_user)
    stale = first.collection.version - 1  # the version the first publisher had seen
    with pytest.raises(DomainError, match="changed since you opened"):
        services.collection_publish(actor=lead_user, collection=collection, version=stale)
    response = lead_client.post(reverse("engagements:messages-publish",
                                        args=[collection.programme.slug]), {"version": stale})
    assert response.status_code == 409
    assert "changed since you opened" in response.content.decode()
    assert MessagePublication.objects.filter(collection=collection).count() == 1


def test_withdrawal_removes_the_item_and_marks_published_versions(
    enabler_user: User, lead_user: User, lead_client: Client
) -> None:
    collection, publication, item = publish_one(enabler_user, lead_user)
    published_hash = publication.content_hash
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        week.learning_item_withdraw(enabler=enabler_user.enabler, item=item)
    publication.refresh_from_db()
    assert publication.pdf is None  # the old PDF, with the text, is gone at once
    slug = collection.programme.slug
    pdf_url = reverse("engagements:messages-download", args=[slug, publication.number, "pdf"])
    assert lead_client.get(pdf_url).status_code == 302  # being prepared
    for callback in queued:
        callback()
    pdf = lead_client.get(pdf_url)
    assert pdf.status_code == 200 and b"withdrawn on" in pdf_text(pdf.content)
    assert QUOTE.encode() not in pdf_text(pdf.content)
    assert publication.withdrawals and publication.content_hash == published_hash
    assert QUOTE not in str(publication.content)
    assert Nomination.objects.get(item=item).status == Nomination.Status.WITHDRAWN
    page = lead_client.get(reverse("engagements:messages-published",
                                   args=[slug, publication.number])).content.decode()
    assert "An item in this version was withdrawn on" in page and QUOTE not in page
    for fmt in ("md", "docx"):
        body = lead_client.get(reverse("engagements:messages-download",
                                       args=[slug, publication.number, fmt])).content
        assert QUOTE.encode() not in body and b"withdrawn on" in docx_or_text(body)
    assert AuditEvent.objects.filter(
        action="engagements.message_publication.item_withdrawn").exists()
    with pytest.raises(DomainError, match="at least one item"):
        collection.refresh_from_db()
        services.collection_publish(actor=lead_user, collection=collection,
                                    version=collection.version)


def pdf_text(raw: bytes) -> bytes:
    out = subprocess.run(["pdftotext", "-", "-"], input=raw, capture_output=True, check=True,
                         timeout=60)
    return out.stdout


def docx_or_text(body: bytes) -> bytes:
    if body[:2] == b"PK":
        from docx import Document

        return "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs).encode()
    return body


def test_the_word_file_uses_real_heading_styles(enabler_user: User, lead_user: User,
                                                lead_client: Client) -> None:
    from docx import Document

    collection, publication, _ = publish_one(enabler_user, lead_user)
    body = lead_client.get(reverse("engagements:messages-download",
                                   args=[collection.programme.slug, publication.number, "docx"]))
    word = Document(io.BytesIO(body.content))
    styles = [(p.style.name if p.style else "", p.text) for p in word.paragraphs]
    assert ("Title", "Messages for national leaders") in styles
    assert ("Heading 1", "Sacking chief executives hammers morale") in styles
    assert ("Heading 2", "The learning behind this message") in styles
    assert any(style == "Quote" and QUOTE in text for style, text in styles)
    assert word.core_properties.title == "Messages for national leaders"


def test_the_pdf_is_tagged_with_its_headings(enabler_user: User, lead_user: User,
                                             lead_client: Client) -> None:
    collection, publication, _ = publish_one(enabler_user, lead_user)
    pdf = lead_client.get(reverse("engagements:messages-download",
                                  args=[collection.programme.slug, publication.number, "pdf"]))
    raw = pdf.content
    assert raw.startswith(b"%PDF-")
    text = pdf_objects_text(raw)
    assert "/StructTreeRoot" in text and "/MarkInfo" in text
    assert "/Lang" in text
    for tag in ("/H1", "/H2", "/H3"):
        assert f"/S {tag}" in text or f"/S{tag}" in text, tag


def pdf_objects_text(raw: bytes) -> str:
    """The PDF's objects as text, object streams inflated (tags live in compressed streams)."""
    parts = [raw.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(parts)


def test_the_only_acute_trusts_chief_executive_is_generalised(
    enabler_user: User, lead_user: User, lead_client: Client
) -> None:
    """Issue 15: "Chief Executive, <the place's only acute trust>" names somebody."""
    engagement = engagement_of(enabler_user)
    trust = OrganisationFactory.create(name="Northshire Hospitals NHS Trust",
                                       kind=Organisation.Kind.ACUTE_TRUST)
    trust.places.add(engagement.place)
    board = DeliveryBoardFactory.create(place=engagement.place)
    BoardMembershipFactory.create(board=board, person=PersonFactory.create(
        role_title="Chief Executive", organisation=trust))
    item = shared_item(enabler_user, role="Chief Executive, Northshire Hospitals NHS Trust")
    nomination = services.nomination_create(enabler=enabler_user.enabler, item_id=item.pk)
    message = services.message_save(actor=lead_user, collection=nomination.collection,
                                    heading="Sacking chief executives hammers morale",
                                    argument="")
    services.nomination_decide(actor=lead_user, nomination=nomination, selected=True,
                               message=message, reason="Clear.", supporting_quote=True)
    collection = MessageCollection.objects.get(pk=nomination.collection_id)
    publication = services.collection_publish(actor=lead_user, collection=collection,
                                              version=collection.version)
    quote = publication.content["messages"][0]["items"][0]
    assert quote["role"] == "a senior leader in an acute trust"
    assert quote["where"] == engagement.place.region.name
    for fmt in ("md", "docx"):
        body = docx_or_text(lead_client.get(reverse(
            "engagements:messages-download",
            args=[collection.programme.slug, publication.number, fmt])).content)
        assert b"Northshire" not in body and b"a senior leader in an acute trust" in body
        assert engagement.place.name.encode() not in body


def test_each_message_lists_the_items_behind_it(enabler_user: User, lead_user: User,
                                                lead_client: Client) -> None:
    """Point 3: count, places, periods, then the items."""
    collection, publication, item = publish_one(enabler_user, lead_user)
    page = lead_client.get(reverse("engagements:messages-published",
                                   args=[collection.programme.slug, publication.number]))
    body = page.content.decode()
    assert "The learning behind this message" in body
    assert "Items: fewer than 3. From: " in body
    assert item.session.engagement.place.name in body


def test_the_collection_page_has_a_fixed_query_budget(
    enabler_user: User, lead_user: User, lead_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    collection, _, _ = publish_one(enabler_user, lead_user)
    url = reverse("engagements:messages", args=[collection.programme.slug])
    with django_assert_max_num_queries(14) as first:
        lead_client.get(url)
    enabler: Enabler = enabler_user.enabler
    for n in range(6):
        nomination = services.nomination_create(
            enabler=enabler, item_id=shared_item(enabler_user, text=f"More {n}").pk)
        if n % 2:
            services.nomination_decide(actor=lead_user, nomination=nomination, selected=True,
                                       message=collection.messages.get(), reason="Yes.")
    with django_assert_max_num_queries(len(first.captured_queries)):
        lead_client.get(url)


def _spread(enabler_user: User, lead_user: User, n: int) -> MessageCollection:
    """``n`` more selected items, each from a new place of the same programme."""
    from .factories import AssignmentFactory, EngagementFactory

    programme = engagement_of(enabler_user).programme
    collection = services.collection_for(programme)
    message = collection.messages.first() or services.message_save(
        actor=lead_user, collection=collection, heading="Spread", argument="")
    for k in range(n):
        assignment = AssignmentFactory.create(
            engagement=EngagementFactory.create(programme=programme))
        session = SessionFactory.create(enabler=assignment.enabler,
                                        engagement=assignment.engagement)
        item = LearningItemFactory.create(session=session, kind=LearningItem.Kind.QUOTE,
                                          text=f"Spread {k}", attributed_role="Chief Executive",
                                          consent=True)
        nomination = services.nomination_create(enabler=assignment.enabler, item_id=item.pk)
        services.nomination_decide(actor=lead_user, nomination=nomination, selected=True,
                                   message=message, reason="Yes.")
    collection.refresh_from_db()
    return collection


def test_the_document_costs_the_same_queries_at_any_size(
    enabler_user: User, lead_user: User, django_assert_num_queries: Any
) -> None:
    """Bench: "a fixed query count". Five queries for 1 item or 13 items in 13 places."""
    from engagements.messages.document import collection_content

    collection, _, _ = publish_one(enabler_user, lead_user)
    with django_assert_num_queries(5):
        small = collection_content(collection, programme_name="P")
    collection = _spread(enabler_user, lead_user, 12)
    with django_assert_num_queries(5):
        large = collection_content(collection, programme_name="P")
    assert sum(len(m["items"]) for m in small["messages"]) == 1
    assert sum(len(m["items"]) for m in large["messages"]) == 13


@pytest.mark.parametrize("persona", ["lead_client", "enabler_client"])
def test_the_quote_bank_has_a_fixed_query_budget(
    request: pytest.FixtureRequest, enabler_user: User, lead_user: User,
    django_assert_max_num_queries: Any, persona: str,
) -> None:
    client: Client = request.getfixturevalue(persona)
    url = reverse("engagements:quote-bank") + "?kind=quote&role=senior"
    publish_one(enabler_user, lead_user)
    with django_assert_max_num_queries(16) as first:
        assert client.get(url).status_code == 200
    _spread(enabler_user, lead_user, 8)
    with django_assert_max_num_queries(len(first.captured_queries)):
        body = client.get(url).content.decode()
    assert "Spread 7" in body


def test_the_quote_bank_filters_and_attributes_as_published(
    enabler_user: User, lead_user: User, lead_client: Client, enabler_client: Client
) -> None:
    engagement = engagement_of(enabler_user)
    trust = OrganisationFactory.create(kind=Organisation.Kind.ACUTE_TRUST)
    trust.places.add(engagement.place)
    senior = shared_item(enabler_user, text="Senior said this",
                         role="Chief Executive, acute trust")
    shared_item(enabler_user, text="A manager said this", role="NHS Operations Manager")
    hidden = shared_item(enabler_user, text="Not consented", role="NHS Operations Manager",
                         kind=LearningItem.Kind.LESSON)
    LearningItem.objects.filter(pk=hidden.pk).update(consent=False)
    bank = reverse("engagements:quote-bank")
    body = lead_client.get(bank + "?role=senior").content.decode()
    assert "Senior said this" in body and "A manager said this" not in body
    assert "a senior leader in an acute trust" in body and "Chief Executive, acute" not in body
    body = lead_client.get(bank + f"?programme={engagement.programme.slug}&kind=quote"
                           f"&region={engagement.place.region_id}").content.decode()
    assert "A manager said this" in body and "Not consented" not in body
    assert "Add to a message" in body
    assert "Nothing matches" in lead_client.get(bank + "?since=2099-01-01").content.decode()
    # An enabler may nominate their own place's item from the bank; a lead adds it.
    assert reverse("engagements:messages-nominate", args=[senior.pk]) in \
        enabler_client.get(bank).content.decode()
    response = lead_client.post(reverse("engagements:messages-bank-add",
                                        args=[engagement.programme.slug, senior.pk]))
    nomination = Nomination.objects.get(item=senior)
    assert response["Location"] == reverse("engagements:messages-decide",
                                           args=[engagement.programme.slug, nomination.pk])


def test_the_other_pages_have_fixed_query_budgets(
    enabler_user: User, lead_user: User, lead_client: Client, enabler_client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    """The enabler's nominations, a decision, a published version and its Markdown cost the
    same with one item or with many."""
    collection, publication, _ = publish_one(enabler_user, lead_user)
    slug = collection.programme.slug
    nomination = Nomination.objects.filter(collection=collection).first()
    assert nomination is not None
    pages = [
        (enabler_client, reverse("engagements:messages-mine")),
        (lead_client, reverse("engagements:messages-decide", args=[slug, nomination.pk])),
        (lead_client, reverse("engagements:messages-published", args=[slug, 1])),
        (lead_client, reverse("engagements:messages-download", args=[slug, 1, "md"])),
    ]
    budgets = []
    for client, url in pages:
        with django_assert_max_num_queries(12) as counted:
            assert client.get(url).status_code == 200, url
        budgets.append(len(counted.captured_queries))
    for n in range(5):
        services.nomination_create(enabler=enabler_user.enabler,
                                   item_id=shared_item(enabler_user, text=f"Also {n}").pk)
    collection = _spread(enabler_user, lead_user, 5)
    services.collection_publish(actor=lead_user, collection=collection,
                                version=collection.version)
    pages[2] = (lead_client, reverse("engagements:messages-published", args=[slug, 2]))
    pages[3] = (lead_client, reverse("engagements:messages-download", args=[slug, 2, "md"]))
    for (client, url), budget in zip(pages, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url
    assert publication.number == 1


def test_the_title_and_introduction_are_the_leads_and_print_first(
    enabler_user: User, lead_user: User, lead_client: Client
) -> None:
    collection, _, _ = publish_one(enabler_user, lead_user)
    url = reverse("engagements:messages-edit", args=[collection.programme.slug])
    response = lead_client.post(url, {"title": " ", "introduction": "Gathered by enablers."})
    body = response.content.decode()
    assert response.status_code == 200 and "Enter a title for the document." in body
    assert "Gathered by enablers." in body
    lead_client.post(url, {"title": "Messages from the A&E front-line",
                           "introduction": "Gathered by enablers."})
    collection.refresh_from_db()
    publication = services.collection_publish(actor=lead_user, collection=collection,
                                              version=collection.version)
    assert publication.content["title"] == "Messages from the A&E front-line"
    assert publication.content["introduction"] == "Gathered by enablers."
    assert AuditEvent.objects.filter(action="engagements.message_collection.updated").exists()


def test_the_pdf_is_rendered_once_by_the_task_not_by_the_download(
    enabler_user: User, lead_user: User, lead_client: Client
) -> None:
    """A PDF is seconds of WeasyPrint: the task stores it; the download only sends it."""
    collection, publication, _ = publish_one(enabler_user, lead_user)
    publication.refresh_from_db()
    assert publication.pdf is not None
    assert services.publication_render_pdf(publication_id=publication.pk) == "already stored"
    MessagePublication.objects.filter(pk=publication.pk).update(pdf=None)
    url = reverse("engagements:messages-download",
                  args=[collection.programme.slug, publication.number, "pdf"])
    with TestCase.captureOnCommitCallbacks(execute=False):
        response = lead_client.get(url)
    assert response.status_code == 302
    assert "being prepared" in lead_client.get(response["Location"]).content.decode()
    # With the PDF gone, the task renders it again.
    assert services.publication_render_pdf(publication_id=publication.pk) == "stored"
    assert lead_client.get(url).status_code == 200


def test_message_counts_and_the_total_never_give_a_small_count_away() -> None:
    """The document's total and each message's count go through the small-number rule with
    follow-on suppression (engagements.disclosure): 1 item under one message and 6 under
    another, with the total of 7 beside them, must not leave the 1 recoverable."""
    from engagements.messages.document import document

    def item(n: int) -> dict[str, Any]:
        return {"item": n, "quote": False, "where": "North", "period": "January to March 2026"}

    content = {"messages": [{"heading": "A", "items": [item(1)]},
                            {"heading": "B", "items": [item(n) for n in range(2, 8)]}]}
    doc = document(content)
    counts = [m["evidence"]["count"] for m in doc["messages"]]
    assert counts[0] == "fewer than 3"
    assert counts[1] == "not shown" or doc["item_count"] == "not shown"
    one = document({"messages": [{"heading": "A", "items": [item(1)]}]})
    assert one["messages"][0]["evidence"]["count"] == one["item_count"] == "fewer than 3"


# ---- the order of the messages (issue 15: "reorder") ----------------------------------------

def three_messages(enabler_user: User, lead_user: User) -> tuple[MessageCollection, list[Any]]:
    item = shared_item(enabler_user)
    collection = services.nomination_create(enabler=enabler_user.enabler,
                                            item_id=item.pk).collection
    made = [services.message_save(actor=lead_user, collection=collection, heading=h,
                                  argument="")
            for h in ("Plan support collaboratively", "Integrate the programmes",
                      "Sacking chief executives hammers morale")]
    collection.refresh_from_db()
    return collection, made


def headings(collection: MessageCollection) -> list[str]:
    return [m.heading for m in collection.messages.all()]


def test_a_lead_moves_a_message_up_and_down_and_the_document_follows(
        enabler_user: User, lead_user: User) -> None:
    collection, (first, _second, third) = three_messages(enabler_user, lead_user)
    services.message_move(actor=lead_user, collection=collection, message=third,
                          direction="up", version=collection.version)
    collection.refresh_from_db()
    assert headings(collection) == ["Plan support collaboratively",
                                    "Sacking chief executives hammers morale",
                                    "Integrate the programmes"]
    services.message_move(actor=lead_user, collection=collection, message=first,
                          direction="down", version=collection.version)
    collection.refresh_from_db()
    assert headings(collection)[0] == "Sacking chief executives hammers morale"
    content = services.collection_content(collection, programme_name="P")
    assert [m["heading"] for m in content["messages"]] == headings(collection)
    moved = AuditEvent.objects.filter(action="engagements.message.moved")
    assert moved.count() == 2
    assert {e.object_id for e in moved} == {str(third.pk), str(first.pk)}


def test_moving_on_a_stale_page_or_past_the_ends_moves_nothing(
        enabler_user: User, lead_user: User) -> None:
    collection, (first, _second, third) = three_messages(enabler_user, lead_user)
    seen = collection.version
    services.message_move(actor=lead_user, collection=collection, message=third,
                          direction="up", version=seen)
    before = headings(collection)
    with pytest.raises(DomainError, match="changed since you opened"):
        services.message_move(actor=lead_user, collection=collection, message=third,
                              direction="up", version=seen)
    collection.refresh_from_db()
    with pytest.raises(DomainError, match="already the first"):
        services.message_move(actor=lead_user, collection=collection, message=first,
                              direction="up", version=collection.version)
    with pytest.raises(DomainError, match="Move a message up or down"):
        services.message_move(actor=lead_user, collection=collection, message=first,
                              direction="sideways", version=collection.version)
    assert headings(collection) == before


def test_equal_positions_get_a_definite_order_on_the_first_move(
        enabler_user: User, lead_user: User) -> None:
    collection, made = three_messages(enabler_user, lead_user)
    collection.messages.update(position=0)  # as messages made in bulk, or before positions
    collection.refresh_from_db()
    services.message_move(actor=lead_user, collection=collection, message=made[2],
                          direction="up", version=collection.version)
    positions = sorted(collection.messages.values_list("position", flat=True))
    assert positions == [1, 2, 3]
    assert headings(collection)[1] == "Sacking chief executives hammers morale"


def test_the_collection_page_moves_messages_with_buttons_that_work_without_javascript(
        enabler_user: User, lead_user: User, client: Client) -> None:
    collection, (_first, second, _third) = three_messages(enabler_user, lead_user)
    client.force_login(lead_user)
    slug = collection.programme.slug
    page = client.get(reverse("engagements:messages", args=[slug])).content.decode()
    assert page.count('value="up"') == 2 and page.count('value="down"') == 2
    url = reverse("engagements:messages-message-move", args=[slug, second.pk])
    response = client.post(url, {"direction": "up", "version": collection.version},
                           follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/messages/#message-{second.pk}")
    assert "“Integrate the programmes” was moved up." in response.content.decode()
    assert headings(collection)[0] == "Integrate the programmes"
    stale = client.post(url, {"direction": "down", "version": collection.version},
                        follow=True)
    assert "Nothing was moved" in stale.content.decode()
    assert headings(collection)[0] == "Integrate the programmes"


# ---- a lost PDF render is queued again (issue 15: "stale sweep for the messages PDF") -------

def lose_pdf(publication: MessagePublication, *, minutes_ago: int) -> None:
    """As if the render task was lost with the broker, or its worker killed mid-render."""
    from django.utils import timezone

    MessagePublication.objects.filter(pk=publication.pk).update(
        pdf=None, pdf_attempts=1,
        pdf_requested_at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def test_the_sweep_queues_a_lost_pdf_again_and_leaves_a_fresh_one_alone(
        enabler_user: User, lead_user: User) -> None:
    from engagements.tasks import requeue_stale_summaries

    _collection, publication, _item = publish_one(enabler_user, lead_user)
    lose_pdf(publication, minutes_ago=0)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.publication_pdfs_requeue_stale() == []  # still within its time
    lose_pdf(publication, minutes_ago=5)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert requeue_stale_summaries() == 1  # the beat task runs the messages' sweep too
    publication.refresh_from_db()
    assert publication.pdf is not None and bytes(publication.pdf).startswith(b"%PDF")
    assert publication.pdf_attempts == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.publication_pdfs_requeue_stale() == []  # stored: nothing to do


def test_a_render_that_keeps_failing_stops_being_queued_and_the_page_says_so(
        enabler_user: User, lead_user: User, client: Client) -> None:
    _collection, publication, _item = publish_one(enabler_user, lead_user)
    lose_pdf(publication, minutes_ago=5)
    MessagePublication.objects.filter(pk=publication.pk).update(
        pdf_attempts=services.PDF_ATTEMPTS)
    assert services.publication_pdfs_requeue_stale() == []
    client.force_login(lead_user)
    url = reverse("engagements:messages-download",
                  args=[publication.collection.programme.slug, publication.number, "pdf"])
    page = client.get(url, follow=True).content.decode()
    assert "could not be made" in page
    publication.refresh_from_db()
    assert publication.pdf is None and publication.pdf_attempts == services.PDF_ATTEMPTS


def test_asking_for_a_missing_pdf_again_and_again_queues_one_render(
        enabler_user: User, lead_user: User, client: Client) -> None:
    """Before: each request for a missing PDF queued another ten-second render."""
    _collection, publication, _item = publish_one(enabler_user, lead_user)
    lose_pdf(publication, minutes_ago=0)  # a render is queued and not yet done
    client.force_login(lead_user)
    url = reverse("engagements:messages-download",
                  args=[publication.collection.programme.slug, publication.number, "pdf"])
    for _ in range(5):
        assert "being prepared" in client.get(url, follow=True).content.decode()
    publication.refresh_from_db()
    assert publication.pdf_attempts == 1 and publication.pdf is None
