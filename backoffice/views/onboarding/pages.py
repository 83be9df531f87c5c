"""The question pages for the place, its organisations, its board and members."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from backoffice import onboarding as flow
from backoffice.forms import (
    BoardForm,
    MemberForm,
    NewOrganisationForm,
    OrganisationSearchForm,
    PasteMembersForm,
    PlaceForm,
)
from backoffice.views._forms import posted as _posted
from backoffice.views.onboarding.steps import apply_errors, payload_copy, step_url, to_int
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.params import query_text
from places.models import OnboardingDraft, Organisation, Region, System

SEARCH_RESULTS = 15


def place_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    regions = list(Region.objects.order_by("name"))
    systems = list(System.objects.select_related("region").order_by("name"))
    answers = draft.payload.get("place") or {}
    if request.method == "POST":
        form = PlaceForm(request.POST, regions=regions, systems=systems)
        if form.is_valid():
            errors = flow.place_check(form.to_answers())
            apply_errors(form, errors)
            if not errors:
                payload = payload_copy(draft)
                payload["place"] = form.to_answers()
                flow.onboarding_draft_save(draft=draft, payload=payload, done="place")
                return redirect(ctx["next_url"])
    else:
        form = PlaceForm(initial={
            "name": answers.get("name", ""), "region": answers.get("region_id"),
            "system": answers.get("system_id"), "description": answers.get("description", ""),
        }, regions=regions, systems=systems)
    return render(request, "backoffice/onboard-place.html", {**ctx, "form": form})


def _organisation_results(query: str, chosen_ids: set[int]) -> list[tuple[Organisation, bool]]:
    """Organisations whose name contains the query, or whose ODS code is it. One query."""
    if not query:
        return []
    found = Organisation.objects.filter(
        Q(name__icontains=query) | Q(ods_code__iexact=query.strip())
    ).annotate(n_places=Count("places")).order_by("name")[:SEARCH_RESULTS]
    return [(org, org.pk in chosen_ids) for org in found]


def organisations_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    search = OrganisationSearchForm(request.GET)  # always bound: page errors attach to it
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    entries = draft.payload.get("organisations") or []
    chosen_ids = {e["id"] for e in entries if e.get("id")}
    page_url = step_url(draft, "organisations", change=ctx["change"])
    if request.method == "POST":
        payload = payload_copy(draft)
        entries = payload.setdefault("organisations", [])
        return_to = step_url(draft, "organisations", change=ctx["change"], q=query) + "#chosen"
        if "add" in request.POST:
            org_id = to_int(request.POST["add"])
            org = (Organisation.objects.filter(pk=org_id).first() if org_id is not None
                   else None)
            if org is not None and org.pk not in chosen_ids:
                entries.append({"key": f"org-{org.pk}", "id": org.pk})
                flow.onboarding_draft_save(draft=draft, payload=payload)
                messages.success(request, f"Added {org.name}.")
            return redirect(return_to)
        if "remove" in request.POST:
            key = request.POST["remove"]
            users = [m["full_name"] for m in payload.get("members") or [] if m["org_key"] == key]
            if users:
                search.add_error(None, f"{', '.join(users)} "
                                       f"{'is' if len(users) == 1 else 'are'} on the board for "
                                       "this organisation. Remove them from the board first")
            else:
                payload["organisations"] = [e for e in entries if e["key"] != key]
                flow.onboarding_draft_save(draft=draft, payload=payload)
                return redirect(return_to)
        else:
            errors = flow.organisations_check(entries)
            for msgs in errors.values():
                for msg in msgs:
                    search.add_error(None, msg)
            if not errors:
                flow.onboarding_draft_save(draft=draft, payload=payload, done="organisations")
                return redirect(ctx["next_url"])
    resolved = flow.draft_resolve({"organisations": entries})
    context = {
        **ctx, "form": search, "query": query, "page_url": page_url,
        "results": _organisation_results(query, chosen_ids),
        "chosen": resolved.organisations,
        "new_url": step_url(draft, "new-organisation", change=ctx["change"], name=query),
    }
    if request.htmx and request.method == "GET":
        return render(request, "backoffice/onboard-organisations.html#organisation-results",
                      context)
    return render(request, "backoffice/onboard-organisations.html", context)


def new_organisation_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    if request.method == "POST":
        form = NewOrganisationForm(request.POST)
        if form.is_valid():
            payload = payload_copy(draft)
            entries = payload.setdefault("organisations", [])
            entry = {"key": "", **form.cleaned_data}
            entry["name"] = entry["name"].strip()
            errors = flow.new_organisation_check(entry, entries)
            apply_errors(form, errors)
            if not errors:
                entry["key"] = flow.next_key(payload, "new")
                entries.append(entry)
                flow.onboarding_draft_save(draft=draft, payload=payload)
                messages.success(request, f"Added {entry['name']} as a new organisation.")
                return redirect(ctx["next_url"] + "#chosen")
    else:
        form = NewOrganisationForm(initial={"name": query_text(request.GET, "name")})
    return render(request, "backoffice/onboard-new-organisation.html", {**ctx, "form": form})


def board_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    answers = draft.payload.get("board") or {}
    if request.method == "POST":
        form = BoardForm(request.POST)
        if form.is_valid():
            board = {
                "name": form.cleaned_data["name"].strip(),
                "established_on": form.cleaned_data["established_on"].isoformat()
                if form.cleaned_data["established_on"] else "",
            }
            errors = flow.board_check(board, today=timezone.localdate())
            apply_errors(form, errors)
            if not errors:
                payload = payload_copy(draft)
                payload["board"] = board
                flow.onboarding_draft_save(draft=draft, payload=payload, done="board")
                return redirect(ctx["next_url"])
    else:
        place_name = (draft.payload.get("place") or {}).get("name", "")
        form = BoardForm(initial={
            "name": answers.get("name") or (f"{place_name} A&E Delivery Board" if place_name
                                            else ""),
            "established_on": answers.get("established_on") or None,
        })
    return render(request, "backoffice/onboard-board.html", {**ctx, "form": form})


def members_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    form = forms.Form(_posted(request))
    if request.method == "POST":
        payload = payload_copy(draft)
        if "remove" in request.POST:
            payload["members"] = [m for m in payload.get("members") or []
                                  if m["key"] != request.POST["remove"]]
            flow.onboarding_draft_save(draft=draft, payload=payload)
            return redirect(step_url(draft, "members", change=ctx["change"]))
        org_keys = {e["key"] for e in payload.get("organisations") or []}
        errors = flow.members_check(payload.get("members") or [], org_keys)
        apply_errors(form, errors)
        if not errors:
            flow.onboarding_draft_save(draft=draft, payload=payload, done="members")
            return redirect(ctx["next_url"])
    resolved = flow.draft_resolve({
        "organisations": draft.payload.get("organisations") or [],
        "members": draft.payload.get("members") or [],
    })
    return render(request, "backoffice/onboard-members.html", {
        **ctx, "form": form, "members": resolved.members_with_organisations(),
        "has_organisations": bool(resolved.organisations),
        "add_url": step_url(draft, "add-member", change=ctx["change"]),
        "paste_url": step_url(draft, "paste-members", change=ctx["change"]),
        "organisations_url": step_url(draft, "organisations", change=ctx["change"]),
    })


def organisation_choices(draft: OnboardingDraft) -> list[flow.ChosenOrganisation]:
    return flow.draft_resolve({"organisations": draft.payload.get("organisations") or []}) \
        .organisations


def add_member_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    organisations = organisation_choices(draft)
    choices = [(o.key, o.name) for o in organisations]
    if request.method == "POST":
        form = MemberForm(request.POST, organisations=choices)
        if form.is_valid():
            payload = payload_copy(draft)
            members = payload.setdefault("members", [])
            data = form.cleaned_data
            member = {"key": "", "full_name": data["full_name"].strip(),
                      "role_title": data["role_title"].strip(),
                      "org_key": data["organisation"], "board_role": data["board_role"]}
            errors = flow.member_check(member, members, {o.key for o in organisations})
            apply_errors(form, errors)
            if not errors:
                member["key"] = flow.next_key(payload, "m")
                members.append(member)
                flow.onboarding_draft_save(draft=draft, payload=payload)
                messages.success(request, f"Added {member['full_name']} to the board.")
                if "another" in request.POST:
                    return redirect(step_url(draft, "add-member", change=ctx["change"]))
                return redirect(ctx["next_url"])
    else:
        form = MemberForm(organisations=choices)
    return render(request, "backoffice/onboard-add-member.html", {
        **ctx, "form": form, "organisations_url": step_url(draft, "organisations"),
        "has_organisations": bool(organisations),
    })


def paste_members_page(
    request: AuthenticatedHttpRequest, draft: OnboardingDraft, ctx: dict[str, Any]
) -> HttpResponse:
    organisations = organisation_choices(draft)
    if request.method == "POST":
        form = PasteMembersForm(request.POST)
        if form.is_valid():
            parsed, problems = flow.members_parse(form.cleaned_data["text"], organisations)
            payload = payload_copy(draft)
            members = payload.setdefault("members", [])
            org_keys = {o.key for o in organisations}
            # Lines that parsed are checked against the board too, so every problem in the
            # paste is reported at once, in line order.
            accepted: list[dict[str, Any]] = []
            for member in parsed:
                line = member.pop("line")
                member["key"] = ""
                for msgs in flow.member_check(member, members + accepted, org_keys).values():
                    problems.extend(f"Line {line}: {msg}" for msg in msgs)
                member["key"] = flow.next_key(payload, "m")
                accepted.append(member)
            problems.sort(key=lambda p: int(p.split(":")[0].removeprefix("Line ") or 0)
                          if p.startswith("Line ") else 0)
            for problem in problems:
                form.add_error("text", problem)
            if not problems:
                members.extend(accepted)
                flow.onboarding_draft_save(draft=draft, payload=payload)
                messages.success(request, f"Added {len(accepted)} board member"
                                          f"{'s' if len(accepted) != 1 else ''}.")
                return redirect(ctx["next_url"])
    else:
        form = PasteMembersForm()
    return render(request, "backoffice/onboard-paste-members.html", {
        **ctx, "form": form, "organisations": organisations,
    })
