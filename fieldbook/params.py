"""Query parameters, read with bounds. A value outside them is a 400 page, never a 500.

Every query parameter a view reads goes through one of these readers:

- ``query_date``: an ISO date (``2024-03-01``) within the dates Fieldbook covers
  (``fieldbook.units``: 1 January 2000 to five years ahead);
- ``query_int``: a whole number between limits (ids: 1 to 2,147,483,647, PostgreSQL's integer);
- ``query_text``: text of at most ``max_length`` characters, with no NUL or other control
  character (PostgreSQL refuses NUL in text).

An empty or missing parameter is ``None`` (or the default); a malformed or out-of-range one
raises ``BadParameter``, which Django answers with the 400 page (``fieldbook.error_pages``).
The message names the parameter, never echoes its value.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils import timezone

from fieldbook.units import EARLIEST_DATE, latest_date

MAX_ID = 2**31 - 1
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadParameter(BadRequest):
    """A query parameter Fieldbook cannot use; the 400 page shows the message."""


def query_date(params: QueryDict, name: str, *, today: dt.date | None = None,
               earliest: dt.date = EARLIEST_DATE) -> dt.date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    today = today or timezone.localdate()
    latest = latest_date(today)
    try:
        day = dt.date.fromisoformat(raw) if ISO_DATE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None or not earliest <= day <= latest:
        raise BadParameter(f"“{name}” must be a date written like 2024-03-01, between "
                           f"{earliest:%-d %B %Y} and {latest:%-d %B %Y}.")
    return day


def query_int(params: QueryDict, name: str, *, lowest: int = 1,
              highest: int = MAX_ID) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.lstrip("-").isdigit() and len(raw) <= 12) \
            or not lowest <= int(raw) <= highest:
        raise BadParameter(f"“{name}” must be a whole number from {lowest:,} to {highest:,}.")
    return int(raw)


def query_text(params: QueryDict, name: str, *, max_length: int = 200, default: str = "") -> str:
    raw = params.get(name, default)
    if len(raw) > max_length or CONTROL.search(raw):
        raise BadParameter(f"“{name}” must be text of {max_length:,} characters or fewer, "
                           "with no control characters.")
    return raw.strip()
