"""``manage.py seed_demo``: load the demo world (places, boards, enablers, a year of sessions).

Idempotent: ``make run`` calls it on every start, and a rerun finds everything and stops.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.seed import DEMO_ENABLER, DEMO_PASSWORD, ENABLERS, OTHER_USERS, demo_seed
from fieldbook.roles import Role


class Command(BaseCommand):
    help = (
        "Create the demo data: regions, places, boards, programmes, enablers, a year of "
        f"sessions and the demo users (password: {DEMO_PASSWORD}). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true",
            help="Run even though DEBUG is off. Never on a real deployment: the demo users "
                 "share a published password.",
        )
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None,
            help="Pretend today is this date (YYYY-MM-DD); sessions run up to it.",
        )

    def handle(self, *args: Any, force: bool, today: dt.date | None, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates demo users whose password "
                f"({DEMO_PASSWORD}) is published. Set DEBUG=true for a local demo, or pass "
                "--force if you really mean to load demo data here."
            )
        started = time.monotonic()
        report = demo_seed(today=today or timezone.localdate())
        elapsed = time.monotonic() - started
        self.stdout.write(f"{report.summary()} ({elapsed:.1f} s)")
        users = [(DEMO_ENABLER, Role.ENABLER)] + [(u[0], u[3]) for u in OTHER_USERS]
        self.stdout.write(self.style.SUCCESS(
            f"Demo users (password: {DEMO_PASSWORD}): "
            + "; ".join(f"{username} — {role.value}" for username, role in users)
        ))
        others = [e.username for e in ENABLERS if e.username != DEMO_ENABLER]
        self.stdout.write(f"Other demo enablers (same password): {', '.join(others)}")
