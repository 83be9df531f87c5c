"""What the centre reads of outcomes: confirmed ones only, credited to a role, never a name.

``confirmed_by_text`` is the one wording of "confirmed by <role> on <date>" (place page,
summaries, exports). ``iter_export_rows`` feeds the programme's outcomes download
(engagements.dashboards.exports), 500 rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from engagements.models import Outcome, Programme
from engagements.outcomes.wording import confirmed_by_text  # noqa: F401 (re-exported)

EXPORT_HEADER: list[str] = [
    "Place", "Region", "Kind", "Title", "Who changed", "What changed", "When", "Why it matters",
    "How the support contributed", "Corrected by the place", "Confirmed by", "Confirmed on",
]
BATCH = 500


def iter_export_rows(programme: Programme) -> Iterator[list[Any]]:
    """The programme's confirmed outcomes, as the place confirmed them (their corrections
    applied), oldest first. One query per ``BATCH`` rows."""
    qs = (Outcome.objects.confirmed().filter(engagement__programme=programme)
          .select_related("engagement__place__region").order_by("confirmed_at", "pk"))
    labels = dict(Outcome.Kind.choices)
    for o in qs.iterator(chunk_size=BATCH):
        place = o.engagement.place
        yield [place.name, place.region.name, labels.get(o.kind, o.kind), o.title,
               o.as_confirmed("who_changed"), o.as_confirmed("what_changed"), o.changed_on,
               o.as_confirmed("why_it_matters"), o.as_confirmed("contribution"),
               bool(o.correction), o.confirmed_by_role,
               timezone.localtime(o.confirmed_at).date() if o.confirmed_at else None]
