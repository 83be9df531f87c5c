"""Valid HTML (STYLE.md §13): every page of the site passes the Nu HTML Checker (vnu).

Two sets of pages, each written to a temporary folder and checked by one run of vnu (one JVM
start, a few seconds):

- the URL x role matrix (tests/test_access.py): every URL, for every persona it opens to, as a
  GET and, where an empty POST re-shows the form, with its errors; the htmx fragments too (each
  checked inside a bare document, as the checker reads whole documents only); and a few states
  no matrix row reaches: the two-factor code page, the inline log form of My week, a ready
  summary, the error pages;
- the demo world, crawled by each role from its start pages as the accessibility crawl does
  (tests/crawl.py), page and htmx fragment, with two rows a page so the dashboards paginate:
  pages full of real-looking data (charts, timelines, the heatmap, the caseload).

vnu is the npm package vnu-jar (package.json; `make assets` installs it) and runs on Java (CI
installs a JRE). Without either the test fails and says what to install: CI allows no skips.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from enablers.models import Assignment
from engagements.models import LearningSummary
from fieldbook.audit import audit_record
from fieldbook.error_pages import server_error
from fieldbook.roles import Role
from places.models import DeliveryBoard

from .crawl import NOT_LINKED, NOT_PAGES, Crawl, demo_world
from .factories import (
    BoardMembershipFactory,
    LearningItemFactory,
    LearningSummaryFactory,
    SessionFactory,
    UserFactory,
)
from .security_support import verified_client
from .test_access import (
    BOARD_PLACE_PK,
    EXPECTED,
    IN,
    MEMBERSHIP,
    OK,
    PERSONAS,
    SUMMARY,
    client_for,
    expected_for,
    url_for,
)

pytestmark = pytest.mark.django_db

VNU = Path(django_settings.BASE_DIR, "node_modules", "vnu-jar", "build", "dist", "vnu.jar")
# URLs that answer something other than HTML: downloads and JSON, and the health check.
NOT_HTML = {
    "healthz", "engagements:draft-key", "engagements:dashboard-export",
    "engagements:place-export", "engagements:summary-pdf", "engagements:summary-markdown",
    "engagements:messages-download", "backoffice:import-template",
    "engagements:measures-export", "engagements:reach-export",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-authentication-begin", "otp_webauthn:js-i18n-catalog",
    "backoffice:audit-export",
    "engagements:outcomes-export",
    "engagements:open-data", "api:openapi-json", "engagements:subject-pack",
}
# A fragment is checked as the body of this document (vnu reads whole documents only).
SHELL = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>fragment</title>'
         "</head><body>{}</body></html>")


class Pages:
    """The HTML collected for checking: one file per page, named by a number, what it was
    (persona, method, URL) for the failure message, and which URL names answered HTML."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.labels: dict[str, str] = {}
        self.names: set[str] = set()

    def add(self, label: str, response: Any, name: str = "") -> None:
        if not response.get("Content-Type", "").startswith("text/html"):
            return
        text = response.content.decode()
        if not text.strip():
            return  # a poll with nothing new to swap
        self.names.add(name)
        if not text.lstrip().lower().startswith("<!doctype"):
            text = SHELL.format(text)
            label = f"{label} (fragment)"
        path = self.folder / f"{len(self.labels):04d}.html"
        path.write_text(text, encoding="utf-8")
        self.labels[path.name] = label


