"""The confidentiality boundary (issue 12): no Admin, superuser, backup, log or shared browser
reaches an enabler's private notes.

Together with tests/test_canary_site.py (every site URL, fragment, export, summary, email, log
line and error page, as a co-enabler, a lead, an admin and a visitor), this suite writes a canary
into every one of the author's private notes and then tries the remaining ways in:

- every site URL and fragment as a **superuser** (verified);
- every Django-admin list, change and search page as a superuser, searching for the canary
  itself ("absence of results reveals nothing": the search finds what a search for nonsense
  finds);
- **the raw database**: every text, JSON and binary column of every table;
- the SQL a write sends and the log lines it makes, with query logging on;
- the key: missing or wrong, the app stops with a clear message and never shows blank notes or
  writes plain ones (a check constraint refuses them); rotation re-seals every row and then the
  old key can go.

And it replays each attack found when the product was tried (the issue's list) as a regression
test. (Backups: tests/test_backup.py. The shared browser: tests/test_drafts_browser.py.)

Positive controls prove the checks can see: the author's own pages show the canary.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin as django_admin
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enablers.models import Enabler
from engagements.models import Session
from engagements.notes import notes_read, notes_rotate_batch, notes_seal
from fieldbook.models import AuditEvent
from fieldbook.roles import Role
from fieldbook.sealing import SealError, is_current

from .conftest import kept_for_the_module
from .factories import UserFactory, add_role, notes_of
from .security_support import verified_client
from .test_canary_site import HX, NOTES, World, site_urls, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The canary world of tests/test_canary_site.py (the author's every note holds NOTES),
    built once for the module; each test's changes are rolled back."""
    with kept_for_the_module(django_db_blocker):
        yield World()


@pytest.fixture
def world(world_once: World, db: None) -> World:
    return copy.deepcopy(world_once)


def author_client(w: World) -> Client:
    """The author, signed in with their second factor (every role needs one)."""
    return verified_client(w.author.user)


# ---- every path, as a superuser -------------------------------------------------------------

def test_a_superuser_finds_no_private_note_on_any_page(world: World, settings: Any) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    root = verified_client(world.superuser)
    fetched = 0
    for _name, url in site_urls(world):
        for headers in ({}, HX):
            response = root.get(url, headers=headers)
            assert NOTES not in text_of(response), (url, headers, response.status_code)
            fetched += 1
    assert fetched > 150
    # Positive control: the same crawl as the author does find them.
    mine = author_client(world)
    assert any(NOTES in text_of(mine.get(url)) for _name, url in site_urls(world))


def test_searching_the_django_admin_for_a_note_finds_nothing(world: World, settings: Any
                                                             ) -> None:
    """Every changelist searched for the canary itself and for nonsense: the same number of
    results, and never the canary."""
    settings.FIELDBOOK_REQUIRE_2FA = True
    root = verified_client(world.superuser)
    searched = 0
    for model, model_admin in django_admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for word in (NOTES, "chair", "COO"):
            found = root.get(url, {"q": word})
            nonsense = root.get(url, {"q": "zzzz-no-such-words-zzzz"})
            assert found.status_code == nonsense.status_code == 200, url
            if word == NOTES:  # the page repeats the search words: compare what it finds
                assert (found.context["cl"].result_count
                        == nonsense.context["cl"].result_count), url
            else:
                assert NOTES not in text_of(found), (url, word)
            searched += 1
        assert model is not Session and "notes" not in str(model_admin.get_search_fields(
            found.wsgi_request))
    assert searched >= 30


def test_no_column_of_any_table_holds_a_note_in_plain_text(world: World) -> None:
    """Every text, JSON and binary column of every table, read raw. Positive control: the
    sealed column opens to the canary for its author."""
    introspection = connection.introspection
    checked = 0
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            for column in introspection.get_table_description(cursor, table):
                cursor.execute(f'SELECT "{column.name}" FROM "{table}"')
                for (value,) in cursor.fetchall():
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", "replace")
                    assert NOTES not in str(value), (table, column.name)
                    checked += 1
    assert checked > 10_000
    assert NOTES in notes_of(world.session)
    raw = Session.objects.values_list("notes_sealed", flat=True).get(pk=world.session.pk)
    assert raw.startswith("gAAAAA") and NOTES not in raw


