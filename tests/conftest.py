"""Persona fixtures (STYLE.md §9) and browser settings shared by the whole suite.

Personas: two enablers on different places and engagements, a programme lead, an admin, a
signed-in user with no role, and (implicitly) the anonymous visitor, pytest-django's ``client``.

``admin_user`` here replaces pytest-django's fixture of that name, so its ``admin_client`` signs
in as this Fieldbook admin (staff, in the Admin group, not a superuser). Use ``admin_client_fb``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client

from enablers.models import Assignment
from fieldbook.celery import app as celery_app
from fieldbook.roles import Role

from .factories import (
    AssignmentFactory,
    EnablerFactory,
    UserFactory,
    add_role,
    ensure_role_groups,
)

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run from
# a thread with a running loop unless told this is safe (it is: tests are single-threaded).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@contextmanager
def kept_for_the_module(django_db_blocker: Any) -> Iterator[None]:
    """Data a module's tests share, built once (a module-scoped fixture), held in a transaction
    that is rolled back when the module's last test is done. Each test runs in a savepoint of it
    (pytest-django's ``db`` is a TestCase), so what one test changes is undone for the next.
    Only for modules of plain ``db`` tests: a transactional or live-server test must live in
    another module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def role_groups(transactional_db: None) -> None:
    """The role groups, for transactional tests (browser and worker tests) that need them
    before any factory runs. See ``factories.ensure_role_groups`` for why."""
    ensure_role_groups()


@pytest.fixture
def enabler_user(db: None) -> User:
    """An enabler, lead enabler of one engagement (its own place and programme)."""
    enabler = EnablerFactory.create(user__username="enabler", user__first_name="Erin")
    AssignmentFactory.create(enabler=enabler, role=Assignment.Role.LEAD)
    return enabler.user


@pytest.fixture
def other_enabler_user(db: None) -> User:
    """A second enabler, on a different place and engagement from ``enabler_user``."""
    enabler = EnablerFactory.create(user__username="other-enabler", user__first_name="Omar")
    AssignmentFactory.create(enabler=enabler, role=Assignment.Role.LEAD)
    return enabler.user


@pytest.fixture
def lead_user(db: None) -> User:
    return UserFactory.create(username="lead", first_name="Lee", roles=[Role.LEAD])


@pytest.fixture
def admin_user(db: None) -> User:
    """A Fieldbook admin (group Admin, staff so the Django admin opens). Not a superuser."""
    user = UserFactory.create(username="fb-admin", first_name="Ada", is_staff=True)
    add_role(user, Role.ADMIN)
    return user


@pytest.fixture
def dpo_user(db: None) -> User:
    """The data-protection officer (issue 18), a role only a superuser grants."""
    return UserFactory.create(username="dpo", first_name="Dee", roles=[Role.DPO])


@pytest.fixture
def dpo_client(dpo_user: User) -> Client:
    return _client_for(dpo_user)


@pytest.fixture
def roleless_user(db: None) -> User:
    """Signed in, but in no role group (e.g. an account whose role was removed)."""
    return UserFactory.create(username="roleless", first_name="Rory")


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def enabler_client(enabler_user: User) -> Client:
    return _client_for(enabler_user)


@pytest.fixture
def lead_client(lead_user: User) -> Client:
    return _client_for(lead_user)


@pytest.fixture
def admin_client_fb(admin_user: User) -> Client:
    # Named so as not to shadow pytest-django's ``admin_client`` (a superuser).
    return _client_for(admin_user)


@pytest.fixture
def roleless_client(roleless_user: User) -> Client:
    return _client_for(roleless_user)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive Debian's Chromium (no downloaded browser builds), headless and quiet."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def console_errors(page: Any) -> Iterator[list[str]]:
    """Console errors and uncaught exceptions in a browser test's page; any of them fails it.

    CSP violations show up here too, so every browser test also checks the policy holds.
    """
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    yield errors
    assert errors == [], "\n".join(errors)


# The real broker for the tests marked ``worker``: REDIS_URL (CI: redis://127.0.0.1:6379/5), else
# the local default.
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/5"


@pytest.fixture
def redis_broker() -> Iterator[str]:
    """This process publishes to the real Redis (not eagerly) on a queue of its own."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    assert client.ping(), f"Redis is not answering at {REDIS_URL}"
    queue = f"fieldbook-test-{uuid.uuid4().hex[:12]}"
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.task_default_queue)
    conf.broker_url, conf.task_always_eager, conf.task_default_queue = REDIS_URL, False, queue
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield queue
    finally:
        conf.broker_url, conf.task_always_eager, conf.task_default_queue = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        client.delete(queue)
        client.close()


# ---- test order --------------------------------------------------------------------------------

def _order(item: pytest.Item) -> tuple[int, int]:
    """pytest-django's order (plain database tests, then transactional ones, then the rest),
    and, among the transactional tests, those with ``serialized_rollback`` first.

    A transactional test without it empties the tables when it ends and lets post_migrate
    make the content types again, under new ids; a ``serialized_rollback`` test after it
    reloads the old ids and fails on the unique (app_label, model). One with it ends on
    empty tables, which either kind copes with."""
    from pytest_django.plugin import validate_django_db

    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    transactional = serialized = False
    if marker is not None:
        transaction_, reset_sequences, _dbs, serialized_, _apps = validate_django_db(marker)
        transactional = bool(transaction_ or reset_sequences)
        serialized = bool(serialized_)
    transactional = transactional or "transactional_db" in fixtures or "live_server" in fixtures
    serialized = serialized or "django_db_serialized_rollback" in fixtures
    if transactional:
        return (1, 0 if serialized else 1)
    return (0, 0) if marker is not None or "db" in fixtures else (2, 0)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_order)
