"""Re-seal every private note under the current notes key, while the app runs.

    # 1. put the new key first, keep the old one after it, and restart the app and workers:
    FIELDBOOK_NOTES_KEYS="<new key>,<old key>"
    # 2. re-seal (batches of 500, each its own short transaction; edits meanwhile are kept):
    python manage.py rotate_notes_key
    # 3. check nothing is left under the old key, then remove it and restart again:
    python manage.py rotate_notes_key --check

New notes are sealed under the first key as soon as the app restarts with it, so the command
only has to catch up with the old rows. A row edited while it runs is left as the edit wrote it
(already under the new key). README "Confidentiality" has the whole runbook.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from engagements.notes import notes_not_current, notes_rotate
from fieldbook.audit import audit_record
from fieldbook.sealing import SealError, key_fingerprints


class Command(BaseCommand):
    help = "Re-seal every private note under the first key in FIELDBOOK_NOTES_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="Change nothing; exit 1 if any note is still under an older "
                                 "key (when it exits 0, the older keys can be removed).")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, check: bool, batch_size: int, **options: Any) -> None:
        fingerprints = key_fingerprints()
        self.stdout.write(f"Current key {fingerprints[0]}; {len(fingerprints) - 1} older "
                          f"key{'' if len(fingerprints) == 2 else 's'} configured.")
        if check:
            left = notes_not_current()
            if left:
                raise CommandError(f"{left} session{'' if left == 1 else 's'} still sealed "
                                   "under an older key: run rotate_notes_key first.")
            self.stdout.write("Every note is sealed under the current key: the older keys can "
                              "be removed from FIELDBOOK_NOTES_KEYS.")
            return
        started = time.monotonic()
        try:
            counts = notes_rotate(batch_size=batch_size)
        except SealError as error:
            raise CommandError(str(error)) from error
        audit_record(actor=None, action="security.notes_key.rotated", obj=None,
                     changes={"key": fingerprints[0], "resealed": counts.resealed,
                              "already_current": counts.already_current,
                              "changed_meanwhile": counts.changed_meanwhile})
        self.stdout.write(
            f"Re-sealed {counts.resealed} of {counts.examined} sessions in "
            f"{time.monotonic() - started:.1f} s ({counts.already_current} already under the "
            f"current key, {counts.changed_meanwhile} edited meanwhile and left as saved). "
            "Check with --check, then remove the older keys.")
