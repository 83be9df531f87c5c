"""Who may open what: the URL x role matrix for the whole site, sign-in, and error pages.

``EXPECTED`` is written out by hand on purpose. A view whose roles change, or a new URL, fails
here until someone decides, in this table, who should see it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, resolve, reverse
from django.utils import timezone

from engagements.api.services import api_client_issue
from engagements.context.models import LocalProtocol, OtherSupport
from engagements.diagnostic.models import DiagnosticParticipant
from engagements.lifecycle.models import Proposal, SupportRequest
from engagements.measures.models import Measure
from engagements.messages.models import Nomination
from engagements.messages.services import (
    collection_for,
    collection_publish,
    message_save,
    nomination_create,
    nomination_decide,
)
from engagements.models import LearningItem
from engagements.retention.models import Disposal, Erasure, ReviewItem
from engagements.subjects.models import NoteSearch, SubjectAccessRequest
from engagements.subjects.services import note_search_ask, sar_log, sar_pack_build
from engagements.summaries.services import summary_compile, summary_render_pdf
from engagements.voice.models import VoiceRound
from fieldbook.roles import Role
from places.models import BoardMembership, DeliveryBoard, Person

from .factories import (
    TEST_PASSWORD,
    BoardMembershipFactory,
    DeliveryBoardFactory,
    EnablerFactory,
    ImportBatchFactory,
    LearningItemFactory,
    LearningSummaryFactory,
    OnboardingDraftFactory,
    OrganisationFactory,
    OutcomeFactory,
    PersonFactory,
    SessionFactory,
    SystemFactory,
    ThemeFactory,
    UserFactory,
)
from .security_support import passkey_for, verified_client

# The personas of the matrix. "enabler" owns the objects the URLs point at; "other_enabler"
# works on another place; "dpo" is the data-protection officer; they, "lead", "admin" and
# "roleless" have proved a second factor
# (everyone must, when two-factor authentication is on); "deactivated" was signed in when an
# admin switched the account off; "lead_2fa_pending" has typed the password but not yet proved
# a second factor, and has none. (The anonymous visitor is a bare client.)
PERSONAS = ("anonymous", "enabler", "other_enabler", "lead", "admin", "dpo", "roleless",
            "deactivated", "lead_2fa_pending")
CANARY = "CANARY-xyz-5b1e"

PUBLIC = "public"
SIGNED_IN = "signed in"
ENABLER = frozenset({Role.ENABLER})
LEAD_OR_ADMIN = frozenset({Role.LEAD, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})
ANY_ROLE = frozenset({Role.ENABLER, Role.LEAD, Role.ADMIN})
DPO = frozenset({Role.DPO})
DPO_OR_ADMIN = frozenset({Role.DPO, Role.ADMIN})

LOGIN = "login"  # expected status shorthand: a redirect to the login page, back here after
TWO_FA = "2fa"  # a redirect to the two-factor page, back here after
R = 302
OK = 200
NO = 403
NF = 404  # someone else's object: its existence is not confirmed
NA = 405
BAD = 400  # a passkey ceremony's JSON endpoint posted to without the ceremony's state
UNAUTHORISED = 401  # an API call without a bearer token

# Path arguments for URLs that need an object, built around ``enabler_user``'s engagement
# (see ``url_for``). "own-session" is that enabler's session, so the enabler persona opens
# their own; drafts and imports belong to ``admin_user``. Everyone else is turned away by role
# before any lookup.
OWN_SESSION = "own-session"
OWN_LEARNING = "own-learning"
PROGRAMME = "programme"
PLACE = "place"
PLACE_PK = "place-pk"
OWN_DRAFT = "own-draft"
OWN_IMPORT = "own-import"
USER_PK = "user-pk"
REGION_PK = "region-pk"
SYSTEM_PK = "system-pk"
THEME_PK = "theme-pk"
PROGRAMME_PK = "programme-pk"
SUMMARY = "summary"
BOARD_PLACE_PK = "board-place-pk"
MEMBERSHIP = "membership"
ORGANISATION_PK = "organisation-pk"
READY_SUMMARY = "ready-summary"
OWN_PASSKEY = "own-passkey"
ENGAGEMENT_PK = "engagement-pk"
ASSIGNMENT = "assignment"
OUTCOME = "outcome"
OWN_SHARED_LEARNING = "own-shared-learning"
MESSAGE = "message"
NOMINATION = "nomination"
BANK_ITEM = "bank-item"
PUBLICATION = "publication"
OWN_OUTCOME = "own-outcome"  # a draft outcome of the enabler's engagement
SUPPORT_REQUEST = "support-request"
PROPOSAL = "proposal"
API_CLIENT = "api-client"
MEASURE = "measure"
VOICE_ROUND = "voice-round"
AREA = "area"
OWN_DIAGNOSTIC_SESSION = "own-diagnostic-session"
OWN_PARTICIPANT = "own-participant"
PERSON_PK = "person-pk"  # a board member of the enabler's place
SAR = "sar"  # a subject-access request for them, logged by the DPO
READY_SAR = "ready-sar"  # the same, its pack compiled
NOTE_SEARCH = "note-search"  # a break-glass search asked for by the DPO, awaiting an Admin
REVIEW_ITEM = "review-item"
DISPOSAL = "disposal"
ERASURE = "erasure"
PLACE_BOARD = "place-board"  # the place of the enabler's engagement, with a delivery board
OTHER_SUPPORT = "other-support"
PROTOCOL = "protocol"


def row(**statuses: Any) -> dict[str, Any]:
    assert set(statuses) == set(PERSONAS), set(PERSONAS) ^ set(statuses)
    return statuses


# Who gets past the view's gate ("in"), and how everyone else is turned away. Signed-out and
# deactivated people are sent to sign in; a lead who has not proved the second factor is sent
# to do so first, whatever the page (TwoFactorMiddleware runs before any view).
IN = "in"
EVERYONE = {p: IN for p in PERSONAS}
ENABLERS = row(anonymous=LOGIN, enabler=IN, other_enabler=IN, lead=NO, dpo=NO, admin=NO,
               roleless=NO, deactivated=LOGIN, lead_2fa_pending=TWO_FA)
OWN_ENABLER = {**ENABLERS, "other_enabler": NF}  # the enabler's own session: others' is 404
LEADS = row(anonymous=LOGIN, enabler=NO, other_enabler=NO, lead=IN, dpo=NO, admin=IN,
            roleless=NO, deactivated=LOGIN, lead_2fa_pending=TWO_FA)
ADMINS = row(anonymous=LOGIN, enabler=NO, other_enabler=NO, lead=NO, dpo=NO, admin=IN,
             roleless=NO, deactivated=LOGIN, lead_2fa_pending=TWO_FA)
DPOS = row(anonymous=LOGIN, enabler=NO, other_enabler=NO, lead=NO, dpo=IN, admin=NO,
           roleless=NO, deactivated=LOGIN, lead_2fa_pending=TWO_FA)
# Retention's reviewers (issue 18): the data-protection officer and admins.
REVIEWERS = row(anonymous=LOGIN, enabler=NO, other_enabler=NO, lead=NO, dpo=IN, admin=IN,
                roleless=NO, deactivated=LOGIN, lead_2fa_pending=TWO_FA)
SIGNED_IN_ANY = row(anonymous=LOGIN, enabler=IN, other_enabler=IN, lead=IN, dpo=IN, admin=IN,
                    roleless=IN, deactivated=LOGIN, lead_2fa_pending=TWO_FA)
SIGNED_IN_2FA_PAGES = {**SIGNED_IN_ANY, "lead_2fa_pending": IN}
ANY_ROLE_IN = {**SIGNED_IN_ANY, "roleless": NO, "dpo": NO}
# One's own passkey: anyone else's is "not found", whatever their role.
# An engagement's measures (issue 16): its own enablers, leads and admins; another enabler's
# is "not found".
OWN_ANY_ROLE = row(anonymous=LOGIN, enabler=IN, other_enabler=NF, lead=IN, dpo=NO, admin=IN,
                   roleless=NO, deactivated=LOGIN, lead_2fa_pending=TWO_FA)
OWN_SIGNED_IN = row(anonymous=LOGIN, enabler=IN, other_enabler=NF, lead=NF, dpo=NF, admin=NF,
                    roleless=NF, deactivated=LOGIN, lead_2fa_pending=TWO_FA)

# url name -> (declared roles, path arguments, who gets in, what a GET gets them, what an
# empty POST gets them). A status may be {persona: status, "*": default}.
# A method the view does not answer is 405 before any sign-in check (the require_* decorator
# is outermost), except for the lead owing a security code, who is sent to give it first.
EXPECTED: dict[str, tuple[Any, Any, dict[str, Any], Any, Any]] = {
    # Home sends each role to its start page; a user with no role is told so.
    "home": (SIGNED_IN, {}, SIGNED_IN_ANY, {"roleless": OK, "*": R}, NA),
    "healthz": (PUBLIC, {}, EVERYONE, OK, NA),
    # The documents (fieldbook.documents), linked from every page's footer.
    "accessibility": (PUBLIC, {}, EVERYONE, OK, NA),
    "privacy": (PUBLIC, {}, EVERYONE, OK, NA),
    "contact": (PUBLIC, {}, EVERYONE, OK, NA),
    # Signed-in users are sent on from the login page (redirect_authenticated_user); an empty
    # form is shown again with its errors.
    "login": (PUBLIC, {}, EVERYONE,
              {"anonymous": OK, "deactivated": OK, "*": R},
              {"anonymous": OK, "deactivated": OK, "*": R}),
    # Signing out is a POST (a link could sign people out from another site).
    "logout": (PUBLIC, {}, EVERYONE, NA, R),
    # Only those who still owe a second factor stay on the code page; others are sent on.
    # Set-up is for someone with no factor yet: everyone else has one, so it sends them to
    # manage theirs (and the app page too, as they have an app). A passkey is added from the
    # same page as the first one.
    "two-factor": (SIGNED_IN, {}, SIGNED_IN_2FA_PAGES, R, R),
    "two-factor-setup": (SIGNED_IN, {}, SIGNED_IN_2FA_PAGES,
                         {"lead_2fa_pending": OK, "*": R}, NA),
    "two-factor-setup-app": (SIGNED_IN, {}, SIGNED_IN_2FA_PAGES,
                             {"lead_2fa_pending": OK, "*": R}, {"lead_2fa_pending": OK, "*": R}),
    "two-factor-setup-passkey": (SIGNED_IN, {}, SIGNED_IN_2FA_PAGES, OK, NA),
    # After the second factor: new recovery codes (a POST), one's own factors, and removing one
    # of one's own passkeys (the empty POST removes it: the enabler still has an app).
    "two-factor-recovery-codes": (SIGNED_IN, {}, SIGNED_IN_ANY, NA, OK),
    "two-factor-manage": (SIGNED_IN, {}, SIGNED_IN_ANY, OK, NA),
    "two-factor-passkey-remove": (SIGNED_IN, OWN_PASSKEY, OWN_SIGNED_IN, OK, R),
    # django-otp-webauthn's JSON endpoints, for its script. Beginning a ceremony answers with
    # its options; completing one without having begun is a bad request. Its messages for the
    # script are a public JavaScript file.
    "otp_webauthn:credential-registration-begin": (SIGNED_IN, {}, SIGNED_IN_2FA_PAGES, NA, OK),
    "otp_webauthn:credential-registration-complete": (SIGNED_IN, {}, SIGNED_IN_2FA_PAGES, NA,
                                                      BAD),
    "otp_webauthn:credential-authentication-begin": (SIGNED_IN, {}, SIGNED_IN_2FA_PAGES, NA,
                                                     OK),
    "otp_webauthn:credential-authentication-complete": (SIGNED_IN, {}, SIGNED_IN_2FA_PAGES,
                                                        NA, BAD),
    "otp_webauthn:js-i18n-catalog": (PUBLIC, {}, EVERYONE, OK, NA),
    # Changing one's own password: any signed-in user; an empty form is shown with its errors.
    "password_change": (SIGNED_IN, {}, SIGNED_IN_ANY, OK, OK),
    "password_change_done": (SIGNED_IN, {}, SIGNED_IN_ANY, OK, NA),
    "password_reset": (PUBLIC, {}, EVERYONE, OK, OK),
    "password_reset_done": (PUBLIC, {}, EVERYONE, OK, NA),
    # A bad link renders the "link no longer valid" page.
    "password_reset_confirm": (PUBLIC, {"uidb64": "MA", "token": "not-a-token"}, EVERYONE,
                               OK, OK),
    "password_reset_complete": (PUBLIC, {}, EVERYONE, OK, NA),
    # The emailed token is moved into the session, then the token-free URL is shown.
    "backoffice:invitation-accept": (PUBLIC, {"token": "not-a-token"}, EVERYONE, R, R),
    # The Django admin's sign-in page is ours (and sends back to the admin).
    "admin-login": (PUBLIC, {}, EVERYONE, R, NA),
    # Single sign-on: the button posts, the provider sends the browser back with a GET. The
    # suite configures no provider (tests/test_oidc.py does, against a real one), so "nhsmail"
    # is not found, whoever asks.
    "sso-begin": (PUBLIC, {"provider": "nhsmail"}, EVERYONE, NA, NF),
    "sso-callback": (PUBLIC, {"provider": "nhsmail"}, EVERYONE, NF, NA),

    # An enabler's week. Another enabler's session is "not found".
    "engagements:my-week": (ENABLER, {}, ENABLERS, OK, NA),
    # The key this enabler's browser encrypts their drafts with (JSON, no-store).
    "engagements:draft-key": (ENABLER, {}, ENABLERS, OK, NA),
    "engagements:session-log": (ENABLER, {}, ENABLERS, OK, OK),
    "engagements:week-repeat": (ENABLER, {}, ENABLERS, OK, OK),
    "engagements:session-edit": (ENABLER, OWN_SESSION, OWN_ENABLER, OK, OK),
    "engagements:session-delete": (ENABLER, OWN_SESSION, OWN_ENABLER, OK, R),
    # Restoring is a POST from the "deleted" banner.
    "engagements:session-restore": (ENABLER, OWN_SESSION, OWN_ENABLER, NA, R),
    # Withdrawing sharing for a learning item of one's own session: confirm, then POST.
    "engagements:learning-item-withdraw": (ENABLER, OWN_LEARNING, OWN_ENABLER, OK, R),

    # Programme leads (and admins): dashboards, places, themes, caseload, summaries.
    "engagements:dashboard": (LEAD_OR_ADMIN, {}, LEADS, OK, NA),
    "engagements:programme-dashboard": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, NA),
    "engagements:dashboard-export": (LEAD_OR_ADMIN, (PROGRAMME, {"fmt": "csv"}), LEADS, OK, NA),
    "engagements:place": (LEAD_OR_ADMIN, PLACE, LEADS, OK, NA),
    "engagements:place-export": (LEAD_OR_ADMIN, (PLACE, {"fmt": "csv"}), LEADS, OK, NA),
    "engagements:heatmap": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, NA),
    "engagements:caseload": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, NA),
    "engagements:summary-list": (LEAD_OR_ADMIN, {}, LEADS, OK, NA),
    "engagements:summary-request": (LEAD_OR_ADMIN, {}, LEADS, OK, OK),
    "engagements:summary-detail": (LEAD_OR_ADMIN, SUMMARY, LEADS, OK, NA),
    "engagements:summary-compile": (LEAD_OR_ADMIN, SUMMARY, LEADS, NA, R),
    # Review, then lock (issue 15): an empty POST comes back with its errors.
    "engagements:summary-review": (LEAD_OR_ADMIN, READY_SUMMARY, LEADS, OK, OK),
    "engagements:summary-review-item": (LEAD_OR_ADMIN, READY_SUMMARY, LEADS, NA, OK),
    "engagements:summary-lock": (LEAD_OR_ADMIN, READY_SUMMARY, LEADS, NA, OK),
    "engagements:summary-unlock": (LEAD_OR_ADMIN, READY_SUMMARY, LEADS, NA, OK),
    "engagements:summary-pdf": (LEAD_OR_ADMIN, READY_SUMMARY, LEADS, OK, NA),
    "engagements:summary-markdown": (LEAD_OR_ADMIN, READY_SUMMARY, LEADS, OK, NA),

    # Messages for national leaders (issue 15). Enablers see their shared, consented learning
    # and nominate an item of their own places' (another enabler's is 404); an empty POST
    # nominates (the note is optional).
    "engagements:messages-mine": (ENABLER, {}, ENABLERS, OK, NA),
    "engagements:messages-nominate": (ENABLER, OWN_SHARED_LEARNING, OWN_ENABLER, OK, R),
    # The quote bank: anyone with a role (everything in it is consented and anonymised).
    "engagements:quote-bank": (ANY_ROLE, {}, ANY_ROLE_IN, OK, NA),
    # Leads and admins build a programme's collection: an empty message or decision is shown
    # again with its errors; publishing without the version seen is sent back to the page.
    "engagements:messages": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, NA),
    "engagements:messages-edit": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, OK),
    "engagements:messages-message-add": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, OK),
    "engagements:messages-message-edit": (LEAD_OR_ADMIN, MESSAGE, LEADS, OK, OK),
    # Moving a message: an empty POST (no direction, no version) is sent back to the page.
    "engagements:messages-message-move": (LEAD_OR_ADMIN, MESSAGE, LEADS, NA, R),
    "engagements:messages-decide": (LEAD_OR_ADMIN, NOMINATION, LEADS, OK, OK),
    "engagements:messages-bank-add": (LEAD_OR_ADMIN, BANK_ITEM, LEADS, NA, R),
    "engagements:messages-publish": (LEAD_OR_ADMIN, PROGRAMME, LEADS, NA, R),
    "engagements:messages-published": (LEAD_OR_ADMIN, PUBLICATION, LEADS, OK, NA),
    "engagements:messages-download": (LEAD_OR_ADMIN, (PUBLICATION, {"fmt": "docx"}), LEADS,
                                      OK, NA),

    # Admins: the Manage area. (An empty POST re-shows a form with its errors, 200, or is a
    # complete request: starting or discarding a draft, an empty set of roles, deactivating.)
    "backoffice:admin-home": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:onboard": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:onboard-start": (ADMIN, {}, ADMINS, NA, R),
    "backoffice:onboard-discard": (ADMIN, OWN_DRAFT, ADMINS, OK, R),
    "backoffice:onboard-step": (ADMIN, (OWN_DRAFT, {"page": "place"}), ADMINS, OK, OK),
    "backoffice:onboard-done": (ADMIN, PLACE_PK, ADMINS, OK, NA),
    "backoffice:import": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:import-template": (ADMIN, {"kind": "places", "fmt": "csv"}, ADMINS, OK, NA),
    "backoffice:import-preview": (ADMIN, OWN_IMPORT, ADMINS, OK, OK),
    "backoffice:users": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:user-invite": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:user-detail": (ADMIN, USER_PK, ADMINS, OK, R),
    "backoffice:user-deactivate": (ADMIN, USER_PK, ADMINS, OK, R),
    "backoffice:user-reactivate": (ADMIN, USER_PK, ADMINS, NA, R),
    "backoffice:invitation-resend": (ADMIN, USER_PK, ADMINS, NA, R),
    # A reset link to the person's own address: the only help with a password an admin gives.
    "backoffice:user-password-reset": (ADMIN, USER_PK, ADMINS, NA, R),
    # The enabler's profile (USER_PK is an enabler): an empty POST lacks the days a week.
    "backoffice:enabler-edit": (ADMIN, USER_PK, ADMINS, OK, OK),
    # Places, their boards and members, organisations: every empty POST is a form with errors
    # (nothing is changed).
    "backoffice:places": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:place-edit": (ADMIN, PLACE_PK, ADMINS, OK, OK),
    "backoffice:place-board": (ADMIN, BOARD_PLACE_PK, ADMINS, OK, OK),
    "backoffice:board-member-add": (ADMIN, BOARD_PLACE_PK, ADMINS, OK, OK),
    "backoffice:board-membership-edit": (ADMIN, MEMBERSHIP, ADMINS, OK, OK),
    # A place's engagement, its enablers and outcomes: every empty POST is a form with errors.
    "backoffice:engagement-edit": (ADMIN, ENGAGEMENT_PK, ADMINS, OK, OK),
    "backoffice:assignment-add": (ADMIN, ENGAGEMENT_PK, ADMINS, OK, OK),
    "backoffice:assignment-end": (ADMIN, ASSIGNMENT, ADMINS, OK, OK),
    "backoffice:outcome-add": (ADMIN, ENGAGEMENT_PK, ADMINS, OK, OK),
    "backoffice:outcome-edit": (ADMIN, OUTCOME, ADMINS, OK, OK),
    "backoffice:organisations": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:organisation-add": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:organisation-edit": (ADMIN, ORGANISATION_PK, ADMINS, OK, OK),
    "backoffice:regions": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:region-add": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:region-edit": (ADMIN, REGION_PK, ADMINS, OK, OK),
    "backoffice:systems": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:system-add": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:system-edit": (ADMIN, SYSTEM_PK, ADMINS, OK, OK),
    "backoffice:organisation-kinds": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:themes": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:theme-add": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:theme-merge": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:theme-edit": (ADMIN, THEME_PK, ADMINS, OK, OK),
    "backoffice:programmes": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:programme-add": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:programme-edit": (ADMIN, PROGRAMME_PK, ADMINS, OK, OK),
    "backoffice:audit": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:audit-export": (ADMIN, {}, ADMINS, OK, NA),
    # Outcome statements (issue 16): the engagement's enablers only; a draft is never a lead's
    # or an admin's. An empty POST is a form with errors; an empty revoke is sent back.
    "engagements:outcomes": (ENABLER, ENGAGEMENT_PK, OWN_ENABLER, OK, NA),
    "engagements:outcome-draft": (ENABLER, ENGAGEMENT_PK, OWN_ENABLER, OK, OK),
    "engagements:outcome-invite": (ENABLER, ENGAGEMENT_PK, OWN_ENABLER, OK, OK),
    "engagements:outcome-edit": (ENABLER, OWN_OUTCOME, OWN_ENABLER, OK, OK),
    "engagements:outcome-send": (ENABLER, OWN_OUTCOME, OWN_ENABLER, OK, OK),
    "engagements:outcome-revoke": (ENABLER, OWN_OUTCOME, OWN_ENABLER, NA, R),
    # The place contact's link: no account; the token moves into the session, then a redirect.
    "engagements:respond": (PUBLIC, {"token": "not-a-token"}, EVERYONE, R, R),
    # Subject access (issue 18, point 1): the DPO's pages are the DPO's alone (an Admin gets
    # 403). Empty POSTs re-show the form with its errors. A pack not compiled, and the notes of
    # a search nobody approved, are 404. Admins decide break-glass searches; an enabler
    # clarifies their own note (anyone else's is 404).
    "engagements:subject-access": (DPO, {}, DPOS, OK, NA),
    "engagements:subject-person": (DPO, PERSON_PK, DPOS, OK, OK),
    "engagements:subject-request": (DPO, SAR, DPOS, OK, NA),
    "engagements:subject-compile": (DPO, SAR, DPOS, NA, OK),
    "engagements:subject-pack": (DPO, (READY_SAR, {"fmt": "json"}), DPOS, OK, NA),
    "engagements:subject-note-search": (DPO, SAR, DPOS, NA, OK),
    "engagements:subject-notes": (DPO, SAR, DPOS, NF, NA),
    "engagements:subject-approvals": (ADMIN, {}, ADMINS, OK, NA),
    "engagements:subject-approval": (ADMIN, NOTE_SEARCH, ADMINS, OK, OK),
    "engagements:note-clarify": (ENABLER, OWN_SESSION, OWN_ENABLER, OK, OK),
    "engagements:outcomes-export": (LEAD_OR_ADMIN, (PROGRAMME, {"fmt": "csv"}), LEADS, OK, NA),

    # The lifecycle (issue 17). A programme's request page is public (no account): an empty
    # POST is the form again with its errors. Triage, each step's confirm page and deciding on
    # a proposal are for leads and admins (an empty POST re-shows the form). An enabler
    # proposes a pause of their own engagement only (anyone else's is 404).
    "engagements:request-support": (PUBLIC, PROGRAMME, EVERYONE, OK, OK),
    "engagements:request-sent": (PUBLIC, PROGRAMME, EVERYONE, OK, NA),
    "engagements:triage": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, NA),
    "engagements:triage-decide": (LEAD_OR_ADMIN, SUPPORT_REQUEST, LEADS, OK, OK),
    "engagements:lifecycle-step": (LEAD_OR_ADMIN, (PLACE, {"step": "paused"}), LEADS, OK, OK),
    "engagements:proposal-decide": (LEAD_OR_ADMIN, PROPOSAL, LEADS, OK, OK),
    "engagements:proposal-new": (ENABLER, ENGAGEMENT_PK, OWN_ENABLER, OK, OK),
    # The diagnostic (issue 17, point 3): an enabler's own engagement only (anyone else's is
    # 404); an empty POST is the form with its errors; removing a participant is a POST that
    # goes back to the session's participants. The pilot flag is for leads and admins.
    "engagements:diagnostic": (ENABLER, ENGAGEMENT_PK, OWN_ENABLER, OK, NA),
    "engagements:diagnostic-record": (ENABLER, ENGAGEMENT_PK, OWN_ENABLER, OK, OK),
    "engagements:diagnostic-send": (ENABLER, ENGAGEMENT_PK, OWN_ENABLER, OK, OK),
    "engagements:diagnostic-participants": (ENABLER, OWN_DIAGNOSTIC_SESSION, OWN_ENABLER, OK,
                                            OK),
    "engagements:diagnostic-participant-remove": (ENABLER, OWN_PARTICIPANT, OWN_ENABLER, NA, R),
    "engagements:pilot": (LEAD_OR_ADMIN, PLACE, LEADS, OK, OK),
    # The place's voice (issue 17): leads and admins open a round (an empty POST is refused
    # with a message: the place has no board to ask) and close one (the empty POST closes it).
    "engagements:voice-open": (LEAD_OR_ADMIN, (PLACE, {"kind": "pulse"}), LEADS, OK, OK),
    "engagements:voice-close": (LEAD_OR_ADMIN, VOICE_ROUND, LEADS, OK, R),
    # API clients (issue 18): admins issue (an empty POST shows the form's errors), list, see
    # and revoke (a POST; the empty one revokes and goes back to the client's page).
    "backoffice:api-clients": (ADMIN, {}, ADMINS, OK, NA),
    "backoffice:api-client-add": (ADMIN, {}, ADMINS, OK, OK),
    "backoffice:api-client-detail": (ADMIN, API_CLIENT, ADMINS, OK, NA),
    "backoffice:api-client-revoke": (ADMIN, API_CLIENT, ADMINS, NA, R),
    # The open-data export of a programme: leads and admins download it to publish.
    "engagements:open-data": (LEAD_OR_ADMIN, (PROGRAMME, {"fmt": "csv"}), LEADS, OK, NA),
    # The read-only API: no sign-in (a session opens nothing), a bearer token, so every persona
    # without one is 401; POST is 405. Its OpenAPI document and docs page hold no data: open to
    # all. django-ninja's root is a 404 that names the docs.
    "api:openapi-json": (PUBLIC, {}, EVERYONE, OK, NA),
    "api:openapi-view": (PUBLIC, {}, EVERYONE, OK, NA),
    "api:api-root": (PUBLIC, {}, EVERYONE, NF, NF),
    "api:programmes": (PUBLIC, {}, EVERYONE, UNAUTHORISED, NA),
    "api:programme": (PUBLIC, {"slug": "any"}, EVERYONE, UNAUTHORISED, NA),
    "api:places": (PUBLIC, {"slug": "any"}, EVERYONE, UNAUTHORISED, NA),
    "api:engagements": (PUBLIC, {"slug": "any"}, EVERYONE, UNAUTHORISED, NA),
    "api:learning": (PUBLIC, {"slug": "any"}, EVERYONE, UNAUTHORISED, NA),
    "api:outcomes": (PUBLIC, {"slug": "any"}, EVERYONE, UNAUTHORISED, NA),
    "api:themes": (PUBLIC, {}, EVERYONE, UNAUTHORISED, NA),
    # Measures and run charts (issue 16): the engagement's enablers, leads and admins; an
    # empty POST is a form shown again with its errors (the import: no file chosen).
    "engagements:measures": (ANY_ROLE, ENGAGEMENT_PK, OWN_ANY_ROLE, OK, NA),
    "engagements:measure-add": (ANY_ROLE, ENGAGEMENT_PK, OWN_ANY_ROLE, OK, OK),
    "engagements:measure": (ANY_ROLE, MEASURE, OWN_ANY_ROLE, OK, OK),
    "backoffice:measure-import": (ANY_ROLE, MEASURE, OWN_ANY_ROLE, OK, OK),
    "engagements:measure-send": (ANY_ROLE, MEASURE, OWN_ANY_ROLE, OK, OK),
    # Reach, cohorts, funding and innovations, and the exports: leads and admins.
    "engagements:measures-export": (LEAD_OR_ADMIN, (PROGRAMME, {"fmt": "csv"}), LEADS, OK, NA),
    "engagements:reach": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, NA),
    "engagements:reach-export": (LEAD_OR_ADMIN, (PROGRAMME, {"fmt": "xlsx"}), LEADS, OK, NA),
    "engagements:reach-area": (LEAD_OR_ADMIN, AREA, LEADS, OK, OK),
    "engagements:reach-cohort-add": (LEAD_OR_ADMIN, AREA, LEADS, OK, OK),
    "engagements:reach-innovation-add": (LEAD_OR_ADMIN, AREA, LEADS, OK, OK),
    # Retention (issue 18, points 2 and 3): the reviewers; an empty POST is a form shown again
    # with its errors.
    "engagements:retention-queue": (DPO_OR_ADMIN, {}, REVIEWERS, OK, OK),
    "engagements:retention-item": (DPO_OR_ADMIN, REVIEW_ITEM, REVIEWERS, OK, OK),
    "engagements:retention-disposal": (DPO_OR_ADMIN, DISPOSAL, REVIEWERS, OK, OK),
    "engagements:retention-destruction-log": (DPO_OR_ADMIN, {}, REVIEWERS, OK, NA),
    "engagements:retention-erasures": (DPO_OR_ADMIN, {}, REVIEWERS, OK, OK),
    "engagements:retention-erasure": (DPO_OR_ADMIN, ERASURE, REVIEWERS, OK, OK),
    "backoffice:retention-policies": (DPO_OR_ADMIN, {}, REVIEWERS, OK, NA),
    "backoffice:retention-policy-edit": (DPO_OR_ADMIN, {"record_class": "private_notes"},
                                         REVIEWERS, OK, OK),
    # A place's context and other support, its board's UEC sponsor, protocols and checklist
    # (issue 17, points 6, 7): leads and admins; an empty POST is the form with its errors.
    # The programme's support load: leads and admins. The good-practice library: any role;
    # adding to it from an engagement: its own enablers, leads and admins.
    "engagements:context-edit": (LEAD_OR_ADMIN, PLACE, LEADS, OK, OK),
    "engagements:other-support-add": (LEAD_OR_ADMIN, PLACE, LEADS, OK, OK),
    "engagements:other-support-edit": (LEAD_OR_ADMIN, OTHER_SUPPORT, LEADS, OK, OK),
    "engagements:uec-sponsor": (LEAD_OR_ADMIN, PLACE_BOARD, LEADS, OK, OK),
    "engagements:protocol-add": (LEAD_OR_ADMIN, PLACE_BOARD, LEADS, OK, OK),
    "engagements:protocol-edit": (LEAD_OR_ADMIN, PROTOCOL, LEADS, OK, OK),
    "engagements:uec-checklist": (LEAD_OR_ADMIN, PLACE_BOARD, LEADS, OK, OK),
    "engagements:support-load": (LEAD_OR_ADMIN, PROGRAMME, LEADS, OK, NA),
    "engagements:good-practice": (ANY_ROLE, {}, ANY_ROLE_IN, OK, NA),
    "engagements:good-practice-add": (ANY_ROLE, ENGAGEMENT_PK, OWN_ANY_ROLE, OK, OK),
}


def expected_for(name: str, persona: str, method: str) -> Any:
    """The expected outcome of ``method`` on ``name`` for ``persona``, from its row."""
    _declared, _, access, get_ok, post_ok = EXPECTED[name]
    ok = get_ok if method == "GET" else post_ok
    if isinstance(ok, dict):
        ok = ok.get(persona, ok.get("*"))
    gate = access[persona]
    if gate == TWO_FA:
        return TWO_FA
    if ok == NA:
        return NA
    return ok if gate == IN else gate


# Views that only answer GET (and HEAD): a POST is 405 whoever sends it.
GET_ONLY = [name for name, row_ in EXPECTED.items() if row_[4] == NA]


def iter_url_patterns(
    patterns: list[Any] | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    """(namespaced name, route, callback) for every URL in the project, less the Django admin."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # the Django admin guards itself (is_staff + model permissions)
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from iter_url_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else ""
            yield name, route, pattern.callback


