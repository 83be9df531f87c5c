"""What a learning summary says: figures, themes, learning, outcomes and quiet places.

``summary_content(summary)`` returns the JSON stored in ``LearningSummary.content``. It costs
13 queries whatever the size of the programme: every figure is an aggregate in the database,
and the current and previous periods are counted in the same query (two FILTERed counts over
the two periods' rows). No session row is ever loaded, so ``Session.private_notes`` is never
selected — not deferred, not read, not in memory (tests check the SQL).

The rules it applies (DESIGN.md, seed 004):
- only live sessions count (``deleted_at`` is null); activity counts sessions that were held;
- only learning an enabler marked shareable; quotes only with consent and a role, shown by role;
  no learning item says which place it came from;
- a theme drawn from fewer than ``SMALL_NUMBER`` sessions in the period is not broken down by
  place, and a place is named for a theme only where it came up in ``SMALL_NUMBER`` or more of
  its sessions (small numbers identify people);
- like for like: a period in progress counts its days so far against the same days of the
  period before; a finished one, the whole of both (``Period.compared``, labelled in
  ``comparison``);
- places with no contact: engagements expecting contact (diagnostic or active: a paused or
  closed one is not a gap) requested by the end of the period, with no contact in it — a visit
  the place postponed (or that was cancelled) is contact attempted, not a gap.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from engagements.context import grouping
from engagements.disclosure import THRESHOLD
from engagements.models import (
    Engagement,
    LearningItem,
    LearningSummary,
    Outcome,
    Session,
    SessionSectorCount,
)
from engagements.outcomes.wording import confirmed_by_text
from engagements.querysets import EngagementQuerySet
from engagements.summaries.periods import Period, period_label
from fieldbook.units import minutes_to_days
from places.models import SECTOR_BY_KIND, Sector

# 2: the learning lists the ids of the items it quotes (``learning.item_ids``).
# 3: like-for-like ``comparison``; quiet places count postponed visits as contact; each
#    learning item carries its id (for review and withdrawal).
CONTENT_VERSION = 3
SMALL_NUMBER = THRESHOLD
TOP_PLACES = 3
EXPECTING_CONTACT = EngagementQuerySet.EXPECTING_CONTACT

# The order learning is read in: seed 001 leads with the messages for national leaders.
LEARNING_ORDER = (
    LearningItem.Kind.MESSAGE,
    LearningItem.Kind.LESSON,
    LearningItem.Kind.GOOD_PRACTICE,
    LearningItem.Kind.BARRIER,
    LearningItem.Kind.QUOTE,
)
LEARNING_HEADINGS = {
    LearningItem.Kind.MESSAGE: "Messages for national leaders",
    LearningItem.Kind.LESSON: "Lessons",
    LearningItem.Kind.GOOD_PRACTICE: "Good practice",
    LearningItem.Kind.BARRIER: "Barriers",
    LearningItem.Kind.QUOTE: "In their words",
}


def _scope_q(summary: LearningSummary, prefix: str) -> Q:
    """Engagements in the summary's scope, seen from a model ``prefix`` away (e.g. "session__")."""
    q = Q(**{f"{prefix}programme_id": summary.programme_id})
    if summary.scope == LearningSummary.Scope.REGION:
        q &= Q(**{f"{prefix}place__region_id": summary.region_id})
    elif summary.scope == LearningSummary.Scope.PLACE:
        q &= Q(**{f"{prefix}place_id": summary.place_id})
    return q


def _figure(now: int | float, before: int | float) -> dict[str, Any]:
    return {"now": now, "before": before, "change": round(now - before, 1)}


def _days(minutes: int | None) -> float:
    return float(minutes_to_days(minutes))


def _trend(now: int, before: int) -> str:
    if before == 0:
        return "new"
    return "up" if now > before else "down" if now < before else "same"


