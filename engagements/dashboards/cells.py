"""The dashboards' repeated cells, written in Python rather than in a template loop.

A programme dashboard page is 50 places × 9 cells, each with dates, plurals, links and seven
sector marks: ~6,000 template variable lookups and ~450 includes, about half the request at 1M
sessions (bench/README.md, "Where the time goes"). The same markup built here with ``escape``
and f-strings costs a few milliseconds. Every value that came from the database goes through
``escape``; the markup itself is constant. The surrounding page (headings, the filter form, the
table head) stays in the templates, and tests/test_html_valid.py checks the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from engagements.dashboards.definitions import BREADTH_COLUMNS, BREADTH_OF_SECTOR, Breadth
from engagements.disclosure import THRESHOLD, WITHHELD, count_text, sessions_text
from fieldbook.templatetags.fieldbook import duration

if TYPE_CHECKING:
    from django.forms import BoundField

    from engagements.dashboards.caseload import CaseloadRow
    from engagements.dashboards.charts import ChartRow
    from engagements.dashboards.place import TimelineEntry
    from engagements.dashboards.programme import DashboardRow
    from engagements.lifecycle.reads import StatusLine

MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def day_month(day: dt.date, *, long: bool = False, year: bool = True) -> str:
    """A date as the templates' ``date:"j M Y"`` (``long``: ``"j F Y"``) writes it in en-GB."""
    month = MONTHS[day.month] if long else MONTHS[day.month][:3]
    return f"{day.day} {month} {day.year}" if year else f"{day.day} {month}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def number(value: Decimal | int | None) -> str:
    """A figure as a template would print it (localised; nothing for None)."""
    return "" if value is None else str(localize(value))


def _heading(label: str) -> str:
    # The label the responsive table shows above each cell on a phone (hidden from readers).
    return f'<span class="nhsuk-table-responsive__heading" aria-hidden="true">{label} </span>'


def bar(percent: int, *, over: bool = False) -> str:
    """templates/engagements/dashboard-bar.html, for a cell built here."""
    modifier = " app-bar--over" if over else ""
    return (f'<svg class="app-bar{modifier}" viewBox="0 0 100 8" width="100" height="8" '
            'preserveAspectRatio="none" focusable="false" aria-hidden="true">'
            '<rect class="app-bar__track" x="0" y="0" width="100" height="8"/>'
            f'<rect class="app-bar__fill" x="0" y="0" width="{int(percent or 0)}" height="8"/>'
            "</svg>")


def sectors(breadth: Breadth) -> str:
    """templates/engagements/dashboard-sectors.html: the seven sector marks of one place."""
    present = {BREADTH_OF_SECTOR.get(s, "other") for s in breadth.sectors}
    other = escape(breadth.other_labels) if "other" in present else ""
    marks = []
    for c in BREADTH_COLUMNS:
        is_in = c.key in present
        detail = f" ({other})" if c.key == "other" and other else ""
        said = f"{c.label}{detail}: {'in the room' if is_in else 'not in the room'}"
        marks.append(
            f'<li class="app-sector app-sector--{"in" if is_in else "out"}">'
            f'<abbr title="{said}" aria-hidden="true">{c.short}</abbr>'
            f'<span class="nhsuk-u-visually-hidden">{said}</span></li>')
    return ('<ul class="app-sectors" aria-label="Sectors in the room, last quarter">'
            f'{"".join(marks)}</ul>')


def _attempts(row: DashboardRow, *, short: bool) -> Iterable[str]:
    for a in row.attempts_since_last_session:
        when = day_month(a.date, year=not short)
        yield f"{escape(a.status_label)} {when}: {escape(a.reason)}"


