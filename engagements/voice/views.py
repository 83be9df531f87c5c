"""The place's voice: the lead's pages and the board member's.

Leads and admins open a round for a place's board (a confirm page; the POST mails a link to
each current member with an email address) and close one (its open links stop working and its
aggregates are shown, if enough answered). What they see of it is on the place page
(engagements.voice.reads.place_voice). A board member answers through their respondent link:
``respond_voice`` is the link's purpose page (engagements.respondents.views), and after the
answer ``voice_thanks`` shows the place its own results over time — its closed rounds, with
their comments unattributed, under the same small-number rules as the centre's.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from engagements.models import Engagement
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from engagements.respondents.views import answered
from engagements.voice import reads, services
from engagements.voice.forms import ConfirmForm, PulseForm, SelfAssessmentForm
from engagements.voice.models import VoiceRound
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role

SESSION_THANKS = "_voice_thanks"
DONE = "voice"


def _engagement(programme: str, place: str) -> Engagement:
    return get_object_or_404(Engagement.objects.select_related("programme", "place"),
                             programme__slug=programme, place__slug=place)


def _back(programme: str, place: str) -> str:
    return reverse("engagements:place", args=[programme, place]) + "#voice"


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def voice_open(request: AuthenticatedHttpRequest, programme: str, place: str, kind: str
               ) -> HttpResponseBase:
    """Confirm, then open a round of ``kind`` for the place's board."""
    if kind not in VoiceRound.Kind.values:
        raise Http404("No such kind of round.")
    engagement = _engagement(programme, place)
    members = services._members_to_ask(engagement)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.voice_round_open(
                actor=request.user, engagement=engagement, kind=kind,
                link_for=lambda token: request.build_absolute_uri(
                    reverse("engagements:respond", kwargs={"token": token})))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            flash.success(request, f"{VoiceRound.Kind(kind).label} opened: {len(members)} "
                          f"board member{'s' if len(members) != 1 else ''} are sent a link.")
            return redirect(_back(programme, place))
    return render(request, "engagements/voice/open.html", {
        "form": form, "engagement": engagement,
        "programme": engagement.programme, "place": engagement.place,
        "kind": kind, "label": VoiceRound.Kind(kind).label,
        "organisations": sorted({m.person.organisation.name for m in members}),
        "asked": len(members), "days": respondents.LINK_DAYS})


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def voice_close(request: AuthenticatedHttpRequest, programme: str, place: str, pk: int
                ) -> HttpResponseBase:
    """Confirm, then close an open round (another engagement's round is 404)."""
    engagement = _engagement(programme, place)
    voice_round = next((r for r in reads.rounds_of(engagement.pk) if r.pk == pk), None)
    if voice_round is None:
        raise Http404("No such round.")
    if request.method == "POST" and voice_round.closed_at is None:
        services.voice_round_close(actor=request.user, voice_round=voice_round)
        flash.success(request, f"{voice_round} closed.")
        return redirect(_back(programme, place))
    return render(request, "engagements/voice/close.html", {
        "round": voice_round, "engagement": engagement, "programme": engagement.programme,
        "place": engagement.place,
        "answered": reads.responses_text(getattr(voice_round, "answered", 0))})


# -- the board member's pages (a respondent purpose) ------------------------------------------

def respond_voice(request: HttpRequest, link: RespondentLink, token: str) -> HttpResponse:
    """A self-assessment or a pulse, to answer once. Called by the public respondent view for
    a valid link."""
    invite = services.invite_for_link(link)
    if invite is None or not invite.round.is_open:
        respondents.attempt_record(request)
        return render(request, "respondents/link-invalid.html", {"state": "revoked"},
                      status=410)
    voice_round = invite.round
    posted = request.POST if request.method == "POST" else None
    is_pulse = voice_round.kind == VoiceRound.Kind.PULSE
    form: SelfAssessmentForm | PulseForm = (
        PulseForm(posted, partners=services.pulse_partners(invite)) if is_pulse
        else SelfAssessmentForm(posted))
    if request.method == "POST" and form.is_valid():
        try:
            if isinstance(form, PulseForm):
                services.voice_respond(token=token, ties=form.ties())
            else:
                services.voice_respond(token=token, scores=form.scores(),
                                       comments=form.comments())
        except respondents.LinkUnusable as gone:
            return render(request, "respondents/link-invalid.html", {"state": gone.state},
                          status=410)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            request.session[SESSION_THANKS] = {
                "engagement": voice_round.engagement_id, "kind": voice_round.kind,
                "closes_on": voice_round.closes_on.isoformat()}
            return answered(request, DONE)
    template = "pulse" if is_pulse else "self-assessment"
    return render(request, f"engagements/voice/respond-{template}.html", {
        "form": form, "link": link, "round": voice_round,
        "place": voice_round.engagement.place, "organisation": invite.organisation})


def voice_thanks(request: HttpRequest) -> HttpResponse:
    """After an answer: thank you, and the place's own results of that kind over time."""
    seen = request.session.pop(SESSION_THANKS, None)
    if not isinstance(seen, dict):
        return render(request, "respondents/thanks.html", {"decision": DONE})
    engagement = (Engagement.objects.select_related("place")
                  .filter(pk=int(seen.get("engagement") or 0)).first())
    if engagement is None:
        return render(request, "respondents/thanks.html", {"decision": DONE})
    rounds = reads.rounds_of(engagement.pk)
    kind = str(seen.get("kind"))
    context: dict[str, object] = {
        "kind": kind, "closes_on": dt.date.fromisoformat(str(seen["closes_on"])),
        "place": engagement.place,
    }
    if kind == VoiceRound.Kind.PULSE:
        context["pulse"] = reads.pulse_of(rounds)
    else:
        context["assessment"] = reads.self_assessment_of(rounds, with_comments=True)
    return render(request, "engagements/voice/thanks.html", context)
