"""Pages of a place's context, its other support and the CQC asks of its board.

Leads and admins (from the place page): the context record, adding and changing other
support, the board's UEC sponsor, its local protocols, and its checklist (the answers the
place gave, and sending the link to a board member). The programme's support load by region.
The place's own board member: the checklist, through a signed link (``respond_checklist``, the
respondent view's page for that purpose). Leads, admins and enablers: the good-practice library;
adding to it from an engagement they may work on (``measures.reads``: an enabler's own). Every
form works without JavaScript; query counts are asserted in tests/test_context.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from engagements.context import forms as f
from engagements.context import reads, services
from engagements.context.models import LocalProtocol, OtherSupport, PlaceContext, UecSponsor
from engagements.measures.reads import engagement_for_measures
from engagements.models import Engagement, Programme, Theme
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from engagements.respondents.views import answered
from fieldbook.access import role_required
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role
from places.models import DeliveryBoard, Organisation

LEADS = (Role.LEAD, Role.ADMIN)


def _engagement(programme: str, place: str) -> Engagement:
    """The place in the programme (leads and admins see every one). One query."""
    return get_object_or_404(Engagement.objects.select_related("programme", "place__region"),
                             programme__slug=programme, place__slug=place)


def _board(engagement: Engagement) -> DeliveryBoard:
    board = DeliveryBoard.objects.filter(place_id=engagement.place_id).first()
    if board is None:
        raise Http404("This place has no delivery board yet.")
    return board


def _no_board(request: HttpRequest, engagement: Engagement, heading: str) -> HttpResponse:
    """The sponsor, protocols and checklist are the board's: a place with none is told so."""
    return _page(request, "no-board.html", engagement, heading=heading)


def _back(engagement: Engagement, anchor: str = "context") -> str:
    return (reverse("engagements:place", args=[engagement.programme.slug,
                                               engagement.place.slug]) + f"#{anchor}")


def _page(request: HttpRequest, template: str, engagement: Engagement,
          **context: object) -> HttpResponse:
    return render(request, f"engagements/context/{template}", {
        "engagement": engagement, "programme": engagement.programme,
        "place": engagement.place, "back": _back(engagement), **context})


