"""A session engine: Django's database sessions, stored in ``fieldbook.UserSession``, which
records whose session it is. Set ``SESSION_ENGINE = "fieldbook.signin_sessions"``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore

if TYPE_CHECKING:
    from fieldbook.models import UserSession


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        from fieldbook.models import UserSession

        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        # Django builds it from get_model_class(), above.
        obj = cast("UserSession", super().create_model_instance(data))
        try:
            obj.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            obj.user_id = None
        return obj
