"""Outcome statements: the enabler's pages (reached from My week) and the contact's answer.

An enabler sees the outcomes of the engagements they currently work on, drafts included; anyone
else (other enablers, leads, admins) gets a 404 for them, never a 403 that would confirm they
exist. The contact's page is ``respond_outcome``, called by the public respondent view once the
link is found valid (engagements.respondents.views): it shows the statement and never anything
else of the engagement (no sessions, no notes, no enabler's name).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from enablers.models import Enabler
from engagements.models import Engagement, Outcome
from engagements.outcomes import services
from engagements.outcomes.forms import (
    AnswerForm,
    InviteForm,
    RevokeForm,
    SendForm,
    StatementForm,
)
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from engagements.respondents.views import answered
from fieldbook.access import role_required
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role


def get_enabler_for(request: AuthenticatedHttpRequest) -> Enabler:
    try:
        return request.user.enabler
    except Enabler.DoesNotExist:
        raise Http404("No enabler profile for this account.") from None


def get_engagement_for(enabler: Enabler, pk: int) -> Engagement:
    """An engagement the enabler currently works on (any status), or 404. One query."""
    engagement = (Engagement.objects.filter(pk=pk, assignments__enabler=enabler,
                                            assignments__ended_on__isnull=True)
                  .select_related("place", "programme").first())
    if engagement is None:
        raise Http404("Engagement not found.")
    return engagement


def get_outcome_for(enabler: Enabler, pk: int) -> Outcome:
    """An outcome of an engagement the enabler currently works on, or 404. One query."""
    outcome = (Outcome.objects.for_enabler(enabler).filter(pk=pk)
               .select_related("engagement__place", "engagement__programme").first())
    if outcome is None:
        raise Http404("Outcome not found.")
    return outcome


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET"])
@role_required(Role.ENABLER)
def outcome_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The engagement's outcomes, every status, newest first, with each open link and the open
    invitation to the place to write one. Six queries however many outcomes."""
    engagement = get_engagement_for(get_enabler_for(request), pk)
    open_links = RespondentLink.objects.filter(
        purpose=services.PURPOSE, used_at__isnull=True, revoked_at__isnull=True,
        object_id__in=Outcome.objects.filter(engagement=engagement).values("pk"),
    ).values_list("object_id", "person__role_title", "sent_at", "send_error", "expires_at")
    links = {row[0]: row[1:] for row in open_links}
    outcomes = list(Outcome.objects.filter(engagement=engagement)
                    .order_by("-updated_at", "-pk"))
    for outcome in outcomes:
        outcome.open_link = links.get(outcome.pk)
    return render(request, "engagements/outcome-list.html", {
        "engagement": engagement, "outcomes": outcomes,
        "invitation": respondents.open_link_for(services.WRITE_PURPOSE, engagement),
    })


