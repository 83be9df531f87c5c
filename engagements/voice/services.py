"""The place's voice: open a round, answer it through a link, close it; open the rounds due.

A round is opened for an engagement's board: each current member with an email address gets
their own respondent link (one ``VoiceInvite`` each, the link's target), mailed after commit.
An answer is saved with the link's single use in one transaction (``respondents.link_claim``),
so a link posted twice answers once and a refused answer leaves nothing behind. The answer
itself (``VoiceResponse``) keeps no trace of who gave it. Audited as
``engagements.voice.opened``, ``.answered`` (by nobody, with no person) and ``.closed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from engagements.outcomes.services import anonymity_errors
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from engagements.voice.models import (
    STATEMENT_SHORT,
    Statement,
    StatementScore,
    TieRating,
    VoiceInvite,
    VoiceResponse,
    VoiceRound,
)
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from places.models import BoardMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from engagements.models import Engagement

SCALE = range(1, 6)
COMMENT_LIMIT = 1000
PURPOSE_OF_KIND = {VoiceRound.Kind.SELF_ASSESSMENT: RespondentLink.Purpose.SELF_ASSESSMENT,
                   VoiceRound.Kind.PULSE: RespondentLink.Purpose.PULSE}
# Engagements whose board is asked: not a closed one, nor a paused one.
ASKING_STATUSES = ("diagnostic", "active")
# At least this many organisations for a pulse (a network of one has no ties).
PULSE_MIN_ORGANISATIONS = 2


def _members_to_ask(engagement: Engagement) -> list[BoardMembership]:
    return list(BoardMembership.objects.filter(
        board__place_id=engagement.place_id, ended_on__isnull=True)
        .exclude(person__email="").select_related("person__organisation")
        .order_by("person__full_name", "pk"))


@transaction.atomic
def voice_round_open(
    *, actor: User | None, engagement: Engagement, kind: str,
    link_for: Callable[[str], str], today: dt.date | None = None,
) -> VoiceRound:
    """Open a round of ``kind`` for the engagement's board: a link for each current member
    with an email address. Refused if one of that kind is open already, if the engagement is
    paused or closed, or if there is nobody (or, for a pulse, fewer than two organisations)
    to ask."""
    if kind not in VoiceRound.Kind.values:
        raise DomainError("Unknown kind of round.")
    if engagement.status not in ASKING_STATUSES:
        raise DomainError(f"A round cannot be opened while the engagement is "
                          f"{engagement.get_status_display().lower()}.")
    today = today or timezone.localdate()
    label = VoiceRound.Kind(kind).label
    if VoiceRound.objects.filter(engagement=engagement, kind=kind,
                                 closed_at__isnull=True).exists():
        raise DomainError(f"A {label.lower()} round is open already. Close it first.")
    members = _members_to_ask(engagement)
    if not members:
        raise DomainError("Nobody on the place's delivery board has an email address, so "
                          "nobody can be asked. Ask an admin to add them.")
    if kind == VoiceRound.Kind.PULSE and len({m.person.organisation_id for m in members}) \
            < PULSE_MIN_ORGANISATIONS:
        raise DomainError("A relationship pulse needs board members from at least two "
                          "organisations.")
    last = VoiceRound.objects.filter(engagement=engagement, kind=kind).aggregate(
        n=Max("number"))["n"] or 0
    try:
        with transaction.atomic():
            voice_round = VoiceRound.objects.create(
                engagement=engagement, kind=kind, number=last + 1, opened_on=today,
                closes_on=today + dt.timedelta(days=respondents.LINK_DAYS), opened_by=actor)
    except IntegrityError as exc:  # opened at the same moment by someone else
        raise DomainError(f"A {label.lower()} round is open already.") from exc
    purpose = PURPOSE_OF_KIND[VoiceRound.Kind(kind)]
    for m in members:
        invite = VoiceInvite.objects.create(round=voice_round, person=m.person,
                                            organisation=m.person.organisation)
        link, token = respondents.link_create(actor=actor, purpose=purpose, target=invite,
                                              person=m.person)
        respondents.link_send_after_commit(link, token, link_for)
    audit_record(actor=actor, action="engagements.voice.opened", obj=voice_round, changes={
        "engagement_id": engagement.pk, "kind": kind, "number": voice_round.number,
        "invited": len(members)})
    return voice_round


@transaction.atomic
def voice_round_close(*, actor: User | None, voice_round: VoiceRound,
                      now: dt.datetime | None = None) -> bool:
    """Close a round: its open links are revoked and the centre sees its aggregates (if enough
    answered). False if it was closed already (one conditional UPDATE)."""
    now = now or timezone.now()
    done = VoiceRound.objects.filter(pk=voice_round.pk, closed_at__isnull=True).update(
        closed_at=now, updated_at=now)
    if not done:
        return False
    voice_round.closed_at = now
    open_links = RespondentLink.objects.filter(
        purpose=PURPOSE_OF_KIND[VoiceRound.Kind(voice_round.kind)],
        object_id__in=VoiceInvite.objects.filter(round=voice_round).values("pk"),
        used_at__isnull=True, revoked_at__isnull=True)
    revoked = open_links.update(revoked_at=now, updated_at=now)
    audit_record(actor=actor, action="engagements.voice.closed", obj=voice_round, changes={
        "engagement_id": voice_round.engagement_id, "links_revoked": revoked,
        "responses": voice_round.responses.count()})
    return True


def invite_for_link(link: RespondentLink) -> VoiceInvite | None:
    if link.purpose not in PURPOSE_OF_KIND.values():
        return None
    return (VoiceInvite.objects.select_related("round__engagement__place", "organisation")
            .filter(pk=link.object_id).first())


def pulse_partners(invite: VoiceInvite) -> list[tuple[int, str]]:
    """The other organisations on the round (those its members were asked from), by name:
    the ones this board member rates."""
    return list(VoiceInvite.objects.filter(round_id=invite.round_id)
                .exclude(organisation_id=invite.organisation_id)
                .values_list("organisation_id", "organisation__name")
                .distinct().order_by("organisation__name", "organisation_id"))


def _rating(value: object, what: str, errors: dict[str | None, list[str]], key: str
            ) -> int | None:
    try:
        n = int(str(value))
    except (TypeError, ValueError):
        n = None
    if n is None or n not in SCALE:
        errors[key] = [f"Choose a rating from 1 to 5 for {what}" if value in (None, "")
                       else f"{what[0].upper()}{what[1:]}: the rating must be from 1 to 5"]
        return None
    return n


@transaction.atomic
def voice_respond(*, token: str, scores: Mapping[str, object] | None = None,
                  comments: Mapping[str, str] | None = None,
                  ties: Mapping[int, tuple[object, object]] | None = None,
                  now: dt.datetime | None = None) -> VoiceResponse:
    """A board member's answer through their link. A self-assessment needs a score from 1 to 5
    for every statement (comments optional, up to ``COMMENT_LIMIT`` characters); a pulse needs
    a trust and a value rating from 1 to 5 for every other organisation on the round. Anything
    missing or out of the scale is refused with a message keyed by its field, and nothing is
    saved; the link is used in the same transaction, so twice is refused (``LinkUnusable``)."""
    now = now or timezone.now()
    link, state = respondents.link_find(token, now=now)
    if link is None or state != "valid":
        raise respondents.LinkUnusable(state if state != "valid" else "unknown")
    invite = invite_for_link(link)
    if invite is None or not invite.round.is_open:
        raise respondents.LinkUnusable("revoked")
    voice_round = invite.round
    errors: dict[str | None, list[str]] = {}
    score_rows: list[StatementScore] = []
    tie_rows: list[TieRating] = []
    if voice_round.kind == VoiceRound.Kind.SELF_ASSESSMENT:
        scores, comments = scores or {}, comments or {}
        texts: dict[str, str] = {}
        for st in Statement:
            n = _rating(scores.get(st.value), f"“{STATEMENT_SHORT[st].lower()}”", errors,
                        f"score_{st.value}")
            comment = (comments.get(st.value) or "").strip()
            if len(comment) > COMMENT_LIMIT:
                errors[f"comment_{st.value}"] = [f"Enter {COMMENT_LIMIT:,} characters or fewer"]
            elif comment:
                texts[f"comment_{st.value}"] = comment
            if n is not None:
                score_rows.append(StatementScore(statement=st.value, score=n, comment=comment))
        # A comment is shown to the place, unattributed: it must not name anyone either.
        if texts:
            for key, msgs in anonymity_errors(voice_round.engagement.place_id, texts).items():
                errors.setdefault(key, []).extend(msgs)
    else:
        ties = ties or {}
        for org_id, name in pulse_partners(invite):
            trust, value = ties.get(org_id, (None, None))
            t = _rating(trust, f"trust with {name}", errors, f"trust_{org_id}")
            v = _rating(value, f"value with {name}", errors, f"value_{org_id}")
            if t is not None and v is not None:
                low, high = sorted((invite.organisation_id, org_id))
                tie_rows.append(TieRating(org_low_id=low, org_high_id=high, trust=t, value=v))
    if errors:
        raise DomainError(field_errors=errors)
    respondents.link_claim(token=token, purpose=link.purpose, now=now)
    response = VoiceResponse.objects.create(round=voice_round)
    for score in score_rows:
        score.response = response
    for tie in tie_rows:
        tie.response = response
    StatementScore.objects.bulk_create(score_rows)
    TieRating.objects.bulk_create(tie_rows)
    # Nobody, and no person or invitation: the audit row says a round was answered, not by whom.
    audit_record(actor=None, action="engagements.voice.answered", obj=voice_round,
                 changes={"engagement_id": voice_round.engagement_id})
    return response


def voice_rounds_close_expired(*, now: dt.datetime | None = None) -> int:
    """Close every open round whose links have expired (the beat job's first half)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    closed = 0
    for r in VoiceRound.objects.filter(closed_at__isnull=True, closes_on__lt=today):
        closed += voice_round_close(actor=None, voice_round=r, now=now)
    return closed


def voice_rounds_open_due(*, link_for: Callable[[str], str], today: dt.date | None = None
                          ) -> int:
    """Open the rounds that are due: for each engagement being supported (diagnostic or
    active) in a programme with ``voice_every_months`` set, a round of each kind whose last
    one opened that many months ago or more (or that has none). A board nobody can be asked
    on is skipped, not an error. Returns how many rounds were opened."""
    from engagements.models import Engagement
    from fieldbook.units import add_months

    today = today or timezone.localdate()
    opened = 0
    engagements = (Engagement.objects.filter(status__in=ASKING_STATUSES,
                                             programme__voice_every_months__gt=0)
                   .select_related("programme", "place").order_by("pk"))
    for e in engagements.iterator():
        last = dict(VoiceRound.objects.filter(engagement=e).values("kind")
                    .annotate(on=Max("opened_on")).values_list("kind", "on"))
        for kind in VoiceRound.Kind.values:
            on = last.get(kind)
            if on is not None and add_months(on, e.programme.voice_every_months) > today:
                continue
            try:
                voice_round_open(actor=None, engagement=e, kind=kind, link_for=link_for,
                                 today=today)
            except DomainError:
                continue
            opened += 1
    return opened