SITE_URLS = list(iter_url_patterns())


def test_every_url_is_named_and_in_the_table() -> None:
    unnamed = [route for name, route, _ in SITE_URLS if not name]
    assert not unnamed, f"URLs without a name: {unnamed}"
    names = {name for name, _, _ in SITE_URLS}
    assert names - EXPECTED.keys() == set(), "add these URLs to EXPECTED in tests/test_access.py"
    assert EXPECTED.keys() - names == set(), "these URLs in EXPECTED no longer exist"


@pytest.mark.parametrize(("name", "route", "callback"), SITE_URLS, ids=[u[0] for u in SITE_URLS])
def test_every_view_declares_its_roles(name: str, route: str, callback: Any) -> None:
    allowed = getattr(callback, "allowed_roles", None)
    if allowed is None and hasattr(callback, "view_class"):
        allowed = getattr(callback.view_class, "allowed_roles", None)
    assert allowed is not None, (
        f"{name} ({route}) declares no roles: use role_required, signed_in or public"
    )
    assert name in EXPECTED, f"{name} ({route}) is missing from EXPECTED"
    declared = EXPECTED[name][0]
    if declared == PUBLIC:
        assert getattr(callback, "is_public", False), f"{name} is expected to be public"
    elif declared == SIGNED_IN:
        assert getattr(callback, "allows_roleless", False), f"{name} is expected to be signed_in"
    else:
        assert not getattr(callback, "is_public", False)
        assert allowed == declared, f"{name} allows {set(allowed)}, the table says {set(declared)}"


