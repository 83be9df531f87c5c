"""The site crawl shared by the accessibility crawl (a browser, tests/test_a11y_crawl.py) and the
HTML check (the test client, tests/test_html_valid.py): the demo world it runs in, and a
breadth-first walk over the links of a role's pages that opens at most ``PER_PAGE_KIND`` URLs
of each URL name (one place page looks like the next)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.seed import DEMO_ENABLER, demo_seed
from engagements.models import Session

from .factories import OnboardingDraftFactory
from .security_support import passkey_for

PER_PAGE_KIND = 2
# Downloads and JSON (not pages), signing out, and the Django admin (Django's own pages, for
# staff).
NOT_PAGES = {"engagements:dashboard-export", "engagements:place-export",
             "engagements:summary-pdf", "engagements:summary-markdown",
             "engagements:messages-download", "engagements:outcomes-export",
             "engagements:open-data", "api:openapi-json",
             # The API's interactive docs are django-ninja's Swagger UI, for developers holding
             # a token: valid HTML (the URL x role matrix checks it) but not ours to make pass
             # axe (contrast, nested controls, target size). The accessibility statement lists
             # it; the OpenAPI document is the accessible alternative.
             "api:openapi-view",
             "engagements:measures-export", "engagements:reach-export",
             "backoffice:import-template", "logout", "admin-login", "engagements:draft-key",
             "backoffice:audit-export", "engagements:subject-pack",
             # A script (django-otp-webauthn's messages), loaded by the passkey pages.
             "otp_webauthn:js-i18n-catalog"}
# Pages a role may open that no link leads to in this world, each for a reason.
NOT_LINKED = {
    # Opened from a button (a POST) or only mid-flow, and covered by the keyboard tests in
    # tests/test_a11y_crawl.py.
    "backoffice:onboard-done", "backoffice:import-preview",
    # Shown only after a password change, which the crawl must not make (it signs the crawl's
    # other sessions out); its form page is crawled from the header link.
    "password_change_done",
    # The sign-in and two-factor pages are crawled before signing in.
    "login", "two-factor", "two-factor-setup", "two-factor-setup-app", "home",
    "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete", "backoffice:invitation-accept", "healthz",
    # A place contact's link comes by email only (tests/test_outcomes.py opens it).
    "engagements:respond",
    # Closing a round of the place's voice is linked from a place page only while the round is
    # open: the demo's open pulse (West Hertfordshire) is not on the two place pages the crawls
    # open. tests/test_voice.py and tests/test_voice_browser.py open it.
    "engagements:voice-close",
    # A programme's public request page is published to places (leads find its address on
    # the triage page); the page after sending one is shown after a POST. The browser test
    # walks both.
    "engagements:request-support", "engagements:request-sent",
}


def demo_world() -> dict[str, Any]:
    """The demo world (demo_seed), plus what its pages should also show: an onboarding draft,
    a compiled summary, shared learning on the demo enabler's sessions this week, and second
    factors. Returns the demo's admin, lead and enabler users by role."""
    demo_seed(today=timezone.localdate())
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    admin = users.get(username="admin")
    OnboardingDraftFactory.create(owner=admin, place_name="Northgate")
    from engagements.models import Programme
    from engagements.summaries.services import summary_compile

    from .factories import LearningSummaryFactory

    summary = LearningSummaryFactory.create(programme=Programme.objects.order_by("pk").first())
    summary_compile(summary_id=summary.pk)
    # Shared learning on the demo enabler's sessions this week: their edit pages link to
    # withdrawing it.
    from engagements.models import LearningItem
    from fieldbook.units import monday_of

    monday = monday_of(timezone.localdate())
    LearningItem.objects.bulk_create(
        LearningItem(session=s, text="Partners now meet weekly.", shareable=True)
        for s in Session.objects.filter(enabler__user__username=DEMO_ENABLER, date__gte=monday,
                                        deleted_at__isnull=True)
    )
    # The admin already uses an authenticator; the lead has none (the accessibility crawl sets
    # one up); the enabler has an authenticator and a passkey (so the code page offers the
    # passkey first, and the manage page lists it).
    TOTPDevice.objects.create(user=admin, name="Phone", confirmed=True)
    # An API client, so the admin's API client pages have one to open.
    from engagements.api.services import api_client_issue

    api_client_issue(actor=admin, name="Region's reporting service",
                     programmes=Programme.objects.order_by("pk")[:1],
                     expires_on=timezone.localdate() + dt.timedelta(days=90))
    # Retention (issue 18): the queue as if decades had passed (the daily job), a disposal
    # and an erasure awaiting a second reviewer, so their pages are reached from the queue.
    from engagements.retention import services as retention
    from engagements.retention.models import ReviewItem
    from places.models import BoardMembership, Person

    today = timezone.localdate()
    left = BoardMembership.objects.order_by("pk").first()
    if left is not None and left.ended_on is None:
        BoardMembership.objects.filter(pk=left.pk).update(ended_on=today)
    retention.review_queue_fill(today=today.replace(year=today.year + 30))
    first = ReviewItem.objects.order_by("pk").first()
    assert first is not None
    retention.disposal_request(actor=admin, item_ids=[first.pk], reason="Past its period")
    retention.erasure_request(actor=admin, person=Person.objects.order_by("pk")[0],
                              reason="They asked")
    enabler = users.get(username=DEMO_ENABLER)
    TOTPDevice.objects.create(user=enabler, name="Phone", confirmed=True)
    passkey_for(enabler)
    # A subject-access request with its pack, and a search of the private notes awaiting the
    # admin's decision: the DPO's request page and the admin's approval pages have one to show.
    from engagements.subjects.services import note_search_ask, sar_log, sar_pack_build
    from places.models import BoardMembership

    dpo = users.get(username="dpo")
    TOTPDevice.objects.create(user=dpo, name="Phone", confirmed=True)
    member = BoardMembership.objects.select_related("person").order_by("pk").first()
    assert member is not None
    sar = sar_log(actor=dpo, person=member.person, received_on=timezone.localdate())
    type(sar).objects.filter(pk=sar.pk).update(status="compiling")
    sar_pack_build(request_id=sar.pk)
    note_search_ask(actor=dpo, request=sar, reason="They dispute a note about the March board.")
    return {"admin": admin, "lead": users.get(username="lead"), "enabler": enabler, "dpo": dpo}


class Crawl:
    """Breadth first from a role's start pages over the links ``visit`` returns. ``visit``
    opens one URL and returns its links (absolute), or None if the page did not open (it
    records why in ``problems``). ``names`` holds the URL names each role reached."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problems: list[str] = []
        self.names: dict[str, set[str]] = {}

    def name_of(self, url: str) -> str | None:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.base:
            return None
        try:
            match = resolve(parts.path)
        except Resolver404:
            return None
        return match.view_name

    def walk(self, role: str, start: list[str],
             visit: Callable[[str, str], list[str] | None]) -> None:
        """``visit(url, url_name)`` for each page found from ``start`` (paths)."""
        seen: set[str] = set()
        per_name: Counter[str] = Counter()
        queue = deque(self.base + path for path in start)
        while queue:
            url = queue.popleft().split("#", 1)[0]
            name = self.name_of(url)
            if url in seen or name is None or name in NOT_PAGES or name.startswith("admin:"):
                continue
            seen.add(url)
            if per_name[name] >= PER_PAGE_KIND:
                continue
            per_name[name] += 1
            links = visit(url, name)
            if links is None:
                continue
            self.names.setdefault(role, set()).add(name)
            queue.extend(link for link in links if link.startswith(self.base))
