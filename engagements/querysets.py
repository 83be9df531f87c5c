"""Named reads for engagements and sessions. No side effects; aggregates in the database."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, F, Min, Q, Sum

from fieldbook.units import monday_of

if TYPE_CHECKING:
    from enablers.models import Enabler


class SubqueryCount(models.Subquery):
    """``(SELECT COUNT(*) FROM (<queryset>))``: a count as a column of the outer query.

    Lets a check ("are all these ids allowed?") ride along on a query we run anyway, instead of
    costing a round trip of its own.
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = models.IntegerField()
    # An empty ``__in`` list makes Django skip compiling the subquery: the count is then 0.
    empty_result_set_value = 0


class EngagementQuerySet(models.QuerySet):
    WORKING_STATUSES = ("diagnostic", "active", "paused")
    # Where visits are expected, so where no contact is a gap: not paused (the place asked for
    # a pause: nobody expects visits), not requested or closed. Summaries' "places with no
    # contact", the weekly digest and My week's gaps all use it (the dashboard's "quiet" too,
    # as ``definitions.QUIET_STATUSES``).
    EXPECTING_CONTACT = ("diagnostic", "active")

    def assigned_to(self, enabler: Enabler) -> EngagementQuerySet:
        """Engagements the enabler currently works on (a current assignment), in working status.

        At most one current assignment per enabler and engagement (a unique constraint), so the
        join never repeats an engagement and aggregates over it stay exact.
        """
        return self.filter(
            assignments__enabler=enabler,
            assignments__ended_on__isnull=True,
            status__in=self.WORKING_STATUSES,
        )

    def with_activity(self, enabler: Enabler) -> EngagementQuerySet:
        """Days used and last session (everyone's, held, from the engagement's rollup) and
        this enabler's own last contact (a correlated subquery over the enabler's index).

        One query. Call after ``assigned_to(enabler)``: ``assigned_since`` then reads that
        enabler's current assignment (an annotation after a filter uses the filtered join;
        the unique current assignment keeps it one row per engagement).
        """
        from engagements.models import Session

        mine = Session.objects.filter(
            engagement=models.OuterRef("pk"), enabler=enabler, deleted_at__isnull=True
        ).order_by("-date").values("date")[:1]
        return self.annotate(
            minutes_used=F("activity__held_minutes"),
            last_session_on=F("activity__last_held_on"),
            # Postponed and cancelled visits count: contact was attempted.
            my_last_contact_on=models.Subquery(mine, output_field=models.DateField()),
            assigned_since=Min("assignments__started_on"),
        )


def _theme_names() -> models.QuerySet:
    from engagements.models import Theme

    return Theme.objects.only("name", "slug")


class SessionQuerySet(models.QuerySet):
    def live(self) -> SessionQuerySet:
        """Not soft-deleted."""
        return self.filter(deleted_at__isnull=True)

    def by_enabler(self, enabler: Enabler) -> SessionQuerySet:
        """An enabler profile's live sessions. Their notes open for their author only
        (engagements.notes), whoever holds the profile."""
        return self.filter(enabler=enabler, deleted_at__isnull=True)

    def between(self, start: dt.date, end: dt.date) -> SessionQuerySet:
        return self.filter(date__gte=start, date__lte=end)

    def held(self) -> SessionQuerySet:
        return self.filter(status=self.model.Status.HELD)

    def for_week_table(self) -> SessionQuerySet:
        """Rows for My week: place and programme joined, themes prefetched (one more query,
        only when there are rows), learning items counted in the database. Only the columns
        a card shows are read (a busy week is two dozen rows, each with four models' worth of
        timestamps to parse otherwise)."""
        return (
            self.select_related("engagement__place", "engagement__programme")
            .only("date", "kind", "status", "status_reason", "duration_minutes", "created_at",
                  "notes_sealed", "notes_author", "enabler", "engagement__place__name",
                  "engagement__programme__name")
            .prefetch_related(models.Prefetch("themes", queryset=_theme_names()))
            .annotate(n_learning=Count("learning_items", distinct=True))
        )

    def weeks_with_sessions(self, start: dt.date, end: dt.date) -> set[dt.date]:
        """The Mondays of weeks between start and end that have at least one live session."""
        dates = self.live().between(start, end).order_by().values_list("date", flat=True).distinct()
        return {monday_of(d) for d in dates}

    def summary(self) -> dict[str, Any]:
        return self.aggregate(
            n=Count("id"), minutes=Sum("duration_minutes", filter=Q(status=self.model.Status.HELD))
        )


class LearningItemQuerySet(models.QuerySet):
    def shared(self) -> LearningItemQuerySet:
        """What may reach a programme lead: items marked shareable and never withdrawn, from
        live sessions; a quote only with consent and a role (a database constraint too,
        checked again because a quote without consent must never be shown, whatever the data).
        The one definition for the place page and every summary."""
        return self.filter(
            shareable=True, withdrawn_at__isnull=True, session__deleted_at__isnull=True,
        ).exclude(Q(kind="quote") & (Q(consent=False) | Q(attributed_role="")))

    def by_enabler(self, enabler: Enabler) -> LearningItemQuerySet:
        return self.filter(session__enabler=enabler, session__deleted_at__isnull=True)


class OutcomeQuerySet(models.QuerySet):
    def confirmed(self) -> OutcomeQuerySet:
        """What reaches programme leads, dashboards, summaries and exports: outcomes a board
        member of the place confirmed (as written, or corrected)."""
        return self.filter(status="confirmed")

    def for_enabler(self, enabler: Enabler) -> OutcomeQuerySet:
        """Outcomes of the engagements the enabler currently works on (a current assignment,
        at most one per enabler and engagement, so no row repeats): drafts included. Nobody
        else ever sees a draft."""
        return self.filter(engagement__assignments__enabler=enabler,
                           engagement__assignments__ended_on__isnull=True)