def client_for(request: pytest.FixtureRequest, persona: str) -> Client:
    if persona == "anonymous":
        return Client()
    if persona in ("enabler", "other_enabler", "lead", "admin", "dpo", "roleless"):
        return verified_client(request.getfixturevalue(f"{persona}_user"))
    if persona == "deactivated":
        user = EnablerFactory.create(user__username="switched-off").user
        client = Client()
        client.force_login(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        return client
    if persona == "lead_2fa_pending":
        client = Client()
        client.force_login(UserFactory.create(username="lead-no-code", roles=[Role.LEAD]))
        return client
    raise AssertionError(f"no client for {persona}")


def url_for(request: pytest.FixtureRequest, name: str) -> str:  # noqa: C901 (one provider each)
    """The URL to request for ``name``, creating the object its path needs, if any."""
    spec = EXPECTED[name][1]
    objects, extra = spec if isinstance(spec, tuple) else (spec, {})
    if isinstance(objects, dict):
        return reverse(name, kwargs={**objects, **extra})
    enabler_user = request.getfixturevalue("enabler_user")
    engagement = enabler_user.enabler.assignments.select_related(
        "engagement__programme", "engagement__place__region").get().engagement
    programme, place = engagement.programme, engagement.place

    def board() -> DeliveryBoard:
        return DeliveryBoard.objects.get_or_create(place=place,
                                                   defaults={"name": "The board"})[0]

    def ready_summary() -> int:
        summary = LearningSummaryFactory.create(programme=programme)
        summary_compile(summary_id=summary.pk)
        summary_render_pdf(summary_id=summary.pk)  # the PDF task's work
        return summary.pk

    def shared_learning() -> LearningItem:
        return LearningItemFactory.create(
            session=SessionFactory.create(enabler=enabler_user.enabler, engagement=engagement),
            consent=True, attributed_role="Chief Operating Officer", kind="quote")

    def nomination() -> Nomination:
        return nomination_create(enabler=enabler_user.enabler, item_id=shared_learning().pk)

    def publication() -> dict[str, Any]:
        chosen = nomination()
        lead = UserFactory.create(username="publishing-lead", roles=[Role.LEAD])
        message = message_save(actor=lead, collection=chosen.collection, heading="Heading",
                               argument="")
        nomination_decide(actor=lead, nomination=chosen, selected=True, message=message,
                          reason="Because.")
        chosen.collection.refresh_from_db()
        published = collection_publish(actor=lead, collection=chosen.collection,
                                       version=chosen.collection.version)
        return {"programme": programme.slug, "number": published.number}

    def message() -> dict[str, Any]:
        lead = UserFactory.create(username="writing-lead", roles=[Role.LEAD])
        written = message_save(actor=lead, collection=collection_for(programme),
                               heading="Heading", argument="")
        return {"programme": programme.slug, "pk": written.pk}

    def support_request() -> dict[str, Any]:
        found = SupportRequest.objects.create(
            programme=programme, new_place_name="Asking place", region=place.region,
            contact_name="A Person", contact_role="Director", organisation="Trust",
            email="a@example.org", help_with="Help", why_now="Now",
            asked_on=engagement.requested_on)
        return {"programme": programme.slug, "pk": found.pk}

    def proposal() -> dict[str, Any]:
        made = Proposal.objects.create(
            engagement=engagement, kind="pause", reason="Winter", proposed_by=enabler_user,
            expected_resume_on=engagement.requested_on.replace(year=2090))
        return {"programme": programme.slug, "place": place.slug, "pk": made.pk}

    def diagnostic_session() -> Any:
        return SessionFactory.create(enabler=enabler_user.enabler, engagement=engagement,
                                     kind="diagnostic")
    def board_member() -> Person:
        membership = BoardMembership.objects.filter(board__place=place).first()
        if membership is None:
            board = DeliveryBoard.objects.filter(place=place).first() or \
                DeliveryBoardFactory.create(place=place)
            membership = BoardMembershipFactory.create(board=board)
        return membership.person

    def subject_request(ready: bool = False) -> SubjectAccessRequest:
        person = board_member()
        found = SubjectAccessRequest.objects.filter(person=person).first() or sar_log(
            actor=request.getfixturevalue("dpo_user"), person=person,
            received_on=timezone.localdate())
        if ready and found.status != SubjectAccessRequest.Status.READY:
            SubjectAccessRequest.objects.filter(pk=found.pk).update(
                status=SubjectAccessRequest.Status.COMPILING)
            sar_pack_build(request_id=found.pk)  # the task's work
        return found

    def note_search() -> NoteSearch:
        sar = subject_request()
        return sar.note_searches.first() or note_search_ask(
            actor=request.getfixturevalue("dpo_user"), request=sar, reason="Disputed notes.")

    providers: dict[str, Callable[[], dict[str, Any]]] = {
        SUPPORT_REQUEST: support_request,
        PROPOSAL: proposal,
        OWN_SHARED_LEARNING: lambda: {"pk": shared_learning().pk},
        MESSAGE: message,
        NOMINATION: lambda: {"programme": programme.slug, "pk": nomination().pk},
        BANK_ITEM: lambda: {"programme": programme.slug, "item": shared_learning().pk},
        PUBLICATION: publication,
        OWN_SESSION: lambda: {"pk": SessionFactory.create(enabler=enabler_user.enabler,
                                                          engagement=engagement).pk},
        OWN_LEARNING: lambda: {"pk": LearningItemFactory.create(session=SessionFactory.create(
            enabler=enabler_user.enabler, engagement=engagement)).pk},
        PROGRAMME: lambda: {"programme": programme.slug},
        PLACE: lambda: {"programme": programme.slug, "place": place.slug},
        PLACE_PK: lambda: {"pk": place.pk},
        OWN_DRAFT: lambda: {"pk": OnboardingDraftFactory.create(
            owner=request.getfixturevalue("admin_user")).pk},
        OWN_IMPORT: lambda: {"token": ImportBatchFactory.create(
            owner=request.getfixturevalue("admin_user")).token},
        USER_PK: lambda: {"pk": enabler_user.pk},
        REGION_PK: lambda: {"pk": place.region.pk},
        SYSTEM_PK: lambda: {"pk": SystemFactory.create(region=place.region).pk},
        THEME_PK: lambda: {"pk": ThemeFactory.create().pk},
        PROGRAMME_PK: lambda: {"pk": programme.pk},
        SUMMARY: lambda: {"pk": LearningSummaryFactory.create(programme=programme).pk},
        BOARD_PLACE_PK: lambda: {"pk": DeliveryBoardFactory.create(place=place).place_id},
        MEMBERSHIP: lambda: {"pk": place.pk, "membership": BoardMembershipFactory.create(
            board=DeliveryBoardFactory.create(place=place)).pk},
        ORGANISATION_PK: lambda: {"pk": OrganisationFactory.create().pk},
        READY_SUMMARY: lambda: {"pk": ready_summary()},
        OWN_PASSKEY: lambda: {"pk": passkey_for(enabler_user).pk},
        ENGAGEMENT_PK: lambda: {"pk": engagement.pk},
        ASSIGNMENT: lambda: {"pk": engagement.pk,
                             "assignment": enabler_user.enabler.assignments.get().pk},
        OUTCOME: lambda: {"pk": engagement.pk,
                          "outcome": OutcomeFactory.create(engagement=engagement).pk},
        OWN_OUTCOME: lambda: {"pk": OutcomeFactory.create(
            engagement=engagement, status="draft").pk},
        API_CLIENT: lambda: {"pk": api_client_issue(
            actor=request.getfixturevalue("admin_user"), name="BI", programmes=[programme],
            expires_on=timezone.localdate() + dt.timedelta(days=30)).client.pk},
        # get_or_create: the hostile-input test asks for the same URL more than once.
        MEASURE: lambda: {"pk": Measure.objects.get_or_create(
            engagement=engagement, name="Referrals", defaults={
                "unit": "count", "direction": "lower",
                "baseline_start": engagement.requested_on,
                "baseline_end": engagement.requested_on})[0].pk},
        AREA: lambda: {"programme": programme.slug, "pk": engagement.pk},
        OWN_DIAGNOSTIC_SESSION: lambda: {"pk": diagnostic_session().pk},
        OWN_PARTICIPANT: lambda: {"pk": DiagnosticParticipant.objects.create(
            session=diagnostic_session(), full_name="Ada Quill", role="sro",
            organisation="Fenwick Vale Council").pk},
        VOICE_ROUND: lambda: {"programme": programme.slug, "place": place.slug,
                              "pk": VoiceRound.objects.get_or_create(
                                  engagement=engagement, kind="pulse", number=1, defaults={
                                      "opened_on": engagement.requested_on,
                                      "closes_on": engagement.requested_on})[0].pk},
        PERSON_PK: lambda: {"pk": board_member().pk},
        SAR: lambda: {"pk": subject_request().pk},
        READY_SAR: lambda: {"pk": subject_request(ready=True).pk},
        NOTE_SEARCH: lambda: {"pk": note_search().pk},
        REVIEW_ITEM: lambda: {"pk": ReviewItem.objects.create(
            record_class="ended_memberships", object_id=1, description="A member who left",
            due_on=engagement.requested_on).pk},
        DISPOSAL: lambda: {"pk": Disposal.objects.create(
            requested_by=request.getfixturevalue("admin_user"), reason="Past its period").pk},
        ERASURE: lambda: {"pk": Erasure.objects.create(
            person=PersonFactory.create(), placeholder="A board member, acute trust",
            reason="Asked", requested_by=request.getfixturevalue("admin_user")).pk},
        PLACE_BOARD: lambda: {"programme": programme.slug, "place": board().place.slug},
        OTHER_SUPPORT: lambda: {"programme": programme.slug, "place": place.slug,
                                "pk": OtherSupport.objects.get_or_create(
                                    place=place, name="SAFER", defaults={
                                        "owner": "NHS", "started_on": engagement.requested_on,
                                    })[0].pk},
        PROTOCOL: lambda: {"programme": programme.slug, "place": place.slug,
                           "pk": LocalProtocol.objects.get_or_create(
                               board=board(), title="Escalation", defaults={
                                   "covers": "Who does what", "review_on": "2090-01-01",
                               })[0].pk},
    }
    return reverse(name, kwargs={**providers[objects](), **extra})


def assert_outcome(response: Any, expected: Any, url: str, persona: str, how: str) -> None:
    where = (how, url, persona, response.status_code, response.get("Location", ""))
    htmx = how == "HX-GET"
    if expected in (LOGIN, TWO_FA):
        page = reverse("login") if expected == LOGIN else reverse("two-factor")
        target = f"{page}?next={quote(url, safe='/')}"
        if htmx:  # htmx is told to load the page, not to swap it into a fragment
            assert response.status_code == 200, where
            assert response["HX-Redirect"] == target, where
        else:
            assert response.status_code == 302, where
            assert response.url == target, where
    else:
        assert response.status_code == expected, where


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", EXPECTED)
def test_url_role_matrix(
    request: pytest.FixtureRequest, settings: Any, name: str, persona: str
) -> None:
    """GET, GET as htmx, and an empty POST (last: it may change the object) of every URL, by
    every persona, with two-factor authentication on as in production."""
    settings.FIELDBOOK_REQUIRE_2FA = True
    url = url_for(request, name)
    client = client_for(request, persona)
    expected = expected_for(name, persona, "GET")
    assert_outcome(client.get(url), expected, url, persona, "GET")
    assert_outcome(client.get(url, headers={"HX-Request": "true"}), expected, url, persona,
                   "HX-GET")
    assert_outcome(client.post(url), expected_for(name, persona, "POST"), url, persona, "POST")


# ---- home sends each role to its page --------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(
    ("roles", "start"),
    [
        ([Role.ENABLER], "/week/"),
        ([Role.LEAD], "/programmes/"),
        ([Role.ADMIN], "/manage/"),
        ([Role.ENABLER, Role.LEAD], "/programmes/"),
        ([Role.ENABLER, Role.ADMIN], "/manage/"),
        ([Role.ENABLER, Role.LEAD, Role.ADMIN], "/manage/"),
        ([Role.DPO], "/subject-access/"),
        ([Role.ADMIN, Role.DPO], "/manage/"),
    ],
    ids=["enabler", "lead", "admin", "enabler+lead", "enabler+admin", "all-three", "dpo",
         "admin+dpo"],
)
def test_home_sends_each_role_to_its_page(client: Client, roles: list[Role], start: str) -> None:
    client.force_login(UserFactory.create(roles=roles))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == start


