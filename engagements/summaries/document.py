"""How a compiled summary reads: one view of ``LearningSummary.content`` for the web page, the
PDF and the Markdown download, so the three cannot drift apart.

``summary_document(summary)`` turns the stored JSON (numbers and text) into what the templates
print: sections for the contents list, changes in words ("Down 10 from 108"), numbered learning
with anchors, bar widths for the theme chart. It reads nothing from the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils.text import slugify

from engagements.disclosure import (
    THRESHOLD,
    Cell,
    change_hidden,
    count_cell,
    count_text,
    suppress,
)
from engagements.models import LearningSummary
from engagements.summaries.content import LEARNING_HEADINGS
from engagements.summaries.pdf import html_to_pdf
from engagements.summaries.review import SECTIONS, section_order

SINGULAR = {
    "message": "Message",
    "lesson": "Lesson",
    "good_practice": "Good practice",
    "barrier": "Barrier",
    "quote": "Quote",
}
TRENDS = {"up": "Up", "down": "Down", "same": "Same", "new": "New"}


def number(value: float | int) -> str:
    """40.5 -> "40.5"; 48.0 -> "48"; 1200 -> "1,200"."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def change_text(now: float | int, before: float | int) -> str:
    if now == before:
        return "No change" if now else "None in either period"
    if not before:
        return "None before"
    word = "Up" if now > before else "Down"
    return f"{word} {number(abs(now - before))} from {number(before)}"


def direction(now: float | int, before: float | int) -> str:
    return "up" if now > before else "down" if now < before else "same"


def hidden_change_text(now: Cell, before: Cell) -> str:
    """The change when a count is hidden (engagements.disclosure): never a number that, with
    the figure shown, would give the hidden one away."""
    if not now.shown and not before.shown:
        if now.text == before.text:
            return f"{now.text.capitalize()} in both periods"
        return "Not shown: small numbers"
    if not before.shown:
        return f"Up from {before.text}" if now.value > 0 else f"None, from {before.text}"
    if before.value == 0:
        return "None before"
    return f"Down from {before.text}"


def _change(now: Cell, before: Cell) -> str:
    if change_hidden(now, before):
        return hidden_change_text(now, before)
    return change_text(now.value, before.value)


def _figure(label: str, figure: dict[str, Any], *, of: int | None = None,
            people: bool = True) -> dict[str, Any]:
    """A headline figure. ``people``: a count of sessions, subject to the small-number rule
    (days of support and places are not)."""
    if people:
        now, before = count_cell(figure["now"]), count_cell(figure["before"])
        return {"label": label, "value": now.text, "change": _change(now, before),
                # Both hidden: which is larger would say something about the two.
                "direction": direction(figure["now"], figure["before"]) if now.shown
                or before.shown else "same"}
    return {
        "label": label,
        "value": number(figure["now"]) + (f" of {number(of)}" if of is not None else ""),
        "change": change_text(figure["now"], figure["before"]),
        "direction": direction(figure["now"], figure["before"]),
    }


def _rows(rows: list[dict[str, Any]], *, totals: tuple[int, int] | None = None
          ) -> list[dict[str, Any]]:
    """Table rows of session counts, small ones hidden; with ``totals`` (this period's and the
    last's), the parts of a total, with follow-on suppression (engagements.disclosure)."""
    nows, _ = suppress([r["now"] for r in rows], totals[0] if totals else None)
    befores, _ = suppress([r["before"] for r in rows], totals[1] if totals else None)
    top = max((r["now"] for r in rows), default=0) or 1
    out = []
    for r, now, before in zip(rows, nows, befores, strict=True):
        # A hidden count's bar is drawn at the threshold: its length must not tell the count.
        shown_value = r["now"] if now.shown else THRESHOLD
        out.append({**r, "now_text": now.text, "before_text": before.text,
                    "hidden": not now.shown, "change_text": _change(now, before),
                    "direction": direction(r["now"], r["before"])
                    if now.shown or before.shown else "same",
                    "bar": min(100, round(100 * shown_value / top)) if r["now"] else 0})
    return out


