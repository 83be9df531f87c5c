"""The diagnostic's pages: the enabler's (reached from My week) and the place's answer.

An enabler sees the diagnostic of the engagements they currently work on: its diagnostic
sessions and who took part in them, and the place's record (drafted, awaiting the place, or
agreed). Anyone else gets a 404. The place's page is ``respond_diagnostic``, called by the
public respondent view once the link is found valid (engagements.respondents.views): it shows
the record and never anything else of the engagement.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enablers.models import Enabler
from engagements.diagnostic import services
from engagements.diagnostic.forms import AgreeForm, ParticipantForm, RecordForm, SendForm
from engagements.diagnostic.models import DiagnosticParticipant, DiagnosticRecord
from engagements.models import Engagement, Session
from engagements.outcomes.services import contacts_for
from engagements.outcomes.views import get_enabler_for, get_engagement_for
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from engagements.respondents.views import answered
from fieldbook.access import role_required
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role

SESSIONS_SHOWN = 20


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def get_session_for(enabler: Enabler, pk: int) -> Session:
    """A diagnostic session of an engagement the enabler currently works on, or 404."""
    session = (Session.objects.filter(
        pk=pk, kind=Session.Kind.DIAGNOSTIC, deleted_at__isnull=True,
        engagement__assignments__enabler=enabler,
        engagement__assignments__ended_on__isnull=True)
        .select_related("engagement__place", "engagement__programme").first())
    if session is None:
        raise Http404("Diagnostic session not found.")
    return session


def get_participant_for(enabler: Enabler, pk: int) -> DiagnosticParticipant:
    participant = (DiagnosticParticipant.objects.filter(
        pk=pk, session__deleted_at__isnull=True,
        session__engagement__assignments__enabler=enabler,
        session__engagement__assignments__ended_on__isnull=True)
        .select_related("session").first())
    if participant is None:
        raise Http404("Participant not found.")
    return participant


def _record_of(engagement: Engagement) -> DiagnosticRecord | None:
    return DiagnosticRecord.objects.filter(engagement=engagement).first()


@require_GET
@role_required(Role.ENABLER)
def diagnostic_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The engagement's diagnostic sessions (newest first, the latest 20) with who took part,
    and the place's record with its open link. Six queries however many sessions."""
    engagement = get_engagement_for(get_enabler_for(request), pk)
    sessions = list(
        Session.objects.filter(engagement=engagement, kind=Session.Kind.DIAGNOSTIC,
                               deleted_at__isnull=True)
        .order_by("-date", "-pk")
        .prefetch_related(Prefetch("diagnostic_participants",
                                   queryset=DiagnosticParticipant.objects.order_by("role", "pk")))
        [:SESSIONS_SHOWN])
    record = _record_of(engagement)
    link = (respondents.open_link_for(services.PURPOSE, record) if record is not None
            else None)
    return render(request, "engagements/diagnostic/page.html", {
        "engagement": engagement, "sessions": sessions, "record": record, "link": link,
        "Status": DiagnosticRecord.Status,
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def participants_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Who took part in one diagnostic session, and a form to add someone."""
    session = get_session_for(get_enabler_for(request), pk)
    form = ParticipantForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            added = services.participant_add(actor=request.user, session=session,
                                             data=form.data_for_service())
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Added {added.full_name} ({added.get_role_display()}).")
            return redirect("engagements:diagnostic-participants", session.pk)
    participants = list(session.diagnostic_participants.order_by("role", "pk"))
    return render(request, "engagements/diagnostic/participants.html", {
        "engagement": session.engagement, "session": session, "participants": participants,
        "form": form})


@require_POST
@role_required(Role.ENABLER)
def participant_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    participant = get_participant_for(get_enabler_for(request), pk)
    session_id = participant.session_id
    name = participant.full_name
    services.participant_remove(actor=request.user, participant=participant)
    messages.success(request, f"Removed {name} from the session’s participants.")
    return redirect("engagements:diagnostic-participants", session_id)


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def record_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Draft (or change the draft of) the place's diagnostic record."""
    engagement = get_engagement_for(get_enabler_for(request), pk)
    record = _record_of(engagement)
    if record is not None and record.status == DiagnosticRecord.Status.AGREED:
        return render(request, "engagements/diagnostic/record.html", {
            "engagement": engagement, "record": record, "form": None})
    form = RecordForm(_posted(request),
                      initial=RecordForm.initial_for(record) if record else {})
    if request.method == "POST" and form.is_valid():
        try:
            if record is None:
                services.record_draft(actor=request.user, engagement=engagement,
                                      data=form.data_for_service())
            else:
                services.record_edit(actor=request.user, record=record,
                                     seen=form.cleaned_data["seen"] or 0,
                                     data=form.data_for_service())
        except StaleEditError as stale:
            data = request.POST.copy()
            data["seen"] = str(stale.current.version)
            form = RecordForm(data)
            form.is_valid()
            form.add_error(None, str(stale))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Saved the draft. Only the engagement’s enablers see it "
                                      "until the place agrees it.")
            return redirect("engagements:diagnostic", engagement.pk)
    return render(request, "engagements/diagnostic/record.html", {
        "engagement": engagement, "record": record, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
def record_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Choose a board member of the place to write or agree the record, and send the link."""
    engagement = get_engagement_for(get_enabler_for(request), pk)
    record = _record_of(engagement)
    contacts = [(p.pk, f"{p.full_name}, {p.role_title} ({p.organisation.name})")
                for p in contacts_for(engagement)]
    form = SendForm(_posted(request), contacts=contacts,
                    initial={"seen": record.version if record else 0})
    if request.method == "POST" and form.is_valid():
        try:
            link = services.record_send(
                actor=request.user, engagement=engagement, record=record,
                seen=form.cleaned_data["seen"],
                person_id=form.cleaned_data["person"],
                link_for=lambda token: request.build_absolute_uri(
                    reverse("engagements:respond", kwargs={"token": token})))
        except StaleEditError as stale:
            form = SendForm(None, contacts=contacts, initial={"seen": stale.current.version})
            form.add_error(None, str(stale))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Sent the diagnostic record to the "
                                      f"{link.person.role_title}. The link works once, for "
                                      f"{respondents.LINK_DAYS} days.")
            return redirect("engagements:diagnostic", engagement.pk)
    return render(request, "engagements/diagnostic/send.html", {
        "engagement": engagement, "record": record, "form": form})


# -- the place's page (a respondent purpose) --------------------------------------------------

def respond_diagnostic(request: HttpRequest, link: RespondentLink, token: str) -> HttpResponse:
    """The record (as drafted, or empty), for the place to write, agree, and say whether the
    centre may read it. Called by the public respondent view for a valid link."""
    record = services.record_for_link(link)
    if record is None:
        respondents.attempt_record(request)
        return render(request, "respondents/link-invalid.html", {"state": "revoked"},
                      status=410)
    form = AgreeForm(_posted(request), initial=AgreeForm.initial_for(record))
    if request.method == "POST" and form.is_valid():
        try:
            services.record_agree(token=token, data=form.data_for_service(),
                                  shared_with_centre=form.shared())
        except respondents.LinkUnusable as gone:
            return render(request, "respondents/link-invalid.html", {"state": gone.state},
                          status=410)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            return answered(request, "agreed")
    context: dict[str, Any] = {"record": record, "form": form, "link": link,
                               "place": record.engagement.place}
    return render(request, "engagements/diagnostic/respond.html", context)
