"""An enabler's private notes: sealed for their author, opened for their author only.

The one module that turns notes into ciphertext and back (fieldbook.sealing). A note is sealed
bound to the *user* who wrote it (``Session.notes_author``), not to the enabler profile, which an
administrator could once re-link to another account: if the profile's user or the row's author
is changed in the database, the note still opens for nobody but the person who wrote it.

There is no "read these notes as someone else" here, by design: no lead, admin, superuser,
export, summary or task has a way in. The one exception is the law's: a subject-access request
whose break-glass search a second person approved (``notes_open_for_subject_access``: the DPO
reads the notes that name the requester, engagements.subjects).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from fieldbook.sealing import SealError, is_current, reseal, seal, unseal

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

    from engagements.models import Session
    from engagements.subjects.models import NoteSearch

logger = logging.getLogger(__name__)


def _context(author_id: int) -> str:
    return f"engagements.session.notes:user:{author_id}"


def notes_seal(text: str, *, author_id: int) -> str:
    """``text`` sealed for ``author_id``: what ``Session.notes_sealed`` stores."""
    return seal(text, context=_context(author_id))


def notes_readable_by(session: Session, reader: AbstractBaseUser | AnonymousUser) -> bool:
    """Only the author, signed in. No query."""
    return bool(reader.is_authenticated and reader.pk == session.notes_author_id)


def notes_read(session: Session, *, reader: AbstractBaseUser | AnonymousUser) -> str | None:
    """The session's notes for ``reader``: the text if they wrote them, else ``None`` (which
    says nothing about whether there are notes). A note its author cannot open (a wrong or
    missing key) raises ``SealError``: never a blank that would pass for "no notes"."""
    if not notes_readable_by(session, reader):
        return None
    return unseal(session.notes_sealed, context=_context(session.notes_author_id))


def notes_attach(sessions: Iterable[Session], *, reader: AbstractBaseUser | AnonymousUser) -> None:
    """Set ``session.notes`` (text or ``None``) on each session, for templates. No query."""
    for session in sessions:
        session.notes = notes_read(session, reader=reader)


def notes_open_for_subject_access(session: Session, *, search: NoteSearch) -> str:
    """Break-glass: the notes of ``session`` for a subject-access search that an Admin other than
    the asker approved (engagements.subjects.services). Refuses anything else, so no other
    caller can use it as a way in. The caller audits the opening."""
    from engagements.subjects.models import NoteSearch

    if search.status != NoteSearch.Status.APPROVED or search.decided_by_id in (
            None, search.asked_by_id):
        raise PermissionError("Private notes open only for an approved break-glass search.")
    return unseal(session.notes_sealed, context=_context(session.notes_author_id))


def _clarification_context(author_id: int) -> str:
    return f"engagements.session.clarification:user:{author_id}"


def clarification_seal(text: str, *, author_id: int) -> str:
    return seal(text, context=_clarification_context(author_id))


def clarification_open(sealed: str, *, author_id: int) -> str:
    """A clarification's text: for its author's own page, or an approved break-glass search
    (the callers check which)."""
    return unseal(sealed, context=_clarification_context(author_id))


# ---- key rotation -------------------------------------------------------------------------------

@dataclass
class RotationCounts:
    resealed: int = 0
    already_current: int = 0
    changed_meanwhile: int = 0  # edited while we worked: the edit sealed it under the new key

    @property
    def examined(self) -> int:
        return self.resealed + self.already_current + self.changed_meanwhile


def notes_rotate_batch(rows: list[tuple[int, str]]) -> RotationCounts:
    """Re-seal ``(pk, sealed)`` rows under the current key. Each UPDATE matches only if the row
    still holds the ciphertext we read (compare-and-set), so an edit saved meanwhile — already
    sealed under the current key — is never overwritten. One UPDATE per row that needs it."""
    from engagements.models import Session

    counts = RotationCounts()
    with transaction.atomic():
        for pk, sealed in rows:
            if is_current(sealed):
                counts.already_current += 1
                continue
            updated = Session.objects.filter(pk=pk, notes_sealed=sealed).update(
                notes_sealed=reseal(sealed))
            if updated:
                counts.resealed += 1
            else:
                counts.changed_meanwhile += 1
    return counts


def notes_rotate(*, batch_size: int = 500) -> RotationCounts:
    """Re-seal every session's notes under the current key, in batches by primary key (each
    batch its own short transaction, so the app keeps running). Raises ``SealError`` naming the
    session whose notes no configured key opens."""
    from engagements.models import Session

    total = RotationCounts()
    last_pk = 0
    while True:
        rows = list(Session.objects.filter(pk__gt=last_pk).order_by("pk")
                    .values_list("pk", "notes_sealed")[:batch_size])
        if not rows:
            total.resealed += _clarifications_rotate()
            return total
        try:
            counts = notes_rotate_batch(rows)
        except SealError as error:
            raise SealError(f"{error} (a session between ids {rows[0][0]} and {rows[-1][0]}: "
                            "is the old key still in FIELDBOOK_NOTES_KEYS?)") from error
        total.resealed += counts.resealed
        total.already_current += counts.already_current
        total.changed_meanwhile += counts.changed_meanwhile
        last_pk = rows[-1][0]


def _clarifications_rotate() -> int:
    """Re-seal the notes' clarifications (engagements.subjects) under the current key. They are
    only ever added, never edited, so the compare-and-set only guards a concurrent rotation."""
    from engagements.subjects.models import NoteClarification

    resealed = 0
    for pk, sealed in (NoteClarification.objects.values_list("pk", "text_sealed")
                       .iterator(chunk_size=500)):
        if not is_current(sealed):
            resealed += NoteClarification.objects.filter(pk=pk, text_sealed=sealed).update(
                text_sealed=reseal(sealed))
    return resealed


def notes_not_current() -> int:
    """How many sessions' notes are still sealed under an older key (0: the older keys can be
    removed). Reads every sealed value; for the rotation command and its check."""
    from engagements.models import Session
    from engagements.subjects.models import NoteClarification

    sealed_values = [Session.objects.values_list("notes_sealed", flat=True),
                     NoteClarification.objects.values_list("text_sealed", flat=True)]
    return sum(1 for values in sealed_values for sealed in values.iterator(chunk_size=2000)
               if not is_current(sealed))


def notes_keys_check() -> None:
    """Start-up check (``FIELDBOOK_STARTUP_CHECKS``): the configured keys open the newest and
    the oldest sealed notes. Two queries. A wrong key stops the app here with a clear message,
    rather than failing on an enabler's first page."""
    from django.core.exceptions import ImproperlyConfigured

    from engagements.models import Session

    newest = Session.objects.order_by("-pk").values_list("notes_sealed", "notes_author_id").first()
    oldest = Session.objects.order_by("pk").values_list("notes_sealed", "notes_author_id").first()
    for row in filter(None, (newest, oldest)):
        try:
            unseal(row[0], context=_context(row[1]))
        except SealError:
            raise ImproperlyConfigured(
                "FIELDBOOK_NOTES_KEYS does not open the private notes in this database: the key "
                "is wrong, or the key they were sealed under was removed. Restore the key that "
                "was in use (README \"Confidentiality\"); nothing has been changed."
            ) from None


def notes_of_someone_else(user: User, session_pk: str) -> bool:
    """Whether session ``session_pk`` exists and was logged by someone other than ``user``
    (``@private_notes(someone_elses=...)``: a 404 for it is audited). Reads ids only, never
    the notes."""
    from engagements.models import Session

    try:
        pk = int(session_pk)
    except ValueError:
        return False
    return Session.objects.filter(pk=pk).exclude(notes_author_id=user.pk).exists()