def test_logging_a_visit_sends_no_note_in_sql_or_to_a_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """With query logging on (the debug cursor logs every statement with its parameters), the
    POST that saves the notes sends only ciphertext."""
    caplog.set_level(logging.DEBUG)
    client = author_client(world)
    page = client.get(reverse("engagements:session-log"))
    data = {key: (value if value is not None else "") for key, value in
            page.context["form"].initial.items()}
    data.update({"engagement": world.engagement.pk, "date": world.session.date.isoformat(),
                 "kind": Session.Kind.SITE_VISIT, "status": Session.Status.HELD,
                 "duration": 60, "private_notes": f"Typed just now {NOTES}",
                 "learning-TOTAL_FORMS": "0", "learning-INITIAL_FORMS": "0",
                 "learning-MIN_NUM_FORMS": "0", "learning-MAX_NUM_FORMS": "20"})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("engagements:session-log"), data)
    assert response.status_code == 302, response.content[:500]
    assert queries.captured_queries and any("notes_sealed" in q["sql"] for q in queries)
    assert not [q for q in queries.captured_queries if NOTES in q["sql"]]
    assert NOTES not in caplog.text + "".join(str(r.args) for r in caplog.records)
    logged = Session.objects.order_by("-pk").first()
    assert logged is not None and notes_of(logged) == f"Typed just now {NOTES}"


# ---- the attacks found when the product was tried, replayed ---------------------------------

def test_no_admin_can_set_an_enablers_password_in_the_django_admin(
    world: World, settings: Any
) -> None:
    """Signed in as the demo admin (staff) — and as a superuser — the password form for an
    enabler is a 404, and posting to it changes nothing."""
    settings.FIELDBOOK_REQUIRE_2FA = True
    enabler = world.author.user
    before = enabler.password
    url = reverse("admin:auth_user_password_change", args=[enabler.pk])
    form = {"password1": "Taken-over-passw0rd!", "password2": "Taken-over-passw0rd!",
            "usable_password": "true"}
    for attacker in (world.admin, world.superuser):
        client = verified_client(attacker)
        assert client.get(url).status_code == 404
        assert client.post(url, form).status_code == 404
    enabler.refresh_from_db()
    assert enabler.password == before
    assert Client().login(username=enabler.username, password="Taken-over-passw0rd!") is False
    # Nor can a superuser add a user (the add form takes a password), or change an address.
    root = verified_client(world.superuser)
    assert root.get(reverse("admin:auth_user_add")).status_code == 403
    page = root.get(reverse("admin:auth_user_change", args=[enabler.pk]))
    assert page.status_code == 200
    assert b'name="email"' not in page.content and b'name="password' not in page.content