def dashboard_row(row: DashboardRow, place_url: str) -> SafeString:
    """One row of the programme dashboard's table (see templates/engagements/dashboard.html for
    its head)."""
    e = row.engagement
    place = e.place
    last = row.last_session_on
    if last is not None:
        held = f'{day_month(last)}<span class="app-cell__sub">{row.weeks_ago}</span>'
    else:
        held = "None held yet"
    if row.is_quiet:
        held += '<span class="app-cell__sub app-quiet">No session held in 3 weeks or more</span>'
        held += "".join(f'<span class="app-cell__sub">{a}</span>'
                        for a in _attempts(row, short=True))
    allocated = row.days_allocated
    recent, to_date = row.shown
    # Days go with their sessions (README "Small numbers"): hidden with them, bar and all.
    if not to_date.shown:
        days = f"Days {WITHHELD}"
        if allocated:
            days += f'<span class="app-cell__sub">{number(allocated)} allocated</span>'
    elif allocated:
        days = (f"{number(row.days_to_date)} of {number(allocated)}"
                f"{bar(row.percent_used, over=row.over_allocation)}")
    else:
        days = f'{number(row.days_to_date)}<span class="app-cell__sub">No allocation agreed</span>'
    days_recent = f"{number(row.days_recent)} days" if recent.shown else f"days {WITHHELD}"
    themes = ("".join(f"<li>{escape(t['name'])}</li>" for t in row.top_themes))
    themes = f'<ul class="app-cell app-themes">{themes}</ul>' if themes else "None yet"
    pilot = (f'<span class="app-cell__sub"><strong class="nhsuk-tag nhsuk-tag--purple">Pilot'
             f'</strong> {escape(e.pilot_of)}</span>' if e.is_pilot else "")
    return mark_safe(
        '<tr class="nhsuk-table__row">'
        f'<th class="nhsuk-table__header" scope="row">{_heading("Place")}'
        f'<span class="app-cell"><a href="{escape(place_url)}">{escape(place.name)}</a>'
        f'<span class="app-cell__sub">{escape(place.region.name)}</span></span></th>'
        f'<td class="nhsuk-table__cell">{_heading("Status")}{escape(e.get_status_display())}'
        f'{pilot}</td>'
        f'<td class="nhsuk-table__cell">{_heading("Lead enabler")}'
        f'{escape(e.lead_name or "None assigned")}</td>'
        f'<td class="nhsuk-table__cell">{_heading("Last session held")}'
        f'<span class="app-cell">{held}</span></td>'
        f'<td class="nhsuk-table__cell">{_heading("Last 4 weeks")}'
        f'<span class="app-cell">{sessions_text(recent)}'
        f'<span class="app-cell__sub">{days_recent}</span></span></td>'
        f'<td class="nhsuk-table__cell">{_heading("Days used to date")}'
        f'<span class="app-cell">{days}'
        f'<span class="app-cell__sub">{sessions_text(to_date)}</span></span></td>'
        f'<td class="nhsuk-table__cell">{_heading("Top themes to date")}{themes}</td>'
        f'<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{_heading("Outcomes")}'
        f'{e.n_outcomes}</td>'
        f'<td class="nhsuk-table__cell">{_heading("In the room, last quarter")}'
        f'{sectors(row.breadth)}</td>'
        '</tr>'
    )


def quiet_item(row: DashboardRow, place_url: str) -> SafeString:
    """One place in the dashboard's "no session held in 3 weeks or more" panel."""
    e = row.engagement
    last = row.last_session_on
    if last is not None:
        said = f"last session held {day_month(last, long=True)} ({row.weeks_ago})"
    elif e.start_on is not None:
        said = ("no session held since the engagement started on "
                f"{day_month(e.start_on, long=True)}")
    else:
        said = "no session held since the engagement started on "
    attempts = "".join(f"<li>{a}</li>" for a in _attempts(row, short=False))
    attempts = f'<ul class="nhsuk-list app-attempts">{attempts}</ul>' if attempts else ""
    return mark_safe(f'<li><a href="{escape(place_url)}">{escape(e.place.name)}</a>: '
                     f"{said}.{attempts}</li>")


