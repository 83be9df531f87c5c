"""What the centre and the place see of the place's voice, with the small-number rules.

The rules (README, "The place's own voice"), computed here only:

- a round's aggregates are shown once it is **closed** (so nobody can take one answer away
  from the next by watching an open round), and only when **3 or more** board members answered
  it (``disclosure.THRESHOLD``); otherwise the round reads "fewer than 3 responses" and nothing
  else;
- in a relationship pulse, a tie between two organisations is shown only when **3 or more**
  ratings of it were given (by members of either organisation); a tie with fewer is counted as
  "not shown", never drawn, and is left out of the measures;
- scores are shown as means to one decimal place; no single answer, and no comment, reaches the
  centre (it sees how many comments were made); the place sees its comments, unattributed, in
  alphabetical order.

Queries: ``place_voice`` costs 1 when the engagement has no round, and 4 at most otherwise
(the rounds with their counts; the statements' means; the pulse's ties; its organisations),
whatever the number of answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from engagements.disclosure import FEWER_THAN, THRESHOLD
from engagements.voice.models import (
    STATEMENT_SHORT,
    Statement,
    StatementScore,
    TieRating,
    VoiceInvite,
    VoiceResponse,
    VoiceRound,
)
from engagements.voice.network import Network, Node, Tie, network_of

if TYPE_CHECKING:
    pass

MIN_RESPONSES = THRESHOLD
MIN_TIE_RATINGS = THRESHOLD
FEWER_RESPONSES = f"{FEWER_THAN} responses"
SELF_ASSESSMENT_ROUNDS_SHOWN = 6


def _count(model: type[VoiceInvite] | type[VoiceResponse]) -> Coalesce:
    sub = (model.objects.filter(round_id=OuterRef("pk")).order_by()
           .values("round_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def rounds_of(engagement_id: int) -> list[VoiceRound]:
    """Every round of the engagement, newest first, with ``invited`` and ``answered``. One
    query (a board has a round or two a year)."""
    return list(VoiceRound.objects.filter(engagement_id=engagement_id)
                .annotate(invited=_count(VoiceInvite), answered=_count(VoiceResponse))
                .order_by("-opened_on", "-pk"))


def is_shown(r: VoiceRound) -> bool:
    """The rule: closed, and answered by 3 or more."""
    return r.closed_at is not None and getattr(r, "answered", 0) >= MIN_RESPONSES


def responses_text(n: int) -> str:
    if n == 0:
        return "no responses"
    if n < MIN_RESPONSES:
        return FEWER_RESPONSES
    return f"{n} responses"


@dataclass
class StatementRow:
    statement: str
    short: str
    means: list[float | None]  # one per shown round, oldest first
    comments: list[int]

    @property
    def change(self) -> float | None:
        """The latest mean minus the one before (both shown rounds)."""
        if len(self.means) < 2 or self.means[-1] is None or self.means[-2] is None:
            return None
        return round(self.means[-1] - self.means[-2], 1)


@dataclass
class SelfAssessment:
    rounds: list[VoiceRound]  # shown rounds, oldest first
    rows: list[StatementRow]
    suppressed: list[VoiceRound]  # closed rounds answered by fewer than 3 (or none)
    # The place's own view only: each shown round's comments, unattributed, alphabetical.
    comments: list[tuple[VoiceRound, list[tuple[str, str]]]] = field(default_factory=list)


def self_assessment_of(rounds: list[VoiceRound], *, with_comments: bool = False
                       ) -> SelfAssessment:
    """The self-assessment over time: the means of each statement in each shown round (the
    last ``SELF_ASSESSMENT_ROUNDS_SHOWN``), oldest first. One query when a round is shown, none
    otherwise; ``with_comments`` (the place's own view only) adds one."""
    closed = [r for r in rounds if r.kind == VoiceRound.Kind.SELF_ASSESSMENT
              and r.closed_at is not None]
    shown = [r for r in closed if is_shown(r)][:SELF_ASSESSMENT_ROUNDS_SHOWN][::-1]
    suppressed = [r for r in closed if not is_shown(r)]
    means: dict[tuple[int, str], float] = {}
    comment_counts: dict[tuple[int, str], int] = {}
    if shown:
        for row in (StatementScore.objects.filter(response__round_id__in=[r.pk for r in shown])
                    .values("response__round_id", "statement").order_by()
                    .annotate(mean=Avg("score"), comments=Count("pk", filter=~Q(comment="")))):
            key = (row["response__round_id"], row["statement"])
            means[key] = round(float(row["mean"]), 1)
            comment_counts[key] = row["comments"]
    rows = [StatementRow(st.value, STATEMENT_SHORT[st],
                         [means.get((r.pk, st.value)) for r in shown],
                         [comment_counts.get((r.pk, st.value), 0) for r in shown])
            for st in Statement]
    result = SelfAssessment(shown, rows, suppressed)
    if with_comments and shown:
        by_round: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for round_id, statement, comment in (
                StatementScore.objects.filter(response__round_id__in=[r.pk for r in shown])
                .exclude(comment="").order_by("statement", "comment")
                .values_list("response__round_id", "statement", "comment")):
            by_round[round_id].append((STATEMENT_SHORT[Statement(statement)], comment))
        result.comments = [(r, by_round[r.pk]) for r in shown if by_round.get(r.pk)]
    return result


@dataclass
class Pulse:
    round: VoiceRound | None  # the pulse round drawn (shown), or None
    previous: VoiceRound | None  # the shown round before it, for what strengthened
    network: Network | None
    shown_rounds: list[VoiceRound]  # every shown pulse round, newest first
    suppressed: list[VoiceRound]


def pulse_of(rounds: list[VoiceRound], *, number: int | None = None) -> Pulse:
    """The network of the latest shown pulse round (or round ``number``), compared with the
    shown round before it. Two queries when a round is shown (the ties' means; the
    organisations asked), none otherwise."""
    closed = [r for r in rounds if r.kind == VoiceRound.Kind.PULSE and r.closed_at is not None]
    shown = [r for r in closed if is_shown(r)]
    suppressed = [r for r in closed if not is_shown(r)]
    # Round ``number`` if it is shown, else the latest shown.
    chosen = next((i for i, r in enumerate(shown) if r.number == number), 0 if shown else None)
    if chosen is None:
        return Pulse(None, None, None, shown, suppressed)
    current = shown[chosen]
    previous = shown[chosen + 1] if chosen + 1 < len(shown) else None
    ids = [current.pk] + ([previous.pk] if previous else [])
    ties: dict[int, list[Tie]] = defaultdict(list)
    for row in (TieRating.objects.filter(response__round_id__in=ids)
                .values("response__round_id", "org_low_id", "org_high_id").order_by()
                .annotate(trust=Avg("trust"), value=Avg("value"), n=Count("pk"))):
        ties[row["response__round_id"]].append(Tie(
            row["org_low_id"], row["org_high_id"], round(float(row["trust"]), 1),
            round(float(row["value"]), 1), row["n"] >= MIN_TIE_RATINGS))
    nodes: dict[int, list[Node]] = defaultdict(list)
    for round_id, org_id, name, kind in (
            VoiceInvite.objects.filter(round_id__in=ids).order_by()
            .values_list("round_id", "organisation_id", "organisation__name",
                         "organisation__kind").distinct()):
        nodes[round_id].append(Node.of(org_id, name, kind))
    before = network_of(nodes[previous.pk], ties[previous.pk]) if previous else None
    return Pulse(current, previous, network_of(nodes[current.pk], ties[current.pk],
                                               before=before), shown, suppressed)


@dataclass
class PlaceVoice:
    rounds: list[VoiceRound]
    open_rounds: list[VoiceRound]
    self_assessment: SelfAssessment
    pulse: Pulse


def place_voice(engagement_id: int, *, pulse_number: int | None = None) -> PlaceVoice:
    """The lead's view on the place page (1 to 4 queries, see the module's docstring)."""
    rounds = rounds_of(engagement_id)
    return PlaceVoice(rounds, [r for r in rounds if r.closed_at is None],
                      self_assessment_of(rounds), pulse_of(rounds, number=pulse_number))