def vnu_errors(pages: Pages) -> list[str]:
    """Every error vnu finds in the collected pages, as "label line N: message"."""
    java = shutil.which("java")
    assert java, "vnu needs Java: install a JRE (Debian: apt-get install default-jre-headless)"
    assert VNU.is_file(), f"vnu is missing ({VNU}): run `make assets` (npm ci installs vnu-jar)"
    files = sorted(pages.folder.glob("*.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    # vnu writes its JSON report to stderr and exits 1 when it found errors.
    assert result.returncode in (0, 1), f"vnu did not run: {result.stderr[-2000:]}"
    report = json.loads(result.stderr)
    problems = []
    for message in report["messages"]:
        url = message.get("url", "?")  # file:/tmp/…/0001.html
        where = pages.labels.get(url.rsplit("/", 1)[-1], url)
        line = message.get("lastLine", "?")
        extract = " ".join(message.get("extract", "").split())[:120]
        problems.append(f"{where} line {line}: {message['message']} [{extract}]")
    return problems


def url_of(request: pytest.FixtureRequest, name: str, made: dict[str, dict[str, Any]]) -> str:
    """``url_for``, made once per kind of object (``made``: path arguments by kind), as the
    matrix makes them one test at a time and some exist once per programme or place: a summary
    per programme and month, a board per place. The summary that needs no PDF is of another
    month; the board's membership is on the board the board page made."""
    spec = EXPECTED[name][1]
    kind, extra = spec if isinstance(spec, tuple) else (spec, {})
    if not isinstance(kind, str):
        return url_for(request, name)
    if kind not in made:
        engagement = request.getfixturevalue("enabler_user").enabler.assignments.get().engagement
        if kind == SUMMARY:
            made[kind] = {"pk": LearningSummaryFactory.create(
                programme=engagement.programme, period_start=dt.date(2023, 1, 1),
                period_end=dt.date(2023, 1, 31)).pk}
        elif kind == MEMBERSHIP and BOARD_PLACE_PK in made:
            board = DeliveryBoard.objects.get(place_id=made[BOARD_PLACE_PK]["pk"])
            made[kind] = {"pk": board.place_id,
                          "membership": BoardMembershipFactory.create(board=board).pk}
        else:
            kwargs = resolve(url_for(request, name)).kwargs
            made[kind] = {key: value for key, value in kwargs.items() if key not in extra}
    return reverse(name, kwargs={**made[kind], **extra})


def collect_matrix(request: pytest.FixtureRequest, pages: Pages) -> None:
    """Every URL of the matrix that answers a page: GET, htmx GET, and empty POST."""
    # Resolve every URL first: that makes the objects the URLs point at (a session, learning,
    # a summary…), so the lists and dashboards fetched afterwards have rows to show.
    made: dict[str, Any] = {}
    urls = {name: url_of(request, name, made) for name in EXPECTED}
    clients = {persona: client_for(request, persona) for persona in PERSONAS}
    for name, url in urls.items():
        for persona, client in clients.items():
            if expected_for(name, persona, "GET") == OK:
                pages.add(f"{persona} GET {url}", client.get(url), name)
                pages.add(f"{persona} htmx GET {url}",
                          client.get(url, headers={"HX-Request": "true"}), name)
    # Empty POSTs last (some change what they post to: recovery codes, a draft's step).
    for name, url in urls.items():
        for persona, client in clients.items():
            if expected_for(name, persona, "POST") == OK:
                pages.add(f"{persona} POST {url} (empty)", client.post(url), name)


def collect_measures(request: pytest.FixtureRequest, pages: Pages, engagement: Any,
                     enabler: Client, lead: Client) -> None:
    """Issue 16's pages with data: a run chart with a shift, trend and astronomical point on
    the place page, the measures pages and the summary; an import's row errors; the reach
    dashboard and an area with cohorts and an innovation."""
    import datetime as dt
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from engagements.measures.models import Measure, MeasureValue
    from engagements.reach import services as reach

    start = dt.date(2024, 1, 1)
    measure = Measure.objects.create(
        engagement=engagement, name="Nights in hospital", unit="bed_nights", direction="lower",
        frequency="monthly", baseline_start=start, baseline_end=dt.date(2024, 6, 1))
    series = [30, 32, 29, 31, 30, 33, 90, 31, 28, 26, 24, 22, 20, 21, 20, 22, 21, 20]
    MeasureValue.objects.bulk_create(
        MeasureValue(measure=measure, period=dt.date(2024 + i // 12, i % 12 + 1, 1),
                     value=Decimal(v)) for i, v in enumerate(series))
    lead_user = request.getfixturevalue("lead_user")
    reach.cohort_record(actor=lead_user, engagement=engagement, name="Cohort 1",
                        kind="residential", starts_on=start, ends_on=start, returning=1,
                        counts=[("gp", "primary_care", 2), ("nurse", "acute", 12)])
    reach.innovation_record(actor=lead_user, engagement=engagement, name="Red Bag",
                            description="", status="testing", outcome_ids=[])
    p, slug = engagement.programme.slug, engagement.place.slug
    for label, client, url in (
        ("lead", lead, reverse("engagements:place", args=[p, slug])),
        ("enabler", enabler, reverse("engagements:measures", args=[engagement.pk])),
        ("enabler", enabler, reverse("engagements:measure", args=[measure.pk])),
        ("lead", lead, reverse("engagements:reach", args=[p])),
        ("lead", lead, reverse("engagements:reach-area", args=[p, engagement.pk])),
    ):
        pages.add(f"{label} GET {url} (with measures)", client.get(url))
    url = reverse("backoffice:measure-import", args=[measure.pk])
    bad = SimpleUploadedFile("v.csv", b"date,value\n2023-01-01,5\n2024-02-03,x\n")
    pages.add(f"enabler POST {url} (row errors)", enabler.post(url, {"file": bad}))


def collect_states(request: pytest.FixtureRequest, pages: Pages, settings: Any) -> None:
    """States the matrix does not reach."""
    enabler_user = request.getfixturevalue("enabler_user")
    enabler = client_for(request, "enabler")
    engagement = enabler_user.enabler.assignments.get().engagement
    LearningItemFactory.create(session=SessionFactory.create(enabler=enabler_user.enabler,
                                               engagement=engagement), shareable=True)
    # My week's inline log form (htmx, sent from My week), empty and with its errors.
    from_week = {"HX-Request": "true", "HX-Current-URL": "http://testserver/week/"}
    log = reverse("engagements:session-log")
    pages.add("enabler htmx GET /week/log/ from My week", enabler.get(log, headers=from_week))
    pages.add("enabler htmx POST /week/log/ from My week (empty)",
              enabler.post(log, headers=from_week))
    pages.add("enabler GET /week/ with shared learning", enabler.get(reverse(
        "engagements:my-week")))
    # A ready summary (compiled, its PDF made): the matrix's one for its PDF download.
    summary = LearningSummary.objects.get(status=LearningSummary.Status.READY)
    lead = client_for(request, "lead")
    detail = reverse("engagements:summary-detail", args=[summary.pk])
    pages.add(f"lead GET {detail} (ready)", lead.get(detail))
    # The two-factor code page, for someone with an authenticator who has not yet used it.
    owing = UserFactory.create(username="lead-owing-code", roles=[Role.LEAD])
    TOTPDevice.objects.create(user=owing, name="Phone", confirmed=True)
    client = Client()
    client.force_login(owing)
    pages.add("lead owing a code GET /accounts/two-factor/", client.get(reverse("two-factor")))
    pages.add("lead owing a code POST /accounts/two-factor/ (wrong code)",
              client.post(reverse("two-factor"), {"token": "000000"}))
    # The audit log in words, filtered, with a session's log and edit and an admin change.
    admin = client_for(request, "admin")
    audit_record(actor=enabler_user, action="engagements.session.updated",
                 obj=SessionFactory.create(enabler=enabler_user.enabler, engagement=engagement),
                 changes={"private_notes": "x", "duration_minutes": 90, "themes": [1, 2, 3]})
    audit_record(actor=enabler_user, action="django_admin.places.place.changed",
                 obj=engagement.place,
                 changes={"fields": {"name": {"before": "Old", "after": "New"}}})
    audit = reverse("backoffice:audit")
    pages.add(f"admin GET {audit} (rows)", admin.get(audit))
    pages.add(f"admin GET {audit} (filtered)", admin.get(audit, {
        "who": "x", "record": "sessions", "done": "edited", "place": engagement.place_id,
        "since": "2024-01-01", "until": "2024-12-31"}))
    # Single sign-on: the sign-in page with two providers' buttons, and each refusal page.
    collect_sso_states(pages, settings)
    collect_outcome_states(pages, enabler, engagement)
    collect_measures(request, pages, engagement, enabler, lead)
    # The error pages, as served with DEBUG off.
    settings.DEBUG = False
    pages.add("anonymous GET /no-such-page/ (404)", Client().get("/no-such-page/"))
    pages.add("enabler GET /manage/ (403)", enabler.get(reverse("backoffice:admin-home")))
    pages.add("the 500 page", server_error(RequestFactory().get("/")))
    pages.add("enabler GET /week/?week=0001-01-01 (400)",
              enabler.get(reverse("engagements:my-week"), {"week": "0001-01-01"}))


def collect_sso_states(pages: Pages, settings: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    from fieldbook.oidc import provider_for
    from fieldbook.oidc_views import _refused

    settings.FIELDBOOK_OIDC_PROVIDERS = [
        {"slug": slug, "name": name, "issuer": "http://127.0.0.1:9", "client_id": "fieldbook",
         "client_secret": "x"} for slug, name in (("nhsmail", "NHSmail"), ("cis2", "NHS CIS2"))]
    pages.add("anonymous GET /accounts/login/ with two providers",
              Client().get(reverse("login"), {"next": "/programmes/"}))
    provider = provider_for("nhsmail")
    assert provider is not None
    for reason in ("unknown", "unverified", "no_email", "ambiguous", "deactivated", "cancelled",
                   "state", "failed", "unavailable"):
        request = RequestFactory().get("/accounts/sso/nhsmail/callback/")
        request.user = AnonymousUser()
        pages.add(f"single sign-on refused: {reason}",
                  _refused(request, provider, reason, email="jo@nhs.net"))
    settings.FIELDBOOK_OIDC_PROVIDERS = []


def collect_outcome_states(pages: Pages, enabler: Client, engagement: Any) -> None:
    """The outcome pages with rows and errors, and the place contact's pages: the link's
    outcome, its errors, the thanks, a used link, and the throttle."""
    from engagements.models import Outcome
    from engagements.respondents.models import RespondentLink
    from engagements.respondents.services import link_create

    from .factories import DeliveryBoardFactory, OrganisationFactory, OutcomeFactory, PersonFactory

    org = OrganisationFactory.create()
    org.places.add(engagement.place)
    board = (DeliveryBoard.objects.filter(place=engagement.place).first()
             or DeliveryBoardFactory.create(place=engagement.place))
    person = PersonFactory.create(organisation=org, email="contact@example.org",
                                  full_name="Gwen Trevithick", role_title="Head of Nursing")
    BoardMembershipFactory.create(board=board, person=person)
    draft = OutcomeFactory.create(engagement=engagement, status=Outcome.Status.DRAFT)
    OutcomeFactory.create(engagement=engagement)
    draft_url = reverse("engagements:outcome-draft", args=[engagement.pk])
    pages.add("enabler POST outcome draft (a name)", enabler.post(draft_url, {
        "who_changed": "Gwen Trevithick", "changed_on": "2999-01-01"}))
    pages.add("enabler GET outcomes with rows", enabler.get(
        reverse("engagements:outcomes", args=[engagement.pk])))
    send_url = reverse("engagements:outcome-send", args=[draft.pk])
    pages.add("enabler GET outcome send with a contact", enabler.get(send_url))
    enabler.post(send_url, {"seen": draft.version, "person": person.pk})
    assert RespondentLink.objects.filter(object_id=draft.pk).exists()
    pages.add("enabler GET outcomes awaiting", enabler.get(
        reverse("engagements:outcomes", args=[engagement.pk])))
    # The token itself (the mail is sent on commit, which this test's transaction never does).
    _link, token = link_create(actor=engagement.assignments.first().enabler.user,
                               purpose="confirm_outcome", target=draft, person=person)
    contact = Client()
    contact.get(reverse("engagements:respond", args=[token]))
    opened = reverse("engagements:respond", args=["open"])
    pages.add("contact GET the outcome", contact.get(opened))
    pages.add("contact POST empty", contact.post(opened, {}))
    contact.post(opened, {"decision": "confirm"})
    pages.add("contact GET thanks", contact.get(opened))
    again = Client()
    again.get(reverse("engagements:respond", args=[token]))
    pages.add("contact GET a used link", again.get(opened))
    pages.add("enabler GET a confirmed outcome", enabler.get(
        reverse("engagements:outcome-edit", args=[draft.pk])))


def test_every_page_is_valid_html(
    request: pytest.FixtureRequest, settings: Any, tmp_path: Path
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    pages = Pages(tmp_path)
    collect_matrix(request, pages)
    opens = {name for name in EXPECTED if any(
        OK in (expected_for(name, p, "GET"), expected_for(name, p, "POST")) for p in PERSONAS)}
    assert pages.names == opens - NOT_HTML, (
        "every page of the matrix is checked; add downloads and JSON to NOT_HTML",
        pages.names ^ (opens - NOT_HTML))
    collect_states(request, pages, settings)
    problems = vnu_errors(pages)
    print(f"\nvnu: {len(problems)} errors on {len(pages.labels)} pages")
    assert problems == [], f"{len(problems)} vnu errors on {len(pages.labels)} pages:\n" + (
        "\n".join(problems))


# ---- the demo world, crawled by each role ------------------------------------------------------

class Links(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.found.append(urljoin(self.url, href))


def links_of(url: str, html: str) -> list[str]:
    parser = Links(url)
    parser.feed(html)
    return parser.found


# Where each role starts (as in the accessibility crawl); "anonymous" is signed out.
STARTS = {
    "anonymous": ["/accounts/login/", "/accounts/password-reset/",
                  "/accounts/password-reset/sent/", "/accounts/password-reset/MA/x/",
                  "/accounts/password-reset/complete/", "/accounts/invitation/not-a-token/"],
    "enabler": ["/week/", "/accounts/two-factor/manage/"],
    "lead": ["/programmes/", "/summaries/", "/summaries/new/"],
    "admin": ["/manage/", "/programmes/", "/summaries/"],
    "dpo": ["/subject-access/"],
}


def test_every_page_of_the_demo_world_is_valid_html(
    db: None, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    users = demo_world()
    from engagements.dashboards import caseload, definitions, heatmap, place, programme

    for module in (programme, place, heatmap, caseload):
        monkeypatch.setattr(module, "paginate",
                            functools.partial(definitions.paginate, per_page=2))
    # Also the demo enabler's engagement in Manage, as in the accessibility crawl: the places
    # the crawl opens first may have no current assignment, so no "End" link to follow.
    assigned = Assignment.objects.filter(enabler__user=users["enabler"],
                                         ended_on__isnull=True).order_by("pk").first()
    assert assigned is not None
    starts = {**STARTS, "admin": [*STARTS["admin"],
                                  f"/manage/engagements/{assigned.engagement_id}/"]}
    pages = Pages(tmp_path)
    crawl = Crawl("http://testserver")
    for role, start in starts.items():
        client = Client() if role == "anonymous" else verified_client(users[role])

        def visit(url: str, name: str, role: str = role, client: Client = client) -> (
                list[str] | None):
            response = client.get(url, follow=True)  # as a browser does: home, invitations
            if response.status_code != 200:
                crawl.problems.append(f"{role} {url}: HTTP {response.status_code}")
                return None
            url = f"{crawl.base}{response.wsgi_request.get_full_path()}"
            pages.add(f"{role} GET {url}", response, name)
            pages.add(f"{role} htmx GET {url}",
                      client.get(url, headers={"HX-Request": "true"}), name)
            return links_of(url, response.content.decode())

        crawl.walk(role, start, visit)
    assert crawl.problems == [], crawl.problems
    for role in ("enabler", "lead", "admin", "dpo"):
        may_open = {name for name, (_, _, access, get_ok, _) in EXPECTED.items()
                    if access[role] == IN and get_ok == OK}
        missing = may_open - crawl.names.get(role, set()) - NOT_PAGES - NOT_LINKED
        assert missing == set(), (role, missing)
    problems = vnu_errors(pages)
    print(f"\nvnu: {len(problems)} errors on {len(pages.labels)} pages of the demo world")
    assert problems == [], f"{len(problems)} vnu errors on {len(pages.labels)} pages:\n" + (
        "\n".join(problems))
