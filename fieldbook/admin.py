"""The Django admin's user pages, made safe for Fieldbook admins.

Fieldbook admins are staff with ``auth.change_user`` (migration 0002), and Django's stock user
admin would let anyone with that permission tick "superuser status" on their own account. Here
only a superuser may change superuser, staff and active status, groups (roles) or permissions;
a Fieldbook admin changes roles and deactivates people on Manage → Users, where each change is
audited. A superuser's role or status change made here is audited too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from .audit import audit_record

User = get_user_model()

_GUARDED = ("is_superuser", "is_staff", "is_active", "groups", "user_permissions")


def _roles_and_status(user: Any) -> tuple[list[str], bool, bool, bool]:
    row = User.objects.filter(pk=user.pk).values("is_active", "is_staff", "is_superuser").first()
    names = sorted(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))
    return names, bool(row and row["is_active"]), bool(row and row["is_staff"]), \
        bool(row and row["is_superuser"])


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class FieldbookUserAdmin(UserAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:  # type: ignore[union-attr]
            fields += _GUARDED
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            request._fb_user_before = _roles_and_status(obj)  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_fb_user_before", None)
        if before is None:
            return
        after = _roles_and_status(form.instance)
        if after != before:
            labels = ("roles", "is_active", "is_staff", "is_superuser")
            audit_record(
                actor=request.user, action="accounts.user.changed_in_django_admin",
                obj=form.instance,
                changes={f"{label}": {"before": b, "after": a}
                         for label, b, a in zip(labels, before, after, strict=True) if a != b},
            )