def summary_content(summary: LearningSummary, *, today: dt.date | None = None
                    ) -> dict[str, Any]:
    whole = Period(summary.period, summary.period_start, summary.period_end)
    comparison = whole.compared(today or timezone.localdate())
    # Figures count ``period`` (the days so far, for a period in progress) against the same
    # days of the one before; learning and outcomes are the whole period's (none is dated
    # after today).
    period, previous = comparison.now, comparison.before
    in_now = Q(date__gte=period.start, date__lte=period.end)
    in_before = Q(date__gte=previous.start, date__lte=previous.end)
    held = Q(status=Session.Status.HELD)
    # Every session read starts here: live, in scope, in either period. ``.values()`` and
    # aggregates only — never model instances, so never the private notes column.
    sessions = Session.objects.filter(
        _scope_q(summary, "engagement__"), deleted_at__isnull=True,
        date__gte=previous.start, date__lte=period.end,
    ).order_by()

    engagements = _engagements(summary, period, previous)
    activity = _activity(sessions, engagements, in_now, in_before, held)
    activity["kinds"] = _kinds(sessions, in_now, in_before, held)
    activity["sectors"] = _sectors(summary, period, previous)
    themes, faded = _themes(summary, period, previous)
    learning = _learning(summary, whole)
    return {
        "version": CONTENT_VERSION,
        "scope": {
            "kind": summary.scope,
            "label": summary.scope_label,
            "programme": summary.programme.name,
            "region": summary.region.name if summary.region else None,
            "place": summary.place.name if summary.place else None,
        },
        "period": {"kind": whole.kind, "start": whole.start.isoformat(),
                   "end": whole.end.isoformat(), "label": whole.label},
        "previous": {"start": previous.start.isoformat(), "end": previous.end.isoformat(),
                     "label": period_label(previous.kind, previous.start, previous.end)},
        "comparison": {"in_progress": comparison.in_progress,
                       "start": period.start.isoformat(), "end": period.end.isoformat(),
                       "days": period.days, "label": comparison.label},
        "compiled_at": timezone.now().isoformat(timespec="seconds"),
        "small_number": SMALL_NUMBER,
        "activity": activity,
        "themes": themes,
        "themes_faded": faded,
        "learning": learning,
        "outcomes": _outcomes(summary, whole),
        "measures": _measures(summary, whole),
        "quiet_places": [
            {"place": e["place__name"], "status": e["status"],
             "last_contact": e["last_contact"].isoformat() if e["last_contact"] else None}
            for e in engagements
            if e["status"] in EXPECTING_CONTACT and e["requested_on"] <= period.end
            and not e["contact_now"]
        ],
    }


def _engagements(
    summary: LearningSummary, period: Period, previous: Period
) -> list[dict[str, Any]]:
    """Every engagement in scope with its held sessions in both periods, and its contact (held,
    postponed or cancelled) in the period and before its end. One query."""
    live = Q(sessions__deleted_at__isnull=True)
    live_held = live & Q(sessions__status=Session.Status.HELD)
    return list(
        Engagement.objects.filter(_scope_q(summary, ""))
        .values("id", "place__name", "status", "requested_on")
        .annotate(
            held_now=Count("sessions", filter=live_held & Q(
                sessions__date__gte=period.start, sessions__date__lte=period.end)),
            held_before=Count("sessions", filter=live_held & Q(
                sessions__date__gte=previous.start, sessions__date__lte=previous.end)),
            contact_now=Count("sessions", filter=live & Q(
                sessions__date__gte=period.start, sessions__date__lte=period.end)),
            last_contact=Max("sessions__date", filter=live & Q(sessions__date__lte=period.end)),
        )
        .order_by("place__name")
    )


def _activity(sessions: Any, engagements: list[dict[str, Any]], in_now: Q, in_before: Q,
              held: Q) -> dict[str, Any]:
    totals = sessions.aggregate(
        held_now=Count("id", filter=held & in_now),
        held_before=Count("id", filter=held & in_before),
        minutes_now=Sum("duration_minutes", filter=held & in_now),
        minutes_before=Sum("duration_minutes", filter=held & in_before),
        not_held_now=Count("id", filter=~held & in_now),
        not_held_before=Count("id", filter=~held & in_before),
    )
    return {
        "sessions": _figure(totals["held_now"], totals["held_before"]),
        "days": _figure(_days(totals["minutes_now"]), _days(totals["minutes_before"])),
        "places_reached": _figure(
            sum(1 for e in engagements if e["held_now"]),
            sum(1 for e in engagements if e["held_before"]),
        ),
        "places_in_scope": len(engagements),
        "not_held": _figure(totals["not_held_now"], totals["not_held_before"]),
    }


