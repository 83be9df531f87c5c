"""The admin's Manage area: home, onboarding, import, users, reference data and the audit log."""

from .audit import audit_log
from .boards import board_member_add, board_membership_edit, place_board
from .directory import organisation_add, organisation_edit, organisations, place_edit, places
from .engagements import (
    assignment_add,
    assignment_end,
    engagement_edit,
    outcome_add,
    outcome_edit,
)
from .home import admin_home
from .imports import import_preview, import_template, import_upload
from .onboarding import onboard, onboard_discard, onboard_done, onboard_start, onboard_step
from .reference import (
    organisation_kinds,
    programme_add,
    programme_edit,
    programmes,
    region_add,
    region_edit,
    regions,
    system_add,
    system_edit,
    systems,
    theme_add,
    theme_edit,
    theme_merge,
    themes,
)
from .users import (
    enabler_edit,
    invitation_accept,
    invitation_resend,
    user_deactivate,
    user_detail,
    user_invite,
    user_password_reset,
    user_reactivate,
    users,
)

__all__ = [
    "admin_home", "assignment_add", "assignment_end", "engagement_edit", "outcome_add",
    "outcome_edit", "board_member_add", "board_membership_edit", "enabler_edit",
    "organisation_add", "organisation_edit", "organisations", "place_board", "place_edit",
    "places", "audit_log", "import_preview", "import_template", "import_upload",
    "invitation_accept", "invitation_resend", "onboard", "onboard_discard", "onboard_done",
    "onboard_start", "onboard_step", "organisation_kinds", "programme_add", "programme_edit",
    "programmes", "region_add", "region_edit", "regions", "system_add", "system_edit",
    "systems", "theme_add", "theme_edit", "theme_merge", "themes", "user_deactivate",
    "user_detail", "user_invite", "user_password_reset", "user_reactivate", "users",
]
