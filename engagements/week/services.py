"""Writes for sessions: log, edit (optimistic concurrency), soft delete and restore, copy forward.

Every function is keyword-only and atomic, checks the whole input first and raises
``DomainError`` with per-field messages that the view shows beside each field.

Query cost matters here: logging a visit is the most frequent write in Fieldbook. Checking the
rules costs one query (the engagement, with the attendee and theme checks riding along as
subqueries); the write itself is one INSERT per table touched, plus the audit row, plus six
statements that lock the engagement and recompute its rollups (engagements.rollups), so the
dashboards never aggregate its history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q
from django.utils import timezone

from engagements import rollups
from engagements.messages import services as messages
from engagements.messages.models import Nomination
from engagements.models import (
    MAX_SESSION_MINUTES,
    Engagement,
    LearningItem,
    Session,
    SessionSectorCount,
    Theme,
)
from engagements.notes import notes_read, notes_seal
from engagements.querysets import SubqueryCount
from engagements.summaries import services as summaries
from fieldbook.audit import audit_record, audit_record_many
from fieldbook.errors import DomainError, StaleEditError
from places import names
from places.models import BoardMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations

    from enablers.models import Enabler


class KnownCounts(TypedDict):
    """What ``_load_engagement`` annotates: how many chosen attendees and themes it knows."""

    n_known_attendees: int
    n_known_themes: int


if TYPE_CHECKING:
    CheckedEngagement: TypeAlias = WithAnnotations[Engagement, KnownCounts]

# Records a message against a form field (None: the form as a whole).
AddError = Callable[[str | None, str], None]


@dataclass(frozen=True)
class LearningItemData:
    """One learning item as the form sent it. ``id``: the saved item an edit keeps (an edit
    updates items in place, so a withdrawal and the summaries that quoted an item follow it).
    ``replace_names``: replace the names of people Fieldbook knows in ``text`` with their role;
    ``keep_names``: keep such names as written, allowed only in an item that is not shared."""

    kind: str
    text: str
    theme_ids: frozenset[int] = frozenset()
    attributed_role: str = ""
    consent: bool = False
    shareable: bool = False
    id: int | None = None
    replace_names: bool = False
    keep_names: bool = False
    # Nominate the item for its programme's "Messages for national leaders" once saved (an
    # item already nominated stays as it is).
    nominate: bool = False


@dataclass(frozen=True)
class SessionData:
    engagement_id: int
    date: dt.date
    kind: str
    duration_minutes: int
    status: str = Session.Status.HELD
    status_reason: str = ""
    attendee_ids: frozenset[int] = frozenset()
    theme_ids: frozenset[int] = frozenset()
    sector_counts: dict[str, int] = field(default_factory=dict)
    private_notes: str = ""
    notes_in_confidence: bool = False
    next_steps: str = ""
    learning_items: tuple[LearningItemData, ...] = ()


# Fields copied straight onto the Session row. (Private notes are sealed first: _notes_fields.)
_SCALAR_FIELDS = (
    "date", "kind", "status", "status_reason", "duration_minutes", "next_steps",
    "notes_in_confidence",
)


def _notes_fields(enabler: Enabler, data: SessionData) -> dict[str, Any]:
    """The notes sealed for the user writing them: the author is the signed-in person behind
    the profile now, recorded on the row, whoever the profile belongs to later."""
    return {"notes_author_id": enabler.user_id,
            "notes_sealed": notes_seal(data.private_notes, author_id=enabler.user_id)}


def _load_engagement(
    *, enabler: Enabler, data: SessionData, theme_ids: set[int], keep_theme_ids: set[int],
    kept_engagement_id: int | None,
) -> CheckedEngagement | None:
    """The engagement if the enabler is assigned to it, annotated with how many of the chosen
    attendees sit (or sat) on its place's board and how many chosen themes may be used. One query.

    Past board members count: editing an old session must not drop someone who has since left.
    Inactive themes are allowed only where the session already has them (``keep_theme_ids``).
    An edit may keep the session's own engagement (``kept_engagement_id``) after the enabler's
    assignment there ended: they were assigned when they logged it.
    """
    members = (
        BoardMembership.objects.filter(
            board__place_id=OuterRef("place_id"), person_id__in=data.attendee_ids
        )
        .order_by()
        .values("person_id")
        .distinct()
    )
    themes = Theme.objects.filter(
        Q(pk__in=theme_ids) & (Q(is_active=True) | Q(pk__in=keep_theme_ids))
    ).order_by().values("pk")
    engagements = (
        Engagement.objects.all() if data.engagement_id == kept_engagement_id
        else Engagement.objects.assigned_to(enabler)
    )
    return (
        engagements.filter(pk=data.engagement_id)
        .select_related("place", "programme")
        .annotate(
            n_known_attendees=SubqueryCount(members),
            n_known_themes=SubqueryCount(themes),
        )
        .first()
    )


def _validate(
    *,
    enabler: Enabler,
    data: SessionData,
    today: dt.date,
    keep_theme_ids: frozenset[int] = frozenset(),
    kept_engagement_id: int | None = None,
) -> tuple[Engagement, tuple[LearningItemData, ...]]:
    """Check every rule at once so the user sees all problems in one go. One query, and one
    more for the names in the learning items if there are any. Returns the engagement and the
    learning items as they are to be saved (names replaced by roles where the user asked)."""
    errors: dict[str | None, list[str]] = {}

    def add(name: str | None, message: str) -> None:
        errors.setdefault(name, []).append(message)

    all_theme_ids = set(data.theme_ids).union(*(i.theme_ids for i in data.learning_items))
    engagement = _load_engagement(
        enabler=enabler, data=data, theme_ids=all_theme_ids, keep_theme_ids=set(keep_theme_ids),
        kept_engagement_id=kept_engagement_id,
    )
    if engagement is None:
        add("engagement", "Choose one of the engagements you are assigned to.")
    if data.kind not in Session.Kind.values:
        add("kind", "Choose the kind of work from the list.")
    if data.status not in Session.Status.values:
        add("status", "Say whether the visit went ahead, was postponed or was cancelled.")
    _check_date(data, engagement, today, add)
    _check_duration(data, add)
    if engagement is not None and engagement.n_known_attendees != len(data.attendee_ids):
        add("attendees", f"Choose attendees from the {engagement.place} delivery board.")
    if engagement is not None and engagement.n_known_themes != len(all_theme_ids):
        add("themes", "Choose themes from the list.")
    for sector, count in data.sector_counts.items():
        if not 1 <= count <= 5000:
            add("sector_counts", f"Headcounts must be between 1 and 5,000 ({sector}).")
    _check_learning_items(data.learning_items, add)
    items = _check_names(data.learning_items, add)

    if errors:
        raise DomainError(field_errors=errors)
    assert engagement is not None
    return engagement, items


def _check_date(data: SessionData, engagement: Engagement | None, today: dt.date,
                add: AddError) -> None:
    """Not in the future, and within the engagement's dates."""
    if data.date > today:
        add("date", "The date cannot be in the future. Log a visit once it has happened.")
        return
    if engagement is None:
        return
    earliest = engagement.started_on or engagement.requested_on
    if data.date < earliest:
        what = "started" if engagement.started_on else "was requested"
        add("date", f"The date must be on or after {earliest:%-d %B %Y}, "
                    f"when this engagement {what}.")
    if engagement.ended_on and data.date > engagement.ended_on:
        add("date", f"The date must be on or before {engagement.ended_on:%-d %B %Y}, "
                    "when this engagement ended.")


