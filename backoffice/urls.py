from django.urls import path

from backoffice import views
from backoffice.views.measures import measure_import
from engagements.retention import views as retention

app_name = "backoffice"

urlpatterns = [
    path("manage/", views.admin_home, name="admin-home"),
    # Onboarding a locality, one question page at a time.
    path("manage/onboard/", views.onboard, name="onboard"),
    path("manage/onboard/start/", views.onboard_start, name="onboard-start"),
    path("manage/onboard/<int:pk>/discard/", views.onboard_discard, name="onboard-discard"),
    path("manage/onboard/<int:pk>/<slug:page>/", views.onboard_step, name="onboard-step"),
    path("manage/onboard/done/<int:pk>/", views.onboard_done, name="onboard-done"),
    # Spreadsheet import.
    path("manage/import/", views.import_upload, name="import"),
    path("manage/import/templates/<slug:kind>.<slug:fmt>", views.import_template,
         name="import-template"),
    path("manage/import/<uuid:token>/", views.import_preview, name="import-preview"),
    # People and access.
    path("manage/users/", views.users, name="users"),
    path("manage/users/invite/", views.user_invite, name="user-invite"),
    path("manage/users/<int:pk>/", views.user_detail, name="user-detail"),
    path("manage/users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("manage/users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("manage/users/<int:pk>/resend/", views.invitation_resend, name="invitation-resend"),
    path("manage/users/<int:pk>/password-reset/", views.user_password_reset,
         name="user-password-reset"),
    path("manage/users/<int:pk>/enabler/", views.enabler_edit, name="enabler-edit"),
    path("accounts/invitation/<str:token>/", views.invitation_accept, name="invitation-accept"),
    # Places, their boards and members, and organisations (adding a place is onboarding's).
    path("manage/places/", views.places, name="places"),
    path("manage/places/<int:pk>/", views.place_edit, name="place-edit"),
    path("manage/places/<int:pk>/board/", views.place_board, name="place-board"),
    path("manage/places/<int:pk>/board/members/new/", views.board_member_add,
         name="board-member-add"),
    path("manage/places/<int:pk>/board/members/<int:membership>/", views.board_membership_edit,
         name="board-membership-edit"),
    # A place's engagements: details, enablers and outcomes.
    path("manage/engagements/<int:pk>/", views.engagement_edit, name="engagement-edit"),
    path("manage/engagements/<int:pk>/assignments/new/", views.assignment_add,
         name="assignment-add"),
    path("manage/engagements/<int:pk>/assignments/<int:assignment>/end/", views.assignment_end,
         name="assignment-end"),
    path("manage/engagements/<int:pk>/outcomes/new/", views.outcome_add, name="outcome-add"),
    path("manage/engagements/<int:pk>/outcomes/<int:outcome>/", views.outcome_edit,
         name="outcome-edit"),
    path("manage/organisations/", views.organisations, name="organisations"),
    path("manage/organisations/new/", views.organisation_add, name="organisation-add"),
    path("manage/organisations/<int:pk>/", views.organisation_edit, name="organisation-edit"),
    # Retention periods (issue 18): the reviewers set them; changes are audited.
    path("manage/retention/", retention.policies_list, name="retention-policies"),
    path("manage/retention/<slug:record_class>/", retention.policy_edit,
         name="retention-policy-edit"),
    # Reference data.
    path("manage/regions/", views.regions, name="regions"),
    path("manage/regions/new/", views.region_add, name="region-add"),
    path("manage/regions/<int:pk>/", views.region_edit, name="region-edit"),
    path("manage/systems/", views.systems, name="systems"),
    path("manage/systems/new/", views.system_add, name="system-add"),
    path("manage/systems/<int:pk>/", views.system_edit, name="system-edit"),
    path("manage/organisation-kinds/", views.organisation_kinds, name="organisation-kinds"),
    path("manage/themes/", views.themes, name="themes"),
    path("manage/themes/new/", views.theme_add, name="theme-add"),
    path("manage/themes/merge/", views.theme_merge, name="theme-merge"),
    path("manage/themes/<int:pk>/", views.theme_edit, name="theme-edit"),
    path("manage/programmes/", views.programmes, name="programmes"),
    path("manage/programmes/new/", views.programme_add, name="programme-add"),
    path("manage/programmes/<int:pk>/", views.programme_edit, name="programme-edit"),
    # The audit log.
    path("manage/audit/", views.audit_log, name="audit"),
    # Clients of the read-only API (/api/v1/): issue, list, revoke.
    path("manage/api-clients/", views.api_clients, name="api-clients"),
    path("manage/api-clients/new/", views.api_client_add, name="api-client-add"),
    path("manage/api-clients/<int:pk>/", views.api_client_detail, name="api-client-detail"),
    path("manage/api-clients/<int:pk>/revoke/", views.api_client_revoke,
         name="api-client-revoke"),
    path("manage/audit/export/", views.audit_export, name="audit-export"),
    # A measure's values from a CSV or XLSX file (issue 16).
    path("manage/measures/<int:pk>/import/", measure_import, name="measure-import"),
]