def select_options(field: BoundField) -> SafeString:
    """The ``<option>``s of a filter's ``<select>``, the current value selected. (In the
    template, ``field.value`` per option re-read the bound data: ~100 options on a programme
    with many enablers.)"""
    current = "" if field.value() is None else str(field.value())
    choices = getattr(field.field, "choices", [])
    return mark_safe("".join(
        f'<option value="{escape(value)}"{" selected" if str(value) == current else ""}>'
        f"{escape(label)}</option>"
        for value, label in choices))



def month_year(day: dt.date) -> str:
    """``date:"F Y"``: "December 2026"."""
    return f"{MONTHS[day.month]} {day.year}"


def _room(s: TimelineEntry) -> str:
    """Who was in the room, for a lead: organisations, and headcounts by sector, with the
    small-number rule on people (README "Small numbers"): an organisation's count is shown
    from 3 people (below, the organisation alone: "fewer than 3" next to some and nothing next
    to others would tell 1 from 2), a headcount of 1 or 2 reads "fewer than 3 people"."""
    items = []
    for o in s.organisations:
        people = "" if o["n"] < THRESHOLD else f" ({o['n']} people)"
        items.append(f"<li>{escape(o['label'])}{people}</li>")
    items.extend(f"<li>{escape(h['sector'])}: {count_text(h['n'])} people</li>"
                 for h in s.headcounts)
    return f'<ul class="app-cell app-room">{"".join(items)}</ul>' if items else "Not recorded"


def status_line_row(line: StatusLine) -> str:
    """A status change as a timeline row (engagements.lifecycle.reads.timeline_lines)."""
    details = []
    if line.from_status and line.from_status != line.to_status:
        details.append(f"{escape(line.from_status.capitalize())} to "
                       f"{escape(line.to_status)}")
    if line.days_after is not None:
        details.append(f"{number(line.days_before) or 'none'} to {number(line.days_after)} days")
    if line.reason:
        details.append(escape(line.reason))
    if line.expected_resume_on:
        details.append(f"expected to resume {day_month(line.expected_resume_on, long=True)}")
    if line.reflection:
        details.append(f"reflection: {escape(line.reflection)}")
    sub = "".join(f'<span class="app-cell__sub">{d}</span>' for d in details)
    return (f'<tr class="nhsuk-table__row app-timeline__status">'
            f'<th class="nhsuk-table__header" scope="row">{_heading("Date")}'
            f"{day_month(line.date)}</th>"
            f'<td class="nhsuk-table__cell">{_heading("Kind")}'
            f'<span class="app-cell"><strong>{escape(line.step_label)}</strong>{sub}</span></td>'
            f'<td class="nhsuk-table__cell">{_heading("Length")}Status change</td>'
            f'<td class="nhsuk-table__cell">{_heading("Who was in the room")}'
            f"By {escape(line.actor_name)}</td>"
            f'<td class="nhsuk-table__cell">{_heading("Themes")}None</td></tr>')


def timeline_rows(entries: Iterable[TimelineEntry],
                  lines: Iterable[StatusLine] = ()) -> SafeString:
    """The place page's timeline rows (see templates/engagements/place.html for its head),
    with the engagement's status changes (``lines``, newest first) among them by date."""
    out = []
    pending = list(lines)
    for s in entries:
        while pending and pending[0].date >= s.date:
            out.append(status_line_row(pending.pop(0)))
        held = s.is_held
        kind = str(escape(s.kind_label))
        if not held:
            kind += (f'<span class="app-cell__sub">{escape(s.status_label)}: '
                     f"{escape(s.status_reason)}</span>")
        themes = "".join(f"<li>{escape(t['name'])}</li>" for t in s.themes)
        themes = f'<ul class="app-cell app-themes">{themes}</ul>' if themes else "None"
        length = duration(s.duration_minutes) if held else "Not held"
        out.append(
            f'<tr class="nhsuk-table__row{"" if held else " app-timeline__not-held"}">'
            f'<th class="nhsuk-table__header" scope="row">{_heading("Date")}'
            f"{day_month(s.date)}</th>"
            f'<td class="nhsuk-table__cell">{_heading("Kind")}'
            f'<span class="app-cell">{kind}</span></td>'
            f'<td class="nhsuk-table__cell">{_heading("Length")}{length}</td>'
            f'<td class="nhsuk-table__cell">{_heading("Who was in the room")}{_room(s)}</td>'
            f'<td class="nhsuk-table__cell">{_heading("Themes")}{themes}</td>'
            "</tr>")
    out.extend(status_line_row(line) for line in pending)
    return mark_safe("".join(out))


