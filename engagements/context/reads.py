"""Named reads for a place's context and the CQC asks: what the place page shows, the
programme's support load by region, the checklist's answers, and the good-practice library.
No side effects; query counts are stated on each and asserted in tests/test_context.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet

from engagements.attribution import attribute, place_facts
from engagements.context import checklist
from engagements.context.models import (
    GoodPractice,
    LocalProtocol,
    OtherSupport,
    PlaceContext,
    UecChecklist,
    UecSponsor,
)
from engagements.dashboards.definitions import paginate
from engagements.disclosure import THRESHOLD
from places.models import Place

if TYPE_CHECKING:
    from django.core.paginator import Page

    from engagements.models import Programme

REVIEW_NOTICE_DAYS = 28  # a protocol's review is "due" this many days ahead, and after
SUPPORT_PAGE_SIZE = 50
LIBRARY_PAGE_SIZE = 20
LOAD_BANDS = ("none", "one", "two", "three or more")


def current_q(today: dt.date, prefix: str = "") -> Q:
    """Other support running on ``today``."""
    return (Q(**{f"{prefix}started_on__lte": today})
            & (Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": today})))


@dataclass
class PlaceContextView:
    """What the place page shows of context and the CQC asks."""

    context: PlaceContext | None
    sponsor: UecSponsor | None
    board_id: int | None
    support: list[OtherSupport]
    protocols: list[LocalProtocol]
    today: dt.date
    current_support: int = field(init=False)

    def __post_init__(self) -> None:
        self.current_support = sum(1 for s in self.support if s.started_on <= self.today
                                   and (s.ended_on is None or s.ended_on >= self.today))

    @property
    def review_due_from(self) -> dt.date:
        return self.today + dt.timedelta(days=REVIEW_NOTICE_DAYS)


def _related(obj: object, name: str) -> Any:
    """A reverse one-to-one, or None when there is none (select_related caches the absence)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def place_context_of(place: Place, today: dt.date) -> PlaceContextView:
    """The place's context and its board's sponsor come with the place
    (``engagements.dashboards.place.engagement_for`` joins them: no query; a place loaded
    without them costs a query or two). Then one query for the other support and one for the
    protocols with their organisations (a LEFT JOIN through the M2M; none without a board)."""
    context = _related(place, "context")
    board = _related(place, "board")
    sponsor = _related(board, "uec_sponsor") if board else None
    support = list(OtherSupport.objects.filter(place=place))
    protocols: list[LocalProtocol] = []
    if board is not None:
        by_pk: dict[int, LocalProtocol] = {}
        for row in (LocalProtocol.objects.filter(board=board)
                    .values("pk", "title", "covers", "agreed_on", "review_on",
                            "organisations__name")
                    .order_by("review_on", "title", "pk", "organisations__name")):
            protocol = by_pk.get(row["pk"])
            if protocol is None:
                protocol = by_pk[row["pk"]] = LocalProtocol(
                    pk=row["pk"], board=board, title=row["title"], covers=row["covers"],
                    agreed_on=row["agreed_on"], review_on=row["review_on"])
                protocol.organisation_names = []  # type: ignore[attr-defined]
                protocols.append(protocol)
            if row["organisations__name"]:
                protocol.organisation_names.append(row["organisations__name"])  # type: ignore[attr-defined]
    return PlaceContextView(context=context, sponsor=sponsor,
                            board_id=board.pk if board else None, support=support,
                            protocols=protocols, today=today)


# -- support load by region -----------------------------------------------------------------

@dataclass
class RegionLoad:
    name: str
    places: int
    bands: list[tuple[str, int]]


