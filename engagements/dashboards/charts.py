"""Geometry for the server-rendered SVG charts (no JavaScript; WeasyPrint can print them too).

Templates only loop over what is computed here: every coordinate is an SVG attribute, never a
style attribute (the CSP forbids those), and colours come from CSS classes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from engagements.dashboards.place import ThemesOverTime

BAR_STEP = 16  # user units per month
BAR_WIDTH = 11
LEFT = 4
ROW_HEIGHT = 56
LABEL_Y = 16
BAR_TOP = 22
BAR_MAX = 26
AXIS_HEIGHT = 22
HIDDEN_BAR = 3


@dataclass
class Bar:
    x: int
    y: int
    height: int
    n: int
    month_label: str
    text: str = ""  # the count as shown: "4", "fewer than 3", "not shown"


@dataclass
class ChartRow:
    name: str
    total: int
    label_y: int
    baseline_y: int
    bars: list[Bar]
    total_text: str = ""

    @property
    def bars_html(self) -> SafeString:
        from engagements.dashboards.cells import chart_bars

        return chart_bars(self)


@dataclass
class MonthTick:
    x: int
    label: str


@dataclass
class ThemesChart:
    width: int
    height: int
    baseline_x2: int
    rows: list[ChartRow]
    ticks: list[MonthTick]
    axis_y: int
    peak: int
    has_hidden: bool = False  # some count is drawn as a stub (README "Small numbers")


def themes_chart(data: ThemesOverTime) -> ThemesChart:
    """Small multiples: one row of monthly bars per theme, sharing one scale (the peak)."""
    peak = max(data.peak, 1)
    width = LEFT * 2 + BAR_STEP * len(data.months)
    rows = []
    for i, series in enumerate(data.series):
        top = i * ROW_HEIGHT
        baseline = top + BAR_TOP + BAR_MAX
        bars = []
        cells, total = series.shown
        for j, (month, n, cell) in enumerate(zip(data.months, series.counts, cells,
                                                  strict=True)):
            # A hidden count (README "Small numbers") is a stub of one height, whatever it is.
            height = (HIDDEN_BAR if not cell.shown else round(BAR_MAX * n / peak)) if n else 0
            bars.append(Bar(x=LEFT + j * BAR_STEP, y=baseline - height, height=height, n=n,
                            month_label=month.strftime("%B %Y"), text=cell.text))
        rows.append(ChartRow(series.name, series.total, top + LABEL_Y, baseline, bars,
                             total.text))
    axis_y = len(data.series) * ROW_HEIGHT + 14
    # A tick every third month (and the first), labelled "Jan 25".
    ticks = [MonthTick(x=LEFT + j * BAR_STEP, label=m.strftime("%b %y"))
             for j, m in enumerate(data.months) if j % 3 == 0]
    return ThemesChart(width=width, height=axis_y + AXIS_HEIGHT - 8,
                       baseline_x2=width - LEFT, rows=rows, ticks=ticks, axis_y=axis_y,
                       peak=data.peak,
                       has_hidden=any(not c.shown for s in data.series for c in s.shown[0]))
