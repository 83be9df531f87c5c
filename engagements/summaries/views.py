"""Learning summaries for programme leads and admins: ask for one, watch it compile, read it,
download it as PDF or Markdown, and find past ones.

Every page works as plain GET/POST. With htmx the status panel polls every two seconds while a
summary is queued or compiling; the server answers 204 (nothing to swap) until the status
changes, and the panel it sends for "ready" or "failed" no longer polls.

A ready summary is readable before its PDF exists (a task of its own renders it): the page says
the PDF is being prepared (with htmx, its actions poll every five seconds the same way), and the
PDF link sends anyone who follows it early back to the page with a message. Nothing renders a PDF
inside a web request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from engagements.disclosure import count_text
from engagements.models import LearningSummary, Programme
from engagements.summaries.document import (
    SINGULAR,
    summary_document,
    summary_filename,
    summary_markdown_text,
)
from engagements.summaries.forms import (
    ProgrammeChoiceForm,
    SummaryFilterForm,
    SummaryItemHideForm,
    SummaryLockForm,
    SummaryRequestForm,
    SummaryReviewForm,
    SummaryUnlockForm,
)
from engagements.summaries.review import (
    sessions_changed_since_lock,
    summary_item_hide,
    summary_item_show,
    summary_lock,
    summary_review_save,
    summary_unlock,
)
from engagements.summaries.schedule import summary_schedule
from engagements.summaries.services import summary_recompile, summary_request
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.jobs import jobs_available
from fieldbook.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PER_PAGE = 20
Status = LearningSummary.Status


def get_summary_for(user: User, pk: int, *, with_pdf: bool = False) -> LearningSummary:
    """A summary the user may read, or 404. Leads and admins read every programme's summaries
    (they hold only anonymised, shareable learning); the role check is the view's decorator.
    The stored PDF's bytes are loaded only for the PDF download."""
    summaries = LearningSummary.objects.select_related("programme", "region", "place",
                                                       "locked_by")
    if not with_pdf:
        summaries = summaries.defer("pdf")
    summary = summaries.filter(pk=pk).first()
    if summary is None:
        raise Http404("Summary not found.")
    return summary


