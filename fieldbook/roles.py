"""The three roles of Fieldbook. Each is a Django group created by a data migration."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class Role(StrEnum):
    ENABLER = "Enabler"
    LEAD = "Programme lead"
    ADMIN = "Admin"


ALL_ROLES: tuple[Role, ...] = (Role.ENABLER, Role.LEAD, Role.ADMIN)


def user_roles(user: User | AnonymousUser) -> frozenset[Role]:
    """The roles a user holds, cached on the user object for the request (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached: frozenset[Role] | None = user.__dict__.get("_fieldbook_roles")
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in ALL_ROLES if role.value in names)
        user.__dict__["_fieldbook_roles"] = cached
    return cached
