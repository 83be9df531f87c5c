"""The themes x places heatmap of a programme (last quarter).

Queries: ``heatmap_page`` 4 (the programme's quarters, themes, count, places; three more while
some engagement's stored quarter is not for today).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast
from urllib.parse import quote

from django.core.paginator import Page
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from engagements import rollups
from engagements.dashboards.cells import place_url_for
from engagements.dashboards.definitions import Windows, paginate
from engagements.disclosure import SMALL, Cell, count_cell, suppressed
from engagements.models import Engagement, Programme, Theme

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ThemeTotal(TypedDict):
    """What ``heatmap_themes`` sets on each theme for the template."""

    total: int
    total_cell: Cell


if TYPE_CHECKING:
    TotalledTheme: TypeAlias = WithAnnotations[Theme, ThemeTotal]

HEAT_LEVELS = 4


@dataclass(slots=True)
class HeatCell:
    """One cell as data (what tests and any other reader see); the page prints the row's
    ``html``, built with the cells."""

    theme: Theme
    n: int
    level: int  # 0 (none) .. HEAT_LEVELS (the busiest cell on the page)
    text: str = ""  # a count's text: the count, "fewer than 3" or "not shown" ("" for 0)

    @property
    def shade(self) -> str:
        return f"app-heat--{self.level}"


@dataclass
class HeatRow:
    engagement: Engagement
    cells: list[HeatCell]
    url: str  # the place's page
    html: str  # the cells' <td>s: a page has ~1,200 cells, and one template variable a row
    # renders several times faster than a {% for %} over the cells

    @property
    def cells_html(self) -> str:
        return mark_safe(self.html)


@dataclass
class Heatmap:
    page: Page
    themes: list[TotalledTheme]
    rows: list[HeatRow]
    totals: dict[int, int]
    peak: int


def heatmap_themes(totals: dict[int, int]) -> list[TotalledTheme]:
    """The heatmap's columns: active themes, plus any retired theme still used in the quarter,
    each with its programme-wide total of held sessions last quarter. One query."""
    # Each theme is given its ``total`` (for the template) just below.
    themes = cast("list[TotalledTheme]", list(
        Theme.objects.filter(Q(is_active=True) | Q(pk__in=list(totals))).order_by("name")))
    for theme in themes:
        theme.total = totals.get(theme.pk, 0)
        theme.total_cell = count_cell(theme.total)
    return themes


def theme_columns(quarter: dict[int, dict[str, int]]
                  ) -> dict[int, tuple[list[int], list[int]]]:
    """Each theme's non-zero counts last quarter as (engagements, counts), two lists in the
    engagements' order: one pass over the programme's quarter, no pair made per count."""
    by_key: dict[str, tuple[list[int], list[int]]] = {}
    for pk in sorted(quarter):
        for key, n in quarter[pk].items():
            if n:
                column = by_key.get(key)
                if column is None:
                    column = by_key[key] = ([], [])
                column[0].append(pk)
                column[1].append(n)
    return {int(key): column for key, column in by_key.items()}


def disclosed(columns: dict[int, tuple[list[int], list[int]]], themes: list[TotalledTheme]
              ) -> dict[int, dict[int, Cell]]:
    """The small-number rule on each theme's column (README "Small numbers"): a count of 1 or
    2 reads "fewer than 3", and because the column's total is shown in the table's foot, more
    places' counts are hidden ("not shown", smallest first) until no hidden one can be worked
    out from the total and the rest (``disclosure.suppressed``, over every place of the
    programme, whichever page or region is on screen). Sets each theme's ``total_cell``;
    returns the hidden cells by engagement, then theme."""
    hidden: dict[int, dict[int, Cell]] = defaultdict(dict)
    for theme in themes:
        pks, counts = columns.get(theme.pk, ([], []))
        why, total = suppressed(counts, theme.total)
        assert total is not None
        theme.total_cell = total
        for i, reason in why.items():
            hidden[pks[i]][theme.pk] = Cell(counts[i], reason)
    return hidden


def heatmap_page(programme: Programme, w: Windows, page_number: Any, *, region: str = ""
                 ) -> Heatmap:
    """A page of places (by name), each with its held sessions per theme last quarter.

    The quarter's figures come from the engagements' stored quarters (engagements.rollups,
    ``EngagementQuarter``): one query for the whole programme, whatever its activity, plus
    the live count of any engagement whose row is not for today. The work a request does grows
    with the programme's non-zero counts (about three times as many at 1M sessions as at 10k:
    bench/README.md), so each is touched as few times as can be."""
    quarter = rollups.theme_counts_of_programme(programme.pk, w.today)
    columns_of = theme_columns(quarter)
    totals = {pk: sum(counts) for pk, (_, counts) in columns_of.items()}
    themes = heatmap_themes(totals)
    qs = Engagement.objects.filter(programme=programme).select_related("place__region")
    if region:
        qs = qs.filter(place__region__code=region)
    page = paginate(qs.order_by("place__name", "pk"), page_number)
    engagements = list(page.object_list)
    hidden = disclosed(columns_of, themes)
    none: dict[Any, Any] = {}
    # The shading and the key's "most on this page" come from the counts shown: a hidden
    # count's shade would say how big it is (1 against 2 when the busiest cell is 4).
    peak = max((n for e in engagements if e.pk in quarter
                for t, n in quarter[e.pk].items() if int(t) not in hidden.get(e.pk, none)),
               default=0)
    # Shades are relative to the busiest cell on the page: a quick read of where the
    # conversations are, not a score (there is no "good" amount of any theme).
    levels = [0] + [max(1, -(-n * HEAT_LEVELS // peak)) for n in range(1, peak + 1)]

    # The place URL is reversed once for the page and each cell's link built here (~1,000
    # {% url %} calls a page were ~80% of the request: bench/README.md, "Known gaps"); the
    # names and links are escaped once per theme and per row, not once per cell (escaping a
    # concatenation is the concatenation of the escaped parts).
    since = f"&since={w.quarter_from:%Y-%m-%d}#timeline"
    since_html = escape(since)
    columns = [(t, str(t.pk), escape(t.name), escape(f"?theme={quote(t.slug)}")) for t in themes]
    place_url = place_url_for(programme.slug)
    # A cell's class is its shade only: the table's own rules (.app-heatmap td, static/src/
    # _dashboard.scss) style every cell, so ~1,200 cells a page do not each carry three
    # classes (40 kB of a 300 kB page at 1M sessions).
    empty = '<td class="app-heat--0">0</td>'
    rows = []
    for e in engagements:
        url = place_url(e.place.slug)
        url_html, place_html = escape(url), escape(e.place.name)
        counts = quarter.get(e.pk, none)
        hidden_here = hidden.get(e.pk, none)
        cells, html = [], []
        for t, pk, name_html, query_html in columns:
            n = counts.get(pk, 0)
            if not n:
                cells.append(HeatCell(t, 0, 0))
                html.append(empty)
                continue
            cell = hidden_here.get(t.pk)
            if cell is not None:
                # "fewer than 3" is shaded as the least busy; "not shown" is not shaded.
                shade, shown = (1 if cell.hidden == SMALL else 0), cell.text
                sessions = "sessions"
            else:
                shade, shown = levels[n], str(n)
                sessions = "session" if n == 1 else "sessions"
            cells.append(HeatCell(t, n, shade, shown))
            html.append(f'<td class="app-heat--{shade}">'
                        f'<a href="{url_html}{query_html}{since_html}">{shown}'
                        f'<span class="nhsuk-u-visually-hidden"> {sessions} about {name_html} '
                        f"at {place_html}</span></a></td>")
        rows.append(HeatRow(e, cells, url, "".join(html)))
    return Heatmap(page=page, themes=themes, rows=rows, totals=totals, peak=peak)
