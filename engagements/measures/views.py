"""An engagement's measures: the list with run charts, adding a measure, and one measure with
its values and the form to add one. (Importing values from a file is in the Manage area's
import pages: ``backoffice.views.measures``.)

Who: the engagement's current enablers, programme leads and admins (``reads``: anyone else,
and any other enabler, gets 404). Queries are stated on each view and asserted in
tests/test_measures_views.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from engagements.measures import reads, services
from engagements.measures.forms import ContactForm, MeasureForm, ValueForm
from engagements.outcomes.services import contacts_for
from engagements.reach.models import Innovation
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from engagements.respondents.views import answered
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role

MEASURE_ROLES = (Role.ENABLER, Role.LEAD, Role.ADMIN)


@require_GET
@role_required(*MEASURE_ROLES)
def measures_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every measure of the engagement with its run chart. 6 queries, whatever the number of
    measures or values (session, user, roles, engagement, measures, values)."""
    engagement = reads.engagement_for_measures(request.user, pk)
    return render(request, "engagements/measures/measures.html", {
        "engagement": engagement, "charts": reads.charts_of(engagement)})


@require_http_methods(["GET", "POST"])
@role_required(*MEASURE_ROLES)
def measure_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    engagement = reads.engagement_for_measures(request.user, pk)
    innovations = list(Innovation.objects.filter(engagement=engagement).order_by("name"))
    form = MeasureForm(request.POST if request.method == "POST" else None,
                       innovations=innovations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        innovation = next((i for i in innovations if i.pk == data["innovation"]), None)
        try:
            measure = services.measure_create(
                actor=request.user, engagement=engagement, name=data["name"],
                unit=data["unit"], direction=data["direction"], frequency=data["frequency"],
                baseline_start=data["baseline_start"], baseline_end=data["baseline_end"],
                baseline_value=data["baseline_value"], innovation=innovation)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Added the measure “{measure.name}”.")
            return redirect("engagements:measure", pk=measure.pk)
    return render(request, "engagements/measures/measure-add.html",
                  {"engagement": engagement, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(*MEASURE_ROLES)
def measure_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One measure: its run chart, its values, and a form to add a value (POST). 6 queries
    for the page (session, user, roles, measure, values, and the messages' session write
    aside)."""
    measure = reads.measure_for(request.user, pk)
    form = ValueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.measure_value_add(actor=request.user, measure=measure,
                                               on=form.cleaned_data["on"],
                                               value=form.cleaned_data["value"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Added the value for {added.period:%-d %B %Y}.")
            return redirect("engagements:measure", pk=measure.pk)
    chart = reads.charts_for([measure])[0]
    return render(request, "engagements/measures/measure.html", {
        "engagement": measure.engagement, "measure": measure, "chart": chart, "form": form,
        "open_link": respondents.open_link_for(services.VALUE_PURPOSE, measure)})


@require_http_methods(["GET", "POST"])
@role_required(*MEASURE_ROLES)
def measure_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask a member of the place's delivery board for the measure's next value, through a
    respondent link (no account). Who may: whoever may enter the measure's values."""
    measure = reads.measure_for(request.user, pk)
    people = list(contacts_for(measure.engagement))
    contacts = [(p.pk, f"{p.full_name}, {p.role_title} ({p.organisation.name})")
                for p in people]
    form = ContactForm(request.POST if request.method == "POST" else None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.measure_send(
                actor=request.user, measure=measure, person_id=form.cleaned_data["person"],
                link_for=lambda token: request.build_absolute_uri(
                    reverse("engagements:respond", kwargs={"token": token})))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Asked the {link.person.role_title} for the value of "
                                      f"{services.next_period_label(measure)}. The link works "
                                      f"once, for {respondents.LINK_DAYS} days.")
            return redirect("engagements:measure", pk=measure.pk)
    return render(request, "engagements/measures/measure-send.html", {
        "engagement": measure.engagement, "measure": measure, "form": form,
        "open_link": respondents.open_link_for(services.VALUE_PURPOSE, measure),
        "next_label": services.next_period_label(measure)})


# -- the place contact's page (a respondent purpose) ------------------------------------------

def respond_measure_value(request: HttpRequest, link: RespondentLink, token: str
                          ) -> HttpResponse:
    """The measure, its latest value, and a form for the next period's value. Called by the
    public respondent view for a valid link; its POST uses the link (once), unless the value is
    refused, when nothing is saved and the link still works."""
    measure = services.measure_for_link(link)
    if measure is None:
        respondents.attempt_record(request)
        return render(request, "respondents/link-invalid.html", {"state": "revoked"},
                      status=410)
    form = ValueForm(request.POST if request.method == "POST" else None,
                     initial={"on": services.next_period(measure)})
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_value_respond(token=token, on=form.cleaned_data["on"],
                                           value=form.cleaned_data["value"])
        except respondents.LinkUnusable as gone:
            return render(request, "respondents/link-invalid.html", {"state": gone.state},
                          status=410)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            return answered(request, "value")
    result = reads.results_for([measure])[0]
    return render(request, "engagements/measures/measure-respond.html", {
        "measure": measure, "place": measure.engagement.place, "form": form, "link": link,
        "result": result, "next_label": services.next_period_label(measure)})