def _check_duration(data: SessionData, add: AddError) -> None:
    """A session held took 15 minutes to 12 hours; one that did not go ahead says why, and its
    planned length is 0 to 12 hours. Always in quarter-hour steps."""
    minutes = data.duration_minutes
    if data.status == Session.Status.HELD:
        if minutes < 15:
            add("duration", "Enter how long the session took: at least 15 minutes.")
        elif minutes > MAX_SESSION_MINUTES:
            add("duration", "A session cannot be longer than 12 hours in a day.")
        elif minutes % 15:
            add("duration", "Enter the length in quarter-hour steps.")
        return
    if not data.status_reason.strip():
        add("status_reason", "Say why the visit did not go ahead, for example "
                             "“Site postponed — winter pressures”.")
    if minutes < 0 or minutes > MAX_SESSION_MINUTES or minutes % 15:
        add("duration", "Enter the planned length in quarter-hour steps, up to 12 hours.")


def _check_learning_items(items: tuple[LearningItemData, ...], add: AddError) -> None:
    """Each item has a kind and a text; a shared quote has consent and a role, not a name."""
    for index, item in enumerate(items):
        prefix = f"learning-{index}-"
        if item.kind not in LearningItem.Kind.values:
            add(prefix + "kind", "Choose the kind of learning from the list.")
        if not item.text.strip():
            add(prefix + "text", "Enter what was learnt, or clear this item to remove it.")
        if item.kind == LearningItem.Kind.QUOTE and item.shareable:
            if not item.consent:
                add(prefix + "consent", "A quote can only be shared with the speaker’s consent.")
            if not item.attributed_role.strip():
                add(prefix + "attributed_role",
                    "Say the speaker’s role (never their name), e.g. “NHS Operations Manager”.")
        if item.nominate and not (item.shareable and item.consent):
            add(prefix + "nominate",
                "Only shared learning with the speaker’s consent can be nominated: tick both "
                "boxes above, or untick this one.")


