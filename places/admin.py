from django.contrib import admin

from fieldbook.admin_site import AuditedModelAdmin
from places.models import (
    BoardMembership,
    DeliveryBoard,
    Organisation,
    Person,
    Place,
    Region,
    System,
)


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(System)
class SystemAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name"]


@admin.register(Place)
class PlaceAdmin(AuditedModelAdmin):
    list_display = ["name", "region", "system", "onboarding_status"]
    list_filter = ["onboarding_status", "region"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region", "system"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "ods_code"]
    list_filter = ["kind"]
    search_fields = ["name", "ods_code"]
    filter_horizontal = ["places"]


class BoardMembershipInline(admin.TabularInline):
    model = BoardMembership
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(DeliveryBoard)
class DeliveryBoardAdmin(AuditedModelAdmin):
    list_display = ["name", "place"]
    search_fields = ["name", "place__name"]
    inlines = [BoardMembershipInline]
    list_select_related = ["place"]


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    list_display = ["full_name", "role_title", "organisation"]
    search_fields = ["full_name", "role_title", "organisation__name"]
    list_select_related = ["organisation"]
