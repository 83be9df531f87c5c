"""The demo accounts, for the sign-in page of a demo (``FIELDBOOK_SIGNIN_ACCOUNTS``).

Listed only where the settings name this function (a ``DEBUG`` run such as ``make run``) and
only those demo users that exist and are active in this database: a copy without the demo data
lists none. One query.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from demo.seed.people import DEMO_ENABLER, DEMO_PASSWORD, OTHER_USERS

TRY = {
    DEMO_ENABLER: ("Enabler", "Log a visit on My week; your private notes are yours alone"),
    "lead": ("Programme lead", "A programme’s dashboard, a place’s page, learning summaries"),
    "admin": ("Admin", "Manage: onboard a locality, import a spreadsheet, users, the audit log"),
    "dpo": ("Data protection officer",
            "Subject access: find a person, log their request, compile the pack"),
}


def signin_accounts() -> list[dict[str, Any]]:
    """The demo's accounts present here: username, password, role and what to try."""
    usernames = [DEMO_ENABLER, *(username for username, *_ in OTHER_USERS)]
    present = set(get_user_model().objects.filter(
        username__in=usernames, is_active=True).values_list("username", flat=True))
    return [
        {"username": name, "password": DEMO_PASSWORD, "role": TRY[name][0], "try": TRY[name][1]}
        for name in usernames if name in present and name in TRY
    ]