ROLE_NOT_NAME = ("This looks like a person’s name. Attribute by role, for example "
                 "“NHS Operations Manager”.")


def _check_names(
    items: tuple[LearningItemData, ...], add: AddError
) -> tuple[LearningItemData, ...]:
    """Nothing that names a person reaches a lead (places.names has the rule). One query for
    all the items, none without items.

    An attribution that names anyone Fieldbook holds is refused. A text that names a board
    member (attendees included) is offered their role instead ("replace_names"); kept as
    written ("keep_names") only in an item that is not shared. A text naming a user, who has
    no role to offer, must be edited if the item is shared.
    """
    texts = [t for item in items for t in (item.text, item.attributed_role)]
    people = names.known_people_in(texts) if items else []
    if not people:
        return items
    result = []
    for index, item in enumerate(items):
        prefix = f"learning-{index}-"
        if item.attributed_role.strip() and any(p.named_in(item.attributed_role)
                                                for p in people):
            add(prefix + "attributed_role", ROLE_NOT_NAME)
        text = item.text
        for person in (p for p in people if p.named_in(text)):
            if person.role and item.replace_names:
                text = names.replace(text, person.keys, person.role)
            elif person.role:
                if item.shareable or not item.keep_names:
                    shared = " Shared learning never names a person." if item.shareable else ""
                    add(prefix + "replace_names",
                        f"This names {person.name}. Replace the name with their role, "
                        f"‘{person.role}’?{shared}")
            elif item.shareable:
                add(prefix + "text", f"This names {person.name}. Take the name out, or "
                                     "describe them by their role.")
        result.append(dataclasses.replace(item, text=text))
    return tuple(result)


def _write_relations(session: Session, data: SessionData, *, replace: bool, actor: User,
                     saved_items: dict[int, LearningItem] | None = None,
                     enabler: Enabler | None = None) -> list[int]:
    """Attendees, themes, headcounts and learning: one INSERT per table that has rows.

    A new session has no links yet, so they are inserted directly (``.set()`` would first read
    the current ones). An edit keeps its learning items by id (``saved_items``: the session's
    items before the edit): updated in place, new ones inserted, those no longer sent deleted,
    so a withdrawal and the summaries that quoted an item survive an edit. Returns the ids of
    items that were shared and no longer are (removed, un-ticked, consent taken away): for the
    summaries that included them (``summaries.summaries_recompile_without``).
    """
    saved_items = saved_items or {}
    if replace:
        session.attendees.set(data.attendee_ids)
        session.themes.set(data.theme_ids)
        session.sector_counts.all().delete()
    else:
        if data.attendee_ids:
            attendees = Session.attendees.through
            attendees.objects.bulk_create(
                attendees(session_id=session.pk, person_id=pk)
                for pk in sorted(data.attendee_ids)
            )
        if data.theme_ids:
            themes = Session.themes.through
            themes.objects.bulk_create(
                themes(session_id=session.pk, theme_id=pk) for pk in sorted(data.theme_ids)
            )
    if data.sector_counts:
        SessionSectorCount.objects.bulk_create(
            SessionSectorCount(session=session, sector=sector, headcount=count)
            for sector, count in sorted(data.sector_counts.items())
        )

    def fields(item: LearningItemData) -> dict[str, Any]:
        return {"kind": item.kind, "text": item.text.strip(),
                "attributed_role": item.attributed_role.strip(), "consent": item.consent,
                "shareable": item.shareable}

    kept = [(saved_items[i.id], i) for i in data.learning_items if i.id in saved_items]
    new = [i for i in data.learning_items if i.id not in saved_items]
    kept_ids = {row.pk for row, _ in kept}
    was_shared = {pk for pk, row in saved_items.items() if _is_shared(row)}
    removed = [pk for pk in saved_items if pk not in kept_ids]
    before = {row.pk: _item_state(row, [t.pk for t in row.themes.all()]) for row, _ in kept}
    if removed:
        LearningItem.objects.filter(pk__in=removed).delete()
    if kept:
        for row, item in kept:
            for name, value in fields(item).items():
                setattr(row, name, value)
        LearningItem.objects.bulk_update(
            [row for row, _ in kept], ["kind", "text", "attributed_role", "consent", "shareable"]
        )
        still_shared = {row.pk for row, _ in kept if _is_shared(row)}
    else:
        still_shared = set()
        LearningItem.themes.through.objects.filter(learningitem_id__in=kept_ids).delete()
    created = LearningItem.objects.bulk_create(
        LearningItem(session=session, **fields(item)) for item in new
    ) if new else []
    item_themes = LearningItem.themes.through
    links = [
        item_themes(learningitem_id=saved.pk, theme_id=pk)
        for saved, item in [*kept, *zip(created, new, strict=True)]
        for pk in sorted(item.theme_ids)
    ]
    if links:
        item_themes.objects.bulk_create(links)
    _audit_learning(actor, session, data, before=before, kept=kept,
                    created=list(zip(created, new, strict=True)),
                    removed=[saved_items[pk] for pk in removed])
    if enabler is not None:
        _nominate(enabler, [row.pk for row, item in [*kept, *zip(created, new, strict=True)]
                            if item.nominate])
    return sorted(was_shared - still_shared)