def _evidence(theme: dict[str, Any], items: list[dict[str, Any]], *,
              place_scope: bool) -> dict[str, Any]:
    """What lies behind a theme statement, for a reader to trace it: its sessions (how many,
    in how many places, month by month — small counts hidden) and the items of learning
    recorded against it, by their labels and anchors. Never a note, never a name, never which
    place below the small-number rule."""
    small = theme["hidden"]
    # The months add up to the theme's count, which is shown: follow-on suppression.
    by_month = theme.get("months", [])
    cells, _ = suppress([m["sessions"] for m in by_month], theme["now"])
    months = [{"label": f"{dt.date.fromisoformat(m['month'] + '-01'):%B %Y}",
               "sessions": cell.text} for m, cell in zip(by_month, cells, strict=True)]
    places = theme.get("place_count")
    return {
        "sessions": theme["now_text"],
        # With fewer than 3 sessions, "in 2 places" would say one session each.
        "places": None if place_scope or small or places is None else places,
        "months": months if len(months) > 1 else [],
        "items": [{"label": i["label"], "anchor": i["anchor"]} for i in items],
    }


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def summary_document(summary: LearningSummary) -> dict[str, Any]:
    """Everything the summary templates need, from the stored content alone."""
    content = summary.content
    activity = content["activity"]
    figures = [
        _figure("Sessions held", activity["sessions"]),
        _figure("Days of support", activity["days"], people=False),
        _figure("Places reached", activity["places_reached"], of=activity["places_in_scope"],
                people=False),
        _figure("Postponed or cancelled", activity["not_held"]),
    ]

    # The lead's review: hidden items are left out (numbering closes up); an item withdrawn
    # after locking stays in its place, marked, with no text (engagements.summaries.review).
    hidden = {str(k) for k in (summary.hidden_items or {})}
    numbered = [dict(item) for item in content["learning"]["items"]  # content stays as stored
                if str(item.get("id")) not in hidden]
    items = {item["ref"]: item for item in numbered}
    counters: dict[str, int] = {}
    for item in numbered:
        counters[item["kind"]] = counters.get(item["kind"], 0) + 1
        item["label"] = f"{SINGULAR.get(item['kind'], 'Item')} {counters[item['kind']]}"
        item["anchor"] = f"learning-{item['ref'].lower()}"
    learning_sections = [
        {"id": f"learning-{group['kind'].replace('_', '-')}", "title": group["heading"],
         "kind": group["kind"], "items": [items[ref] for ref in group["refs"] if ref in items]}
        for group in content["learning"]["by_kind"]
    ]
    learning_sections = [section for section in learning_sections if section["items"]]
    by_theme = [
        {"theme": group["theme"] or "No theme given",
         "id": f"theme-{slugify(group['theme'] or 'none')}",
         "items": [items[ref] for ref in group["refs"]
                   if ref in items and not items[ref].get("withdrawn")]}
        for group in content["learning"]["by_theme"]
    ]
    by_theme = [group for group in by_theme if group["items"]]
    # Learning by the places' context (content from before it has none).
    by_context = [
        {"heading": attribute["heading"], "id": f"context-{attribute['key']}",
         "groups": [{**group, "items": [items[ref] for ref in group["refs"]
                                        if ref in items and not items[ref].get("withdrawn")]}
                    for group in attribute["groups"]]}
        for attribute in content["learning"].get("by_context", [])
    ]

    themes = _rows(content["themes"])
    learning_by_theme: dict[str, list[dict[str, Any]]] = {}
    for group in content["learning"]["by_theme"]:
        learning_by_theme[group["theme"] or ""] = [
            items[ref] for ref in group["refs"] if ref in items and not items[ref].get("withdrawn")]
    for theme in themes:
        theme["trend_text"] = (
            "New this period" if theme["trend"] == "new"
            else theme["change_text"]
        )
        theme["evidence"] = _evidence(theme, learning_by_theme.get(theme["name"], []),
                                      place_scope=content["scope"]["kind"] == "place")
    outcomes = [{**o, "recorded_on": _date(o["recorded_on"])} for o in content["outcomes"]]
    quiet = [{**q, "last_contact": _date(q["last_contact"]),
              "status_label": q["status"].capitalize()} for q in content["quiet_places"]]

    order = section_order(summary)
    learning_toc = [{"id": s["id"], "title": s["title"]} for s in learning_sections] or [
        {"id": "learning", "title": "Learning"}
    ]
    if by_theme:
        learning_toc.append({"id": "learning-by-theme", "title": "Learning by theme"})
    if by_context:
        learning_toc.append({"id": "learning-by-context", "title": "Learning by context"})
    toc = {"learning": learning_toc,
           **{key: [{"id": key, "title": SECTIONS[key]}] for key in SECTIONS if key != "learning"}}
    sections = [{"id": "introduction", "title": "Introduction"}] if summary.introduction else []
    for key in order:
        sections += toc[key]
    sections.append({"id": "about", "title": "About this summary"})
    held = activity["sessions"]["now"]
    sectors = _rows(activity["sectors"])
    for row in sectors:
        # A share of a shown total would give a hidden count away.
        row["share"] = round(100 * row["now"] / held) if held and not row["hidden"] else None
    return {
        "summary": summary,
        "title": content["scope"]["label"],
        "scope": content["scope"],
        "period_label": content["period"]["label"],
        "period_kind": LearningSummary.Period(content["period"]["kind"]).label,
        "start": _date(content["period"]["start"]),
        "end": _date(content["period"]["end"]),
        "previous_label": content["previous"]["label"],
        # Summaries compiled before like-for-like figures (content version 2) compared whole
        # periods, and say so.
        "comparison_label": content.get("comparison", {}).get("label") or (
            f"{content['period']['label']} vs {content['previous']['label']}"),
        "in_progress": content.get("comparison", {}).get("in_progress", False),
        "compiled_at": summary.compiled_at,
        "small_number": content["small_number"],
        "figures": figures,
        # Kinds of work add up to the sessions held: follow-on suppression applies.
        "kinds": _rows(activity["kinds"], totals=(held, activity["sessions"]["before"])),
        "sectors": sectors,
        "sessions_held": held,
        "sessions_held_text": count_text(held),
        "themes": themes,
        "themes_faded": content["themes_faded"],
        "learning_sections": learning_sections,
        "learning_count": len(items),
        "by_theme": by_theme,
        "by_context": by_context,
        "outcomes": outcomes,
        "measures": measure_charts(content.get("measures", [])),
        "quiet_places": quiet,
        "places_in_scope": activity["places_in_scope"],
        "sections": sections,
        "order": order,
        "introduction": summary.introduction,
        "locked": summary.locked_at is not None,
        "locked_at": summary.locked_at,
        "locked_by": _name(summary) if summary.locked_at else "",
        "content_hash": summary.content_hash,
        "changed_after_lock_at": summary.changed_after_lock_at,
        "withdrawn_count": sum(1 for item in numbered if item.get("withdrawn")),
        "hidden_count": len(content["learning"]["items"]) - len(numbered),
        "is_place_scope": content["scope"]["kind"] == LearningSummary.Scope.PLACE,
        "learning_headings": LEARNING_HEADINGS,
    }


