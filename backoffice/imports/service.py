"""Upload → preview → confirm. The preview keeps the parsed cells in an ``ImportBatch`` row (not
the file) under an unguessable token; confirming plans every row again against the database as
it is then, and writes all of them in one transaction, or none."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.imports.base import RowClash
from backoffice.imports.reading import file_read, rows_parse
from backoffice.imports.rows import ERROR, NEW, PLANNERS, UNCHANGED, UPDATED, Planner, RowOutcome
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from places.models import ImportBatch

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PREVIEW_LIFETIME = dt.timedelta(hours=24)
# The audit row lists this many changed rows; the batch itself keeps them all.
AUDITED_ROWS = 100
CLASH = "it clashes with a record saved a moment ago"


@dataclass
class Preview:
    outcomes: list[RowOutcome]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(o.status for o in self.outcomes)
        return {status: counted.get(status, 0) for status in (NEW, UPDATED, UNCHANGED, ERROR)}

    @property
    def has_errors(self) -> bool:
        return any(o.status == ERROR for o in self.outcomes)

    @property
    def changes(self) -> int:
        return sum(1 for o in self.outcomes if o.status in (NEW, UPDATED))


def import_upload(*, actor: User, kind: str, name: str, data: bytes) -> ImportBatch:
    """Read the file and keep its rows for the preview. Raises ``FileProblem``."""
    planner = PLANNERS[kind]
    parsed = rows_parse(file_read(name=name, data=data),
                        required=planner.required(), optional=planner.optional())
    # Previews nobody confirmed are clutter after a day: clear this admin's old ones.
    ImportBatch.objects.filter(
        owner=actor, status=ImportBatch.Status.PREVIEWED,
        created_at__lt=timezone.now() - PREVIEW_LIFETIME,
    ).delete()
    return ImportBatch.objects.create(
        owner=actor, kind=kind, filename=name[:255],
        rows=[[number, row] for number, row in parsed.rows],
        results={"ignored_columns": parsed.ignored_columns},
    )


def import_preview(*, batch: ImportBatch, today: dt.date | None = None) -> Preview:
    """What each row would do now. A fixed number of queries, whatever the number of rows."""
    return _planned(batch, today)[1]


def _planned(batch: ImportBatch, today: dt.date | None) -> tuple[Planner, Preview]:
    planner = PLANNERS[batch.kind](
        [(int(number), row) for number, row in batch.rows],
        today=today or timezone.localdate(),
    )
    preview = Preview(planner.run(),
                      ignored_columns=list(batch.results.get("ignored_columns", [])))
    return planner, preview


def _not_imported(row: int | None, detail: str) -> str:
    which = f"Row {row}" if row is not None else "A row"
    return f"{which} could not be imported ({detail}). Nothing was imported."


def is_expired(batch: ImportBatch) -> bool:
    return batch.created_at < timezone.now() - PREVIEW_LIFETIME


@transaction.atomic
def import_commit(*, actor: User, batch: ImportBatch, today: dt.date | None = None) -> Preview:
    """Import every row, or nothing. Locks the batch so a double-click imports once."""
    locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk, owner=actor).first()
    if locked is None or locked.status != ImportBatch.Status.PREVIEWED:
        raise DomainError("This file has already been imported.")
    if is_expired(locked):
        raise DomainError("This preview is more than a day old. Upload the file again.")
    planner, preview = _planned(locked, today)
    if preview.has_errors:
        raise DomainError("Some rows have errors, so nothing was imported. Fix them in the file "
                          "and upload it again.")
    # A rule the preview did not foresee, or a race with another writer: the DomainError leaves
    # this atomic block, so everything written so far is rolled back.
    for outcome in preview.outcomes:
        if outcome.apply is None:
            continue
        try:
            outcome.apply()
        except (ValidationError, IntegrityError) as exc:
            detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else CLASH
            raise DomainError(_not_imported(outcome.row, detail)) from exc
    try:
        planner.flush()  # what the rows queued, written in bulk
    except RowClash as exc:
        raise DomainError(_not_imported(exc.row, CLASH)) from exc
    locked.status = ImportBatch.Status.IMPORTED
    locked.imported_at = timezone.now()
    # The cells (names of people among them) are not needed once imported: the outcomes are.
    locked.rows = []
    locked.results = {
        **locked.results,
        "counts": preview.counts,
        "outcomes": [o.as_dict() for o in preview.outcomes],
    }
    locked.save(update_fields=["status", "imported_at", "rows", "results", "updated_at"])
    changed = [o for o in preview.outcomes if o.status in (NEW, UPDATED)]
    audit_record(actor=actor, action="places.import.committed", obj=locked, changes={
        "kind": locked.kind,
        "filename": locked.filename,
        "rows": len(preview.outcomes),
        **preview.counts,
        "changed_rows": [
            f"row {o.row}: {o.key} ({o.status}{': ' + '; '.join(o.changes) if o.changes else ''})"
            for o in changed[:AUDITED_ROWS]
        ],
    })
    batch.status, batch.results = locked.status, locked.results
    return preview
