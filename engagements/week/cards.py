"""My week's session cards, written in Python rather than in a template loop.

My week is half of all requests (bench/README.md, the load test's mix), and a busy week holds
two dozen cards, each with themes, two links and the enabler's own notes: the template loop
was most of the page's cost, and grew with the week. Every value that came from the database
goes through ``escape`` (the notes through ``linebreaksbr``, which escapes); the markup itself
is constant. The rest of the page stays in templates/engagements/my-week.html.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from engagements.dashboards.cells import MONTHS
from fieldbook.templatetags.fieldbook import duration

if TYPE_CHECKING:
    from engagements.week.reads import WeekSession

_MARKER = 987654321  # a session number no real URL holds, replaced by each card's own


def _day_month(s: WeekSession) -> str:
    return f"{s.date.day} {MONTHS[s.date.month]}"  # date:"j F"


def session_cards(sessions: Iterable[WeekSession], *, just_logged: int | None) -> SafeString:
    """One day's cards (see templates/engagements/my-week.html around them)."""
    edit = reverse("engagements:session-edit", args=[_MARKER])
    delete = reverse("engagements:session-delete", args=[_MARKER])
    out = []
    for s in sessions:
        held = s.status == "held"
        kind = escape(s.get_kind_display())
        classes = "nhsuk-card app-session"
        if not held:
            classes += " app-session--not-held"
        if s.pk == just_logged:
            classes += " app-session--new"
        status = ("" if held else '<strong class="nhsuk-tag nhsuk-tag--grey app-session__status">'
                  f"{escape(s.get_status_display())}</strong>")
        if held:
            n = s.n_learning
            learning = f" · {n} learning item{'' if n == 1 else 's'}" if n else ""
            detail = f"{duration(s.duration_minutes)}{learning}"
        else:
            detail = f"Contact attempted: {escape(s.status_reason)}"
        themes = "".join(f'<li><strong class="nhsuk-tag nhsuk-tag--white">{escape(t.name)}'
                         "</strong></li>" for t in s.themes.all())
        if themes:
            themes = f'<ul class="nhsuk-list app-tags" aria-label="Themes">{themes}</ul>'
        notes = getattr(s, "notes", None)  # engagements.notes.notes_attach: the reader's own
        if notes:
            notes = ('<details class="nhsuk-details nhsuk-u-margin-bottom-2">'
                     '<summary class="nhsuk-details__summary">'
                     '<span class="nhsuk-details__summary-text">'
                     "Your private notes</span></summary>"
                     f'<div class="nhsuk-details__text app-private-notes">{linebreaksbr(notes)}'
                     "</div></details>")
        what = f" the {kind.lower()} on {_day_month(s)}"
        pk = str(s.pk)
        out.append(
            f'<div class="{classes}" id="session-{s.pk}"><div class="nhsuk-card__content">'
            f'<h4 class="nhsuk-card__heading nhsuk-heading-xs">{kind} with '
            f"{escape(s.engagement.place)} {status}</h4>"
            f'<p class="nhsuk-body-s nhsuk-u-margin-bottom-1">{escape(s.engagement.programme)}</p>'
            f'<p class="nhsuk-body-s nhsuk-u-margin-bottom-2">{detail}</p>'
            f"{themes}{notes or ''}"
            '<ul class="nhsuk-list app-inline-actions nhsuk-u-margin-bottom-0">'
            f'<li><a href="{edit.replace(str(_MARKER), pk)}">Edit'
            f'<span class="nhsuk-u-visually-hidden">{what}</span></a></li>'
            f'<li><a href="{delete.replace(str(_MARKER), pk)}">Delete'
            f'<span class="nhsuk-u-visually-hidden">{what}</span></a></li>'
            "</ul></div></div>")
    return mark_safe("".join(out))