def test_home_for_a_user_without_a_role(roleless_client: Client) -> None:
    response = roleless_client.get("/")
    assert response.status_code == 200
    assert "fieldbook/home-no-role.html" in [t.name for t in response.templates]


def test_an_inactive_user_has_no_role(client: Client, lead_user: User) -> None:
    client.force_login(lead_user)
    lead_user.is_active = False
    lead_user.save()
    # Django signs the inactive user out on the next request.
    assert client.get("/programmes/").status_code == 302


# ---- signing in and out ----------------------------------------------------------------------

@pytest.mark.django_db
def test_login_page_renders(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'autocomplete="current-password"' in response.content


def test_wrong_password_keeps_the_username(client: Client, lead_user: User) -> None:
    typed = f"Wr0ng-{CANARY}"
    response = client.post(reverse("login"), {"username": "lead", "password": typed})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert b'value="lead"' in response.content
    assert typed.encode() not in response.content  # a password is never echoed back
    assert "_auth_user_id" not in client.session


def test_correct_password_signs_in_and_goes_home(client: Client, lead_user: User) -> None:
    response = client.post(reverse("login"), {"username": "lead", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(lead_user.pk)
    assert client.get(response["Location"])["Location"] == "/programmes/"


def test_login_follows_a_safe_next_and_ignores_an_external_one(
    client: Client, lead_user: User
) -> None:
    data = {"username": "lead", "password": TEST_PASSWORD}
    response = client.post(f"{reverse('login')}?next=/programmes/", data)
    assert response["Location"] == "/programmes/"
    client.logout()
    response = client.post(f"{reverse('login')}?next=https://evil.example/", data)
    assert response["Location"] == reverse("home")


def test_logout_is_a_post(lead_client: Client) -> None:
    assert lead_client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in lead_client.session
    response = lead_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in lead_client.session


def test_password_reset_by_email(client: Client, lead_user: User,
                                 django_capture_on_commit_callbacks: Any) -> None:
    # The email is a task queued after the commit (fieldbook.tasks; here it runs inline).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": lead_user.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [lead_user.email]
    match = re.search(r"https?://[^/\s]+(/accounts/password-reset/[^/\s]+/[^/\s]+/)",
                      str(message.body))
    assert match, message.body

    # The emailed link swaps its token into the session and redirects to a token-free URL.
    response = client.get(match.group(1))
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert response.context["validlink"]
    new_password = "a-new-long-passphrase-42"
    response = client.post(
        urlsplit(response.request["PATH_INFO"]).path,
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    assert client.get(response["Location"]).status_code == 200

    lead_user.refresh_from_db()
    assert lead_user.check_password(new_password)


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_sends_nothing(
        client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    # Same answer as for a known address, so the form cannot be used to find accounts.
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


# ---- methods, health, errors -----------------------------------------------------------------

@pytest.fixture
def all_roles_client(db: None, client: Client) -> Client:
    user = UserFactory.create(roles=list(Role), is_staff=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", GET_ONLY)
def test_post_to_a_get_only_view_is_405(
    request: pytest.FixtureRequest, all_roles_client: Client, name: str
) -> None:
    assert all_roles_client.post(url_for(request, name)).status_code == 405


@pytest.mark.parametrize(
    "name", ["engagements:session-edit", "engagements:session-delete"]
)
def test_another_enablers_session_is_404(
    request: pytest.FixtureRequest, other_enabler_user: User, name: str
) -> None:
    url = url_for(request, name)  # a session of enabler_user
    client = Client()
    client.force_login(other_enabler_user)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    restore = reverse("engagements:session-restore", kwargs=resolve(url).kwargs)
    assert client.post(restore).status_code == 404


@pytest.mark.django_db
def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_404_page_does_not_echo_the_request(client: Client, settings: Any) -> None:
    settings.DEBUG = False
    response = client.get(f"/nope-{CANARY}?q={CANARY}")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert CANARY.encode() not in response.content


def test_403_page_does_not_echo_the_request(enabler_client: Client, settings: Any) -> None:
    settings.DEBUG = False
    response = enabler_client.get(f"/manage/?q={CANARY}")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert CANARY.encode() not in response.content


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"private detail {CANARY}")


def _denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(f"private detail {CANARY}")


# The site's URLconf plus two failing views, for the error-page test (pytest.mark.urls points
# here); the real handlers, and the real URL names the error templates link to.
urlpatterns = [path("boom/", _boom), path("denied/", _denied), path("", include("fieldbook.urls"))]
handler403 = "fieldbook.error_pages.permission_denied"
handler500 = "fieldbook.error_pages.server_error"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_error_pages_do_not_echo_the_exception(settings: Any) -> None:
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get(f"/boom/?q={CANARY}")
    assert response.status_code == 500
    assert b"<html" in response.content.lower() or b"<!doctype" in response.content.lower()
    assert CANARY.encode() not in response.content
    response = client.get("/denied/")
    assert response.status_code == 403
    assert CANARY.encode() not in response.content


# ---- a fixed number of queries per page ------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "url", "status", "budget"),
    [
        ("roleless_client", "/", 200, 6),
        ("enabler_client", "/", 302, 6),
        ("lead_client", "/", 302, 6),
        ("admin_client_fb", "/", 302, 6),
        ("enabler_client", "/week/", 200, 8),
        ("lead_client", "/programmes/", 200, 8),
        ("admin_client_fb", "/manage/", 200, 8),
        ("admin_client_fb", "/manage/onboard/", 200, 8),
    ],
)
def test_page_query_budget(
    request: pytest.FixtureRequest, django_assert_max_num_queries: Any,
    persona: str, url: str, status: int, budget: int,
) -> None:
    client = request.getfixturevalue(persona)
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == status


# ---- the Django admin: every URL it serves, for every persona -------------------------------

# The Django admin is break-glass (fieldbook.admin_site): only a superuser who has proved a
# second factor gets in; this is what they may do with each model it registers. A newly
# registered model fails test_django_admin_matrix until it is added here. Nothing holding
# private notes is registered, nor the second-factor devices; users cannot be added (their form
# takes a password) and nobody's password can be set.
ALL = frozenset({"view", "add", "change", "delete"})
ADMIN_MODEL_PERMS: dict[str, frozenset[str]] = {
    "auth.group": ALL,
    "auth.user": frozenset({"view", "change", "delete"}),
    "axes.accessattempt": frozenset({"view", "delete"}),
    "axes.accesslog": frozenset({"view", "delete"}),
    "axes.accessfailurelog": frozenset({"view", "delete"}),
    "places.region": ALL, "places.system": ALL, "places.place": ALL,
    "places.organisation": ALL, "places.deliveryboard": ALL, "places.person": ALL,
    "enablers.enabler": ALL,
    "engagements.theme": ALL, "engagements.programme": ALL, "engagements.engagement": ALL,
    # Summaries are compiled, never typed in: the admin has no "add" page for them.
    "engagements.learningsummary": frozenset({"view", "change", "delete"}),
}


def admin_urls() -> list[tuple[str, str]]:
    """(id, route) of every URL pattern of the Django admin, model pages included."""
    from django.contrib import admin as django_admin

    found: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            else:
                found.append((pattern.name or route, route))

    walk(django_admin.site.urls[0], "")
    return found


ADMIN_URLS = admin_urls()


@pytest.fixture
def admin_world(db: None, admin_user: User, enabler_user: User) -> dict[str, Any]:
    """One object of every model the Django admin registers: label -> object."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib import admin as django_admin
    from django.contrib.auth.models import Group

    from .factories import (
        DeliveryBoardFactory,
        LearningSummaryFactory,
        OrganisationFactory,
        PersonFactory,
    )
    engagement = enabler_user.enabler.assignments.get().engagement
    axes_fields = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "someone",
                   "http_accept": "*/*", "path_info": "/accounts/login/"}
    objects = {
        "auth.group": Group.objects.get(name=Role.ADMIN.value),
        "auth.user": enabler_user,
        "axes.accessattempt": AccessAttempt.objects.create(
            **axes_fields, get_data="", post_data="password=********", failures_since_start=1),
        "axes.accesslog": AccessLog.objects.create(**axes_fields),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**axes_fields),
        "places.region": engagement.place.region,
        "places.system": SystemFactory.create(region=engagement.place.region),
        "places.place": engagement.place,
        "places.organisation": OrganisationFactory.create(),
        "places.deliveryboard": DeliveryBoardFactory.create(place=engagement.place),
        "places.person": PersonFactory.create(),
        "enablers.enabler": enabler_user.enabler,
        "engagements.theme": ThemeFactory.create(),
        "engagements.programme": engagement.programme,
        "engagements.engagement": engagement,
        "engagements.learningsummary": LearningSummaryFactory.create(
            programme=engagement.programme),
    }
    registered = {m._meta.label_lower for m in django_admin.site._registry}
    assert registered == set(objects) == set(ADMIN_MODEL_PERMS), registered ^ set(objects)
    return objects


def admin_expectation(route: str, name: str, world: dict[str, Any]
                      ) -> tuple[str, Any] | list[tuple[str, Any]]:
    """(concrete URL, what the Fieldbook admin gets) for one admin route; a list of them for
    the app index pages."""
    base = reverse("admin:index")
    model_route = re.match(r"^(\w+)/(\w+)/(.*)$", route)
    if model_route and f"{model_route[1]}.{model_route[2]}" in world:
        label = f"{model_route[1]}.{model_route[2]}"
        obj, perms = world[label], ADMIN_MODEL_PERMS[label]
        rest = re.sub(r"<(?:path:object_id|id|int:pk)>", str(obj.pk), model_route[3])
        url = f"{base}{model_route[1]}/{model_route[2]}/{rest}"
        sees = bool(perms & {"view", "change"})
        if rest == "":
            return url, OK if sees else NO
        if rest == "add/":
            return url, OK if "add" in perms else NO
        if rest.endswith("/delete/"):
            return url, OK if "delete" in perms else NO
        if rest.endswith(("/change/", "/history/")):
            return url, OK if sees else NO
        if rest.endswith("/password/"):
            return url, NF  # nobody sets another person's password, a superuser included
        if rest == f"{obj.pk}/":  # the old-style URL, redirected to the change page
            return url, R
        raise AssertionError(f"add {route} to admin_expectation")
    if name == "app_list":
        return [(f"{base}{app}/", OK if any(ADMIN_MODEL_PERMS[label] for label in world
                                            if label.startswith(f"{app}.")) else NF)
                for app in sorted({label.split(".")[0] for label in world})]
    fixed: dict[str, tuple[str, Any]] = {
        "index": (base, OK),
        "logout": (f"{base}logout/", NA),  # signing out is a POST
        "password_change": (f"{base}password_change/", OK),
        "password_change_done": (f"{base}password_change/done/", OK),
        "autocomplete": (f"{base}autocomplete/", NO),  # needs a field to complete
        # A superuser's own password: changed on Fieldbook's own page, not here.
        "jsi18n": (f"{base}jsi18n/", OK),
        # Region has no page of its own on the site.
        "view_on_site": (f"{base}r/0/{world['places.region'].pk}/", NF),
        "(?P<url>.*)$": (f"{base}no-such-page/", NF),
        "login": (f"{base}login/", R),  # shadowed by ours, which redirects to sign-in
    }
    if name in fixed:
        return fixed[name]
    raise AssertionError(f"add {name} ({route}) to admin_expectation")


ADMIN_PERSONAS = (*PERSONAS, "superuser", "superuser_2fa_pending")


def admin_client_for(request: pytest.FixtureRequest, persona: str) -> Client:
    if persona.startswith("superuser"):
        user = UserFactory.create(username=persona, is_staff=True, is_superuser=True)
        if persona == "superuser":
            return verified_client(user)
        client = Client()
        client.force_login(user)
        return client
    return client_for(request, persona)


@pytest.mark.parametrize(("name", "route"), ADMIN_URLS, ids=[u[0] for u in ADMIN_URLS])
def test_django_admin_matrix(
    request: pytest.FixtureRequest, settings: Any, admin_world: dict[str, Any], name: str,
    route: str,
) -> None:
    """GET every Django admin URL as every persona. Only a superuser who has proved a second
    factor gets in, as far as the model's pages go (ADMIN_MODEL_PERMS); a superuser or lead
    owing a security code gives it first; signed-out and deactivated people are sent to sign in
    (ours, via the admin's login URL); everyone else signed in — a Fieldbook admin included —
    gets the 404 page (never a redirect, which looped between the admin and our sign-in page).
    The admin's own sign-in page is replaced by ours for everyone."""
    settings.FIELDBOOK_REQUIRE_2FA = True
    cases = admin_expectation(route, name, admin_world)
    clients = {persona: admin_client_for(request, persona) for persona in ADMIN_PERSONAS}
    for url, superuser_outcome in cases if isinstance(cases, list) else [cases]:
        for persona in ADMIN_PERSONAS:
            response = clients[persona].get(url)
            where = (url, persona, response.status_code, response.get("Location", ""))
            if name == "login":
                assert response.status_code == 302, where
                assert response["Location"].startswith(reverse("login")), where
            elif persona == "superuser":
                assert response.status_code == superuser_outcome, where
            elif persona in ("lead_2fa_pending", "superuser_2fa_pending"):
                assert response.status_code == 302, where
                assert response["Location"].startswith(reverse("two-factor")), where
            elif name == "logout" and persona in ("anonymous", "deactivated"):  # to the index
                assert response.status_code == 302, where
                assert response["Location"] == reverse("admin:index"), where
            elif persona in ("anonymous", "deactivated"):
                assert response.status_code == 302, where
                assert response["Location"].startswith(f"{reverse('admin:index')}login/"), where
            else:
                assert response.status_code == NF, where
                assert b"Page not found" in response.content, where


# ---- every form is protected against cross-site request forgery ------------------------------

POSTABLE = [name for name, row_ in EXPECTED.items()
            if row_[4] != NA and name not in ("two-factor", "two-factor-setup-app")]


@pytest.mark.django_db
@pytest.mark.parametrize("name", POSTABLE)
def test_a_post_without_the_csrf_token_is_refused(
    request: pytest.FixtureRequest, settings: Any, name: str
) -> None:
    """Every URL that takes a POST refuses one without the CSRF token (403), for a persona
    the view would otherwise serve."""
    settings.FIELDBOOK_REQUIRE_2FA = True
    access = EXPECTED[name][2]
    persona = next(p for p in ("anonymous", "enabler", "lead", "admin", "dpo")
                   if access[p] == IN)
    url = url_for(request, name)
    client = client_for(request, persona)
    client.handler.enforce_csrf_checks = True
    response = client.post(url)
    assert response.status_code == 403, (url, persona)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["two-factor", "two-factor-setup-app"])
def test_the_two_factor_forms_need_the_csrf_token(
    settings: Any, name: str
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory.create(username="lead-no-code", roles=[Role.LEAD]))
    assert client.post(reverse(name), {"token": "123456"}).status_code == 403
