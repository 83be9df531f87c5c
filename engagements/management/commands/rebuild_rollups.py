"""Recompute every engagement's rollups (engagements.rollups) and say how many rows were wrong.

    python manage.py rebuild_rollups          # repair, report the drift
    python manage.py rebuild_rollups --check  # the same, and exit 1 if anything had drifted

The services keep the rollups in step with every session write, so the drift should be 0.
Anything else means a write went around them (a raw SQL fix, a partial restore).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from engagements.rollups import rebuild


class Command(BaseCommand):
    help = "Recompute the engagement rollups the dashboards read, and report any drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="Exit with status 1 if any rollup row had drifted.")

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        started = time.monotonic()
        changed = rebuild()
        self.stdout.write(f"Rollups rebuilt in {time.monotonic() - started:.1f} s: "
                          f"{changed} row{'' if changed == 1 else 's'} corrected.")
        if check and changed:
            raise CommandError(f"{changed} rollup rows had drifted from the sessions.")
