"""The themes x places heatmap of a programme (last quarter).

Queries: ``heatmap_page`` 4 (the programme's quarters, themes, count, places; three more while
some engagement's stored quarter is not for today).
"""

from __future__ import annotations

from collections import Counter
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
from engagements.disclosure import SMALL, Cell, count_cell, suppress
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


@dataclass
class HeatCell:
    theme: Theme
    n: int
    level: int  # 0 (none) .. HEAT_LEVELS (the busiest cell on the page)
    href: str = ""  # the place's sessions about the theme last quarter ("" when n is 0)
    label: str = ""  # the link's hidden text: "sessions about <theme> at <place>"
    text: str = ""  # what the cell reads: the count, "fewer than 3" or "not shown"

    @property
    def shade(self) -> str:
        return f"app-heat--{self.level}"

    @property
    def html(self) -> str:
        """The cell's ``<td>``, built here: a page has ~1,200 cells, and one template variable
        a row renders several times faster than a ``{% for %}`` over the cells."""
        if not self.n:
            return f'<td class="nhsuk-table__cell app-heat {self.shade}">0</td>'
        return (f'<td class="nhsuk-table__cell app-heat {self.shade}">'
                f'<a href="{escape(self.href)}">{self.text or self.n}'
                f'<span class="nhsuk-u-visually-hidden"> {escape(self.label)}</span></a></td>')


@dataclass
class HeatRow:
    engagement: Engagement
    cells: list[HeatCell]
    url: str = ""  # the place's page
    html: str = ""  # the cells' <td>s, when heatmap_page built them with the row

    @property
    def cells_html(self) -> str:
        return mark_safe(self.html or "".join(c.html for c in self.cells))


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


def disclosed(quarter: dict[int, rollups.Quarter], themes: list[TotalledTheme]
              ) -> dict[tuple[int, int], Cell]:
    """The small-number rule on each theme's column (README "Small numbers"): a count of 1 or
    2 reads "fewer than 3", and because the column's total is shown in the table's foot, more
    places' counts are hidden ("not shown", smallest first) until no hidden one can be worked
    out from the total and the rest (``disclosure.suppress``, over every place of the
    programme, whichever page or region is on screen). Sets each theme's ``total_cell``;
    returns the hidden cells by (engagement, theme)."""
    hidden: dict[tuple[int, int], Cell] = {}
    for theme in themes:
        keys = sorted((pk, n) for pk, q in quarter.items()
                      if (n := q.themes.get(theme.pk, 0)))
        cells, total = suppress([n for _, n in keys], theme.total)
        assert total is not None
        theme.total_cell = total
        hidden.update({(pk, theme.pk): c for (pk, _), c in zip(keys, cells, strict=True)
                       if not c.shown})
    return hidden


def heatmap_page(programme: Programme, w: Windows, page_number: Any, *, region: str = ""
                 ) -> Heatmap:
    """A page of places (by name), each with its held sessions per theme last quarter.

    The quarter's figures come from the engagements' stored quarters (engagements.rollups,
    ``EngagementQuarter``): one query for the whole programme, whatever its activity, plus
    the live count of any engagement whose row is not for today."""
    quarter = rollups.quarters_of_programme(programme.pk, w.today)
    totals: Counter[int] = Counter()
    for q in quarter.values():
        totals.update(q.themes)
    themes = heatmap_themes(dict(totals))
    qs = Engagement.objects.filter(programme=programme).select_related("place__region")
    if region:
        qs = qs.filter(place__region__code=region)
    page = paginate(qs.order_by("place__name", "pk"), page_number)
    engagements = list(page.object_list)
    counts: dict[tuple[int, int], int] = {
        (e.pk, theme): n for e in engagements
        for theme, n in quarter.get(e.pk, rollups.Quarter()).themes.items()
    }
    hidden = disclosed(quarter, themes)
    # The shading and the key's "most on this page" come from the counts shown: a hidden
    # count's shade would say how big it is (1 against 2 when the busiest cell is 4).
    peak = max((n for key, n in counts.items() if key not in hidden), default=0)

    def level(n: int) -> int:
        # Shades are relative to the busiest cell on the page: a quick read of where the
        # conversations are, not a score (there is no "good" amount of any theme).
        return 0 if not n else max(1, -(-n * HEAT_LEVELS // peak))

    # The place URL is reversed once for the page and each cell's link built here (~1,000
    # {% url %} calls a page were ~80% of the request: bench/README.md, "Known gaps"); the
    # names and links are escaped once per theme and per row, not once per cell (escaping a
    # concatenation is the concatenation of the escaped parts).
    since = f"&since={w.quarter_from:%Y-%m-%d}#timeline"
    since_html = escape(since)
    columns = [(t, t.pk, t.name, escape(t.name), f"?theme={quote(t.slug)}") for t in themes]
    place_url = place_url_for(programme.slug)
    empty = '<td class="nhsuk-table__cell app-heat app-heat--0">0</td>'
    rows = []
    for e in engagements:
        url = place_url(e.place.slug)
        url_html, place, place_html = escape(url), e.place.name, escape(e.place.name)
        cells, html = [], []
        for t, pk, name, name_html, query in columns:
            n = counts.get((e.pk, pk), 0)
            if not n:
                cells.append(HeatCell(t, 0, 0))
                html.append(empty)
                continue
            cell = hidden.get((e.pk, pk))
            if cell is not None:
                # "fewer than 3" is shaded as the least busy; "not shown" is not shaded.
                shade, shown = (1 if cell.hidden == SMALL else 0), cell.text
                sessions = "sessions"
            else:
                shade, shown = level(n), str(n)
                sessions = "session" if n == 1 else "sessions"
            cells.append(HeatCell(t, n, shade, f"{url}{query}{since}",
                                  f"{sessions} about {name} at {place}", shown))
            html.append(f'<td class="nhsuk-table__cell app-heat app-heat--{shade}">'
                        f'<a href="{url_html}{escape(query)}{since_html}">{shown}'
                        f'<span class="nhsuk-u-visually-hidden"> {sessions} about {name_html} '
                        f"at {place_html}</span></a></td>")
        rows.append(HeatRow(e, cells, url, "".join(html)))
    return Heatmap(page=page, themes=themes, rows=rows, totals=dict(totals), peak=peak)
