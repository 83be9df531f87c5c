from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from enablers.models import Assignment, Enabler
from fieldbook.admin_site import AuditedModelAdmin


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["engagement"]


@admin.register(Enabler)
class EnablerAdmin(AuditedModelAdmin):
    list_display = ["display_name", "capacity_days_per_week", "is_active"]
    list_filter = ["is_active", "regions"]
    search_fields = ["user__first_name", "user__last_name", "user__username"]
    filter_horizontal = ["regions"]
    inlines = [AssignmentInline]
    list_select_related = ["user"]

    def get_readonly_fields(self, request: HttpRequest, obj: Enabler | None = None) -> list[str]:
        # A profile's user is fixed once it exists (enablers 0003 makes the database refuse the
        # change too): its sessions and notes belong to that person. A successor gets a new
        # profile.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "user"] if obj is not None else fields