def test_an_admin_sends_a_reset_link_to_the_persons_own_address(
    world: World, settings: Any, mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    enabler = world.author.user
    client = verified_client(world.admin)
    detail = client.get(reverse("backoffice:user-detail", args=[enabler.pk]))
    assert b"Send a password reset link" in detail.content
    with django_capture_on_commit_callbacks(execute=True):
        with_callbacks = client.post(reverse("backoffice:user-password-reset", args=[enabler.pk]),
                                     follow=True)
    assert with_callbacks.status_code == 200
    assert f"sent to {enabler.email}".encode() in with_callbacks.content
    assert [m.to for m in mailoutbox] == [[enabler.email]]
    assert "/accounts/password-reset/" in mailoutbox[0].body
    event = AuditEvent.objects.get(action="accounts.password_reset.sent_by_admin")
    assert event.actor == world.admin and event.object_id == str(enabler.pk)
    # A superuser's reset is an admin's to refuse, with a message, not a 500.
    root_reset = client.post(reverse("backoffice:user-password-reset", args=[world.superuser.pk]),
                             follow=True)
    assert b"Superusers are managed" in root_reset.content
    assert len(mailoutbox) == 1


def test_a_signed_in_non_superuser_gets_a_404_from_the_django_admin(
    world: World, settings: Any
) -> None:
    """Not a redirect to the admin's sign-in page, which sent a signed-in user round a loop."""
    settings.FIELDBOOK_REQUIRE_2FA = False
    for user in (world.admin, world.lead, world.author.user):
        client = Client()
        client.force_login(user)
        for url in (reverse("admin:index"), reverse("admin:auth_user_changelist"),
                    reverse("admin:enablers_enabler_change", args=[world.author.pk])):
            response = client.get(url)
            assert response.status_code == 404, (user, url)
            assert b"Page not found" in response.content


def test_a_superuser_without_a_second_factor_is_sent_to_give_one(
    world: World, settings: Any
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    client = Client()
    client.force_login(world.superuser)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two-factor"))


def test_an_enabler_profile_cannot_be_handed_to_someone_else(
    world: World, settings: Any
) -> None:
    """The attack: change an Enabler profile's user to the lead's account in the Django admin,
    give the lead the Enabler role, and read the notes on My week. The admin form has no user
    field to change; the database refuses the change from anywhere; and were the row changed
    all the same (the trigger dropped, by someone with the host), the notes stay sealed to the
    person who wrote them."""
    settings.FIELDBOOK_REQUIRE_2FA = True
    profile = world.author
    url = reverse("admin:enablers_enabler_change", args=[profile.pk])
    root = verified_client(world.superuser)
    page = root.get(url)
    assert page.status_code == 200 and b'name="user"' not in page.content
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update({"user": world.lead.pk, "regions": [r.pk for r in profile.regions.all()],
                 "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"})
    root.post(url, {k: v for k, v in data.items() if v is not None})
    profile.refresh_from_db()
    assert profile.user_id == world.author.user.pk

    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Enabler.objects.filter(pk=profile.pk).update(user=world.lead)
    profile.refresh_from_db()
    assert profile.user_id == world.author.user.pk

    # Someone with the host drops the trigger and re-links the profile anyway.
    _drop_user_trigger()
    Enabler.objects.filter(pk=profile.pk).update(user=world.lead)
    add_role(world.lead, Role.ENABLER)
    lead = verified_client(world.lead)
    week = lead.get(reverse("engagements:my-week") + f"?week={world.session.date.isoformat()}")
    assert week.status_code == 200
    assert NOTES not in text_of(week)
    assert lead.get(reverse("engagements:session-edit", args=[world.session.pk])
                    ).status_code == 404
    assert notes_read(world.session, reader=world.lead) is None
    # The author's own account still opens them (positive control).
    assert NOTES in notes_of(world.session)


def _drop_user_trigger() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER enablers_enabler_user_fixed ON enablers_enabler")
        else:
            cursor.execute("DROP TRIGGER enablers_enabler_user_fixed")


def test_every_django_admin_change_is_mirrored_into_the_audit_log(
    world: World, settings: Any
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    root = verified_client(world.superuser)
    region = world.engagement.place.region
    url = reverse("admin:places_region_change", args=[region.pk])
    response = root.post(url, {"name": "Renamed by hand", "code": region.code})
    assert response.status_code == 302, response.content[:1000]
    assert LogEntry.objects.filter(object_id=str(region.pk)).exists()
    event = AuditEvent.objects.get(action="django_admin.places.region.changed")
    assert event.actor == world.superuser
    assert event.changes["object"] == "Renamed by hand"
    delete = reverse("admin:engagements_theme_delete", args=[world.theme.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 302
    assert AuditEvent.objects.filter(action="django_admin.engagements.theme.deleted").exists()


def test_nothing_holding_notes_is_in_the_django_admin() -> None:
    registered = {m._meta.label_lower for m in django_admin.site._registry}
    assert "engagements.session" not in registered
    assert "engagements.learningitem" not in registered
    assert "otp_totp.totpdevice" not in registered and "otp_static.staticdevice" not in registered
    for model, model_admin in django_admin.site._registry.items():
        fields = {f.name for f in model._meta.get_fields()}
        assert not fields & {"notes_sealed", "private_notes"}, model
        for inline in model_admin.inlines:
            assert not {f.name for f in inline.model._meta.get_fields()} & {"notes_sealed"}


# ---- the key ----------------------------------------------------------------------------------

def test_notes_are_bound_to_their_author() -> None:
    sealed = notes_seal("Only for user 7", author_id=7)
    assert sealed.startswith("gAAAAA") and "Only for" not in sealed
    from fieldbook.sealing import unseal

    assert unseal(sealed, context="engagements.session.notes:user:7") == "Only for user 7"
    with pytest.raises(SealError):
        unseal(sealed, context="engagements.session.notes:user:8")


def test_the_database_refuses_notes_that_were_not_sealed(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=world.session.pk).update(notes_sealed=f"Plain {NOTES}")


def test_a_wrong_key_raises_rather_than_showing_blank_notes(world: World, settings: Any
                                                           ) -> None:
    settings.FIELDBOOK_NOTES_KEYS = [Fernet.generate_key().decode()]
    client = author_client(world)
    with pytest.raises(SealError):
        client.get(reverse("engagements:my-week") + f"?week={world.session.date.isoformat()}")
    with pytest.raises(SealError):
        notes_read(world.session, reader=world.author.user)


def test_key_rotation_reseals_every_note_and_the_old_key_can_go(
    world: World, settings: Any
) -> None:
    old = list(settings.FIELDBOOK_NOTES_KEYS)
    new = Fernet.generate_key().decode()
    settings.FIELDBOOK_NOTES_KEYS = [new, *old]
    with pytest.raises(CommandError, match="still sealed under an older key"):
        call_command("rotate_notes_key", "--check")
    call_command("rotate_notes_key", "--batch-size", "100")
    call_command("rotate_notes_key", "--check")
    assert AuditEvent.objects.filter(action="security.notes_key.rotated").exists()
    settings.FIELDBOOK_NOTES_KEYS = [new]  # the old key removed
    assert all(is_current(s) for s in Session.objects.values_list("notes_sealed", flat=True))
    assert NOTES in notes_of(world.session)
    settings.FIELDBOOK_NOTES_KEYS = old  # and the old key alone no longer opens them
    with pytest.raises(SealError):
        notes_of(world.session)


def test_rotation_never_overwrites_an_edit_saved_meanwhile(world: World, settings: Any) -> None:
    old = list(settings.FIELDBOOK_NOTES_KEYS)
    settings.FIELDBOOK_NOTES_KEYS = [Fernet.generate_key().decode(), *old]
    read = list(Session.objects.filter(pk=world.session.pk).values_list("pk", "notes_sealed"))
    edited = notes_seal("Edited while rotating", author_id=world.author.user.pk)
    Session.objects.filter(pk=world.session.pk).update(notes_sealed=edited)
    counts = notes_rotate_batch(read)
    assert (counts.resealed, counts.changed_meanwhile) == (0, 1)
    assert notes_of(world.session) == "Edited while rotating"


def test_enablers_profile_of_a_successor_is_new_and_the_departed_notes_stay_sealed(
    world: World
) -> None:
    """A person who leaves gets a new profile for their successor: the successor's account
    reads nothing of what the departed author wrote, even on the same engagement."""
    from enablers.models import Assignment

    successor = UserFactory.create(username="successor", roles=[Role.ENABLER])
    profile = Enabler.objects.create(user=successor)
    Assignment.objects.create(enabler=profile, engagement=world.engagement,
                              role=Assignment.Role.SUPPORTING,
                              started_on=world.engagement.started_on or world.session.date)
    client = Client()
    client.force_login(successor)
    week = client.get(reverse("engagements:my-week") + f"?week={world.session.date.isoformat()}")
    assert week.status_code == 200 and NOTES not in text_of(week)
    assert client.get(reverse("engagements:session-edit", args=[world.session.pk])
                      ).status_code == 404
    assert notes_read(world.session, reader=successor) is None
