"""The messages document: built once from the database as plain JSON (``collection_content``),
then printed from that JSON alone as HTML, Markdown, Word (.docx) and tagged PDF, so the four
cannot drift apart and a published version needs nothing but its stored content.

Only consented, shareable, never-withdrawn learning from live sessions goes in, attributed by
role through ``engagements.attribution`` (generalised when it would single one person out). No
private note, next step or enabler's name is read: the queries name their columns.

Cost: ``collection_content`` is five queries whatever the number of messages and items (the
collection's messages, its selected items, and three for the places, their organisations and
their boards).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from typing import Any, TypedDict

from django.template.loader import render_to_string
from django.utils.text import slugify

from engagements import disclosure
from engagements.attribution import attribute, place_facts
from engagements.messages.models import (
    Message,
    MessageCollection,
    MessagePublication,
    Nomination,
)

Content = dict[str, Any]
QUARTERS = ("January to March", "April to June", "July to September", "October to December")
KIND_LABELS = {
    "message": "Message for national leaders", "lesson": "Lesson", "quote": "Quote",
    "good_practice": "Good practice", "barrier": "Barrier",
}


def period_label(day: dt.date) -> str:
    return f"{QUARTERS[(day.month - 1) // 3]} {day.year}"


class SelectedRow(TypedDict):
    message_id: int
    supporting_quote: bool
    item_id: int
    item__kind: str
    item__text: str
    item__attributed_role: str
    item__session__date: dt.date
    item__session__engagement__place_id: int


def selected_rows(collection: MessageCollection) -> list[SelectedRow]:
    """The selected items still fit to publish, with what the document prints. One query."""
    rows: list[SelectedRow] = list(
        Nomination.objects.filter(
            collection=collection, status=Nomination.Status.SELECTED,
            item__shareable=True, item__consent=True, item__withdrawn_at__isnull=True,
            item__session__deleted_at__isnull=True,
        ).order_by("message_id", "-supporting_quote", "item__session__date", "item_id")
        .values("message_id", "supporting_quote", "item_id", "item__kind", "item__text",
                "item__attributed_role", "item__session__date",
                "item__session__engagement__place_id")
    )
    return rows


def collection_content(collection: MessageCollection, *, programme_name: str) -> Content:
    messages = list(Message.objects.filter(collection=collection).values(
        "pk", "heading", "argument"))
    rows = selected_rows(collection)
    facts = place_facts({r["item__session__engagement__place_id"] for r in rows})
    by_message: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        place = facts[r["item__session__engagement__place_id"]]
        who = attribute(r["item__attributed_role"], place) if r["item__attributed_role"] else None
        by_message.setdefault(r["message_id"], []).append({
            "item": r["item_id"],
            "kind": KIND_LABELS.get(r["item__kind"], r["item__kind"]),
            "text": r["item__text"],
            "role": who.role if who else "",
            "where": who.where if who else place.place,
            "generalised": bool(who and who.generalised),
            "period": period_label(r["item__session__date"]),
            "quote": r["supporting_quote"],
        })
    out = []
    for m in messages:
        items = by_message.get(m["pk"], [])
        out.append({
            "id": f"message-{m['pk']}", "heading": m["heading"], "argument": m["argument"],
            "items": items,
        })
    return {
        "title": collection.title, "programme": programme_name,
        "introduction": collection.introduction, "messages": out,
    }


def content_hash(content: Content) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def without_item(content: Content, item_id: int) -> Content:
    """The content with one item's text (and attribution) taken out: after a withdrawal."""
    messages = [
        {**m, "items": [i for i in m["items"] if i["item"] != item_id]}
        for m in content.get("messages", [])
    ]
    return {**content, "messages": messages}


def _evidence(items: list[dict[str, Any]]) -> dict[str, Any]:
    places = sorted({i["where"] for i in items})
    periods = sorted({i["period"] for i in items},
                     key=lambda p: (p.rsplit(" ", 1)[-1], QUARTERS.index(p.rsplit(" ", 1)[0])))
    return {"count": disclosure.count_text(len(items)), "n": len(items), "places": places,
            "periods": periods}


