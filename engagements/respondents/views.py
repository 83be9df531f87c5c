"""The one public page of a respondent link: ``/respond/<token>/``, no account needed.

Like an invitation (backoffice.views.users.invitation_accept), the token is moved into the
session and the browser sent on to ``/respond/open/``, so it does not stay in the address bar,
the history or a Referer. A link that does not work gets a plain page saying why (used, expired,
revoked, not right), never a 500; a client with too many of those within the hour is turned
away (429) before any lookup (``services.throttled``). A valid link's page is its purpose's
(``PURPOSE_PAGES``); opening it is recorded once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from engagements.respondents import services
from engagements.respondents.models import RespondentLink
from fieldbook.access import public

OPEN_SLUG = "open"
SESSION_TOKEN = "_respondent_token"
SESSION_DONE = "_respondent_done"
# What a valid link shows, by purpose: a view function (request, link, token) -> response.
PURPOSE_PAGES: dict[str, str] = {
    RespondentLink.Purpose.CONFIRM_OUTCOME: "engagements.outcomes.views.respond_outcome",
    RespondentLink.Purpose.AGREE_DIAGNOSTIC: "engagements.diagnostic.views.respond_diagnostic",
    RespondentLink.Purpose.WRITE_OUTCOME: "engagements.outcomes.views.respond_write_outcome",
    RespondentLink.Purpose.MEASURE_VALUE: "engagements.measures.views.respond_measure_value",
    RespondentLink.Purpose.SELF_ASSESSMENT: "engagements.voice.views.respond_voice",
    RespondentLink.Purpose.PULSE: "engagements.voice.views.respond_voice",
    RespondentLink.Purpose.UEC_CHECKLIST: "engagements.context.views.respond_checklist",
}
# What follows an answer, by the decision ``answered`` was given, when it is not the plain
# thank-you page: a view function (request) -> response.
THANKS_PAGES: dict[str, str] = {"voice": "engagements.voice.views.voice_thanks"}
STATUS_OF_STATE = {"tampered": 404, "unknown": 404, "used": 410, "expired": 410,
                   "revoked": 410}


def answered(request: HttpRequest, decision: str) -> HttpResponse:
    """After a purpose's answer was saved: forget the token, and say thank you (a redirect, so
    reloading the page does not post again)."""
    request.session.pop(SESSION_TOKEN, None)
    request.session[SESSION_DONE] = decision
    return HttpResponseRedirect(reverse("engagements:respond", kwargs={"token": OPEN_SLUG}))


@never_cache
@require_http_methods(["GET", "POST"])
@public
def respond(request: HttpRequest, token: str) -> HttpResponse:
    if token != OPEN_SLUG:
        request.session[SESSION_TOKEN] = token
        request.session.pop(SESSION_DONE, None)
        return HttpResponseRedirect(reverse("engagements:respond", kwargs={"token": OPEN_SLUG}))
    done = request.session.pop(SESSION_DONE, None)
    if done and request.method == "GET":
        if done in THANKS_PAGES:
            thanks: Callable[[HttpRequest], HttpResponse] = import_string(THANKS_PAGES[done])
            return thanks(request)
        return render(request, "respondents/thanks.html", {"decision": done})
    if services.throttled(request):
        return render(request, "respondents/too-many.html", status=429)
    real_token = str(request.session.get(SESSION_TOKEN, ""))
    link, state = services.link_find(real_token)
    if link is None or state != "valid":
        services.attempt_record(request)
        return render(request, "respondents/link-invalid.html", {"state": state},
                      status=STATUS_OF_STATE.get(state, 404))
    if request.method == "GET":
        services.link_open(link)
    page: Callable[[HttpRequest, RespondentLink, str], HttpResponse] = import_string(
        PURPOSE_PAGES[link.purpose])
    return page(request, link, real_token)
