"""Small template filters shared by Fieldbook's pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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


# Attributes the option markup below writes itself (or must never repeat).
_OWN_ATTRS = frozenset({"id", "class", "type", "required", "checked", "selected",
                        "aria-describedby", "multiple", "rows", "cols"})


@register.simple_tag
def extra_attrs(attrs: dict[str, object]) -> SafeString:
    """A widget's other attributes (maxlength, min, autocomplete...), for a control whose own
    markup writes the rest: ``{% extra_attrs control.data.attrs %}``. True is a bare
    attribute; False and None are left out."""
    extra = []
    for name, value in attrs.items():
        if name in _OWN_ATTRS:
            continue
        if value is True:
            extra.append(f" {conditional_escape(name)}")
        elif value is not False and value is not None:
            extra.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return mark_safe("".join(extra))


@register.simple_tag
def choice_items(field: BoundField, kind: str, input_classes: str = "") -> SafeString:
    """The radios or checkboxes of a choice field, in NHS.UK markup (templates/includes/
    field.html). ``kind``: "radios" or "checkboxes". Built here rather than in a template loop:
    a form with a few lists of themes has a hundred options, and the loop over each option's
    attributes was most of the log form's cost."""
    input_type = "radio" if kind == "radios" else "checkbox"
    classes = f" {conditional_escape(input_classes)}" if input_classes else ""
    out = []
    for option in field.subwidgets:
        data = option.data
        checked = " checked" if data["selected"] else ""
        ident = conditional_escape(option.id_for_label)
        name = conditional_escape(data["name"])
        out.append(
            f'<div class="nhsuk-{kind}__item">'
            f'<input class="nhsuk-{kind}__input{classes}" id="{ident}" name="{name}"'
            f' type="{input_type}" value="{conditional_escape(data["value"])}"{checked}'
            f"{extra_attrs(data['attrs'])}>"
            f'<label class="nhsuk-label nhsuk-{kind}__label" for="{ident}">'
            f"{conditional_escape(option.choice_label)}</label></div>")
    return mark_safe("".join(out))
