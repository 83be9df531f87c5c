"""The guided onboarding of a locality: a draft of answers, each step's rules, and one save.

An admin answers one question page at a time. Each answer is checked when it is given (the same
rules below) and kept in an ``OnboardingDraft`` (JSON in the database, so it survives signing
out). Nothing else is written until the review page calls ``locality_onboard``, which checks
every answer again against the database as it is *now* and writes the place, its organisations,
board, members, engagement and enabler assignments in one transaction.

The payload (all plain JSON)::

    place          {name, region_id, system_id, description}
    organisations  [{key: "org-12", id: 12} | {key: "new-3", name, kind, ods_code}]
    board          {name, established_on}
    members        [{key: "m-4", full_name, role_title, org_key, board_role}]
    engagement     {programme_id, requested_on, status, started_on, focus, days_allocated}
    enablers       {lead_id, supporting_ids}
    done           the sections answered so far
    seq            the last number used in a key
"""

from backoffice.onboarding.draft import (
    ChosenOrganisation,
    ResolvedDraft,
    draft_resolve,
    next_key,
    onboarding_draft_discard,
    onboarding_draft_save,
    onboarding_draft_start,
)
from backoffice.onboarding.members import member_check, members_check, members_parse
from backoffice.onboarding.rules import (
    KnownOrganisations,
    board_check,
    draft_check,
    enablers_check,
    engagement_check,
    new_organisation_check,
    organisations_check,
    place_check,
)
from backoffice.onboarding.save import locality_onboard
from backoffice.onboarding.sections import (
    BOARD_ROLE_WORDS,
    MAX_MEMBERS,
    MAX_ORGANISATIONS,
    ONBOARDING_STATUSES,
    SECTION_NAMES,
    SECTIONS,
    Errors,
)

__all__ = [
    "BOARD_ROLE_WORDS", "MAX_MEMBERS", "MAX_ORGANISATIONS", "ONBOARDING_STATUSES",
    "SECTIONS", "SECTION_NAMES", "ChosenOrganisation", "Errors", "KnownOrganisations",
    "ResolvedDraft", "board_check", "draft_check", "draft_resolve", "enablers_check",
    "engagement_check", "locality_onboard", "member_check", "members_check", "members_parse",
    "new_organisation_check", "next_key", "onboarding_draft_discard", "onboarding_draft_save",
    "onboarding_draft_start", "organisations_check", "place_check",
]
