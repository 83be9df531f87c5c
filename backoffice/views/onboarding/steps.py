"""What the onboarding pages share: which page follows which, URLs, the draft lookup."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404
from django.urls import reverse

from backoffice import onboarding as flow
from places.models import OnboardingDraft

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGES: dict[str, tuple[str, str | None, str | None]] = {
    "place": ("place", None, "organisations"),
    "organisations": ("organisations", "place", "board"),
    "new-organisation": ("organisations", "organisations", "organisations"),
    "board": ("board", "organisations", "members"),
    "members": ("members", "board", "engagement"),
    "add-member": ("members", "members", "members"),
    "paste-members": ("members", "members", "members"),
    "engagement": ("engagement", "members", "enablers"),
    "enablers": ("enablers", "engagement", "review"),
    "review": ("review", "enablers", None),
}
# Sub-pages return to their list page, even when changing an answer from the review page.
SUB_PAGES = {"new-organisation", "add-member", "paste-members"}


def get_draft_for(user: User, pk: int) -> OnboardingDraft:
    """The admin's own draft, or 404 (another admin's draft is not theirs to finish)."""
    draft = OnboardingDraft.objects.filter(pk=pk, owner=user).first()
    if draft is None:
        raise Http404("No such onboarding draft.")
    return draft


def step_url(draft: OnboardingDraft, page: str, *, change: bool = False, **query: str) -> str:
    url = reverse("backoffice:onboard-step", kwargs={"pk": draft.pk, "page": page})
    params = {**({"change": "1"} if change else {}), **{k: v for k, v in query.items() if v}}
    return f"{url}?{urlencode(params)}" if params else url


def resume_page(draft: OnboardingDraft) -> str:
    """The first section not answered yet, or the review page."""
    done = set(draft.payload.get("done") or [])
    return next((name for name, _ in flow.SECTIONS if name not in done), "review")


def apply_errors(form: forms.Form, errors: flow.Errors) -> None:
    for name, msgs in errors.items():
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


def payload_copy(draft: OnboardingDraft) -> dict[str, Any]:
    # A copy: the draft row is changed only through onboarding_draft_save.
    return copy.deepcopy(draft.payload)


def to_int(raw: str) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
