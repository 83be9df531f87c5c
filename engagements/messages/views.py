"""The messages pipeline's pages.

Enablers: their shared, consented learning with what became of each nomination (the feedback
loop), and a page to nominate one item. Leads and admins: a programme's collection (messages,
nominations awaiting a decision, published versions), forms to write a message and to decide on
a nomination, publishing, and the published versions as HTML, PDF, Markdown and Word. Both: the
quote bank. Every page works as plain GET/POST; counts of queries are fixed (tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enablers.models import Enabler
from engagements.attribution import Attribution, attribute, place_facts, role_group_q
from engagements.messages import document as doc
from engagements.messages import services
from engagements.messages.forms import (
    CollectionForm,
    DecisionForm,
    MessageForm,
    MoveForm,
    NominateForm,
    PublishForm,
    QuoteBankFilterForm,
)
from engagements.messages.models import (
    Message,
    MessageCollection,
    MessagePublication,
    Nomination,
)
from engagements.models import Engagement, LearningItem, Programme, Theme
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role, user_roles

PER_PAGE = 25
FORMATS = {"pdf": "application/pdf", "md": "text/markdown; charset=utf-8",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def get_enabler_for(request: AuthenticatedHttpRequest) -> Enabler:
    try:
        return request.user.enabler
    except Enabler.DoesNotExist:
        raise Http404("No enabler profile for this account.") from None


def get_collection_for(slug: str) -> MessageCollection:
    """The programme's collection (made on first sight). Leads and admins may open any
    programme's: leads are the central team. Two queries."""
    programme = get_object_or_404(Programme, slug=slug)
    collection = services.collection_for(programme)
    collection.programme = programme
    return collection


def _posted(request: AuthenticatedHttpRequest) -> QueryDict | None:
    """The posted data (even empty: an empty form is judged, not shown as new)."""
    return request.POST if request.method == "POST" else None


