"""Each record class's default retention period, why, what starts its clock, and how a record
of the class is found, described and destroyed. The one place these rules live: the daily job,
the disposal job, the back office and docs/retention.md all read them from here.

A class with ``default_months=None`` is kept permanently as the programme's record: the daily
job never puts it in the queue and no disposal can name it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

if TYPE_CHECKING:
    from engagements.respondents.models import RespondentLink
from engagements.retention.models import RecordClass, RetentionPolicy
from fieldbook.units import months_after


@dataclass(frozen=True)
class Candidate:
    """A record past its period, as the queue shows it: no personal data."""

    object_id: int
    description: str
    place_id: int | None
    due_on: dt.date


@dataclass(frozen=True)
class ClassRule:
    record_class: RecordClass
    default_months: int | None
    clock: str  # what starts the period, in words
    reason: str
    # Records whose clock started on or before the cutoff, as Candidates (given the period).
    candidates: Callable[[dt.date, int], Iterable[Candidate]] | None = None
    # Destroys the records with these ids; returns how many records were destroyed.
    destroy: Callable[[list[int]], int] | None = None

    @property
    def permanent(self) -> bool:
        return self.default_months is None


def _day(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    return value


def _cutoff_dt(cutoff: dt.date) -> dt.datetime:
    """The end of ``cutoff`` in local time: a clock that started that day has run its period."""
    return timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time()))


# ---- private notes of closed engagements --------------------------------------------------------

def _notes_candidates(cutoff: dt.date, months: int) -> Iterable[Candidate]:
    from engagements.models import Engagement

    rows = (Engagement.objects.filter(status=Engagement.Status.CLOSED, ended_on__lte=cutoff)
            .values_list("pk", "place_id", "place__name", "programme__name", "ended_on"))
    for pk, place_id, place, programme, ended in rows.iterator():
        yield Candidate(pk, f"Private notes of {place}, {programme} (closed "
                            f"{ended:%-d %b %Y})", place_id, months_after(ended, months))


def _notes_destroy(ids: list[int]) -> int:
    """Each session's notes sealed again as empty, for their author: the session, its activity
    and its shared learning stay; what the enabler wrote privately is gone. One UPDATE per
    session (each is sealed for its own author)."""
    from engagements.models import Session
    from engagements.notes import notes_seal

    count = 0
    for pk, author_id in (Session.objects.filter(engagement_id__in=ids)
                          .values_list("pk", "notes_author_id").iterator()):
        count += Session.objects.filter(pk=pk).update(
            notes_sealed=notes_seal("", author_id=author_id))
    return count


# ---- deleted sessions ----------------------------------------------------------------------------

def _deleted_sessions_candidates(cutoff: dt.date, months: int) -> Iterable[Candidate]:
    from engagements.models import Session

    rows = (Session.objects.filter(deleted_at__lt=_cutoff_dt(cutoff))
            .values_list("pk", "engagement__place_id", "kind", "date", "deleted_at"))
    labels = dict(Session.Kind.choices)
    for pk, place_id, kind, day, deleted in rows.iterator():
        yield Candidate(pk, f"Deleted {labels.get(kind, kind).lower()} of {day:%-d %b %Y}",
                        place_id, months_after(_day(deleted), months))


def _deleted_sessions_destroy(ids: list[int]) -> int:
    """Only sessions still deleted (one restored meanwhile stays). Their learning items and
    sector counts go with them (CASCADE); attendance and themes are join rows."""
    from engagements.models import Session

    doomed = Session.objects.filter(pk__in=ids, deleted_at__isnull=False)
    count = doomed.count()
    doomed.delete()
    return count


# ---- board memberships of people who left ------------------------------------------------------

def _memberships_candidates(cutoff: dt.date, months: int) -> Iterable[Candidate]:
    from places.models import BoardMembership

    rows = (BoardMembership.objects.filter(ended_on__lte=cutoff)
            .values_list("pk", "board__place_id", "board__name", "board_role", "ended_on"))
    labels = dict(BoardMembership.BoardRole.choices)
    for pk, place_id, board, role, ended in rows.iterator():
        assert ended is not None  # filtered on it
        yield Candidate(pk, f"A {labels.get(role, role).lower()} of {board} who left on "
                            f"{ended:%-d %b %Y}", place_id, months_after(ended, months))


def _memberships_destroy(ids: list[int]) -> int:
    from places.models import BoardMembership

    doomed = BoardMembership.objects.filter(pk__in=ids, ended_on__isnull=False)
    count = doomed.count()
    doomed.delete()
    return count


# ---- respondent links --------------------------------------------------------------------------

def _finished_before(when: dt.datetime) -> QuerySet[RespondentLink]:
    """Links used, revoked or expired before ``when``."""
    from engagements.respondents.models import RespondentLink

    return RespondentLink.objects.alias(
        finished=Coalesce("used_at", "revoked_at", "expires_at")).filter(finished__lt=when)


def _links_candidates(cutoff: dt.date, months: int) -> Iterable[Candidate]:
    rows = (_finished_before(_cutoff_dt(cutoff))
            .values_list("pk", "purpose", Coalesce("used_at", "revoked_at", "expires_at")))
    for pk, purpose, finished in rows.iterator():
        yield Candidate(pk, f"A respondent link ({purpose.replace('_', ' ')}), finished "
                            f"{_day(finished):%-d %b %Y}", None,
                        months_after(_day(finished), months))


def _links_destroy(ids: list[int]) -> int:
    doomed = _finished_before(timezone.now()).filter(pk__in=ids)
    count = doomed.count()
    doomed.delete()
    return count


# ---- declined requests for support -------------------------------------------------------------

def _declined_candidates(cutoff: dt.date, months: int) -> Iterable[Candidate]:
    from engagements.lifecycle.models import SupportRequest

    rows = (SupportRequest.objects.filter(state=SupportRequest.State.DECLINED,
                                          decided_at__lt=_cutoff_dt(cutoff))
            .values_list("pk", "place_id", "place__name", "new_place_name", "asked_on",
                         "decided_at"))
    for pk, place_id, place, new_place, asked, decided in rows.iterator():
        assert decided is not None  # filtered on it
        yield Candidate(pk, f"Declined request for support from {place or new_place} "
                            f"(asked {asked:%-d %b %Y})", place_id,
                        months_after(_day(decided), months))


def _declined_destroy(ids: list[int]) -> int:
    from engagements.lifecycle.models import SupportRequest

    doomed = SupportRequest.objects.filter(pk__in=ids, state=SupportRequest.State.DECLINED)
    count = doomed.count()
    doomed.delete()
    return count


RULES: dict[str, ClassRule] = {rule.record_class.value: rule for rule in (
    ClassRule(
        RecordClass.PRIVATE_NOTES, 24, "the engagement closes",
        "An enabler's notes support their work with the place; once the engagement has "
        "closed they are needed only to answer questions about it, which come within two "
        "years. Kept longer they are an opinion about named leaders held for no purpose "
        "(UK GDPR storage limitation).", _notes_candidates, _notes_destroy),
    ClassRule(
        RecordClass.DELETED_SESSIONS, 12, "the session is deleted",
        "A deleted session can be restored while someone may still notice a mistake; a year "
        "covers a programme's annual review. After that it is not part of the record.",
        _deleted_sessions_candidates, _deleted_sessions_destroy),
    ClassRule(
        RecordClass.ENDED_MEMBERSHIPS, 36, "the person leaves the board",
        "Who was on a board explains attendance and who was in the room; three years after "
        "someone left, the engagement's record no longer needs their name on the board.",
        _memberships_candidates, _memberships_destroy),
    ClassRule(
        RecordClass.RESPONDENT_LINKS, 6, "the link is used, revoked or expires",
        "A link holds the address it was sent to. The answer it gave is kept on the outcome; "
        "the link is needed only to answer a query about a send, for six months.",
        _links_candidates, _links_destroy),
    ClassRule(
        RecordClass.DECLINED_REQUESTS, 24, "the request is declined",
        "A declined request names the person who asked; two years lets a programme see "
        "whether a place asked before. Accepted requests are the start of the engagement's "
        "record and are kept with it.", _declined_candidates, _declined_destroy),
    ClassRule(
        RecordClass.AUDIT_ROWS, None, "—",
        "The audit trail is the evidence of what was done, and of every disposal. It is "
        "append-only and hash-chained: removing rows would break the chain. Kept permanently; "
        "a future archive step would move whole years out with their chain head."),
    ClassRule(
        RecordClass.LEARNING, None, "—",
        "Shareable learning is the programme's record: anonymised by role, shared with "
        "consent, and what the programme exists to produce. Kept permanently."),
    ClassRule(
        RecordClass.SUMMARIES, None, "—",
        "A locked learning summary is a published document of the programme and never "
        "changes. Kept permanently (it holds no names)."),
)}

DISPOSABLE = tuple(code for code, rule in RULES.items() if not rule.permanent)


def months_for(record_class: str, overrides: dict[str, int] | None = None) -> int | None:
    """The period in force for ``record_class``: the back office's, else the default."""
    rule = RULES[record_class]
    if rule.permanent:
        return None
    if overrides is None:
        overrides = policy_overrides()
    return overrides.get(record_class, rule.default_months)


def policy_overrides() -> dict[str, int]:
    """The back office's periods, by class (one query)."""
    return dict(RetentionPolicy.objects.values_list("record_class", "period_months"))
