"""Sealed text: what only its author may read is stored encrypted, under keys that never live in
the database (README "Confidentiality").

Fernet (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package) under
``FIELDBOOK_NOTES_KEYS``: a comma-separated list of Fernet keys, newest first (or
``FIELDBOOK_NOTES_KEYS_FILE``, a file holding that list). Everything is sealed under the first
key; any key in the list opens. ``manage.py rotate_notes_key`` re-seals every row under the first
key, after which the others can be removed.

Each sealed value is bound to a *context* (for private notes, their author's user id): the
context is sealed with the text and checked when it is opened, so a ciphertext copied onto
another row, or a row whose author was changed in the database, does not open. No home-made
cryptography: this module only frames the plaintext and calls Fernet.

Costs: sealing or opening a note takes ~20 µs; a sealed value is about 4/3 of the text plus
~100 characters.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Every Fernet token starts with the version byte 0x80 and a 64-bit timestamp whose top 32 bits
# are zero until the year 2106: in base64, "gAAAAA". Columns holding sealed text carry a check
# constraint on it, so the database itself refuses a value that was not sealed.
TOKEN_PREFIX = "gAAAAA"
_SEPARATOR = "\x1f"  # ASCII unit separator: cannot be typed into a form field


class SealError(Exception):
    """A sealed value that does not open: a wrong or missing key, or the wrong context."""


class KeyMissing(ImproperlyConfigured):
    pass


def new_key() -> str:
    """A fresh random key, for ``FIELDBOOK_NOTES_KEYS``."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(raw: list[str], *, setting: str = "FIELDBOOK_NOTES_KEYS") -> list[str]:
    """Check a configured key list at start-up: every key must be a Fernet key. The error names
    the setting and the position, never the key."""
    if not raw:
        raise KeyMissing(
            f"{setting} is not set. Private notes are stored encrypted under it, and Fieldbook "
            f"will not start without it. Generate one with `python -m fieldbook.sealing` and set "
            f"{setting} (or {setting}_FILE, a file holding it); keep a copy apart from the "
            f"database backups (README \"Confidentiality\")."
        )
    for position, key in enumerate(raw, start=1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise ImproperlyConfigured(
                f"{setting}: key {position} of {len(raw)} is not a valid key (a key is 44 "
                f"characters of URL-safe base64, as `python -m fieldbook.sealing` prints)."
            ) from None
    return raw


@cache
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    fernets = [Fernet(key.encode("ascii")) for key in keys]
    return MultiFernet(fernets), fernets[0]


def _configured() -> tuple[MultiFernet, Fernet]:
    keys = tuple(getattr(settings, "FIELDBOOK_NOTES_KEYS", ()) or ())
    if not keys:
        raise KeyMissing("FIELDBOOK_NOTES_KEYS is not set: sealed text can be neither written "
                         "nor read.")
    return _fernets(keys)


def seal(text: str, *, context: str) -> str:
    """``text`` sealed under the current key, bound to ``context``."""
    multi, _ = _configured()
    return multi.encrypt(f"{context}{_SEPARATOR}{text}".encode()).decode("ascii")


def unseal(token: str, *, context: str) -> str:
    """The text sealed in ``token``. Raises ``SealError`` if no configured key opens it or it was
    sealed for another context. Never returns a blank in place of text it could not open."""
    multi, _ = _configured()
    try:
        framed = multi.decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise SealError("No configured key opens this sealed value.") from error
    sealed_for, separator, text = framed.partition(_SEPARATOR)
    if not separator or sealed_for != context:
        raise SealError("This sealed value belongs to someone else.")
    return text


def is_current(token: str) -> bool:
    """Whether ``token`` is sealed under the current (first) key."""
    _, current = _configured()
    try:
        current.decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def reseal(token: str) -> str:
    """``token`` sealed again under the current key (same text, same context). Raises
    ``SealError`` if no configured key opens it."""
    multi, _ = _configured()
    try:
        return multi.rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise SealError("No configured key opens this sealed value.") from error


def key_fingerprints() -> list[str]:
    """Short, one-way names for the configured keys (for messages and the README's runbook):
    the first 8 hex digits of SHA-256 over the key. Never the key itself."""
    keys = getattr(settings, "FIELDBOOK_NOTES_KEYS", ()) or ()
    return [hashlib.sha256(base64.urlsafe_b64decode(k)).hexdigest()[:8] for k in keys]


if __name__ == "__main__":  # python -m fieldbook.sealing: print a new key
    print(new_key())