def _nominate(enabler: Enabler, item_ids: list[int]) -> None:
    """Nominate the items ticked for the messages (issue 15), through the same service as My
    nominations (audited, checked: shared, consented, from a place the enabler works on now).
    One query when nothing new is ticked; an item nominated before is left as it is."""
    if not item_ids:
        return
    already = set(Nomination.objects.filter(item_id__in=item_ids)
                  .values_list("item_id", flat=True))
    for pk in item_ids:
        if pk not in already:
            messages.nomination_create(enabler=enabler, item_id=pk)


def _item_state(row: LearningItem, theme_ids: list[int]) -> dict[str, Any]:
    """What an audit row may say about a learning item: its kind, sharing, consent, role and
    themes, and whether the text changed, never the text (it may name someone)."""
    return {"kind": row.kind, "shareable": row.shareable, "consent": row.consent,
            "attributed_role": row.attributed_role, "themes": sorted(theme_ids),
            "text": hashlib.sha256(row.text.encode()).hexdigest()}


def _audit_learning(actor: User, session: Session, data: SessionData, *,
                    before: dict[int, dict[str, Any]],
                    kept: list[tuple[LearningItem, LearningItemData]],
                    created: list[tuple[LearningItem, LearningItemData]],
                    removed: list[LearningItem]) -> None:
    """One audit row per learning item added, changed or removed with this save (in one
    INSERT, fieldbook.audit.audit_record_many); no row for an item sent back unchanged."""
    entries: list[tuple[str, Any, dict[str, Any]]] = []
    for row, item in created:
        state = _item_state(row, sorted(item.theme_ids))
        state.pop("text")
        entries.append(("engagements.learning_item.created", row, state))
    for row, item in kept:
        old, new = before[row.pk], _item_state(row, sorted(item.theme_ids))
        changed = {key: value for key, value in new.items() if old[key] != value}
        if changed:
            if "text" in changed:
                changed["text"] = "(changed)"
            entries.append(("engagements.learning_item.changed", row, changed))
    entries.extend(("engagements.learning_item.deleted", row, {"kind": row.kind})
                   for row in removed)
    if not entries:
        return
    place_id = (session.engagement.place_id if Session.engagement.is_cached(session)
                and session.engagement_id == data.engagement_id else
                Engagement.objects.filter(pk=data.engagement_id)
                .values_list("place_id", flat=True).first())
    audit_record_many(actor=actor, entries=entries, place_id=place_id)


def _is_shared(item: LearningItem) -> bool:
    """What ``LearningItem.objects.shared()`` selects, for one row in memory."""
    if not item.shareable or item.withdrawn_at is not None:
        return False
    return item.kind != LearningItem.Kind.QUOTE or (item.consent and bool(item.attributed_role))