def _kinds(sessions: Any, in_now: Q, in_before: Q, held: Q) -> list[dict[str, Any]]:
    rows = {
        row["kind"]: row
        for row in sessions.filter(held).values("kind").annotate(
            now=Count("id", filter=in_now), before=Count("id", filter=in_before)
        )
    }
    return [
        {"kind": kind, "label": label, **_figure(rows[kind]["now"], rows[kind]["before"])}
        for kind, label in Session.Kind.choices
        if kind in rows and (rows[kind]["now"] or rows[kind]["before"])
    ]


def _sectors(summary: LearningSummary, period: Period, previous: Period) -> list[dict[str, Any]]:
    """Held sessions with each sector in the room: a named attendee from an organisation of
    that sector, or a headcount for it. A session with both is counted once: three grouped
    queries, attendees + headcounts − sessions that have both."""
    session_q = _scope_q(summary, "session__engagement__") & Q(
        session__deleted_at__isnull=True, session__status=Session.Status.HELD,
        session__date__gte=previous.start, session__date__lte=period.end,
    )
    now = Q(session__date__gte=period.start)
    before = Q(session__date__lt=period.start)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"now": 0, "before": 0})

    kind_to_sector = {str(k): str(s) for k, s in SECTOR_BY_KIND.items()}
    attendees = Session.attendees.through.objects.filter(session_q).values(
        "person__organisation__kind"
    ).annotate(
        now=Count("session_id", distinct=True, filter=now),
        before=Count("session_id", distinct=True, filter=before),
    ).order_by()
    for row in attendees:
        sector = kind_to_sector.get(row["person__organisation__kind"])
        if sector:
            counts[sector]["now"] += row["now"]
            counts[sector]["before"] += row["before"]

    headcounts = SessionSectorCount.objects.filter(session_q).values("sector").annotate(
        now=Count("session_id", distinct=True, filter=now),
        before=Count("session_id", distinct=True, filter=before),
    ).order_by()
    for row in headcounts:
        counts[row["sector"]]["now"] += row["now"]
        counts[row["sector"]]["before"] += row["before"]

    # Sessions with a headcount for a sector *and* a named attendee from it: for each headcount
    # row, one indexed EXISTS on the attendees of its session (an OR of joins instead made
    # PostgreSQL take a minute over 30,000 sessions).
    organisation_kind = Case(
        *[When(sector=sector, then=Value(kind)) for kind, sector in kind_to_sector.items()],
        default=Value(""), output_field=CharField(),
    )
    named = Exists(Session.attendees.through.objects.filter(
        session_id=OuterRef("session_id"), person__organisation__kind=OuterRef("organisation_kind"),
    ))
    overlap = (
        SessionSectorCount.objects.filter(session_q)
        .annotate(organisation_kind=organisation_kind).filter(named)
        .values("sector").annotate(
            now=Count("session_id", distinct=True, filter=now),
            before=Count("session_id", distinct=True, filter=before),
        ).order_by()
    )
    for row in overlap:
        counts[row["sector"]]["now"] -= row["now"]
        counts[row["sector"]]["before"] -= row["before"]

    return [
        {"sector": sector, "label": label,
         **_figure(counts[sector]["now"], counts[sector]["before"])}
        for sector, label in Sector.choices
        if counts.get(sector) and (counts[sector]["now"] or counts[sector]["before"])
    ]