def support_load(programme: Programme, today: dt.date, page_number: Any
                 ) -> tuple[list[RegionLoad], Page]:
    """Per region, how many of the programme's places carry none, one, two, three or more
    other programmes now (never a ranking: places are listed by name); and a page of places
    with their current programmes. Three queries (the bands, the count and the page), plus one
    for the page's programmes' names."""
    places = (Place.objects.filter(engagements__programme=programme).distinct()
              .annotate(load=Count("other_support", filter=current_q(today, "other_support__"),
                                   distinct=True)))
    counts: dict[str, dict[str, int]] = {}
    for region, load in places.values_list("region__name", "load").order_by():
        band = LOAD_BANDS[min(load, 3)]
        counts.setdefault(region, dict.fromkeys(LOAD_BANDS, 0))[band] += 1
    regions = [RegionLoad(name=name, places=sum(c.values()), bands=list(c.items()))
               for name, c in sorted(counts.items())]
    page = paginate(places.select_related("region").order_by("region__name", "name", "pk"),
                    page_number, SUPPORT_PAGE_SIZE)
    names: dict[int, list[OtherSupport]] = {}
    for s in OtherSupport.objects.filter(current_q(today),
                                         place__in=[p.pk for p in page]).order_by("name"):
        names.setdefault(s.place_id, []).append(s)
    for p in page:
        p.current = names.get(p.pk, [])
    return regions, page


def reviews_due(programme: Programme, today: dt.date) -> list[LocalProtocol]:
    """The programme's places' local protocols whose review is overdue or due within
    ``REVIEW_NOTICE_DAYS``, soonest first (at most 50). One query."""
    return list(LocalProtocol.objects.filter(
        board__place__engagements__programme=programme,
        review_on__lte=today + dt.timedelta(days=REVIEW_NOTICE_DAYS))
        .select_related("board__place").order_by("review_on", "pk").distinct()[:50])


# -- the checklist --------------------------------------------------------------------------

@dataclass
class ChecklistRow:
    key: str
    text: str
    status: str
    status_label: str
    comment: str


def latest_checklist(board_id: int) -> tuple[UecChecklist | None, UecChecklist | None]:
    """(the latest answered checklist, one sent and awaiting an answer). One query."""
    rows = list(UecChecklist.objects.filter(board_id=board_id).order_by("-created_at", "-pk")
                [:20])
    answered = max((r for r in rows if r.state == UecChecklist.State.ANSWERED),
                   key=lambda r: r.answered_at or r.created_at, default=None)
    waiting = next((r for r in rows if r.state == UecChecklist.State.SENT), None)
    return answered, waiting


def checklist_rows(row: UecChecklist | None) -> list[ChecklistRow]:
    labels = dict(checklist.Status.choices)
    answers = row.answers if row else {}
    return [ChecklistRow(key=key, text=text, status=answers.get(key, {}).get("status", ""),
                         status_label=labels.get(answers.get(key, {}).get("status", ""), ""),
                         comment=answers.get(key, {}).get("comment", ""))
            for key, text in checklist.SUGGESTIONS]


# -- the good-practice library --------------------------------------------------------------

@dataclass
class LibraryItem:
    item: GoodPractice
    role: str
    where: str


def library(*, text: str, kind: str, theme: str, page_number: Any) -> tuple[Page,
                                                                         list[LibraryItem]]:
    """A page of good practice across places, newest first, filtered by words in the title or
    description, by kind and by theme (slug). Attributed like shared learning
    (``engagements.attribution``): a role that would single out one person is generalised and
    the place widened to its region. Five queries: the count, the page, its themes, and three
    for the page's places' facts (minus those with an empty page)."""
    qs: QuerySet[GoodPractice] = GoodPractice.objects.filter(withdrawn_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if theme:
        qs = qs.filter(themes__slug=theme)
    for word in text.split()[:8]:
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    page = paginate(qs.prefetch_related("themes").order_by("-recorded_on", "-pk"),
                    page_number, LIBRARY_PAGE_SIZE)
    rows = list(page)
    facts = place_facts({r.place_id for r in rows}) if rows else {}
    items = []
    for r in rows:
        if r.attributed_role:
            shown = attribute(r.attributed_role, facts[r.place_id])
            items.append(LibraryItem(r, shown.role, shown.where))
        else:
            items.append(LibraryItem(r, "", facts[r.place_id].place))
    return page, items


def fewer_than(count: int) -> str:
    """A published count: "fewer than 3" under the small-numbers threshold."""
    return f"fewer than {THRESHOLD}" if 0 < count < THRESHOLD else str(count)