def _public_fields(data: SessionData) -> dict[str, Any]:
    """What an audit row may say about a session: public fields only (never the notes)."""
    return {
        "engagement": data.engagement_id,
        "date": data.date.isoformat(),
        "kind": data.kind,
        "status": data.status,
        "status_reason": data.status_reason,
        "duration_minutes": data.duration_minutes,
        "notes_in_confidence": data.notes_in_confidence,
        "attendees": sorted(data.attendee_ids),
        "themes": sorted(data.theme_ids),
        "learning_items": len(data.learning_items),
    }


def _by_key(idempotency_key: uuid.UUID) -> Session | None:
    return (
        Session.objects.filter(idempotency_key=idempotency_key)
        .select_related("engagement__place", "engagement__programme")
        .first()
    )


def _already_logged(enabler: Enabler, idempotency_key: uuid.UUID) -> Session | None:
    """The session this form already created, or None. Someone else's key is an error."""
    existing = _by_key(idempotency_key)
    if existing is not None and existing.enabler_id != enabler.pk:
        raise DomainError("This form was already used. Open a new form and try again.")
    return existing


def session_log(
    *,
    enabler: Enabler,
    data: SessionData,
    idempotency_key: uuid.UUID,
    today: dt.date | None = None,
) -> tuple[Session, bool]:
    """Log a session: ``(session, True)``. Re-sending the same form (the same idempotency key)
    returns the session it created first: ``(session, False)``.

    No "does this key exist?" read up front: the unique constraint on the key decides, and only a
    re-send pays for the extra read. A re-send racing the first request blocks on the unique
    index until the first commits, then fails here and returns the first one's row.
    """
    try:
        engagement, items = _validate(enabler=enabler, data=_as_new(data),
                                      today=today or timezone.localdate())
        data = dataclasses.replace(data, learning_items=items)
    except DomainError:
        # A re-send of a form that was saved before a rule changed (say, the engagement closed
        # since) still answers with the saved session rather than an error.
        existing = _already_logged(enabler, idempotency_key)
        if existing is not None:
            return existing, False
        raise
    try:
        with transaction.atomic():
            session = Session.objects.create(
                engagement=engagement,
                enabler=enabler,
                idempotency_key=idempotency_key,
                **{name: getattr(data, name) for name in _SCALAR_FIELDS},
                **_notes_fields(enabler, data),
            )
            _write_relations(session, data, replace=False, actor=enabler.user, enabler=enabler)
            rollups.refresh([engagement.pk], dates=[data.date])
            audit_record(actor=enabler.user, action="engagements.session.logged", obj=session,
                         changes=_public_fields(data))
    except IntegrityError:
        existing = _already_logged(enabler, idempotency_key)
        if existing is None:
            raise  # some other constraint: a bug, not a re-send
        return existing, False
    return session, True


def _as_new(data: SessionData) -> SessionData:
    """A new session has no saved learning items: ids sent with it mean nothing."""
    if not any(item.id for item in data.learning_items):
        return data
    return dataclasses.replace(data, learning_items=tuple(
        dataclasses.replace(item, id=None) for item in data.learning_items))


def _edited_items(
    before: Session, data: SessionData
) -> tuple[dict[int, LearningItem], SessionData]:
    """The session's saved learning items by id, and the edit's items with ids checked: an id
    that is not one of this session's items is a new item. A withdrawn item stays withdrawn:
    whatever the form says, it is neither shared nor consented. An unshared item saved with
    this very text was saved with any names in it on purpose: they are kept without asking
    again (sharing it, or changing its text, asks again)."""
    saved = {item.pk: item for item in before.learning_items.all()}
    items = []
    for item in data.learning_items:
        row = saved.get(item.id) if item.id else None
        if row is None:
            item = dataclasses.replace(item, id=None)
        else:
            if row.withdrawn_at is not None:
                item = dataclasses.replace(item, shareable=False, consent=False, nominate=False)
            if not item.shareable and not row.shareable and item.text.strip() == row.text:
                item = dataclasses.replace(item, keep_names=True)
        items.append(item)
    return saved, dataclasses.replace(data, learning_items=tuple(items))