def _themes(summary: LearningSummary, period: Period,
            previous: Period) -> tuple[list[dict[str, Any]], list[str]]:
    """Themes of held sessions, ranked by sessions in the period, with their trend and the
    places where each is most present (withheld below ``SMALL_NUMBER`` sessions), how many
    places it came from and its sessions month by month. Three queries."""
    through = Session.themes.through.objects.filter(
        _scope_q(summary, "session__engagement__"),
        session__deleted_at__isnull=True, session__status=Session.Status.HELD,
    )
    now = Q(session__date__gte=period.start, session__date__lte=period.end)
    before = Q(session__date__gte=previous.start, session__date__lte=previous.end)
    rows = list(
        through.filter(now | before)
        .values("theme_id", "theme__name", "theme__slug")
        .annotate(now=Count("session_id", filter=now), before=Count("session_id", filter=before))
        .order_by()
    )
    # The evidence behind each theme, by month of the period (a quarter reads as its months).
    by_month: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        through.filter(now).values("theme_id", month=TruncMonth("session__date"))
        .annotate(n=Count("session_id")).order_by("month")
    ):
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        by_month[row["theme_id"]].append({"month": month.isoformat()[:7], "sessions": row["n"]})
    by_place: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if summary.scope != LearningSummary.Scope.PLACE:
        for row in (
            through.filter(now).values("theme_id", "session__engagement__place__name")
            .annotate(n=Count("session_id")).order_by()
        ):
            by_place[row["theme_id"]].append((row["n"], row["session__engagement__place__name"]))

    ranked = sorted((r for r in rows if r["now"]), key=lambda r: (-r["now"], r["theme__name"]))
    themes = []
    for rank, row in enumerate(ranked, start=1):
        small = row["now"] < SMALL_NUMBER
        # The small-number rule twice: the theme's total, and each place's own figure.
        places = [] if small else [
            {"place": name, "sessions": n}
            for n, name in sorted(by_place[row["theme_id"]], key=lambda p: (-p[0], p[1]))
            if n >= SMALL_NUMBER
        ][:TOP_PLACES]
        themes.append({
            "rank": rank, "slug": row["theme__slug"], "name": row["theme__name"],
            **_figure(row["now"], row["before"]), "trend": _trend(row["now"], row["before"]),
            "places": places,
            "places_withheld": summary.scope != LearningSummary.Scope.PLACE and not places,
            # How many places it came from (never which, below the small-number rule) and
            # when: the trail from the statement to its evidence.
            "place_count": (1 if summary.scope == LearningSummary.Scope.PLACE
                            else len(by_place[row["theme_id"]])),
            "months": by_month.get(row["theme_id"], []),
        })
    faded = sorted(r["theme__name"] for r in rows if r["before"] and not r["now"])
    return themes, faded


def _learning(summary: LearningSummary, period: Period) -> dict[str, Any]:
    """Shareable learning from live sessions in the period, numbered in reading order, grouped
    by kind and by theme. Two queries (the items, and their themes through a subquery)."""
    # Shared and never withdrawn; quotes only with consent and a role (``shared()``).
    items_qs = LearningItem.objects.shared().filter(
        _scope_q(summary, "session__engagement__"),
        session__date__gte=period.start, session__date__lte=period.end,
    )
    # The places' context rides along in the same query (a LEFT JOIN): for learning by context.
    rows = list(items_qs.values("id", "kind", "text", "attributed_role", "consent",
                                "session__date", grouping.PLACE_FIELD, *grouping.FIELDS)
                .order_by("session__date", "id"))
    themes_of: dict[int, list[str]] = defaultdict(list)
    for link in (
        LearningItem.themes.through.objects.filter(learningitem__in=items_qs.values("id"))
        .values("learningitem_id", "theme__name").order_by("theme__name")
    ):
        themes_of[link["learningitem_id"]].append(link["theme__name"])

    order = {kind: i for i, kind in enumerate(LEARNING_ORDER)}
    rows.sort(key=lambda r: (order.get(r["kind"], len(order)), r["session__date"], r["id"]))
    items: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        items.append({
            # The item's id: what a lead's review hides it by, and what a withdrawal after
            # locking finds it by (never shown).
            "id": row["id"],
            "ref": f"L{number}",
            "kind": row["kind"],
            "text": row["text"].strip(),
            # A role only with consent: never a name, and never a place (role + place is a
            # person). Quotes always have both (filtered above).
            "role": row["attributed_role"].strip() if row["consent"] else "",
            "themes": themes_of.get(row["id"], []),
        })

    by_kind = [
        {"kind": kind, "heading": LEARNING_HEADINGS[kind],
         "refs": [i["ref"] for i in items if i["kind"] == kind]}
        for kind in LEARNING_ORDER
    ]
    theme_refs: dict[str, list[str]] = defaultdict(list)
    for item in items:
        for theme in item["themes"] or [""]:
            theme_refs[theme].append(item["ref"])
    by_theme = [
        {"theme": theme or None, "refs": refs}
        for theme, refs in sorted(theme_refs.items(),
                                  key=lambda kv: (kv[0] == "", -len(kv[1]), kv[0]))
    ]
    # Learning by the places' context (never within one place: it has one context).
    by_context = [] if summary.scope == LearningSummary.Scope.PLACE else (
        grouping.learning_by_context(rows, {i["id"]: i["ref"] for i in items}))
    return {"items": items, "by_kind": [k for k in by_kind if k["refs"]], "by_theme": by_theme,
            "by_context": by_context,
            # Never shown: recorded as LearningSummary.learning_items when the content is saved.
            "item_ids": sorted(row["id"] for row in rows)}


