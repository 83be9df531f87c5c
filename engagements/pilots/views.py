"""The pilot flag's page: a lead or an admin marks a place's engagement as a pilot, with what
it pilots (a plain GET form and POST, from the place page)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from engagements.lifecycle.views import _engagement
from engagements.pilots import services
from engagements.pilots.forms import PilotForm
from fieldbook.access import role_required
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role


@require_http_methods(["GET", "POST"])
@role_required(Role.LEAD, Role.ADMIN)
def pilot_page(request: AuthenticatedHttpRequest, programme: str, place: str
               ) -> HttpResponseBase:
    engagement = _engagement(programme, place)
    form = PilotForm(request.POST or None, initial={
        "seen": engagement.version, "is_pilot": "yes" if engagement.is_pilot else "no",
        "pilot_of": engagement.pilot_of})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = services.engagement_pilot_set(
                actor=request.user, engagement=engagement, seen=d["seen"],
                is_pilot=d["is_pilot"] == "yes", pilot_of=d["pilot_of"])
        except StaleEditError as stale:
            data = request.POST.copy()
            data["seen"] = str(stale.current.version)
            form = PilotForm(data)
            form.is_valid()
            form.add_error(None, str(stale))
        except DomainError as error:
            errors_to_form(form, error)
        else:
            flash.success(request, f"{saved.place} is marked as a pilot: {saved.pilot_of}."
                          if saved.is_pilot else f"{saved.place} is no longer marked as a pilot.")
            return redirect(reverse("engagements:place", args=[programme, place]))
    return render(request, "engagements/pilot.html", {
        "form": form, "engagement": engagement, "programme": engagement.programme,
        "place": engagement.place})
