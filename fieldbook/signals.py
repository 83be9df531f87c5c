"""Receivers for Django's authentication signals: session bookkeeping that must happen however
a user signs in, out or is switched off (the sign-in page, ``Client.force_login``, a
deactivation on Manage → Users, in the Django admin or from a script).

These are the framework's hooks for authentication events, not business logic: each receiver
starts session clocks or ends sessions, and nothing else. Connected in ``FieldbookConfig.ready``.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as UserModel
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from fieldbook.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from fieldbook.security import sessions_end

User = get_user_model()


@receiver(user_logged_in, dispatch_uid="fieldbook.signed_in")
def signed_in(sender: Any, request: HttpRequest | None, user: UserModel,
              **kwargs: Any) -> None:
    """Start the clocks SessionLifetimeMiddleware reads. (The audit row for a sign-in is
    written by the sign-in page, the only place people sign in: see fieldbook.views.LoginView.)"""
    now = int(time.time())
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


@receiver(user_logged_out, dispatch_uid="fieldbook.signed_out")
def signed_out(sender: Any, request: HttpRequest | None, user: UserModel | None,
               **kwargs: Any) -> None:
    """Signing out anywhere signs out everywhere: every session of the user ends."""
    if user is not None:
        sessions_end(user)


@receiver(pre_save, sender=User, dispatch_uid="fieldbook.user_pre_save")
def remember_was_active(sender: Any, instance: Any, update_fields: Any = None,
                        **kwargs: Any) -> None:
    # Only a save that writes is_active can switch it off; no query for any other save.
    if instance.pk and not instance.is_active and (
            update_fields is None or "is_active" in update_fields):
        instance._fb_switching_off = True


@receiver(post_save, sender=User, dispatch_uid="fieldbook.user_post_save")
def end_sessions_of_inactive_user(sender: Any, instance: Any, created: bool,
                                  **kwargs: Any) -> None:
    """A deactivated account keeps no session, whichever path switched it off (Fieldbook's
    users page, the Django admin, a script). Django would already refuse its sessions on the next
    request; deleting them means reactivating the account cannot bring an old session back."""
    if getattr(instance, "_fb_switching_off", False):
        del instance._fb_switching_off
        sessions_end(instance)
