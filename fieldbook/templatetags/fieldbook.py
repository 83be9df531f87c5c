"""Small template filters shared by Fieldbook's pages."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    """450 -> "7 hours 30 minutes"; 60 -> "1 hour"; 0 or None -> "0 minutes"."""
    if not minutes:
        return "0 minutes"
    hours, mins = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins:
        parts.append(f"{mins} minutes")
    return " ".join(parts)


@register.filter
def add_days(day: dt.date | None, days: int | str) -> dt.date | None:
    """``{{ monday|add_days:4 }}``: the date that many days later (earlier if negative)."""
    return day + dt.timedelta(days=int(days)) if day else day
