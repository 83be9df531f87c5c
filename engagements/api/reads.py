"""The API's reads (and the open-data export's): aggregates from the rollups, each a fixed
number of queries whatever the data. Nothing here reads a session's notes or next steps, a
learning item's text or a person: the queries name their columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Max, Prefetch, QuerySet, Sum
from django.utils import timezone

from engagements import rollups
from engagements.api import schemas as s
from engagements.api.models import ApiClient
from engagements.disclosure import count_cell, suppress
from engagements.messages.models import MessagePublication
from engagements.models import (
    Engagement,
    EngagementActivity,
    EngagementTheme,
    LearningItem,
    LearningSummary,
    Outcome,
    Programme,
    Theme,
)
from fieldbook.units import minutes_to_days
from places.models import Organisation, Place, Sector

LATEST = 10


def _days(minutes: int | None) -> float:
    return float(minutes_to_days(minutes or 0, "0.01"))


def _figure(n: int) -> s.Figure:
    return s.Figure.of(count_cell(n))


def programmes_for(client: ApiClient) -> QuerySet[Programme]:
    """The client's programmes with their number of places, by name (one query a page)."""
    return (Programme.objects.filter(api_clients=client)
            .annotate(places=Count("engagements")).order_by("name", "pk"))


def programme_out(programme: Programme, places: int) -> s.ProgrammeOut:
    return s.ProgrammeOut(
        slug=programme.slug, name=programme.name, description=programme.description,
        starts_on=programme.starts_on, ends_on=programme.ends_on,
        summary_cadence=programme.summary_cadence, places=places)


def places_of(programme: Programme) -> QuerySet[Place]:
    """The programme's places with region, system and organisations: two queries a page."""
    return (Place.objects.filter(engagements__programme=programme)
            .select_related("region", "system")
            .prefetch_related(Prefetch("organisations",
                                       Organisation.objects.order_by("name", "pk")))
            .order_by("name", "pk"))


def place_out(place: Place) -> s.PlaceOut:
    return s.PlaceOut(
        slug=place.slug, name=place.name, region=place.region.name,
        system=place.system.name if place.system else None,
        organisations=[s.OrganisationOut(name=o.name, kind=o.kind,
                                         kind_label=o.get_kind_display(),
                                         ods_code=o.ods_code or None)
                       for o in place.organisations.all()])


def themes_active() -> QuerySet[Theme]:
    return Theme.objects.filter(is_active=True).order_by("name", "pk")


def theme_out(theme: Theme) -> s.ThemeOut:
    return s.ThemeOut(slug=theme.slug, name=theme.name, description=theme.description)


def engagements_of(programme: Programme) -> QuerySet[Engagement]:
    """The programme's engagements with their activity rollup and theme counts to date: two
    queries a page (``engagements_out`` adds the last quarters: one more, or four)."""
    return (Engagement.objects.filter(programme=programme)
            .select_related("place__region", "activity")
            .prefetch_related(Prefetch(
                "theme_counts",
                EngagementTheme.objects.select_related("theme").order_by("theme__name", "pk")))
            .only("pk", "status", "requested_on", "started_on", "ended_on", "days_allocated",
                  "place__slug", "place__name", "place__region__name",
                  "activity__held_sessions", "activity__held_minutes",
                  "activity__last_held_on")
            .order_by("place__name", "pk"))


def _activity(engagement: Engagement) -> s.Activity:
    try:
        row: EngagementActivity | None = engagement.activity
    except EngagementActivity.DoesNotExist:
        row = None  # nothing held yet: the dashboards' LEFT JOIN reads it the same
    return s.Activity(
        held_sessions=_figure(row.held_sessions if row else 0),
        days_used=_days(row.held_minutes if row else 0),
        last_held_on=row.last_held_on if row else None)


def engagements_out(engagements: Sequence[Engagement]) -> list[s.EngagementOut]:
    """Rows for a page of ``engagements_of``, with their last quarter from its rollup."""
    today = timezone.localdate()
    quarters = rollups.quarters([e.pk for e in engagements], today)
    wanted = {t for q in quarters.values() for t in q.themes}
    names = {pk: (slug, name) for pk, slug, name in Theme.objects.filter(pk__in=wanted)
             .values_list("pk", "slug", "name").order_by()} if wanted else {}
    out = []
    for e in engagements:
        quarter = quarters[e.pk]
        out.append(s.EngagementOut(
            place=e.place.slug, place_name=e.place.name, region=e.place.region.name,
            status=e.status, requested_on=e.requested_on, started_on=e.started_on,
            ended_on=e.ended_on,
            days_allocated=float(e.days_allocated) if e.days_allocated is not None else None,
            activity=_activity(e),
            themes=[s.ThemeSessions(theme=t.theme.slug, name=t.theme.name,
                                    sessions=_figure(t.held_sessions))
                    for t in e.theme_counts.all()],
            last_quarter=s.Quarter(
                themes=[s.ThemeSessions(theme=names[t][0], name=names[t][1],
                                        sessions=_figure(n))
                        for t, n in sorted(quarter.themes.items(), key=lambda tn: -tn[1])
                        if t in names],
                sectors=sorted(Sector(v).label for v in quarter.sectors if v in Sector.values)),
        ))
    return out


