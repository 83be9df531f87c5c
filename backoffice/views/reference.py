"""Reference data pages: regions, systems, organisation kinds, themes (and merging two), and
programmes. Lists are one annotated query; adding and changing share one form page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import ModelForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from backoffice import reference
from backoffice.forms import ProgrammeForm, RegionForm, SystemForm, ThemeForm, ThemeMergeForm
from backoffice.views._forms import posted as _posted
from engagements.models import Programme, Theme
from fieldbook.access import role_required
from fieldbook.errors import DomainError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.params import query_int
from fieldbook.roles import Role
from places.models import Region, System


def _edit(request: AuthenticatedHttpRequest, form_class: type[ModelForm], instance: Any, *,
          noun: str, list_url: str, hint: str = "") -> HttpResponse:
    form = form_class(_posted(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = reference.reference_save(actor=request.user, form=form)
        except DomainError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, f"Saved {saved}.")
            return redirect(list_url)
    return render(request, "backoffice/reference-form.html", {
        "form": form, "noun": noun, "list_url": list_url, "hint": hint,
        "title": f"Change {instance}" if instance and instance.pk else f"Add a {noun}",
    })


@require_GET
@role_required(Role.ADMIN)
def regions(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "backoffice/regions.html", {"regions": reference.regions_for_list()})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def region_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, RegionForm, Region(), noun="region", list_url="backoffice:regions")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def region_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit(request, RegionForm, get_object_or_404(Region, pk=pk), noun="region",
                 list_url="backoffice:regions",
                 hint="Changing a code changes what spreadsheet imports must use.")


@require_GET
@role_required(Role.ADMIN)
def systems(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "backoffice/systems.html", {"systems": reference.systems_for_list()})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def system_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, SystemForm, System(), noun="system", list_url="backoffice:systems")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def system_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit(request, SystemForm, get_object_or_404(System, pk=pk), noun="system",
                 list_url="backoffice:systems")


@require_GET
@role_required(Role.ADMIN)
def organisation_kinds(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "backoffice/organisation-kinds.html",
                  {"kinds": reference.organisation_kinds()})


@require_GET
@role_required(Role.ADMIN)
def themes(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "backoffice/themes.html", {"themes": reference.themes_for_list()})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def theme_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, ThemeForm, Theme(), noun="theme", list_url="backoffice:themes")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def theme_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit(request, ThemeForm, get_object_or_404(Theme, pk=pk), noun="theme",
                 list_url="backoffice:themes",
                 hint="Renaming a theme renames it on every session already tagged with it.")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def theme_merge(request: AuthenticatedHttpRequest) -> HttpResponse:
    all_themes = list(reference.themes_for_list())
    form = ThemeMergeForm(_posted(request), themes=all_themes,
                          initial={"source": query_int(request.GET, "source")})
    if request.method == "POST" and form.is_valid():
        by_pk = {t.pk: t for t in all_themes}
        source, target = by_pk[form.cleaned_data["source"]], by_pk[form.cleaned_data["target"]]
        try:
            moved = reference.theme_merge(actor=request.user, source=source, target=target)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Merged {source.name} into {target.name}: "
                                      f"{moved['sessions']} sessions, {moved['learning_items']} "
                                      f"learning items and {moved['outcomes']} outcomes moved.")
            return redirect("backoffice:themes")
    return render(request, "backoffice/theme-merge.html", {"form": form, "themes": all_themes})


@require_GET
@role_required(Role.ADMIN)
def programmes(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "backoffice/programmes.html",
                  {"programmes": reference.programmes_for_list()})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def programme_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, ProgrammeForm, Programme(), noun="programme",
                 list_url="backoffice:programmes")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def programme_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit(request, ProgrammeForm, get_object_or_404(Programme, pk=pk), noun="programme",
                 list_url="backoffice:programmes")
