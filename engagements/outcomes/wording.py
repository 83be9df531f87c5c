"""The one wording of a confirmation, for every page and file that shows one (no imports of
models, so engagements.models can use it too)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def confirmed_by_text(role: str, at: dt.datetime | None) -> str:
    """ "Confirmed by <role> on <date>": a role and kind of organisation, never a name."""
    if not role or at is None:
        return ""
    return f"Confirmed by {role} on {timezone.localtime(at):%-d %B %Y}"