def _current_state(session: Session) -> dict[str, Any]:
    return {
        "engagement": session.engagement_id,
        "date": session.date.isoformat(),
        "kind": session.kind,
        "status": session.status,
        "status_reason": session.status_reason,
        "duration_minutes": session.duration_minutes,
        "notes_in_confidence": session.notes_in_confidence,
        "attendees": sorted(p.pk for p in session.attendees.all()),
        "themes": sorted(t.pk for t in session.themes.all()),
    }


@transaction.atomic
def session_update(
    *,
    enabler: Enabler,
    session: Session,
    data: SessionData,
    expected_version: int,
    today: dt.date | None = None,
) -> Session:
    """Edit a session if nobody changed it since ``expected_version``; never overwrite silently.

    Raises ``StaleEditError`` (carrying the saved version) when the version moved on.
    """
    if session.enabler_id != enabler.pk or session.notes_author_id != enabler.user_id:
        raise DomainError("You can only edit your own sessions.")
    before = Session.objects.prefetch_related("attendees", "themes", "learning_items__themes").get(
        pk=session.pk
    )
    keep_themes = {t.pk for t in before.themes.all()} | {
        t.pk for item in before.learning_items.all() for t in item.themes.all()
    }
    # A note someone disputed (it has a dated clarification, engagements.subjects) is never
    # rewritten: the record of what was written stays, and a further clarification is added.
    # One query, only when the notes were changed.
    if notes_read(before, reader=enabler.user) != data.private_notes \
            and before.note_clarifications.exists():
        raise DomainError(field_errors={"private_notes": [
            "These notes have a clarification, so they are kept as they were written. Add "
            "another clarification instead (the link below the notes)."]})
    saved_items, data = _edited_items(before, data)
    engagement, items = _validate(enabler=enabler, data=data,
                                  today=today or timezone.localdate(),
                                  keep_theme_ids=frozenset(keep_themes),
                                  kept_engagement_id=before.engagement_id)
    data = dataclasses.replace(data, learning_items=items)
    # Compare-and-set in one UPDATE: whoever saves first moves the version on, and the other
    # save then matches no row. Nothing is written unless the version is the one the form saw.
    updated = Session.objects.filter(
        pk=session.pk, enabler=enabler, notes_author_id=enabler.user_id,
        version=expected_version, deleted_at__isnull=True,
    ).update(
        engagement_id=data.engagement_id,
        version=F("version") + 1,
        updated_at=timezone.now(),
        **{name: getattr(data, name) for name in _SCALAR_FIELDS},
        **_notes_fields(enabler, data),
    )
    if not updated:
        current = (
            Session.objects.select_related("engagement__place", "engagement__programme")
            .prefetch_related("attendees", "themes", "learning_items")
            .get(pk=session.pk)
        )
        if current.deleted_at is not None:
            raise DomainError("This session was deleted since you opened it. "
                              "Undo the delete from My week to edit it again.")
        raise StaleEditError(current, noun="This session")
    # Before the links go with any item the edit removes. No query if nothing was shared.
    quoted_in = summaries.summaries_quoting(
        [pk for pk, row in saved_items.items() if _is_shared(row)])
    unshared = _write_relations(session, data, replace=True, actor=enabler.user,
                                saved_items=saved_items, enabler=enabler)
    summaries.summaries_recompile_without(
        summary_ids=[pk for item_id in unshared for pk in quoted_in.get(item_id, ())],
        actor=enabler.user, item_ids=unshared,
    )
    rollups.refresh({before.engagement_id, data.engagement_id},
                    dates=[before.date, data.date])
    session.refresh_from_db()
    old, new = _current_state(before), _public_fields(data)
    changes = {key: value for key, value in new.items() if old.get(key, value) != value}
    if notes_read(before, reader=enabler.user) != data.private_notes:
        changes["private_notes"] = "(changed)"
    if before.next_steps != data.next_steps:
        changes["next_steps"] = "(changed)"
    audit_record(actor=enabler.user, action="engagements.session.updated", obj=session,
                 changes={**changes, "version": session.version}, place_id=engagement.place_id)
    return session


@transaction.atomic
def session_delete(*, enabler: Enabler, session: Session) -> Session:
    """Soft delete: hidden from My week and every count, restorable by its author."""
    if session.enabler_id != enabler.pk or session.notes_author_id != enabler.user_id:
        raise DomainError("You can only delete your own sessions.")
    if session.deleted_at is None:
        session.deleted_at = timezone.now()
        session.save(update_fields=["deleted_at", "updated_at"])
        rollups.refresh([session.engagement_id], dates=[session.date])
        audit_record(actor=enabler.user, action="engagements.session.deleted", obj=session)
    return session


