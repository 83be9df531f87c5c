"""``manage.py audit_verify``: recompute the audit trail's hash chain (fieldbook.audit).

Exits 0 and prints the chain's head (its length and last hash) when every row is intact; exits
non-zero naming each row that was altered, removed (a gap before it) or inserted by hand.
Record the printed head somewhere outside the database (a ticket, the backup log): a chain cut
short at its end, or rewritten from start to end by someone who can also disable the trigger,
is caught by ``--expect-head SEQ:HASH`` against a head recorded earlier.

Reads the table once, in seq order, 2,000 rows at a time: memory stays flat at any size.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fieldbook.audit import CHAIN_FIELDS, row_hash
from fieldbook.models import AuditEvent

MAX_LISTED = 50


def chain_problems(*, expect_head: str = "") -> tuple[list[str], int, str]:
    """(problems, rows checked, head hash). Each problem names the row by id and seq."""
    problems: list[str] = []
    expected_seq, prev_hash, checked = 1, "", 0
    head_seen = ""
    rows = AuditEvent.objects.order_by("seq", "id").values("id", *CHAIN_FIELDS, "row_hash")
    for row in rows.iterator(chunk_size=2000):
        checked += 1
        name = f"row id {row['id']} (seq {row['seq']}, {row['action']})"
        if row["seq"] != expected_seq:
            problems.append(
                f"{name}: expected seq {expected_seq}; "
                f"{'rows removed before it' if row['seq'] > expected_seq else 'seq out of order'}")
        if row["prev_hash"] != prev_hash:
            problems.append(f"{name}: its previous-row hash does not match the row before it "
                            "(a row before it was removed, altered or inserted)")
        if row_hash(row) != row["row_hash"]:
            problems.append(f"{name}: its content does not match its hash (altered, or "
                            "inserted by hand)")
        expected_seq, prev_hash = row["seq"] + 1, row["row_hash"]
        if expect_head and f"{row['seq']}:{row['row_hash']}" == expect_head:
            head_seen = expect_head
    if expect_head and not head_seen:
        problems.append(f"the recorded head {expect_head} is not in the chain (rows removed "
                        "from its end, or the chain rewritten)")
    return problems, checked, prev_hash


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; exit non-zero naming any altered, removed or "
    help += "inserted row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--expect-head", default="", metavar="SEQ:HASH",
                            help="a head printed by an earlier run, which must still be there")

    def handle(self, *args: Any, **options: Any) -> None:
        problems, checked, head = chain_problems(expect_head=options["expect_head"])
        if problems:
            listed = problems[:MAX_LISTED]
            more = len(problems) - len(listed)
            raise CommandError(
                f"The audit trail has been tampered with ({len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''} in {checked} rows):\n"
                + "\n".join(f"  - {p}" for p in listed)
                + (f"\n  ... and {more} more" if more else ""))
        self.stdout.write(f"Audit trail intact: {checked} rows. Head: {checked}:{head}")
