"""A run chart as accessible, server-rendered SVG, and its figures as a table.

The SVG is ``role="img"`` with a ``<title>`` and a ``<desc>`` (what it shows, the median, and
each signal in words); the same figures are in a table (``table_rows``) the page puts in a
details element, for screen readers and anyone who wants the numbers. Built as strings in
Python rather than a template loop: ten charts of 104 points are over a thousand elements, and
a template loop would cost most of the page's time. Every piece of text is escaped.

No style attributes (the CSP forbids them): colours are CSS classes (static/src/_measures.scss),
with the same colours as presentation attributes too, for the PDF (WeasyPrint reads no page CSS).
Signals are shown by shape as well as colour: a shift point is a square, a trend point a
triangle, an astronomical point is ringed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from engagements.dashboards.runchart import ASTRONOMICAL, SHIFT, TREND, RunChart

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 40
# Classes for the page's CSS, and the same colours as attributes for the PDF.
TICK = 'class="app-runchart__tick" fill="#4c6272" font-size="11"'
MEDIAN = 'class="app-runchart__median" stroke="#4c6272" stroke-dasharray="6 4"'
LINE = 'class="app-runchart__line" fill="none" stroke="#005eb8"'
SHIFT_MARK = 'class="app-runchart__shift" fill="#ed8b00" stroke="#212b32"'
TREND_MARK = 'class="app-runchart__trend" fill="#330072"'
POINT = 'class="app-runchart__point" fill="#005eb8"'
ASTRO_MARK = 'class="app-runchart__astronomical" fill="none" stroke="#d5281b" stroke-width="2"'
AXIS = 'class="app-runchart__axis" stroke="#aeb7bd"'
BASELINE = 'class="app-runchart__baseline" fill="#f0f4f5"'


def number(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    if unit == "percent":
        return f"{text}%"
    if unit == "pounds":
        return f"£{text}"
    return text


def period_label(on: dt.date, weekly: bool) -> str:
    return f"{on.day} {on:%b %Y}" if weekly else f"{on:%b %Y}"


def _scale(chart: RunChart) -> tuple[float, float]:
    values = [float(p.value) for p in chart.points]
    if chart.median is not None:
        values.append(float(chart.median))
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    return max(0.0, low - pad) if low >= 0 else low - pad, high + pad


def run_chart_svg(chart: RunChart, *, ident: str, name: str, unit: str, weekly: bool,
                  baseline_start: dt.date, baseline_end: dt.date) -> SafeString:
    """The chart's SVG. ``ident`` makes the title and description ids unique on the page."""
    points = chart.points
    low, high = _scale(chart)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(points) - 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(points) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - (v - low) / (high - low) * plot_h

    first_label = period_label(points[0].on, weekly) if points else ""
    last_label = period_label(points[-1].on, weekly) if points else ""
    desc = [f"{len(points)} values" + (f" from {first_label} to {last_label}." if points
                                       else ".")]
    if chart.median is not None:
        desc.append(f"Median of the baseline: {number(chart.median, unit)}.")
    desc += [s.text for s in chart.signals] or ([chart.note] if chart.note else [])
    out = [
        f'<svg class="app-runchart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">Run chart: {escape(name)}</title>',
        f'<desc id="{ident}-desc">{escape(" ".join(desc))}</desc>',
    ]
    # The baseline period, shaded behind the points it covers.
    inside = [i for i, p in enumerate(points) if baseline_start <= p.on <= baseline_end]
    if inside:
        x1 = x(inside[0]) - step / 2 if len(points) > 1 else LEFT
        x2 = x(inside[-1]) + step / 2 if len(points) > 1 else LEFT + plot_w
        x1, x2 = max(LEFT, x1), min(LEFT + plot_w, x2)
        out.append(f'<rect {BASELINE} x="{x1:.1f}" y="{TOP}" '
                   f'width="{x2 - x1:.1f}" height="{plot_h}"/>')
    out.append(f'<line {AXIS} x1="{LEFT}" y1="{TOP + plot_h}" '
               f'x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>')
    out.extend(f'<text {TICK} x="{LEFT - 6}" y="{y(v) + 4:.1f}" '
               f'text-anchor="end">{escape(number(Decimal(str(round(v, 2))), unit))}</text>'
               for v in (low, high))
    if chart.median is not None:
        my = y(float(chart.median))
        out.append(f'<line {MEDIAN} x1="{LEFT}" y1="{my:.1f}" '
                   f'x2="{LEFT + plot_w}" y2="{my:.1f}"/>')
        out.append(f'<text {TICK} x="{LEFT - 6}" y="{my + 4:.1f}" '
                   f'text-anchor="end">{escape(number(chart.median, unit))}</text>')
    if points:
        for i, anchor in ((0, "start"), (len(points) - 1, "end")):
            out.append(f'<text {TICK} x="{x(i):.1f}" '
                       f'y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}">'
                       f'{escape(period_label(points[i].on, weekly))}</text>')
        path = " ".join(f"{x(i):.1f},{y(float(p.value)):.1f}" for i, p in enumerate(points))
        out.append(f'<polyline {LINE} points="{path}"/>')
    shift, trend, astro = chart.marked(SHIFT), chart.marked(TREND), chart.marked(ASTRONOMICAL)
    for i, p in enumerate(points):
        px, py = x(i), y(float(p.value))
        if i in shift:
            out.append(f'<rect {SHIFT_MARK} x="{px - 4:.1f}" y="{py - 4:.1f}" '
                       'width="8" height="8"/>')
        elif i in trend:
            out.append(f'<polygon {TREND_MARK} points="{px:.1f},{py - 5:.1f} '
                       f'{px - 5:.1f},{py + 4:.1f} {px + 5:.1f},{py + 4:.1f}"/>')
        else:
            out.append(f'<circle {POINT} cx="{px:.0f}" cy="{py:.0f}" r="3"/>')
        if i in astro:
            out.append(f'<circle {ASTRO_MARK} cx="{px:.1f}" '
                       f'cy="{py:.1f}" r="8"/>')
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above is escaped


def table_rows(chart: RunChart, *, unit: str, weekly: bool, baseline_start: dt.date,
               baseline_end: dt.date) -> SafeString:
    """``<tr>`` rows of the chart's figures, oldest first: period, value, in the baseline,
    and the signals the point is part of."""
    kinds = [(SHIFT, "shift"), (TREND, "trend"), (ASTRONOMICAL, "astronomical point")]
    marked = {kind: chart.marked(kind) for kind, _ in kinds}
    rows = []
    # Periods, numbers and the signal labels are digits, month names and our own words: no
    # user text, so nothing to escape (escaping 3,000 cells was a third of a page's time).
    for i, p in enumerate(chart.points):
        signals = ", ".join(label for kind, label in kinds if i in marked[kind])
        baseline = "Yes" if baseline_start <= p.on <= baseline_end else ""
        # Bare cells (NHS.UK styles td and th themselves): 104 rows a chart, so every byte of
        # markup is paid a thousand times on a place page.
        rows.append(f'<tr><td>{period_label(p.on, weekly)}</td>'
                    f'<td class="nhsuk-table__cell--numeric">{number(p.value, unit)}</td>'
                    f'<td>{baseline}</td><td>{signals}</td></tr>')
    return mark_safe("".join(rows))  # every text above is escaped
