"""Subject access's pages. The DPO's: people search and requests (their start page), a person's
index, a request (its pack, its log, the break-glass search). An Admin's: the searches awaiting
a decision, and deciding one. An enabler's: clarifying one of their own notes.

The DPO's pages are ``role_required(Role.DPO)`` only: an Admin, a lead or an enabler gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.models import Session
from engagements.notes import clarification_open, notes_of_someone_else, notes_read
from engagements.subjects import reads, services
from engagements.subjects.forms import (
    ClarificationForm,
    CompileForm,
    NoteSearchAskForm,
    NoteSearchDecideForm,
    PeopleSearchForm,
    RequestLogForm,
)
from engagements.subjects.models import NoteSearch, SubjectAccessRequest
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role
from fieldbook.security import private_notes

PER_PAGE = 25


def _request_or_404(pk: int) -> SubjectAccessRequest:
    found = reads.request_for_dpo(pk)
    if found is None:
        raise Http404("No such request.")
    return found


@require_GET
@role_required(Role.DPO)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """People search and every request, soonest due first. Four queries at most."""
    form = PeopleSearchForm(request.GET or None)
    people = reads.people_search(form.cleaned_data["q"]) if form.is_valid() else []
    page = Paginator(reads.requests_open(), PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page:
        item.days_left = (item.due_on - today).days
    return render(request, "engagements/subjects/home.html", {
        "form": form, "people": people, "searched": form.is_bound and form.is_valid()
        and bool(form.cleaned_data["q"].strip()), "page": page,
    })


# The person page lists this many of their latest sessions (and diagnostics); the pack has all.
SHOWN = 50


@require_http_methods(["GET", "POST"])
@role_required(Role.DPO)
def person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A person's index, grouped by kind, and the form to log their request."""
    found = reads.person_for_dpo(pk)
    if found is None:
        raise Http404("No such person.")
    form = RequestLogForm(request.POST if request.method == "POST" else None,
                          initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            logged = services.sar_log(actor=request.user, person=found,
                                      received_on=form.cleaned_data["received_on"],
                                      how_received=form.cleaned_data["how_received"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"Request logged. It is due on {logged.due_on:%-d %B %Y}.")
            return redirect("engagements:subject-request", pk=logged.pk)
    index = reads.person_index(found, shown=SHOWN)
    return render(request, "engagements/subjects/person.html", {
        "person": found, "index": index, "form": form, "shown": SHOWN,
        "requests": found.subject_access_requests.order_by("-received_on", "-pk")[:20],
    })


def _request_page(request: AuthenticatedHttpRequest, sar: SubjectAccessRequest, *,
                  compile_form: CompileForm | None = None,
                  ask_form: NoteSearchAskForm | None = None, status: int = 200) -> HttpResponse:
    searches = list(sar.note_searches.select_related("asked_by", "decided_by"))
    return render(request, "engagements/subjects/request.html", {
        "sar": sar, "days_left": (sar.due_on - timezone.localdate()).days,
        "compile_form": compile_form or CompileForm(initial={"version": sar.version}),
        "ask_form": ask_form or NoteSearchAskForm(), "searches": searches,
        "approved": next((s for s in searches if s.status == NoteSearch.Status.APPROVED), None),
        "open_search": any(s.status in (NoteSearch.Status.ASKED, NoteSearch.Status.APPROVED)
                           for s in searches),
        "has_pack": sar.status == SubjectAccessRequest.Status.READY,
        "compiling": sar.status == SubjectAccessRequest.Status.COMPILING
        and not services.compile_looks_lost(sar),
    }, status=status)


@require_GET
@role_required(Role.DPO)
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _request_page(request, _request_or_404(pk))


@require_POST
@role_required(Role.DPO)
def request_compile(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    sar = _request_or_404(pk)
    form = CompileForm(request.POST)
    if form.is_valid():
        try:
            services.sar_compile(actor=request.user, request=sar,
                                 version=form.cleaned_data["version"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "The pack is being compiled. This page shows it when it "
                                      "is ready.")
            return redirect("engagements:subject-request", pk=sar.pk)
    return _request_page(request, sar, compile_form=form)


@require_GET
@private_notes
@role_required(Role.DPO)
def request_pack(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("pdf", "json"):
        raise Http404("No such format.")
    sar = _request_or_404(pk)
    data = services.sar_pack_read(actor=request.user, request=sar, fmt=fmt)
    if data is None:
        raise Http404("The pack has not been compiled yet.")
    content_type = "application/pdf" if fmt == "pdf" else "application/json"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="subject-access-{sar.pk}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(Role.DPO)
def note_search_ask(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    sar = _request_or_404(pk)
    form = NoteSearchAskForm(request.POST)
    if form.is_valid():
        try:
            services.note_search_ask(actor=request.user, request=sar,
                                     reason=form.cleaned_data["reason"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Asked. An Admin other than you must approve the search "
                                      "before any note is opened.")
            return redirect("engagements:subject-request", pk=sar.pk)
    return _request_page(request, sar, ask_form=form)


@require_GET
@private_notes
@role_required(Role.DPO)
def note_search_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The notes that name the person: only after a second person approved the search."""
    sar = _request_or_404(pk)
    search = reads.search_approved(sar)
    if search is None:
        raise Http404("No approved search of the private notes for this request.")
    matched = services.note_search_results(actor=request.user, request=sar, search=search)
    return render(request, "engagements/subjects/notes.html", {
        "sar": sar, "search": search, "matched": matched,
        "exemption": services.packs.CONFIDENCE_EXEMPTION,
    })


@require_GET
@role_required(Role.ADMIN)
def approvals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Searches of the private notes awaiting a decision. The Admin sees who asked and why,
    never a note."""
    waiting = (NoteSearch.objects.filter(status=NoteSearch.Status.ASKED)
               .select_related("asked_by", "request").order_by("created_at"))
    page = Paginator(waiting, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "engagements/subjects/approvals.html", {"page": page})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def approval_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    search = (NoteSearch.objects.select_related("asked_by", "decided_by", "request")
              .filter(pk=pk).first())
    if search is None:
        raise Http404("No such search.")
    form = NoteSearchDecideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_search_decide(actor=request.user, search=search,
                                        approve=form.cleaned_data["decision"] == "approve",
                                        note=form.cleaned_data["note"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("engagements:subject-approvals")
    return render(request, "engagements/subjects/approval.html", {
        "search": search, "form": form, "own": search.asked_by_id == request.user.pk,
    })


@require_http_methods(["GET", "POST"])
@private_notes(someone_elses=notes_of_someone_else)
@role_required(Role.ENABLER)
def note_clarify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An enabler's own note and its clarifications; add one. Anyone else's note is 404."""
    session = (Session.objects.filter(pk=pk, notes_author_id=request.user.pk)
               .select_related("engagement__place").prefetch_related("note_clarifications")
               .first())
    if session is None:
        raise Http404("Session not found.")
    form = ClarificationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.clarification_add(actor=request.user, session=session,
                                       text=form.cleaned_data["text"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Clarification added beside the note.")
            return redirect("engagements:note-clarify", pk=session.pk)
    clarifications = [(c.created_at, clarification_open(c.text_sealed, author_id=c.author_id))
                      for c in session.note_clarifications.all()]
    return render(request, "engagements/subjects/clarify.html", {
        "session": session, "notes": notes_read(session, reader=request.user) or "",
        "clarifications": clarifications, "form": form,
    })