def chart_bars(row: ChartRow) -> SafeString:
    """One theme's monthly bars in the place page's small-multiples chart."""
    name = escape(row.name)
    return mark_safe("".join(
        f'<rect class="app-chart__bar" x="{bar.x}" y="{bar.y}" width="11" height="{bar.height}">'
        f"<title>{name}, {bar.month_label}: "
        f"{plural(bar.n, 'session') if bar.text == str(bar.n) else f'{bar.text} sessions'}"
        "</title></rect>"
        for bar in row.bars if bar.n))


def months_table_rows(rows: Iterable[dict[str, Any]]) -> SafeString:
    """The rows of "Themes over time as a table": a month, then each theme's count."""
    out = []
    for r in rows:
        counts = "".join(f'<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{n}</td>'
                         for n in r["counts"])
        out.append('<tr class="nhsuk-table__row">'
                   f'<th class="nhsuk-table__header" scope="row">{month_year(r["month"])}</th>'
                   f"{counts}</tr>")
    return mark_safe("".join(out))


def caseload_rows(rows: Iterable[CaseloadRow], programme_slug: str) -> SafeString:
    """The caseload table's rows (see templates/engagements/caseload.html for its head)."""
    url = place_url_for(programme_slug)
    out = []
    for row in rows:
        enabler = row.enabler
        inactive = "" if enabler.is_active else "; inactive"
        # Days follow their sessions (README "Small numbers"): hidden with them, bar and all.
        here, everywhere = row.shown
        days_here = (f"{number(row.days_this_month)} days" if here.shown
                     else f'Days {WITHHELD}<span class="app-cell__sub">{sessions_text(here)}'
                          "</span>")
        if everywhere.shown:
            days_all = (f"{number(row.days_this_month_all)} of "
                        f"{number(row.month_capacity)} days{bar(row.percent_of_month)}")
        else:
            days_all = (f"Days {WITHHELD} (capacity {number(row.month_capacity)} days)"
                        f'<span class="app-cell__sub">{sessions_text(everywhere)}</span>')
        places = "".join(
            f'<li><a href="{escape(url(a.engagement.place.slug))}">'
            f"{escape(a.engagement.place.name)}</a> "
            f'<span class="app-cell__sub">{escape(a.get_role_display())}</span></li>'
            for a in row.assignments)
        out.append(
            '<tr class="nhsuk-table__row">'
            f'<th class="nhsuk-table__header" scope="row">{_heading("Enabler")}'
            f'<span class="app-cell">{escape(enabler.display_name)}<span class="app-cell__sub">'
            f"{number(enabler.capacity_days_per_week)} days a week{inactive}</span></span></th>"
            f'<td class="nhsuk-table__cell">{_heading("Places")}'
            f'<ul class="app-cell app-caseload-places">{places}</ul></td>'
            f'<td class="nhsuk-table__cell">{_heading("This programme")}'
            f'<span class="app-cell">{days_here}</span></td>'
            f'<td class="nhsuk-table__cell">{_heading("All programmes")}'
            f'<span class="app-cell">{days_all}'
            f'<span class="app-cell__sub">Capacity to date: {number(row.capacity_to_date)} days'
            "</span></span></td></tr>")
    return mark_safe("".join(out))


def place_url_for(programme_slug: str) -> Callable[[str], str]:
    """A place's page URL in a programme, reversed once for a whole page of rows."""
    marker = "place-slug-marker"
    pattern = reverse("engagements:place", args=[programme_slug, marker])
    return lambda slug: pattern.replace(marker, slug)
