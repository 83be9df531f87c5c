"""The roles of Fieldbook. Each is a Django group created by a data migration.

Admins grant the first three in the back office (``GRANTABLE_ROLES``). The data-protection
officer's role opens subject access and retention (issue 18); only a superuser grants it, in
the Django admin, where the change is audited (fieldbook.admin)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class Role(StrEnum):
    ENABLER = "Enabler"
    LEAD = "Programme lead"
    ADMIN = "Admin"
    DPO = "Data protection officer"


# The roles an admin may give and take away in Manage -> Users.
GRANTABLE_ROLES: tuple[Role, ...] = (Role.ENABLER, Role.LEAD, Role.ADMIN)
ALL_ROLES: tuple[Role, ...] = (*GRANTABLE_ROLES, Role.DPO)


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