def _statement_page(request: AuthenticatedHttpRequest, engagement: Engagement,
                    outcome: Outcome | None) -> HttpResponse:
    initial = StatementForm.initial_for(outcome) if outcome else {}
    form = StatementForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if outcome is None:
                saved = services.outcome_draft(actor=request.user, engagement=engagement,
                                               data=form.data_for_service())
                messages.success(request, f"Saved the draft “{saved.title}”. Only you and the "
                                          "other enablers of this engagement can see it.")
            else:
                saved = services.outcome_edit(actor=request.user, outcome=outcome,
                                              seen=form.cleaned_data["seen"] or 0,
                                              data=form.data_for_service())
                messages.success(request, f"Saved “{saved.title}”.")
        except StaleEditError as stale:
            data = request.POST.copy()
            data["seen"] = str(stale.current.version)
            form = StatementForm(data)
            form.is_valid()
            form.add_error(None, str(stale))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("engagements:outcomes", engagement.pk)
    return render(request, "engagements/outcome-form.html", {
        "engagement": engagement, "outcome": outcome, "form": form,
        "title": "Change the outcome" if outcome else "Draft an outcome",
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def outcome_draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _statement_page(request, get_engagement_for(get_enabler_for(request), pk), None)


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def outcome_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    outcome = get_outcome_for(get_enabler_for(request), pk)
    if outcome.status not in services.EDITABLE:
        return render(request, "engagements/outcome-form.html", {
            "engagement": outcome.engagement, "outcome": outcome, "form": None,
            "title": "Confirmed by the place"})
    return _statement_page(request, outcome.engagement, outcome)


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def outcome_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Choose a board member of the place to confirm the outcome, and send them the link."""
    outcome = get_outcome_for(get_enabler_for(request), pk)
    people = list(services.contacts_for(outcome.engagement))
    contacts = [(p.pk, f"{p.full_name}, {p.role_title} ({p.organisation.name})")
                for p in people]
    form = SendForm(_posted(request), contacts=contacts, initial={"seen": outcome.version})
    if request.method == "POST" and form.is_valid():
        try:
            link = services.outcome_send(
                actor=request.user, outcome=outcome, seen=form.cleaned_data["seen"],
                person_id=form.cleaned_data["person"],
                link_for=lambda token: request.build_absolute_uri(
                    reverse("engagements:respond", kwargs={"token": token})))
        except StaleEditError as stale:
            form = SendForm(None, contacts=contacts, initial={"seen": stale.current.version})
            form.add_error(None, str(stale))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Sent “{outcome.title}” to the "
                                      f"{link.person.role_title} to confirm. The link works "
                                      f"once, for {respondents.LINK_DAYS} days.")
            return redirect("engagements:outcomes", outcome.engagement_id)
    return render(request, "engagements/outcome-send.html", {
        "engagement": outcome.engagement, "outcome": outcome, "form": form,
        "sendable": outcome.status in services.SENDABLE,
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def outcome_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask a board member of the place to write an outcome in their own words."""
    engagement = get_engagement_for(get_enabler_for(request), pk)
    contacts = [(p.pk, f"{p.full_name}, {p.role_title} ({p.organisation.name})")
                for p in services.contacts_for(engagement)]
    form = InviteForm(_posted(request), contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.outcome_invite(
                actor=request.user, engagement=engagement,
                person_id=form.cleaned_data["person"],
                link_for=lambda token: request.build_absolute_uri(
                    reverse("engagements:respond", kwargs={"token": token})))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Asked the {link.person.role_title} to write an outcome. "
                                      f"The link works once, for {respondents.LINK_DAYS} "
                                      "days.")
            return redirect("engagements:outcomes", engagement.pk)
    return render(request, "engagements/outcome-invite.html", {
        "engagement": engagement, "form": form,
        "invitation": respondents.open_link_for(services.WRITE_PURPOSE, engagement)})


@require_POST
@role_required(Role.ENABLER)
def outcome_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take an outcome back from the place: its link stops working."""
    outcome = get_outcome_for(get_enabler_for(request), pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Open the outcomes again and take it back from there.")
    else:
        try:
            services.outcome_revoke(actor=request.user, outcome=outcome,
                                    seen=form.cleaned_data["seen"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Took “{outcome.title}” back: the link no longer "
                                      "works. It is a draft again.")
    return redirect("engagements:outcomes", outcome.engagement_id)


# -- the contact's page (a respondent purpose) ------------------------------------------------

def respond_outcome(request: HttpRequest, link: RespondentLink, token: str) -> HttpResponse:
    """The draft, plainly, and the contact's answer. Called by the public respondent view for a
    valid link; its POST uses the link (once)."""
    outcome = services.outcome_for_link(link)
    if outcome is None or outcome.status != Outcome.Status.AWAITING:
        respondents.attempt_record(request)
        return render(request, "respondents/link-invalid.html", {"state": "revoked"},
                      status=410)
    form = AnswerForm(_posted(request), initial=AnswerForm.initial_for(outcome))
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_respond(token=token, decision=form.cleaned_data["decision"],
                                     corrections=form.corrections(),
                                     comment=form.cleaned_data["comment"])
        except respondents.LinkUnusable as gone:
            return render(request, "respondents/link-invalid.html", {"state": gone.state},
                          status=410)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            return answered(request, form.cleaned_data["decision"])
    context: dict[str, Any] = {"outcome": outcome, "form": form, "link": link,
                               "place": outcome.engagement.place}
    return render(request, "engagements/outcome-respond.html", context)


def respond_write_outcome(request: HttpRequest, link: RespondentLink, token: str
                          ) -> HttpResponse:
    """The statement form, for the place's contact to write an outcome in their own words.
    Called by the public respondent view for a valid link; its POST uses the link (once),
    unless the statement is refused, when nothing is saved and the link still works."""
    engagement = services.engagement_for_link(link)
    if engagement is None:
        respondents.attempt_record(request)
        return render(request, "respondents/link-invalid.html", {"state": "revoked"},
                      status=410)
    form = StatementForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_write_by_place(token=token, data=form.data_for_service())
        except respondents.LinkUnusable as gone:
            return render(request, "respondents/link-invalid.html", {"state": gone.state},
                          status=410)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            return answered(request, "written")
    return render(request, "engagements/outcome-write.html", {
        "form": form, "link": link, "place": engagement.place})
