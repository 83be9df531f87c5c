"""Filters for the learning summary templates (HTML, PDF and Markdown)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import template
from django.forms import BoundField

from fieldbook.forms import choice_field

register = template.Library()

# Characters that start Markdown syntax inside a line, and what may start a block at a line's
# beginning (a heading, a list item, a quote, a table row, a numbered list: "1. ").
_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+(?=[.)]))", re.MULTILINE)


@register.filter
def md(value: object) -> str:
    """Text typed by people, made safe to paste into Markdown: it reads as the same words,
    never as headings, links, emphasis or HTML. Newlines become spaces (one paragraph)."""
    text = " ".join(str(value or "").split())
    text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_block_start, text)


def _escape_block_start(match: re.Match[str]) -> str:
    lead, mark = match.group(1), match.group(2)
    if mark.isdigit():  # "2025. A year..." would start a numbered list: escape the dot
        return f"{lead}{mark}\\"
    return f"{lead}\\{mark}"


@register.filter
def option_groups(field: BoundField) -> list[dict[str, Any]]:
    """A select's choices as groups for <optgroup> (a group without a label is plain options)."""
    current = str(field.value() if field.value() is not None else "")
    groups: list[dict[str, Any]] = []
    # Django normalises a field's choices to (value, label) pairs, a label being a list of pairs
    # for a group; django-stubs types them as anything that may be assigned.
    choices = cast("list[tuple[Any, Any]]", choice_field(field.form, field.name).choices)
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            options = [(str(v), lab) for v, lab in label]
            groups.append({"label": value, "options": [
                {"value": v, "label": lab, "selected": v == current} for v, lab in options]})
        else:
            groups.append({"label": None, "options": [
                {"value": str(value), "label": label, "selected": str(value) == current}]})
    return groups


@register.filter
def period_label(summary: Any) -> str:
    """A summary's period in words: "March 2025", "January to March 2025"..."""
    from engagements.summaries.periods import period_label as label

    start: dt.date = summary.period_start
    return label(summary.period, start, summary.period_end)