def _stale(form: f.forms.Form, stale: StaleEditError, version: int) -> None:
    """Keep what was typed, say the record changed, and take the saved version as seen (so
    saving again replaces it, knowingly)."""
    data = QueryDict(mutable=True)
    data.update(form.data)
    data["seen"] = str(version)
    form.data = data
    form.add_error(None, str(stale))


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def context_edit(request: AuthenticatedHttpRequest, programme: str,
                 place: str) -> HttpResponse:
    engagement = _engagement(programme, place)
    row = PlaceContext.objects.filter(place_id=engagement.place_id).first()
    form = f.PlaceContextForm(request.POST if request.method == "POST" else None,
                              initial=f.PlaceContextForm.initial_for(row))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.place_context_save(
                actor=request.user, place=engagement.place, seen=d["seen"],
                councils=d["councils"], commissioners=d["commissioners"], icb=d["icb"],
                coterminous=form.coterminous_value(),
                foundation_trust_applications=d["foundation_trust_applications"],
                pressure=d["pressure"], pressure_on=d["pressure_on"], notes=d["notes"])
        except StaleEditError as stale:
            _stale(form, stale, stale.current.version)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved the context of {engagement.place.name}.")
            return redirect(_back(engagement))
    return _page(request, "context-form.html", engagement, form=form, row=row)


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def other_support_add(request: AuthenticatedHttpRequest, programme: str,
                      place: str) -> HttpResponse:
    engagement = _engagement(programme, place)
    form = f.OtherSupportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            added = services.other_support_add(
                actor=request.user, place=engagement.place, name=d["name"], owner=d["owner"],
                focus=d["focus"], started_on=d["started_on"], ended_on=d["ended_on"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Added {added.name} to the other support in "
                                      f"{engagement.place.name}.")
            return redirect(_back(engagement))
    return _page(request, "other-support-form.html", engagement, form=form, support=None)


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def other_support_edit(request: AuthenticatedHttpRequest, programme: str, place: str,
                       pk: int) -> HttpResponse:
    engagement = _engagement(programme, place)
    support = get_object_or_404(OtherSupport, pk=pk, place_id=engagement.place_id)
    form = f.OtherSupportForm(
        request.POST if request.method == "POST" else None,
        initial={"seen": support.version, "name": support.name, "owner": support.owner,
                 "focus": support.focus, "started_on": support.started_on,
                 "ended_on": support.ended_on})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.other_support_change(
                actor=request.user, support=support, seen=d["seen"] or 0, name=d["name"],
                owner=d["owner"], focus=d["focus"], started_on=d["started_on"],
                ended_on=d["ended_on"])
        except StaleEditError as stale:
            _stale(form, stale, stale.current.version)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved {support.name}.")
            return redirect(_back(engagement))
    return _page(request, "other-support-form.html", engagement, form=form, support=support)


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def uec_sponsor(request: AuthenticatedHttpRequest, programme: str,
                place: str) -> HttpResponse:
    engagement = _engagement(programme, place)
    if not DeliveryBoard.objects.filter(place_id=engagement.place_id).exists():
        return _no_board(request, engagement, "Executive sponsor for urgent and emergency care")
    board = _board(engagement)
    row = UecSponsor.objects.filter(board=board).first()
    people = [(p.pk, f"{p.full_name}, {p.role_title} ({p.organisation.name})")
              for p in services.partner_people(board)]
    initial = {"seen": row.version, "person": row.person_id, "since": row.since} if row else {}
    form = f.SponsorForm(request.POST if request.method == "POST" else None, people=people,
                         initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.uec_sponsor_set(actor=request.user, board=board, seen=d["seen"],
                                     person_id=d["person"], since=d["since"])
        except StaleEditError as stale:
            _stale(form, stale, stale.current.version)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Saved the executive sponsor for urgent and emergency "
                                      "care.")
            return redirect(_back(engagement, "uec"))
    return _page(request, "sponsor-form.html", engagement, form=form, board=board)


def _organisations(engagement: Engagement) -> list[tuple[int, str]]:
    return list(Organisation.objects.filter(places=engagement.place_id).order_by("name")
                .values_list("pk", "name"))


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def protocol_add(request: AuthenticatedHttpRequest, programme: str,
                 place: str) -> HttpResponse:
    engagement = _engagement(programme, place)
    if not DeliveryBoard.objects.filter(place_id=engagement.place_id).exists():
        return _no_board(request, engagement, "Add a local protocol")
    board = _board(engagement)
    form = f.ProtocolForm(request.POST if request.method == "POST" else None,
                          organisations=_organisations(engagement))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            added = services.protocol_add(
                actor=request.user, board=board, title=d["title"], covers=d["covers"],
                organisation_ids=d["organisations"], agreed_on=d["agreed_on"],
                review_on=d["review_on"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Added the protocol “{added.title}”.")
            return redirect(_back(engagement, "uec"))
    return _page(request, "protocol-form.html", engagement, form=form, protocol=None)


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def protocol_edit(request: AuthenticatedHttpRequest, programme: str, place: str,
                  pk: int) -> HttpResponse:
    engagement = _engagement(programme, place)
    protocol = get_object_or_404(LocalProtocol.objects.select_related("board"), pk=pk,
                                 board__place_id=engagement.place_id)
    form = f.ProtocolForm(
        request.POST if request.method == "POST" else None,
        organisations=_organisations(engagement),
        initial={"seen": protocol.version, "title": protocol.title, "covers": protocol.covers,
                 "organisations": [o.pk for o in protocol.organisations.all()],
                 "agreed_on": protocol.agreed_on, "review_on": protocol.review_on})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.protocol_change(
                actor=request.user, protocol=protocol, seen=d["seen"] or 0, title=d["title"],
                covers=d["covers"], organisation_ids=d["organisations"],
                agreed_on=d["agreed_on"], review_on=d["review_on"])
        except StaleEditError as stale:
            _stale(form, stale, stale.current.version)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved the protocol “{protocol.title}”.")
            return redirect(_back(engagement, "uec"))
    return _page(request, "protocol-form.html", engagement, form=form, protocol=protocol)


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def uec_checklist(request: AuthenticatedHttpRequest, programme: str,
                  place: str) -> HttpResponse:
    """The board's answers to the checklist (the latest the place gave), and sending the link
    to a board member. 7 queries for the page."""
    engagement = _engagement(programme, place)
    if not DeliveryBoard.objects.filter(place_id=engagement.place_id).exists():
        return _no_board(request, engagement, "Urgent and emergency care checklist")
    board = _board(engagement)
    contacts = [(p.pk, f"{p.full_name}, {p.role_title} ({p.organisation.name})")
                for p in services.checklist_contacts(board)]
    form = f.ChecklistSendForm(request.POST if request.method == "POST" else None,
                               contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            services.uec_checklist_send(
                actor=request.user, board=board, person_id=form.cleaned_data["person"],
                link_for=lambda token: request.build_absolute_uri(
                    reverse("engagements:respond", kwargs={"token": token})))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Sent the checklist to a board member. The link works "
                                      f"once, for {respondents.LINK_DAYS} days.")
            return redirect("engagements:uec-checklist", programme, place)
    answered_row, waiting = reads.latest_checklist(board.pk)
    return _page(request, "checklist.html", engagement, form=form, answered=answered_row,
                 waiting=waiting, rows=reads.checklist_rows(answered_row))


def respond_checklist(request: HttpRequest, link: RespondentLink, token: str) -> HttpResponse:
    """The board member's page: the suggestions, each answered for the board. Called by the
    public respondent view for a valid link; its POST uses the link (once)."""
    row = services.checklist_for_link(link)
    if row is None or row.state != row.State.SENT:
        respondents.attempt_record(request)
        return render(request, "respondents/link-invalid.html", {"state": "revoked"},
                      status=410)
    form = f.ChecklistAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.uec_checklist_answer(token=token, answers=form.answers())
        except respondents.LinkUnusable as gone:
            return render(request, "respondents/link-invalid.html", {"state": gone.state},
                          status=410)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            return answered(request, "answered")
    return render(request, "engagements/context/checklist-respond.html", {
        "form": form, "link": link, "place": row.board.place, "board": row.board})


@require_GET
@role_required(*LEADS)
def support_load(request: AuthenticatedHttpRequest, programme: str) -> HttpResponse:
    """Per region, how many other programmes the places carry at once; places by name; and
    the local protocols due for review. 9 queries (session, user, roles, programme, bands,
    count, page, names, reviews)."""
    prog = get_object_or_404(Programme, slug=programme)
    today = timezone.localdate()
    regions, page = reads.support_load(prog, today, request.GET.get("page"))
    return render(request, "engagements/context/support-load.html", {
        "programme": prog, "regions": regions, "page": page, "bands": reads.LOAD_BANDS,
        "today": today, "reviews": reads.reviews_due(prog, today)})


@require_GET
@role_required(Role.ENABLER, Role.LEAD, Role.ADMIN)
def good_practice_library(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Good practice across places, searchable by words, kind and theme."""
    themes = list(Theme.objects.filter(is_active=True).order_by("name")
                  .values_list("slug", "name"))
    form = f.LibraryFilterForm(request.GET or None, themes=themes)
    values = form.values()
    page, items = reads.library(text=values["q"], kind=values["kind"], theme=values["theme"],
                                page_number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "engagements/context/library.html", {
        "form": form, "page": page, "items": items, "values": values,
        "query": query.urlencode(), "filtered": any(values.values())})


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER, Role.LEAD, Role.ADMIN)
def good_practice_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """Add good practice seen in an engagement's place: its own enablers, leads and admins."""
    engagement = engagement_for_measures(request.user, pk)
    form = f.GoodPracticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            added = services.good_practice_add(
                actor=request.user, place=engagement.place, title=d["title"], kind=d["kind"],
                description=d["description"], themes=d["themes"],
                attributed_role=d["attributed_role"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Added “{added.title}” to the good-practice library.")
            return redirect("engagements:good-practice")
    return render(request, "engagements/context/good-practice-form.html", {
        "form": form, "engagement": engagement, "place": engagement.place})
