"""``manage.py generate_load --sessions N``: synthetic national-scale data for benchmarks.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/fb_bench_100k \\
        python manage.py migrate && python manage.py generate_load --sessions 100000

Sizes default in proportion to the sessions (see ``demo.loadgen.default_sizes``); the
first programme always has 200 places. Every generated user's password is published
(``demo.loadgen.LOAD_PASSWORD``), so the command refuses DEBUG-off databases.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.loadgen import LOAD_PASSWORD, database_is_empty, default_sizes, generate


class Command(BaseCommand):
    help = "Fill the database with skewed synthetic places, enablers, programmes and sessions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sessions", type=int, required=True)
        parser.add_argument("--places", type=int, default=None)
        parser.add_argument("--enablers", type=int, default=None)
        parser.add_argument("--programmes", type=int, default=None)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--append", action="store_true",
                            help="Add to a database that already has data.")
        parser.add_argument("--force", action="store_true",
                            help="Run although DEBUG is off (the users' password is published).")

    def handle(self, *args: Any, sessions: int, places: int | None, enablers: int | None,
               programmes: int | None, seed: int, append: bool, force: bool,
               **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "generate_load refuses to run with DEBUG off: every user it creates shares a "
                "published password. Use a throw-away database with DEBUG=true, or --force.")
        if not append and not database_is_empty():
            raise CommandError(
                "The database already has places or sessions. Use an empty database, or "
                "--append to add a second load beside them.")
        if sessions < 0:
            raise CommandError("--sessions must be 0 or more.")
        sizes = default_sizes(sessions)
        sizes.update({k: v for k, v in
                      {"places": places, "enablers": enablers, "programmes": programmes}.items()
                      if v is not None})
        if sizes["places"] < 1 or sizes["enablers"] < 1 or sizes["programmes"] < 1:
            raise CommandError("--places, --enablers and --programmes must be at least 1.")
        report = generate(sessions=sessions, seed=seed, places=sizes["places"],
                          enablers=sizes["enablers"], programmes=sizes["programmes"])
        self.stdout.write(self.style.SUCCESS(report.summary()))
        self.stdout.write(f"Users: {report.tag}-enabler-NNNN, {report.tag}-lead-NN, "
                          f"{report.tag}-admin-N (password: {LOAD_PASSWORD})")
