"""Keys for the drafts a browser keeps of unsaved forms (static/js/drafts.js).

A draft of the log-a-visit form can hold private notes, and it lives in the browser's storage,
where the next person on a shared computer could read it. So the browser encrypts it (AES-GCM,
Web Crypto) with a key only the signed-in user is given (``draft_key``, served no-store to that
user alone), and files it under an opaque name for that user (``draft_owner``): drafts under any
other name are deleted as soon as someone else signs in on that browser, and drafts older than
``DRAFT_DAYS`` are deleted on sight.

Both are HMAC-SHA256 of the user's id under SECRET_KEY (Django's ``salted_hmac``): the same on
every visit, so the author can restore their draft after a crash, and worthless without the
server. Rotating SECRET_KEY makes every stored draft unreadable, which is safe (it is deleted).
"""

from __future__ import annotations

import base64

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.crypto import salted_hmac

DRAFT_DAYS = 14


def draft_owner(user: AbstractBaseUser | AnonymousUser) -> str:
    """An opaque, stable name for the user's drafts ("" when nobody is signed in)."""
    if not user.is_authenticated:
        return ""
    return salted_hmac("fieldbook.drafts.owner", str(user.pk), algorithm="sha256").hexdigest()[:24]


def draft_key(user: AbstractBaseUser) -> str:
    """The user's 256-bit draft key, base64."""
    digest = salted_hmac("fieldbook.drafts.key", str(user.pk), algorithm="sha256").digest()
    return base64.b64encode(digest).decode("ascii")
