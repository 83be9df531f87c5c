"""API clients (issue 18, point 6): an Admin issues a token for named programmes, sees the
clients and their recent calls, and revokes one. The token is shown once, on the page that
answers the issuing POST (never stored, never in a redirect or the audit log)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.forms import ApiClientForm
from backoffice.views._forms import posted
from engagements.api import services
from engagements.api.models import ApiCall, ApiClient
from engagements.models import Programme
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role

PAGE_SIZE = 50
RECENT_CALLS = 20


def _clients() -> QuerySet[ApiClient]:
    return (ApiClient.objects.select_related("created_by")
            .prefetch_related(Prefetch("programmes", Programme.objects.order_by("name")))
            .annotate(n_calls=Count("calls")).order_by("-created_at", "-pk"))


@require_GET
@role_required(Role.ADMIN)
def api_clients(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every client, 50 a page: a count, a page of rows and their programmes (three queries)."""
    page = Paginator(_clients(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/api-clients.html", {"page": page})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def api_client_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiClientForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_client_issue(actor=request.user, name=form.cleaned_data["name"],
                                      programmes=form.cleaned_data["programmes"],
                                      expires_on=form.cleaned_data["expires_on"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            response = render(request, "backoffice/api-client-issued.html", {
                "client": issued.client, "token": issued.token,
                "programmes": list(issued.client.programmes.order_by("name"))})
            add_never_cache_headers(response)  # the token is on this page: never kept
            return response
    return render(request, "backoffice/api-client-add.html", {"form": form})


@require_GET
@role_required(Role.ADMIN)
def api_client_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(_clients(), pk=pk)
    calls = list(ApiCall.objects.filter(client=client).order_by("-called_at", "-pk")
                 .only("called_at", "path", "status", "duration_ms")[:RECENT_CALLS])
    return render(request, "backoffice/api-client-detail.html",
                  {"client": client, "calls": calls})


@require_POST
@role_required(Role.ADMIN)
def api_client_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(ApiClient, pk=pk)
    try:
        services.api_client_revoke(actor=request.user, client=client)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Revoked {client}: its token no longer works.")
    return redirect("backoffice:api-client-detail", pk=client.pk)