def programme_aggregate(programme: Programme) -> s.ProgrammeAggregate:
    """The programme's figures to date, from the rollups: three queries at any size."""
    status_counts = dict(Engagement.objects.filter(programme=programme).values("status")
                         .annotate(n=Count("pk")).values_list("status", "n").order_by())
    totals = EngagementActivity.objects.filter(engagement__programme=programme).aggregate(
        sessions=Sum("held_sessions"), minutes=Sum("held_minutes"), last=Max("last_held_on"))
    themes = (EngagementTheme.objects.filter(engagement__programme=programme)
              .values("theme__slug", "theme__name")
              .annotate(sessions=Sum("held_sessions"), places=Count("engagement_id"))
              .order_by("-sessions", "theme__name"))
    return s.ProgrammeAggregate(
        programme=programme_out(programme, sum(status_counts.values())),
        engagements_by_status=[
            s.StatusCount(status=value, label=label, engagements=status_counts.get(value, 0))
            for value, label in Engagement.Status.choices],
        activity=s.Activity(held_sessions=_figure(totals["sessions"] or 0),
                            days_used=_days(totals["minutes"]), last_held_on=totals["last"]),
        themes=[s.ThemeReach(theme=t["theme__slug"], name=t["theme__name"],
                             sessions=_figure(t["sessions"]), places=_figure(t["places"]))
                for t in themes],
    )


def learning_published(programme: Programme) -> s.LearningOut:
    """Published learning of the programme, as counts: six queries at any size."""
    shared = LearningItem.objects.shared().filter(session__engagement__programme=programme)
    by_kind = dict(shared.values("kind").annotate(n=Count("pk")).values_list("kind", "n")
                   .order_by())
    kinds = LearningItem.Kind.choices
    cells, total = suppress([by_kind.get(k, 0) for k, _ in kinds], sum(by_kind.values()))
    assert total is not None
    by_theme = (Theme.objects.filter(learning_items__in=shared).values("slug", "name")
                .annotate(n=Count("learning_items", distinct=True)).order_by("name"))
    locked = LearningSummary.objects.filter(programme=programme, locked_at__isnull=False)
    publications = MessagePublication.objects.filter(collection__programme=programme)
    latest = (publications.annotate(n_items=Count("items")).order_by("-number")
              .only("number", "published_at", "content")[:LATEST])
    return s.LearningOut(
        items=s.Figure.of(total),
        items_by_kind=[s.KindCount(kind=k, label=label, items=s.Figure.of(cell))
                       for (k, label), cell in zip(kinds, cells, strict=True)],
        items_by_theme=[s.ThemeItems(theme=t["slug"], name=t["name"], items=_figure(t["n"]))
                        for t in by_theme],
        locked_summaries=locked.count(),
        latest_locked_summaries=[
            s.LockedSummary(scope=x.scope, period=x.period, period_start=x.period_start,
                            period_end=x.period_end, locked_at=x.locked_at,
                            content_hash=x.content_hash)
            for x in locked.order_by("-period_start", "pk").only(
                "scope", "period", "period_start", "period_end", "locked_at",
                "content_hash")[:LATEST]
            if x.locked_at is not None],
        publications=publications.count(),
        latest_publications=[
            s.Publication(number=p.number, published_at=p.published_at,
                          messages=len(p.content.get("messages", [])),
                          items=_figure(p.n_items))
            for p in latest],
    )



def outcomes_of(programme: Programme) -> QuerySet[Outcome]:
    """The programme's confirmed outcomes, newest confirmation first: one query a page. Named
    columns: nothing of the enabler's draft history, the contact or the place's comment."""
    return (Outcome.objects.confirmed().filter(engagement__programme=programme)
            .select_related("engagement__place")
            .only("pk", "kind", "title", "who_changed", "what_changed", "changed_on",
                  "why_it_matters", "contribution", "correction", "confirmed_by_role",
                  "confirmed_at", "status", "engagement__place__slug")
            .order_by("-confirmed_at", "-pk"))


def outcome_out(outcome: Outcome) -> s.OutcomeOut:
    return s.OutcomeOut(
        place=outcome.engagement.place.slug, kind=outcome.kind,
        kind_label=outcome.get_kind_display(), title=outcome.title,
        who_changed=outcome.as_confirmed("who_changed"),
        what_changed=outcome.as_confirmed("what_changed"), changed_on=outcome.changed_on,
        why_it_matters=outcome.as_confirmed("why_it_matters"),
        contribution=outcome.as_confirmed("contribution"),
        corrected_by_the_place=bool(outcome.correction),
        confirmed_by=outcome.confirmed_by_role,
        confirmed_on=(timezone.localtime(outcome.confirmed_at).date()
                      if outcome.confirmed_at else None))
