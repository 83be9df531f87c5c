"""No input gets a 5xx: hostile values in every query parameter of every page and in every field
of every form, as each role (hypothesis draws them; a fixed list of known killers runs first).

Found from outside (issue 14): ``/week/?week=0001-01-01``, ``…=9999-12-31``, ``…=9999-12-27``
and ``/week/repeat/?week=…`` returned 500 (date out of range); a place page with
``?theme=%00`` returned 500 (NUL sent to PostgreSQL); a custom summary period
``0001-01-01..0001-01-31`` was accepted and then failed with OverflowError.

What is checked, for the enabler, the lead and the admin:

- every GET page the persona may open (``tests/test_access.py``'s table), with each query
  parameter its view module reads (``request.GET.get("x")``, and the fields of any form bound to
  ``request.GET``) set to a hostile value: never a 5xx;
- every ``<form method="post">`` on those pages, posted as rendered but with one field
  replaced by a hostile value: never a 5xx, and a refused post (anything but a redirect)
  changes no row. Each post runs in a transaction that is rolled back, so an accepted one does
  not change what the next one sees.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.audit_trail import Filters as AuditFilters
from engagements.models import LearningSummary
from places.models import DeliveryBoard

from .test_access import EXPECTED, IN, client_for, url_for

pytestmark = pytest.mark.django_db

PERSONAS = ("enabler", "lead", "admin")
# Values that broke a page once, or would break a naive parser: dates at the ends of the
# calendar, NUL, numbers past any column's range, a period across year 1, very long text.
KILLERS = [
    "0001-01-01", "9999-12-31", "9999-12-27", "0001-01-01..0001-01-31", "9999-12-01..9999-12-31",
    "\x00", "a\x00b", "-1", "0", "99999999999999999999", "-99999999999999999999", "1e309",
    "NaN", "２０２４-０１-０１", "2024-02-30", "<script>x</script>", "'\"--", " ", "x" * 5000,
]
HOSTILE = st.one_of(
    st.sampled_from(KILLERS),
    st.text(max_size=40),  # any character but a lone surrogate, NUL and controls included
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.tuples(st.dates(), st.dates()).map(lambda p: f"{p[0]}..{p[1]}"),
)
# The killers tried in every parameter and every field (the rest come up in the hypothesis
# runs): a few, because the pages × parameters × values multiply.
GET_KILLERS = ["0001-01-01", "9999-12-31", "a\x00b"]
FIELD_KILLERS = ["0001-01-01", "a\x00b"]
# Posts whose success is a page, not a redirect: new recovery codes are shown once, at once.
SUCCEEDS_WITH_A_PAGE = {"two-factor-recovery-codes"}
# Tables a request may write whatever it is sent: sign-in sessions and throttling records.
NOT_DATA = {"fieldbook.usersession", "axes.accessattempt", "axes.accesslog",
            "axes.accessfailurelog", "sessions.session"}
DATA_APPS = ("places", "enablers", "engagements", "fieldbook", "auth", "otp_totp", "otp_static",
             "django_otp_webauthn")


# ---- what the pages read -------------------------------------------------------------------

# Query parameters a view reads through a helper in another module, which the source scan
# below cannot see.
READ_BY_A_HELPER: dict[str, tuple[str, ...]] = {
    "backoffice:audit": AuditFilters.PARAMETERS,
}
GET_READ = re.compile(r"request\.GET(?:\.get\(|\[|\.getlist\()\s*[\"']([\w-]+)[\"']")
FORM_ON_GET = re.compile(r"(\w+)\(\s*request\.GET")


def query_parameters(callback: Any) -> list[str]:
    """The query parameters the view's module reads: by name, and the fields of forms bound to
    ``request.GET``. Read from the source, so a new parameter is covered without a list here."""
    view = inspect.unwrap(getattr(callback, "view_class", callback))
    module = inspect.getmodule(view)
    assert module is not None
    source = inspect.getsource(module)
    names = set(GET_READ.findall(source))
    for form_name in FORM_ON_GET.findall(source):
        form = getattr(module, form_name, None)
        names.update(getattr(form, "base_fields", {}))
    return sorted(names)


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, value)


class FormReader(HTMLParser):
    """The post forms of a page, with each field's name, type and rendered value."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None
        self.first_option: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.form = Form(action=a.get("action") or self.page_url)
            self.forms.append(self.form)
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type", "text") not in ("submit", "file", "image"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.form.fields.append((name, kind, a.get("value", "on")))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select:
            if self.select not in self.first_option:
                self.first_option[self.select] = a.get("value", "")
            if "selected" in a:
                self.form.fields.append((self.select, "select", a.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = name
            self.form.fields.append((name, "textarea", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select and self.form is not None:
            if not any(n == self.select for n, _, _ in self.form.fields):
                self.form.fields.append((self.select, "select",
                                         self.first_option.get(self.select, "")))
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea and self.form is not None:
            name, kind, value = self.form.fields[-1]
            self.form.fields[-1] = (name, kind, value + data)


def data_fingerprint() -> str:
    """A digest of every row Fieldbook keeps (not sign-in sessions or throttling records)."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in DATA_APPS or label in NOT_DATA:
            continue
        rows = model._default_manager.order_by("pk").values_list()
        digest.update(f"{label}:{list(rows)!r}".encode())
    return digest.hexdigest()


def page_url(request: pytest.FixtureRequest, name: str) -> str:
    """``url_for``, once the summary an earlier page made is out of the way (the factory makes
    every summary for the same month, and a scope has one summary per period)."""
    try:
        with transaction.atomic():
            return url_for(request, name)
    except IntegrityError:
        LearningSummary.objects.all().delete()
        DeliveryBoard.objects.all().delete()
        return url_for(request, name)


@dataclass
class Site:
    """The pages one persona may open, their query parameters, and their post forms."""

    client: Client
    pages: list[tuple[str, str, list[str]]]  # (url name, url, query parameters)
    forms: list[tuple[str, Form]]  # (url name, form)
    baseline: str = ""  # data_fingerprint() once the pages are built


@pytest.fixture
def site_for(request: pytest.FixtureRequest, settings: Any) -> Any:
    settings.FIELDBOOK_REQUIRE_2FA = False

    def build(persona: str) -> Site:
        client = client_for(request, persona)
        client.raise_request_exception = False  # a 500 is a status to report, not a crash
        pages, forms = [], []
        for name, (_declared, _args, access, get_ok, _post) in EXPECTED.items():
            ok = get_ok.get(persona, get_ok.get("*")) if isinstance(get_ok, dict) else get_ok
            if access[persona] != IN or ok != 200 or name in ("logout",):
                continue
            url = page_url(request, name)
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            params = query_parameters(resolve(urlsplit(url).path).func)
            params = sorted({*params, *READ_BY_A_HELPER.get(name, ())})
            pages.append((name, url, params))
            reader = FormReader(url)
            reader.feed(response.content.decode())
            forms += [(name, form) for form in reader.forms
                      if not form.action.startswith(("/accounts/logout", "/two-factor"))]
        assert len(pages) > 5, f"{persona} reaches too few pages: {pages}"
        return Site(client, pages, forms, data_fingerprint())

    return build


def refused_changes_nothing(site: Site, url: str, data: dict[str, Any]) -> str:
    """Post ``data`` inside a transaction that is rolled back: a problem, or "". Every post is
    rolled back, so the data before each one is the site's baseline."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = site.client.post(url, data)
        status = response.status_code
        problem = ""
        if status >= 500:
            problem = f"{status} from POST {url}"
        elif (status not in (301, 302, 303) and not response.headers.get("HX-Redirect")
              and resolve(urlsplit(url).path).url_name not in SUCCEEDS_WITH_A_PAGE
              and any(writes_data(q["sql"]) for q in queries.captured_queries)
              and data_fingerprint() != site.baseline):  # (the costly check, only then)
            problem = f"POST {url} was refused ({status}) but changed a row"
        transaction.set_rollback(True)
    return problem


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)
NOT_DATA_TABLES = {"fieldbook_user_session", "django_session", "axes_accessattempt",
                   "axes_accesslog", "axes_accessfailurelog", "axes_accessattemptexpiration"}


def writes_data(sql: str) -> bool:
    """Whether a statement writes a table Fieldbook keeps data in (not sessions, throttling)."""
    match = WRITE.match(sql)
    return match is not None and match.group(1).lower() not in NOT_DATA_TABLES


def posts(form: Form, name: str, value: str) -> dict[str, Any]:
    data: dict[str, list[str]] = {}
    for field_name, _kind, field_value in form.fields:
        data.setdefault(field_name, []).append(value if field_name == name else field_value)
    return data


def targets(site: Site) -> Iterator[tuple[str, str, str]]:
    for _name, url, params in site.pages:
        for param in params:
            yield "GET", url, param
    for _name, form in site.forms:
        for field_name in dict.fromkeys(n for n, _, _ in form.fields):
            if field_name != "csrfmiddlewaretoken":
                yield "POST", form.action, field_name


def check(site: Site, method: str, url: str, param: str, value: str) -> str:
    if method == "GET":
        status = site.client.get(url, {param: value}).status_code
        return f"{status} from GET {url}?{param}={value[:40]!r}" if status >= 500 else ""
    form = next(f for _, f in site.forms if f.action == url
                and any(n == param for n, _, _ in f.fields))
    problem = refused_changes_nothing(site, url, posts(form, param, value))
    return f"{problem} ({param}={value[:40]!r})" if problem else ""


@pytest.mark.parametrize("persona", PERSONAS)
def test_known_killers_in_every_parameter_and_field(site_for: Any, persona: str) -> None:
    site = site_for(persona)
    problems = [problem for method, url, param in targets(site)
                for value in (GET_KILLERS if method == "GET" else FIELD_KILLERS)
                if (problem := check(site, method, url, param, value))]
    assert problems == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_values_anywhere(site_for: Any, persona: str) -> None:
    site = site_for(persona)
    every = list(targets(site))
    assert every

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(target=st.sampled_from(every), value=HOSTILE)
    def no_server_error(target: tuple[str, str, str], value: str) -> None:
        method, url, param = target
        assert check(site, method, url, param, value) == ""

    no_server_error()
