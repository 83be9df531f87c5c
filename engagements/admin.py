"""Django admin for reference data and programme set-up.

Sessions and learning items are deliberately NOT registered: they carry an enabler's private
notes, which no admin may read (seed 004: no direct reporting of judgements).
"""

from django.contrib import admin
from django.http import HttpRequest

from engagements.models import Engagement, LearningSummary, Outcome, Programme, Theme
from fieldbook.admin_site import AuditedModelAdmin


@admin.register(Theme)
class ThemeAdmin(AuditedModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "summary_cadence"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["leads"]


class OutcomeInline(admin.StackedInline):
    model = Outcome
    extra = 0
    exclude = ["recorded_by"]


@admin.register(Engagement)
class EngagementAdmin(AuditedModelAdmin):
    list_display = ["place", "programme", "status", "requested_on", "days_allocated"]
    list_filter = ["status", "programme"]
    search_fields = ["place__name", "programme__name"]
    list_select_related = ["place", "programme"]
    inlines = [OutcomeInline]
    # Issue 17: a pause made here never reached the audit log. The status, its dates and the
    # days allocated change only through engagements.lifecycle.services (the place's page),
    # which checks the allowed transitions and writes the history and the audit row. The pilot
    # flag likewise, through engagements.pilots.services (a compare-and-set on the version).
    readonly_fields = ["status", "started_on", "ended_on", "days_allocated", "is_pilot",
                       "pilot_of"]


@admin.register(LearningSummary)
class LearningSummaryAdmin(AuditedModelAdmin):
    list_display = ["__str__", "period", "status", "compiled_at"]
    list_filter = ["status", "scope", "period", "programme"]
    # Content is compiled from shareable learning only; still read-only here.
    # The PDF's bytes are not shown (the summary pages download it).
    readonly_fields = [f.name for f in LearningSummary._meta.fields if f.name != "pdf"]
    exclude = ["pdf"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
