"""What the centre reads of a place's diagnostic: who took part, by role (counts through the
small-numbers rule, organisations without names), and the record only when the place agreed it
and chose to share it. Two queries, whatever the number of sessions or participants."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from engagements.diagnostic.models import DiagnosticParticipant, DiagnosticRecord
from engagements.disclosure import count_text
from engagements.models import Engagement
from engagements.outcomes.wording import confirmed_by_text


@dataclass
class RoleTaking:
    label: str
    count: str
    organisations: list[str] = field(default_factory=list)


@dataclass
class CentreView:
    roles: list[RoleTaking]
    record: DiagnosticRecord | None  # only when agreed and shared

    @property
    def agreed_text(self) -> str:
        if self.record is None:
            return ""
        return confirmed_by_text(self.record.agreed_by_role, self.record.agreed_at).replace(
            "Confirmed by", "Agreed by", 1)


def participants_by_role(engagement: Engagement) -> list[RoleTaking]:
    """Participants of the engagement's diagnostic sessions, by role: how many ("fewer than
    3" for 1 or 2) and from which organisations. One query."""
    rows = (DiagnosticParticipant.objects
            .filter(session__engagement=engagement, session__deleted_at__isnull=True)
            .values("role", "organisation").annotate(n=Count("pk"))
            .order_by("role", "organisation"))
    totals: dict[str, int] = defaultdict(int)
    orgs: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        totals[row["role"]] += row["n"]
        orgs[row["role"]].append(row["organisation"])
    return [RoleTaking(label=str(label), count=count_text(totals[role]),
                       organisations=orgs[role])
            for role, label in DiagnosticParticipant.Role.choices if totals.get(role)]


def shared_record(engagement: Engagement) -> DiagnosticRecord | None:
    """The place's record if it agreed it and chose to share it with the centre. One query."""
    return DiagnosticRecord.objects.filter(
        engagement=engagement, status=DiagnosticRecord.Status.AGREED,
        shared_with_centre=True).first()


def centre_view(engagement: Engagement) -> CentreView:
    return CentreView(roles=participants_by_role(engagement), record=shared_record(engagement))