def _outcomes(summary: LearningSummary, period: Period) -> list[dict[str, Any]]:
    """Outcomes the places confirmed, recorded in the period, newest first: as the place
    confirmed them (their correction, if any), with who confirmed them (a role, never a name).
    Two queries."""
    qs = Outcome.objects.confirmed().filter(
        _scope_q(summary, "engagement__"),
        recorded_on__gte=period.start, recorded_on__lte=period.end,
    )
    themes_of: dict[int, list[str]] = defaultdict(list)
    for link in (
        Outcome.themes.through.objects.filter(outcome__in=qs.values("id"))
        .values("outcome_id", "theme__name").order_by("theme__name")
    ):
        themes_of[link["outcome_id"]].append(link["theme__name"])
    labels = dict(Outcome.Kind.choices)
    return [
        {"title": row["title"], "kind": row["kind"], "kind_label": labels.get(row["kind"], ""),
         "recorded_on": row["recorded_on"].isoformat(), "place": row["engagement__place__name"],
         "description": (row["correction"] or {}).get("what_changed")
         or row["what_changed"] or row["description"],
         "measure": row["measure"], "themes": themes_of.get(row["id"], []),
         "confirmed_by": confirmed_by_text(row["confirmed_by_role"], row["confirmed_at"])}
        for row in qs.values("id", "title", "kind", "recorded_on", "description", "measure",
                             "what_changed", "correction", "confirmed_by_role",
                             "confirmed_at", "engagement__place__name")
        .order_by("-recorded_on", "title")
    ]



MEASURE_POINTS = 104  # the latest values of each measure a summary carries (two years weekly)
SUMMARY_MEASURES = 60


def _measures(summary: LearningSummary, period: Period) -> list[dict[str, Any]]:
    """The scope's measures (the first ``SUMMARY_MEASURES`` by place and name) with their values
    up to the period's end (the latest ``MEASURE_POINTS`` of each), so the document draws each
    run chart from the content alone and a locked summary's charts never change. One query:
    the values with their measure joined."""
    from engagements.measures.models import Measure, MeasureValue

    chosen = (Measure.objects.filter(_scope_q(summary, "engagement__"),
                                     baseline_start__lte=period.end)
              .order_by("engagement__place__name", "name", "pk").values("pk")[:SUMMARY_MEASURES])
    measures: dict[int, dict[str, Any]] = {}
    units = dict(Measure.Unit.choices)
    for row in (
        MeasureValue.objects.filter(measure__in=chosen, period__lte=period.end)
        .order_by("measure__engagement__place__name", "measure__name", "measure_id", "period")
        .values_list("measure_id", "period", "value", "measure__name",
                     "measure__engagement__place__name", "measure__innovation__name",
                     "measure__unit", "measure__direction", "measure__frequency",
                     "measure__baseline_start", "measure__baseline_end",
                     "measure__baseline_value")
    ):
        (pk, on, value, name, place, innovation, unit, direction, frequency, start, end,
         baseline_value) = row
        if pk not in measures:
            measures[pk] = {
                "name": name, "place": place, "innovation": innovation or "", "unit": unit,
                "unit_label": units.get(unit, unit), "direction": direction,
                "weekly": frequency == Measure.Frequency.WEEKLY,
                "baseline_start": start.isoformat(), "baseline_end": end.isoformat(),
                "baseline_value": None if baseline_value is None else str(baseline_value),
                "points": []}
        measures[pk]["points"].append([on.isoformat(), str(value)])
    for m in measures.values():
        m["points"] = m["points"][-MEASURE_POINTS:]
    return list(measures.values())