@transaction.atomic
def session_restore(*, enabler: Enabler, session: Session) -> Session:
    """Undo a soft delete."""
    if session.enabler_id != enabler.pk or session.notes_author_id != enabler.user_id:
        raise DomainError("You can only restore your own sessions.")
    if session.deleted_at is not None:
        session.deleted_at = None
        session.save(update_fields=["deleted_at", "updated_at"])
        rollups.refresh([session.engagement_id], dates=[session.date])
        audit_record(actor=enabler.user, action="engagements.session.restored", obj=session)
    return session


@transaction.atomic
def learning_item_withdraw(*, enabler: Enabler, item: LearningItem) -> LearningItem:
    """Withdraw sharing (and the speaker's consent) for a learning item, for good.

    From the commit on, the item is in no page and no summary compiled after; the summaries
    already compiled with it are marked and queued to compile again without it (their PDF
    follows through the render task); it leaves the messages collection, and published
    versions of the messages lose its text and say so. Only the enabler who logged the
    session may. Withdrawing twice changes nothing. Audited without the text.
    """
    if item.session.enabler_id != enabler.pk:
        raise DomainError("You can only withdraw learning from your own sessions.")
    if item.withdrawn_at is not None:
        return item
    quoted_in = summaries.summaries_quoting([item.pk])
    item.withdrawn_at = timezone.now()
    item.shareable = item.consent = False
    item.save(update_fields=["withdrawn_at", "shareable", "consent", "updated_at"])
    audit_record(actor=enabler.user, action="engagements.learning_item.withdrawn", obj=item,
                 changes={"session": item.session_id, "kind": item.kind,
                          "summaries": sorted(quoted_in.get(item.pk, ()))})
    summaries.summaries_recompile_without(summary_ids=quoted_in.get(item.pk, set()),
                                          actor=enabler.user, item_ids=[item.pk])
    messages.nominations_withdraw(item=item, actor=enabler.user)
    return item


def repeat_candidates(*, enabler: Enabler, target_week_start: dt.date) -> list[Session]:
    """The previous week's held sessions on current engagements, to copy into
    ``target_week_start``'s week after review. Three queries (rows, attendees, themes)."""
    source_start = target_week_start - dt.timedelta(weeks=1)
    return list(
        Session.objects.by_enabler(enabler)
        .held()
        .between(source_start, source_start + dt.timedelta(days=6))
        .filter(engagement__in=Engagement.objects.assigned_to(enabler))
        .select_related("engagement__place", "engagement__programme")
        .prefetch_related("attendees", "themes")
        .order_by("date", "created_at")
    )


@transaction.atomic
def sessions_repeat(
    *,
    enabler: Enabler,
    source_ids: list[int],
    batch_key: uuid.UUID,
    today: dt.date | None = None,
) -> list[Session]:
    """Copy the chosen sessions one week forward: same engagement, kind, length, people, themes.

    Private notes, next steps, headcounts and learning are never copied: they belong to the day
    they were written. All or nothing. Each copy's idempotency key is derived from the batch key
    and its source, so re-sending the same form creates nothing new.
    """
    today = today or timezone.localdate()
    sources = (
        Session.objects.by_enabler(enabler).held().filter(pk__in=source_ids)
        .select_related("engagement__place")
        .prefetch_related("attendees", "themes").order_by("date", "created_at")
    )
    created = []
    for source in sources:
        data = SessionData(
            engagement_id=source.engagement_id,
            date=source.date + dt.timedelta(weeks=1),
            kind=source.kind,
            duration_minutes=source.duration_minutes,
            attendee_ids=frozenset(p.pk for p in source.attendees.all()),
            theme_ids=frozenset(t.pk for t in source.themes.all()),
        )
        try:
            session, _ = session_log(
                enabler=enabler, data=data, today=today,
                idempotency_key=uuid.uuid5(batch_key, str(source.pk)),
            )
        except DomainError as error:
            label = (f"{source.get_kind_display()} with {source.engagement.place} "
                     f"on {data.date:%A %-d %B}")
            raise DomainError(f"{label}: {error}") from error
        created.append(session)
    return created