def _programme_or_none(raw: str | None) -> Programme | None:
    if not raw or not raw.isdigit():
        return None
    return Programme.objects.filter(pk=int(raw)).first()


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def summary_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    programmes = Programme.objects.order_by("name")
    filters = SummaryFilterForm(request.GET or None, programmes=programmes)
    summaries: QuerySet[LearningSummary] = LearningSummary.objects.select_related(
        "programme", "region", "place"
    ).defer("content", "pdf").order_by("-period_end", "-period_start", "scope_key")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["programme"]:
            summaries = summaries.filter(programme=data["programme"])
        for name in ("scope", "period", "status"):
            if data[name]:
                summaries = summaries.filter(**{name: data[name]})
    page = Paginator(summaries, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "engagements/summary-list.html", {
        "filters": filters, "page": page, "query": query.urlencode(),
        # Two queries: when each cadence last ran, and how its summaries stand.
        "schedule": summary_schedule(),
        "filtered": any(request.GET.get(k) for k in ("programme", "scope", "period", "status")),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def summary_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    programme = _programme_or_none(source.get("programme"))
    if programme is None:
        choose = ProgrammeChoiceForm(request.GET if "programme" in request.GET else None)
        return render(request, "engagements/summary-request-programme.html", {"form": choose})

    if request.method == "POST":
        form = SummaryRequestForm(request.POST, programme=programme, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                summary, created = summary_request(
                    requested_by=request.user, scope=data["scope"], programme=programme,
                    region=data.get("region"), place=data.get("place"),
                    period=data["period_value"], today=today,
                )
            except DomainError as error:
                errors_to_form(form, error)
            else:
                if not created and summary.locked_at is not None:
                    messages.info(request, "This summary had already been asked for and is "
                                  "locked: you are seeing it as it was locked.")
                elif not created:
                    messages.info(request, "This summary had already been asked for. "
                                  "You are seeing that one; it has been compiled again if it "
                                  "was ready or had failed.")
                return redirect("engagements:summary-detail", pk=summary.pk)
    else:
        form = SummaryRequestForm(initial=SummaryRequestForm.initial_for(today),
                                  programme=programme, today=today)
    return render(request, "engagements/summary-request.html", {
        "form": form, "programme": programme,
    })


def _status_context(summary: LearningSummary) -> dict[str, Any]:
    """A queued summary's page says whether the job service is there to compile it (one quick
    check of the broker, remembered a few seconds)."""
    return {"summary": summary, "polling": summary.status in (Status.QUEUED, Status.COMPILING),
            "jobs_available": summary.status != Status.QUEUED or jobs_available()}


@require_GET
@vary_on_headers("HX-Request")
@role_required(Role.LEAD, Role.ADMIN)
def summary_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    summary = get_summary_for(request.user, pk)
    if request.htmx and "pdf" in request.GET:
        # The actions of a ready summary, polling while its PDF is prepared: 204 until the PDF's
        # state moves on. Compiled again meanwhile: the whole page is out of date.
        if summary.status != Status.READY or not summary.content:
            return HttpResponseClientRefresh()
        if request.GET["pdf"] == summary.pdf_state:
            return HttpResponse(status=204)
        return render(request, "engagements/summary.html#summary-actions", {"summary": summary})
    if request.htmx:
        # The polling panel: 204 (htmx swaps nothing) until the status moves on.
        if request.GET.get("seen") == summary.status:
            return HttpResponse(status=204)
        return render(request, "engagements/summary-status.html#summary-status",
                      _status_context(summary))
    if summary.status == Status.READY and summary.content:
        return render(request, "engagements/summary.html", {
            "doc": summary_document(summary), "summary": summary,
            # One query, for a locked summary only: sessions written since it was locked.
            "changed_since_lock": count_text(sessions_changed_since_lock(summary))
            if summary.locked_at else "",
        })
    return render(request, "engagements/summary-status.html", _status_context(summary))


@require_POST
@vary_on_headers("HX-Request")
@role_required(Role.LEAD, Role.ADMIN)
def summary_compile_again(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Try again (failed), or compile again with the latest data (ready)."""
    summary = get_summary_for(request.user, pk)
    if summary.locked_at is not None:
        messages.warning(request, "This summary is locked, so it is not compiled again. "
                         "Unlock it (with a reason) first if it must change.")
        return redirect("engagements:summary-detail", pk=summary.pk)
    summary_recompile(requested_by=request.user, summary=summary)
    # Eagerly (no broker configured) it may already be compiled: show where it is now.
    summary.refresh_from_db(fields=["status", "error", "compiled_at"])
    if request.htmx:
        return render(request, "engagements/summary-status.html#summary-status",
                      _status_context(summary))
    return redirect("engagements:summary-detail", pk=summary.pk)


def _ready_or_404(request: AuthenticatedHttpRequest, pk: int, *,
                  with_pdf: bool = False) -> LearningSummary:
    summary = get_summary_for(request.user, pk, with_pdf=with_pdf)
    if summary.status != Status.READY or not summary.content:
        raise Http404("This summary is not ready yet.")
    return summary


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def summary_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The stored PDF. Rendering one takes seconds, so this view never does: before the task has
    stored it (or if it could not), back to the summary page, which says where the PDF is."""
    summary = _ready_or_404(request, pk, with_pdf=True)
    state = summary.pdf_state
    if state != "stored" or summary.pdf is None:
        if state == "failed":
            messages.warning(request, "The PDF of this summary could not be made. The summary "
                             "below and its Markdown download are complete.")
        else:
            messages.info(request, "The PDF of this summary is being prepared. Refresh this "
                          "page in a minute; the summary below is ready to read now.")
        return redirect("engagements:summary-detail", pk=summary.pk)
    response = HttpResponse(bytes(summary.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{summary_filename(summary, "pdf")}"'
    return response


@require_GET
@role_required(Role.LEAD, Role.ADMIN)
def summary_markdown(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    summary = _ready_or_404(request, pk)
    response = HttpResponse(summary_markdown_text(summary),
                            content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{summary_filename(summary, "md")}"'
    return response


# ---- review, then lock --------------------------------------------------------------------------

def _review_items(summary: LearningSummary) -> list[dict[str, Any]]:
    """Every item of learning in the content, with whether the lead hid it and why."""
    hidden = {str(k): v for k, v in (summary.hidden_items or {}).items()}
    counters: dict[str, int] = {}
    rows = []
    for item in summary.content.get("learning", {}).get("items", []):
        counters[item["kind"]] = counters.get(item["kind"], 0) + 1
        rows.append({**item, "hidden_reason": hidden.get(str(item.get("id")), ""),
                     "is_hidden": str(item.get("id")) in hidden,
                     "label": f"{SINGULAR.get(item['kind'], 'Item')} {counters[item['kind']]}"})
    return rows


def _review_page(request: AuthenticatedHttpRequest, summary: LearningSummary, *,
                 error_form: Any = None, error_item: int | None = None,
                 **bound: Any) -> HttpResponse:
    ready = summary.status == Status.READY and bool(summary.content)
    version = {"version": summary.review_version}
    items = _review_items(summary) if ready else []
    for item in items:
        prefix = f"item-{item.get('id')}"
        item["form"] = (bound["hide_form"] if error_item == item.get("id")
                        else SummaryItemHideForm(prefix=prefix, initial=version))
    return render(request, "engagements/summary-review.html", {
        "summary": summary, "ready": ready, "items": items,
        "doc": summary_document(summary) if ready else None,
        "review_form": bound.get("review_form") or SummaryReviewForm(
            initial=SummaryReviewForm.initial_for(summary)),
        "lock_form": bound.get("lock_form") or SummaryLockForm(initial=version),
        "unlock_form": bound.get("unlock_form") or SummaryUnlockForm(initial=version),
        "error_form": error_form,
        "changed_since_lock": count_text(sessions_changed_since_lock(summary))
        if summary.locked_at else "",
    })


def _version_of(form: Any) -> int:
    return int(form.cleaned_data["version"])


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def summary_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Review a ready summary: its introduction and the order of its sections."""
    summary = get_summary_for(request.user, pk)
    if request.method != "POST":
        return _review_page(request, summary)
    form = SummaryReviewForm(request.POST)
    if form.is_valid():
        try:
            summary_review_save(summary=summary, by=request.user, version=_version_of(form),
                                introduction=form.cleaned_data["introduction"],
                                order=form.order)
        except DomainError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Your review is saved.")
            return redirect("engagements:summary-review", pk=summary.pk)
    return _review_page(request, summary, review_form=form, error_form=form)


@require_POST
@role_required(Role.LEAD, Role.ADMIN)
def summary_review_item(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Hide one item of learning from the summary, with a reason, or show it again."""
    summary = get_summary_for(request.user, pk)
    raw = request.POST.get("item", "")
    item_id = int(raw) if raw.isdigit() else None
    form = SummaryItemHideForm(request.POST, prefix=f"item-{item_id}")
    if request.POST.get("action") == "show":
        form.fields["reason"].required = False  # showing an item again needs no reason
    if item_id is None:
        form.is_valid()
        form.add_error(None, "Choose an item of learning to hide or show")
        return _review_page(request, summary, error_form=form)
    if form.is_valid():
        try:
            if request.POST.get("action") == "show":
                summary_item_show(summary=summary, by=request.user,
                                  version=_version_of(form), item_id=item_id)
            else:
                summary_item_hide(summary=summary, by=request.user, version=_version_of(form),
                                  item_id=item_id, reason=form.cleaned_data["reason"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            return redirect(f"{reverse('engagements:summary-review', args=[summary.pk])}"
                            f"#item-{item_id}")
    return _review_page(request, summary, hide_form=form, error_form=form,
                        error_item=item_id)


@require_POST
@role_required(Role.LEAD, Role.ADMIN)
def summary_lock_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    summary = get_summary_for(request.user, pk)
    form = SummaryLockForm(request.POST)
    if form.is_valid():
        try:
            summary_lock(summary=summary, by=request.user, version=_version_of(form))
        except DomainError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "The summary is locked: its content, figures and files "
                             "will no longer change.")
            return redirect("engagements:summary-detail", pk=summary.pk)
    return _review_page(request, summary, lock_form=form, error_form=form)


@require_POST
@role_required(Role.LEAD, Role.ADMIN)
def summary_unlock_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    summary = get_summary_for(request.user, pk)
    form = SummaryUnlockForm(request.POST)
    if form.is_valid():
        try:
            summary_unlock(summary=summary, by=request.user, version=_version_of(form),
                           reason=form.cleaned_data["reason"])
        except DomainError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "The summary is unlocked.")
            return redirect("engagements:summary-review", pk=summary.pk)
    return _review_page(request, summary, unlock_form=form, error_form=form)
