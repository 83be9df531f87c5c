"""The Django admin as break-glass: superusers only, with a verified second factor, every change
recorded in Fieldbook's audit log by ``AuditedModelAdmin`` (README "Confidentiality").

Fieldbook admins do their work on Manage (users, roles, reference data, onboarding), where every
change is audited by the services. The Django admin is for a superuser repairing data by hand.
Nothing that holds an enabler's private notes is registered in it, and it has no page that sets
anyone's password (fieldbook.admin).

Anyone else who is signed in gets the site's 404 page: not the admin's sign-in page, which for a
signed-in user would send them round in a loop, and not a 403, which would say the URL exists.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from fieldbook.http import V


def _may_enter(request: HttpRequest) -> bool:
    user = request.user
    if not (user.is_active and user.is_superuser):
        return False
    # TwoFactorMiddleware already sends a superuser who owes a code to the code page; this is
    # the same rule again at the door, in case the middleware is ever reordered.
    return not settings.FIELDBOOK_REQUIRE_2FA or bool(getattr(user, "is_verified", bool)())


def _plain(value: object) -> object:
    """A form value as the audit row keeps it: text, a number, a flag, or a list of those."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)):
        return sorted(str(_plain(item)) for item in value)
    return str(value)


class AuditedModelAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the Django admin becomes an audit row of its own,
    in our dotted names (``django_admin.places.place.changed``), on the object itself (so the
    audit page can say which place it concerns), with each changed field's value before and
    after (redacted fields, ``fieldbook.audit.REDACTED_FIELDS``, only say they changed) and the
    admin's own summary of inline rows added, changed or removed.

    Every ModelAdmin registered on the site derives from this (tests/test_admin_audit.py
    checks). The admin's views run in a transaction, so a change and its row commit together.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj._fb_audit_fields = _field_changes(form, change)  # read by log_*, same request
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (an engagement's outcomes, a board's members) are audited one by one,
        on themselves, as well as in the parent's summary."""
        edited = []
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms:
                if inline_form.instance.pk:  # named while it still exists
                    self._audit(request, inline_form.instance, "deleted", "")
            elif inline_form.has_changed():
                was_new = inline_form.instance._state.adding
                inline_form.instance._fb_audit_fields = _field_changes(inline_form, not was_new)
                edited.append((inline_form.instance, "added" if was_new else "changed"))
        super().save_formset(request, form, formset, change)
        for obj, verb in edited:
            self._audit(request, obj, verb, "")

    def _audit(self, request: HttpRequest, obj: Any, verb: str, message: object) -> None:
        from fieldbook.audit import audit_record

        changes: dict[str, object] = {"object": str(obj)[:200]}
        fields = getattr(obj, "_fb_audit_fields", None)
        if fields:
            changes["fields"] = fields
        text = _change_text(message)
        if text:
            changes["change"] = text
        audit_record(actor=request.user, action=f"django_admin.{obj._meta.label_lower}.{verb}",
                     obj=obj, changes=changes)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "added", message)
        return entry

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, "changed", message)
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Called before the rows go: one audit row each, while they can still be named.
        objects = list(queryset)
        entries = super().log_deletions(request, queryset)
        for obj in objects:
            self._audit(request, obj, "deleted", "")
        return entries


def _field_changes(form: Any, change: bool) -> dict[str, object]:
    from fieldbook.audit import REDACTED, REDACTED_FIELDS

    return {
        name: (REDACTED if name in REDACTED_FIELDS else
               {"before": _plain(form.initial.get(name)) if change else None,
                "after": _plain(form.cleaned_data.get(name))})
        for name in form.changed_data
    }


def _change_text(message: object) -> str:
    """The admin's change message (a JSON list, or text) in its own words."""
    if not message:
        return ""
    from django.contrib.admin.models import LogEntry

    return str(LogEntry(change_message=message if isinstance(message, str)
                        else json.dumps(message)).get_change_message())


class FieldbookAdminSite(admin.AdminSite):
    site_header = "Fieldbook break-glass administration"
    site_title = "Fieldbook break-glass"
    index_title = "Repairs by a superuser (every change is in the audit log)"

    def has_permission(self, request: HttpRequest) -> bool:
        return _may_enter(request)

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Third-party apps' admins (auth's groups, django-axes' logs) are audited too: one
        that does not derive from AuditedModelAdmin is registered as a subclass that does."""
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, AuditedModelAdmin):
            base = type(f"Audited{base.__name__}", (AuditedModelAdmin, base), {})
        super().register(model_or_iterable, base, **options)

    def admin_view(self, view: V, cacheable: bool = False) -> V:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not _may_enter(request):
                raise Http404("No such page.")
            return inner(request, *args, **kwargs)

        return cast(V, guarded)  # wraps(view): the same signature