def document(content: Content, *, published: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the templates print: the content with each message's quotes and the evidence
    behind it (count, places, periods). Reads nothing from the database."""
    messages = []
    for m in content.get("messages", []):
        items = m["items"]
        messages.append({**m, "quotes": [i for i in items if i["quote"]],
                         "evidence": _evidence(items)})
    # Each message's count and the document's total are printed together: the small-number
    # rule with follow-on suppression (engagements.disclosure), so the total and the other
    # messages' counts cannot give a hidden count away.
    # (One message is its own total: nothing to subtract.)
    parts = [m["evidence"]["n"] for m in messages]
    total: disclosure.Cell | None
    if len(parts) == 1:
        cells, total = [disclosure.count_cell(parts[0])], disclosure.count_cell(parts[0])
    else:
        cells, total = disclosure.suppress(parts, sum(parts))
    for m, cell in zip(messages, cells, strict=True):
        m["evidence"]["count"] = cell.text
    return {
        "title": content.get("title", ""), "programme": content.get("programme", ""),
        "introduction": content.get("introduction", ""), "messages": messages,
        "item_count": total.text if total is not None else "0",
        "published": published or {},
    }


def publication_document(publication: MessagePublication) -> dict[str, Any]:
    """A published version as the templates print it, with who published it, when, its hash
    and its withdrawals. Reads ``publication.published_by`` (select it with the row)."""
    who = publication.published_by
    content_hash = publication.content_hash
    info = {
        "number": publication.number, "on": f"{publication.published_at:%-d %B %Y}",
        "by": (who.get_full_name() or who.get_username()) if who else "",
        "hash": content_hash,
        # In groups of eight, so the hash wraps on a phone instead of widening the page.
        "hash_groups": " ".join(content_hash[i:i + 8] for i in range(0, len(content_hash), 8)),
        "withdrawals": [f"An item in this version was withdrawn on "
                        f"{dt.date.fromisoformat(day):%-d %B %Y}: its text has been removed "
                        "from this version and its files." for day in publication.withdrawals],
    }
    return document(publication.content, published=info)


def filename(doc: dict[str, Any], number: int, ext: str) -> str:
    return f"{slugify(doc['programme'])[:60]}-messages-v{number}.{ext}"


def markdown_text(doc: dict[str, Any]) -> str:
    return render_to_string("engagements/messages/document.md", {"doc": doc})


def pdf_bytes(doc: dict[str, Any]) -> bytes:
    """A tagged PDF (PDF/UA-1: structure tree, title, language), through the summaries' fetcher
    that reads our static files and nothing else. WeasyPrint is imported only here."""
    from weasyprint import HTML

    from engagements.summaries.pdf import BASE_URL, static_files_fetcher

    html = render_to_string("engagements/messages/document-pdf.html", {"doc": doc})
    pdf: bytes = HTML(string=html, base_url=BASE_URL,
                      url_fetcher=static_files_fetcher()).write_pdf(pdf_variant="pdf/ua-1")
    return pdf


def _attribution(item: dict[str, Any]) -> str:
    return ", ".join(part for part in (item["role"], item["where"]) if part)


def docx_bytes(doc: dict[str, Any]) -> bytes:
    """Word, with real heading styles (Title, Heading 1, Heading 2), quotes in the Quote style
    and lists in List Bullet: what NHS teams edit and circulate."""
    from docx import Document

    word = Document()
    # Style objects looked up once: by name, python-docx searches every style each time
    # (seconds over 2,000 items).
    quote_style, bullet_style = word.styles["Quote"], word.styles["List Bullet"]
    word.core_properties.title = doc["title"]
    word.core_properties.subject = doc["programme"]
    word.core_properties.language = "en-GB"
    word.core_properties.author = "Fieldbook"
    word.add_heading(doc["title"], level=0)
    word.add_paragraph(doc["programme"])
    if doc["published"]:
        word.add_paragraph(f"Version {doc['published']['number']}, published "
                           f"{doc['published']['on']}.")
        for note in doc["published"].get("withdrawals", []):
            word.add_paragraph(note)
    for paragraph in doc["introduction"].split("\n\n"):
        if paragraph.strip():
            word.add_paragraph(paragraph.strip())
    for message in doc["messages"]:
        word.add_heading(message["heading"], level=1)
        for paragraph in message["argument"].split("\n\n"):
            if paragraph.strip():
                word.add_paragraph(paragraph.strip())
        for quote in message["quotes"]:
            word.add_paragraph(f"“{quote['text']}” — {_attribution(quote)}", style=quote_style)
        evidence = message["evidence"]
        word.add_heading("The learning behind this message", level=2)
        word.add_paragraph(
            f"Items: {evidence['count']}. From: {', '.join(evidence['places'])}. "
            f"When: {', '.join(evidence['periods'])}." if evidence["n"]
            else "No items are selected for this message.")
        for item in message["items"]:
            word.add_paragraph(f"{item['kind']}: {item['text']} ({_attribution(item)}, "
                               f"{item['period']})", style=bullet_style)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
