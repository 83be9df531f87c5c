"""``manage.py two_factor_reset USERNAME``: for someone who lost their phone and their recovery
codes. Removes their authenticator and recovery codes and ends their sessions; they set up a new
authenticator at their next sign-in. Audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fieldbook.two_factor import two_factor_reset


class Command(BaseCommand):
    help = "Remove a user's two-factor devices (a lost phone); they set up again at sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        removed = two_factor_reset(actor=None, user=user)
        self.stdout.write(f"Removed {removed} device(s) of {username}; their sessions ended.")
