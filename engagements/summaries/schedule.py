"""The schedule, as the summaries page shows it: for each cadence celery beat runs
(``settings.CELERY_BEAT_SCHEDULE``), when it compiles next and for which period, and how its
last run went — when it ran (the audit row ``summaries_schedule_due`` writes on every run) and
the state of the summaries it was due to compile.

Two queries whatever the number of runs or summaries: the last run of each cadence (the newest
audit row of each, found by a grouped subquery over the audit index), and the summaries of those
periods counted by status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Q, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone

from engagements.models import LearningSummary
from engagements.summaries.periods import Period
from engagements.summaries.services import SCHEDULED_ACTION
from fieldbook.models import AuditEvent

# The beat entries that compile summaries, in the order the page lists them.
CADENCES = (
    ("summaries-monthly", LearningSummary.Period.MONTH, "Monthly",
     "each programme, and each region within it"),
    ("summaries-quarterly", LearningSummary.Period.QUARTER, "Quarterly", "each programme"),
    ("summaries-weekly", LearningSummary.Period.WEEK, "Weekly",
     "programmes whose summaries are weekly"),
)
Status = LearningSummary.Status


@dataclass
class Cadence:
    kind: str
    label: str
    covers: str
    next_at: dt.datetime | None
    next_period: Period | None
    last_at: dt.datetime | None = None
    last_period: Period | None = None
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """ "3 ready, 1 failed", "Nothing was due", or "" before the first run."""
        if self.last_at is None:
            return ""
        parts = [f"{self.by_status[status]} {label.lower()}"
                 for status, label in Status.choices if self.by_status.get(status)]
        return ", ".join(parts) if parts else "Nothing was due"

    @property
    def failed(self) -> bool:
        return bool(self.by_status.get(Status.FAILED))


def _next_run(name: str, now: dt.datetime) -> dt.datetime | None:
    from fieldbook.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE.get(name)
    if entry is None:
        return None
    schedule = entry["schedule"]
    schedule.app = app  # its time zone (Europe/London) comes from the Celery app
    # The first time the crontab fires after ``now``, in the schedule's time zone.
    start, step, _ = schedule.remaining_delta(now.astimezone(schedule.tz))
    due: dt.datetime = start + step
    return due


def summary_schedule(*, now: dt.datetime | None = None) -> list[Cadence]:
    now = now or timezone.now()
    cadences = []
    for name, kind, label, covers in CADENCES:
        next_at = _next_run(name, now)
        if next_at is None:
            continue  # not scheduled in this deployment
        cadences.append(Cadence(
            kind=kind, label=label, covers=covers, next_at=next_at,
            next_period=Period.last_completed(kind, timezone.localdate(next_at)),
        ))
    # The newest run of each cadence: one query, the grouped ids as a subquery.
    runs = AuditEvent.objects.filter(action=SCHEDULED_ACTION)
    newest = runs.values(kind=KT("changes__period")).annotate(last=Max("id")).values("last")
    last_runs = {
        run["changes"].get("period"): run
        for run in runs.filter(id__in=Subquery(newest)).values("created_at", "changes")
    }
    due = Q(pk__in=[])
    for cadence in cadences:
        run = last_runs.get(cadence.kind)
        if run is not None:
            cadence.last_at = run["created_at"]
            cadence.last_period = Period(
                cadence.kind, dt.date.fromisoformat(run["changes"]["period_start"]),
                dt.date.fromisoformat(run["changes"]["period_end"]))
            due |= Q(period=cadence.kind, period_start=cadence.last_period.start,
                     period_end=cadence.last_period.end)
    if any(c.last_period for c in cadences):
        counts = (LearningSummary.objects.filter(due)
                  .values_list("period", "status").annotate(n=Count("id")).order_by())
        by_kind = {c.kind: c for c in cadences}
        for kind, status, n in counts:
            by_kind[kind].by_status[status] = n
    return cadences
