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
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from engagements.models import LearningSummary, Programme
from engagements.summaries.document import summary_document, summary_filename, summary_markdown_text
from engagements.summaries.forms import ProgrammeChoiceForm, SummaryFilterForm, SummaryRequestForm
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
    summaries = LearningSummary.objects.select_related("programme", "region", "place")
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
                if not created:
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
        return render(request, "engagements/summary.html",
                      {"doc": summary_document(summary), "summary": summary})
    return render(request, "engagements/summary-status.html", _status_context(summary))


@require_POST
@vary_on_headers("HX-Request")
@role_required(Role.LEAD, Role.ADMIN)
def summary_compile_again(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Try again (failed), or compile again with the latest data (ready)."""
    summary = get_summary_for(request.user, pk)
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