def _page_query(request: AuthenticatedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@dataclass
class Row:
    """An item with what a page prints about it: its published attribution (``shown``, None
    without a role), where it is from as published, and its state in the collection."""

    item: LearningItem
    shown: Attribution | None
    where: str
    nomination: Nomination | None = None
    nominated: bool = False
    can_nominate: bool = False


def rows_for(items: list[LearningItem]) -> list[Row]:
    """Each item's published attribution. Three queries for the page, whatever its length."""
    facts = place_facts({i.session.engagement.place_id for i in items})
    rows = []
    for item in items:
        place = facts[item.session.engagement.place_id]
        shown = attribute(item.attributed_role, place) if item.attributed_role else None
        rows.append(Row(item=item, shown=shown, where=shown.where if shown else place.place))
    return rows


# ---- enablers -------------------------------------------------------------------------------

@require_GET
@role_required(Role.ENABLER)
def my_nominations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The enabler's shared, consented learning from the places they work on now, and what
    became of each nomination. Queries: profile, count, page, nominations of the page."""
    enabler = get_enabler_for(request)
    items = (services.eligible_items()
             .filter(session__engagement__in=Engagement.objects.assigned_to(enabler))
             .select_related("session__engagement__place", "session__engagement__programme")
             .only("pk", "kind", "text", "attributed_role", "session__date",
                   "session__engagement__place__name", "session__engagement__programme__name",
                   "session__engagement__programme__slug")
             .order_by("-session__date", "-pk"))
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    nominations = {
        n.item_id: n for n in Nomination.objects.filter(item__in=[i.pk for i in page])
        .select_related("message").only("item_id", "status", "reason", "note",
                                         "message__heading", "nominated_by_id")
    }
    rows = rows_for(list(page))
    for row in rows:
        row.nomination = nominations.get(row.item.pk)
    return render(request, "engagements/messages/my-nominations.html",
                  {"page": page, "rows": rows, "query": _page_query(request)})


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def nominate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enabler = get_enabler_for(request)
    item = (services.eligible_items()
            .filter(pk=pk, session__engagement__in=Engagement.objects.assigned_to(enabler))
            .select_related("session__engagement__place", "session__engagement__programme")
            .only("pk", "kind", "text", "attributed_role", "session__date",
                  "session__engagement__place__name", "session__engagement__programme__name")
            .first())
    if item is None:
        raise Http404("Learning item not found.")
    form = NominateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_create(enabler=enabler, item_id=item.pk,
                                       note=form.cleaned_data["note"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, "Nominated for the messages for national leaders. You will "
                          "see here what the programme lead decides, and why.")
            return redirect("engagements:messages-mine")
    return render(request, "engagements/messages/nominate.html", {"item": item, "form": form})


# ---- leads ----------------------------------------------------------------------------------

def _collection_context(collection: MessageCollection) -> dict[str, Any]:
    """Messages with their selected items, nominations awaiting a decision, and the published
    versions. Queries: messages, nominations (with items), places (three), publications."""
    nominations = list(
        Nomination.objects.filter(collection=collection)
        .exclude(status=Nomination.Status.WITHDRAWN)
        .select_related("item__session__engagement__place")
        .only("pk", "status", "reason", "note", "message_id", "supporting_quote", "item__kind",
              "item__text", "item__attributed_role", "item__session__date",
              "item__session__engagement__place__name",
              "item__session__engagement__place_id")
        .order_by("created_at", "pk"))
    rows = rows_for([n.item for n in nominations])
    for row, n in zip(rows, nominations, strict=True):
        row.nomination = n
    by_message: dict[int, list[Row]] = {}
    for row in rows:
        if row.nomination and row.nomination.message_id:
            by_message.setdefault(row.nomination.message_id, []).append(row)
    message_list = [(m, by_message.get(m.pk, []))
                    for m in Message.objects.filter(collection=collection)]
    status = Nomination.Status
    return {
        "collection": collection, "programme": collection.programme,
        "message_list": message_list,
        "waiting": [r for r in rows if r.nomination and r.nomination.status == status.NOMINATED],
        "left_out": [r for r in rows if r.nomination and r.nomination.status == status.LEFT_OUT],
        "publications": list(MessagePublication.objects.filter(collection=collection)
                             .select_related("published_by")
                             .only("number", "published_at", "content_hash", "withdrawals",
                                   "published_by__first_name", "published_by__last_name",
                                   "published_by__username", "collection_id")),
        "publish_form": PublishForm(initial={"version": collection.version}),
    }


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def collection(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    found = get_collection_for(programme)
    return render(request, "engagements/messages/collection.html", _collection_context(found))


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def collection_edit(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    """The document's title and introduction."""
    found = get_collection_for(programme)
    form = CollectionForm(_posted(request), initial={"title": found.title,
                                                     "introduction": found.introduction})
    if request.method == "POST" and form.is_valid():
        try:
            services.collection_update(actor=request.user, collection=found,
                                       title=form.cleaned_data["title"],
                                       introduction=form.cleaned_data["introduction"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, "The title and introduction were saved.")
            return redirect("engagements:messages", programme=found.programme.slug)
    return render(request, "engagements/messages/collection-form.html",
                  {"form": form, "collection": found, "programme": found.programme})


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def message_edit(request: AuthenticatedHttpRequest, programme: str,
                 pk: int | None = None) -> HttpResponse:
    found = get_collection_for(programme)
    message = get_object_or_404(Message, pk=pk, collection=found) if pk else None
    initial = {"heading": message.heading, "argument": message.argument} if message else None
    form = MessageForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_save(actor=request.user, collection=found, message=message,
                                  heading=form.cleaned_data["heading"],
                                  argument=form.cleaned_data["argument"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, "The message was saved.")
            return redirect("engagements:messages", programme=found.programme.slug)
    return render(request, "engagements/messages/message-form.html",
                  {"form": form, "collection": found, "programme": found.programme,
                   "message": message})


@require_POST
@role_required(Role.LEAD, Role.ADMIN)
def message_move(request: AuthenticatedHttpRequest, programme: str, pk: int) -> HttpResponse:
    """Move a message one place up or down the document (the buttons beside each heading)."""
    found = get_collection_for(programme)
    message = get_object_or_404(Message, pk=pk, collection=found)
    form = MoveForm(request.POST)
    back = reverse("engagements:messages", args=[found.programme.slug]) + f"#message-{pk}"
    if not form.is_valid():
        flash.error(request, "Move a message with the buttons beside its heading.")
        return redirect(back)
    try:
        services.message_move(actor=request.user, collection=found, message=message,
                              direction=form.cleaned_data["direction"],
                              version=form.cleaned_data["version"])
    except DomainError as error:
        flash.error(request, error.messages[0])
    else:
        flash.success(request, f"“{message.heading}” was moved "
                      f"{form.cleaned_data['direction']}.")
    return redirect(back)


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def nomination_decide(request: AuthenticatedHttpRequest, programme: str,
                      pk: int) -> HttpResponse:
    found = get_collection_for(programme)
    # Named columns: a session row holds its private notes (sealed), never read here.
    nomination = get_object_or_404(
        Nomination.objects.select_related("item__session__engagement", "message")
        .exclude(status=Nomination.Status.WITHDRAWN)
        .only("pk", "collection_id", "status", "reason", "note", "supporting_quote",
              "decided_by_id", "decided_at", "updated_at", "created_at", "nominated_by_id",
              "message__heading", "message__collection_id", "item__kind", "item__text",
              "item__attributed_role", "item__session__date",
              "item__session__engagement__place_id"),
        pk=pk, collection=found)
    row = rows_for([nomination.item])[0]
    choices = Message.objects.filter(collection=found)
    initial = None
    if nomination.status != Nomination.Status.NOMINATED:
        initial = {"decision": "select" if nomination.message_id else "leave_out",
                   "message": nomination.message_id, "reason": nomination.reason,
                   "supporting_quote": nomination.supporting_quote}
    form = DecisionForm(_posted(request), messages=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_decide(
                actor=request.user, nomination=nomination, selected=form.selected,
                message=form.cleaned_data["message"], reason=form.cleaned_data["reason"],
                supporting_quote=form.cleaned_data["supporting_quote"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, "Your decision was saved. The enabler who nominated the item "
                          "sees it, with your reason.")
            return redirect("engagements:messages", programme=found.programme.slug)
    return render(request, "engagements/messages/decide.html",
                  {"form": form, "collection": found, "programme": found.programme,
                   "nomination": nomination, "item": nomination.item, "row": row,
                   "has_messages": choices.exists()})


@require_POST
@role_required(Role.LEAD, Role.ADMIN)
def add_from_bank(request: AuthenticatedHttpRequest, programme: str, item: int) -> HttpResponse:
    """From the quote bank: take an item into the collection, then decide on it."""
    found = get_collection_for(programme)
    try:
        nomination = services.nomination_add_by_lead(actor=request.user, collection=found,
                                                     item_id=item)
    except DomainError as error:
        flash.error(request, error.messages[0])
        return redirect("engagements:quote-bank")
    return redirect("engagements:messages-decide", programme=found.programme.slug,
                    pk=nomination.pk)


@require_POST
@role_required(Role.LEAD, Role.ADMIN)
def publish(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    found = get_collection_for(programme)
    form = PublishForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Publish from the collection's page.")
        return redirect("engagements:messages", programme=found.programme.slug)
    try:
        publication = services.collection_publish(
            actor=request.user, collection=found, version=form.cleaned_data["version"])
    except DomainError as error:
        found.refresh_from_db()
        context = _collection_context(found)
        context["publish_error"] = error.messages[0]
        return render(request, "engagements/messages/collection.html", context, status=409
                      if "changed" in error.messages[0] else 400)
    flash.success(request, f"Version {publication.number} was published.")
    return redirect("engagements:messages-published", programme=found.programme.slug,
                    number=publication.number)


def _published(slug: str, number: int, *, with_pdf: bool = False
               ) -> tuple[MessagePublication, dict[str, Any]]:
    """A published version of the programme's collection, or 404; its PDF's bytes are loaded
    only for the PDF download."""
    publications = MessagePublication.objects.select_related(
        "collection__programme", "published_by")
    if not with_pdf:
        publications = publications.defer("pdf")
    publication = get_object_or_404(publications, collection__programme__slug=slug,
                                    number=number)
    return publication, doc.publication_document(publication)


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def published(request: AuthenticatedHttpRequest, programme: str, number: int) -> HttpResponse:
    publication, document = _published(programme, number)
    return render(request, "engagements/messages/published.html",
                  {"doc": document, "publication": publication,
                   "programme": publication.collection.programme})


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def published_download(request: AuthenticatedHttpRequest, programme: str, number: int,
                       fmt: str) -> HttpResponse:
    """The published version as a file, printed from its stored content (so a withdrawn
    item's text is in no file). The PDF is the one the task stored; Word and Markdown are
    made here (2,000 items: Word in about 2.5 s)."""
    if fmt not in FORMATS:
        raise Http404("No such format.")
    publication, document = _published(programme, number, with_pdf=fmt == "pdf")
    if fmt == "pdf":
        if publication.pdf is None:
            # Rendered by a task after publishing (or after a withdrawal took text out). Asking
            # queues it again only if that task looks lost (the sweep would, too).
            services.publication_pdf_requeue_if_lost(publication.pk)
            publication.refresh_from_db(fields=["pdf_attempts"])
            if services.publication_pdf_failed(publication):
                flash.error(request, "The PDF of this version could not be made. The version "
                            "below, its Word and Markdown files are ready; an administrator "
                            "has the error in the job log.")
            else:
                flash.info(request, "The PDF of this version is being prepared. Try again in "
                           "a minute; the version below, its Word and Markdown files are ready "
                           "now.")
            return redirect("engagements:messages-published", programme=programme,
                            number=number)
        body = bytes(publication.pdf)
    elif fmt == "docx":
        body = doc.docx_bytes(document)
    else:
        body = doc.markdown_text(document).encode("utf-8")
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{doc.filename(document, number, fmt)}"')
    return response


# ---- the quote bank -------------------------------------------------------------------------

def _bank_items(filters: QuoteBankFilterForm) -> Any:
    items = services.eligible_items().select_related(
        "session__engagement__place__region", "session__engagement__programme")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["theme"]:
            items = items.filter(themes=data["theme"])
        if data["kind"]:
            items = items.filter(kind=data["kind"])
        if data["role"]:
            items = items.filter(role_group_q(data["role"]))
        if data["region"]:
            items = items.filter(session__engagement__place__region=data["region"])
        if data["programme"]:
            items = items.filter(session__engagement__programme=data["programme"])
        if data["since"]:
            items = items.filter(session__date__gte=data["since"])
        if data["until"]:
            items = items.filter(session__date__lte=data["until"])
    return items.only(
        "pk", "kind", "text", "attributed_role", "session__date",
        "session__engagement__place__name", "session__engagement__place__region__name",
        "session__engagement__programme__name", "session__engagement__programme__slug",
        "session__engagement_id",
    ).prefetch_related(Prefetch("themes", queryset=Theme.objects.only("pk", "name")))\
        .order_by("-session__date", "-pk")


@require_GET
@role_required(Role.ENABLER, Role.LEAD, Role.ADMIN)
def quote_bank(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Consented, shareable learning across places, filtered (GET), 25 a page. Queries: the
    filters' choices (themes, regions, programmes), count, page, themes, places (three),
    nominations of the page, and for an enabler their engagements."""
    filters = QuoteBankFilterForm(request.GET or None)
    page = Paginator(_bank_items(filters), PER_PAGE).get_page(request.GET.get("page"))
    items = list(page)
    rows = rows_for(items)
    nominated = set(Nomination.objects.filter(item__in=[i.pk for i in items])
                    .exclude(status=Nomination.Status.WITHDRAWN)
                    .values_list("item_id", flat=True))
    roles = user_roles(request.user)
    is_lead = bool(roles & {Role.LEAD, Role.ADMIN})
    mine: set[int] = set()
    if Role.ENABLER in roles and hasattr(request.user, "enabler"):
        mine = set(Engagement.objects.assigned_to(request.user.enabler)
                   .filter(pk__in={i.session.engagement_id for i in items})
                   .values_list("pk", flat=True))
    for row in rows:
        row.nominated = row.item.pk in nominated
        row.can_nominate = row.item.session.engagement_id in mine and not row.nominated
    return render(request, "engagements/messages/quote-bank.html", {
        "filters": filters, "page": page, "rows": rows, "query": _page_query(request),
        "is_lead": is_lead,
        "filtered": any(request.GET.get(k) for k in filters.fields),
    })