def _name(summary: LearningSummary) -> str:
    # ``locked_by`` is selected with the summary (views.get_summary_for): no query here.
    user = summary.locked_by
    if user is None:
        return "a lead who has since left"
    return user.get_full_name() or user.get_username()


def summary_filename(summary: LearningSummary, extension: str) -> str:
    scope = slugify(summary.content.get("scope", {}).get("label", "")) or "summary"
    return f"learning-summary-{scope}-{summary.period_start:%Y-%m-%d}.{extension}"


def summary_pdf_bytes(summary: LearningSummary) -> bytes:
    """The PDF of the summary's content: seconds of WeasyPrint for a long quarter, so only the
    PDF task calls it (``summaries.summary_render_pdf``), never a web request."""
    html = render_to_string("engagements/summary-pdf.html", {"doc": summary_document(summary)})
    return html_to_pdf(html)


def summary_markdown_text(summary: LearningSummary) -> str:
    text = render_to_string("engagements/summary.md", {"doc": summary_document(summary)})
    # Templates leave runs of blank lines where blocks are skipped; Markdown needs one.
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def measure_charts(measures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each measure of the content with its run chart, drawn from the content alone (summaries
    compiled before measures existed have none)."""
    from decimal import Decimal

    from engagements.dashboards.runchart import Point, run_chart
    from engagements.measures import charts

    out = []
    for i, m in enumerate(measures):
        start, end = _date(m["baseline_start"]), _date(m["baseline_end"])
        assert start is not None and end is not None
        chart = run_chart(
            [Point(_date(on) or start, Decimal(value)) for on, value in m["points"]],
            baseline_start=start, baseline_end=end,
            baseline_value=Decimal(m["baseline_value"]) if m["baseline_value"] else None,
            direction=m["direction"], weekly=m["weekly"])
        out.append({**m, "chart": chart, "median_text": charts.number(chart.median, m["unit"]),
                    "svg": charts.run_chart_svg(
                        chart, ident=f"summary-measure-{i}", name=f"{m['name']}, {m['place']}",
                        unit=m["unit"], weekly=m["weekly"], baseline_start=start,
                        baseline_end=end),
                    "table_html": charts.table_rows(chart, unit=m["unit"], weekly=m["weekly"],
                                                    baseline_start=start, baseline_end=end)})
    return out
