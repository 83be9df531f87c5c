"""People and access: invitations (one-time, expiring), roles, deactivation, and their pages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice import accounts
from enablers.models import Assignment, Enabler
from engagements.models import Session
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from fieldbook.roles import Role, user_roles
from places.models import Invitation

from .factories import (
    TEST_PASSWORD,
    AssignmentFactory,
    EnablerFactory,
    RegionFactory,
    SessionFactory,
    UserFactory,
    first_of,
)

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-passphrase-for-fieldbook"


def link_for(token: str) -> str:
    return f"http://testserver/accounts/invitation/{token}/"


def invite(actor: User, *, role: str = "Enabler", email: str = "Nia.New@Example.NHS.uk",
           capture: Any = None, **extra: Any) -> Invitation:
    return accounts.user_invite(actor=actor, email=email, first_name="Nia", last_name="New",
                                role=role, link_for=link_for, **extra)


def emailed_path(message: Any) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/invitation/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


# ---- inviting ---------------------------------------------------------------------------------


def test_inviting_an_enabler(admin_user: User, django_capture_on_commit_callbacks: Any) -> None:
    north = RegionFactory.create(name="North")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = invite(admin_user, capacity_days_per_week=Decimal("2.5"),
                            region_ids=[north.pk])
    assert len(callbacks) == 1  # the email is sent only once the invitation is saved
    user = invitation.user
    assert (user.username, user.email, user.is_active) == (
        "nia.new@example.nhs.uk", "nia.new@example.nhs.uk", False)
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["Enabler"]
    enabler = Enabler.objects.get(user=user)
    assert enabler.capacity_days_per_week == Decimal("2.5") and enabler.is_active
    assert list(enabler.regions.all()) == [north]
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=6)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nia.new@example.nhs.uk"]
    assert "as enabler" in message.body and "nia.new@example.nhs.uk" in message.body
    token = emailed_path(message).rstrip("/").rsplit("/", 1)[1]
    # Only a hash of the token is stored.
    assert invitation.token_hash == accounts.token_hash(token) and token not in str(
        Invitation.objects.values_list().get())
    audit = AuditEvent.objects.get(action="accounts.user.invited")
    assert audit.actor == admin_user and audit.changes["role"] == "Enabler"


def test_a_lead_gets_no_enabler_profile(admin_user: User) -> None:
    invitation = invite(admin_user, role="Programme lead")
    assert not Enabler.objects.filter(user=invitation.user).exists()


def test_an_email_that_has_an_account_is_refused(admin_user: User) -> None:
    UserFactory.create(username="someone", email="nia.new@example.nhs.uk")
    with pytest.raises(DomainError) as caught:
        invite(admin_user)
    assert "already has an account" in caught.value.field_errors["email"][0]
    assert not Invitation.objects.exists()


# ---- accepting --------------------------------------------------------------------------------


def test_the_link_sets_a_password_once(client: Client, admin_user: User,
                                       django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(admin_user)
    path = emailed_path(mail.outbox[0])
    response = client.get(path)
    # The token moves into the session; the page itself has a token-free address.
    accept = reverse("backoffice:invitation-accept", kwargs={"token": "set-password"})
    assert response["Location"] == accept
    page = client.get(accept)
    assert "Choose a password" in page.content.decode()
    assert "nia.new@example.nhs.uk" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")

    short = client.post(accept, {"new_password1": "short", "new_password2": "short"})
    assert "There is a problem" in short.content.decode()
    response = client.post(accept, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("login")
    user = User.objects.get(pk=invitation.user_id)
    assert user.is_active and user.check_password(NEW_PASSWORD)
    assert Invitation.objects.get().accepted_at is not None
    assert AuditEvent.objects.filter(action="accounts.invitation.accepted", actor=user).exists()
    assert client.login(username="nia.new@example.nhs.uk", password=NEW_PASSWORD)
    assert user_roles(user) == {Role.ENABLER}

    # The same link again: used.
    other = Client()
    other.get(path)
    used = other.get(accept).content.decode()
    assert "This link does not work" in used and "has been used already" in used
    with pytest.raises(DomainError):
        accounts.invitation_accept(token=path.rstrip("/").rsplit("/", 1)[1], password=NEW_PASSWORD)


def test_an_expired_link_does_not_work(client: Client, admin_user: User,
                                       django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(admin_user)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    client.get(emailed_path(mail.outbox[0]))
    accept = reverse("backoffice:invitation-accept", kwargs={"token": "set-password"})
    assert "This invitation has expired" in client.get(accept).content.decode()
    response = client.post(accept, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "This link does not work" in response.content.decode()
    assert not User.objects.get(pk=invitation.user_id).is_active


def test_a_made_up_link_does_not_work(client: Client) -> None:
    client.get(reverse("backoffice:invitation-accept", kwargs={"token": "made-up"}))
    page = client.get(reverse("backoffice:invitation-accept", kwargs={"token": "set-password"}))
    assert "The link is not right" in page.content.decode()
    # Straight to the page without a link: the same.
    page = Client().get(reverse("backoffice:invitation-accept", kwargs={"token": "set-password"}))
    assert "This link does not work" in page.content.decode()


def test_resending_replaces_the_old_link(client: Client, admin_user: User,
                                         django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(admin_user)
        accounts.invitation_resend(actor=admin_user, user=invitation.user, link_for=link_for)
    old, new = emailed_path(mail.outbox[0]), emailed_path(mail.outbox[1])
    assert old != new
    client.get(old)
    accept = reverse("backoffice:invitation-accept", kwargs={"token": "set-password"})
    assert "a newer invitation has replaced it" in client.get(accept).content.decode()
    client.get(new)
    assert "Choose a password" in client.get(accept).content.decode()
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="accounts.invitation.resent").exists()


def test_resending_to_someone_with_a_password_is_refused(admin_user: User) -> None:
    with pytest.raises(DomainError, match="already set a password"):
        accounts.invitation_resend(actor=admin_user, user=UserFactory.create(), link_for=link_for)


# ---- roles and deactivation -------------------------------------------------------------------


def test_changing_roles_opens_and_closes_the_enabler_profile(admin_user: User) -> None:
    user = UserFactory.create(roles=[Role.LEAD])
    assert accounts.user_roles_set(actor=admin_user, user=user,
                                   roles=["Programme lead", "Enabler"]) == [
        "Enabler", "Programme lead"]
    assert Enabler.objects.get(user=user).is_active
    accounts.user_roles_set(actor=admin_user, user=user, roles=["Programme lead"])
    assert not Enabler.objects.get(user=user).is_active
    audit = first_of(AuditEvent.objects.filter(action="accounts.user.roles_changed"))
    assert audit.changes == {"before": ["Enabler", "Programme lead"], "after": ["Programme lead"]}


def test_an_admin_cannot_lock_themselves_out(admin_user: User) -> None:
    with pytest.raises(DomainError, match="your own admin role"):
        accounts.user_roles_set(actor=admin_user, user=admin_user, roles=[])
    with pytest.raises(DomainError, match="your own account"):
        accounts.user_deactivate(actor=admin_user, user=admin_user)
    superuser = UserFactory.create(is_superuser=True)
    with pytest.raises(DomainError, match="Superusers"):
        accounts.user_deactivate(actor=admin_user, user=superuser)


def test_deactivating_an_enabler_keeps_their_sessions_and_ends_assignments(
    admin_user: User, lead_client: Client
) -> None:
    assignment = AssignmentFactory.create(started_on=dt.date(2024, 1, 8))
    enabler = assignment.enabler
    session = SessionFactory.create(enabler=enabler, engagement=assignment.engagement,
                                    private_notes="PRIVATE-canary-71")
    today = dt.date(2026, 11, 18)
    ended = accounts.user_deactivate(actor=admin_user, user=enabler.user, today=today)
    assert ended == [str(assignment.engagement)]
    enabler.refresh_from_db()
    enabler.user.refresh_from_db()
    assert not enabler.user.is_active and not enabler.is_active
    assignment.refresh_from_db()
    assert assignment.ended_on == today
    assert Session.objects.filter(pk=session.pk, enabler=enabler).exists()
    audit = AuditEvent.objects.get(action="accounts.user.deactivated")
    assert "PRIVATE-canary-71" not in str(audit.changes)
    # They cannot sign in; a new lead can be assigned to the engagement.
    assert not Client().login(username=enabler.user.username, password=TEST_PASSWORD)
    AssignmentFactory.create(engagement=assignment.engagement, role=Assignment.Role.LEAD)

    accounts.user_reactivate(actor=admin_user, user=enabler.user)
    enabler.refresh_from_db()
    assert enabler.user.is_active and enabler.is_active
    assert AuditEvent.objects.filter(action="accounts.user.reactivated").exists()


def test_an_invited_user_without_a_password_is_not_reactivated(admin_user: User) -> None:
    invitation = invite(admin_user)
    accounts.user_deactivate(actor=admin_user, user=invitation.user)
    assert Invitation.objects.get().revoked_at is not None
    with pytest.raises(DomainError, match="send them a new invitation"):
        accounts.user_reactivate(actor=admin_user, user=invitation.user)


# ---- the pages --------------------------------------------------------------------------------


def test_invite_page(admin_client_fb: Client, django_capture_on_commit_callbacks: Any) -> None:
    page = admin_client_fb.post(reverse("backoffice:user-invite"), {"email": "not an email"})
    html = page.content.decode()
    assert "Enter their first name" in html and "right format" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_fb.post(reverse("backoffice:user-invite"), {
            "first_name": "Nia", "last_name": "New", "email": "nia@example.org",
            "role": "Programme lead"})
    user = User.objects.get(email="nia@example.org")
    assert response["Location"] == reverse("backoffice:user-detail", kwargs={"pk": user.pk})
    assert len(mail.outbox) == 1
    detail = admin_client_fb.get(response["Location"]).content.decode()
    assert "Invited</strong>" in detail and "Send a new invitation" in detail
    again = admin_client_fb.post(reverse("backoffice:user-invite"), {
        "first_name": "Nia", "last_name": "New", "email": "NIA@example.org",
        "role": "Admin"}).content.decode()
    assert "already has an account" in again


def test_user_detail_changes_roles(admin_client_fb: Client, admin_user: User) -> None:
    user = UserFactory.create(roles=[Role.LEAD])
    url = reverse("backoffice:user-detail", kwargs={"pk": user.pk})
    response = admin_client_fb.post(url, {"roles": ["Programme lead", "Admin"]})
    assert response["Location"] == url
    assert set(user.groups.values_list("name", flat=True)) == {"Programme lead", "Admin"}
    page = admin_client_fb.post(reverse("backoffice:user-detail", kwargs={"pk": admin_user.pk}),
                                {"roles": []}).content.decode()
    assert "You cannot remove your own admin role" in page


def test_deactivate_and_reactivate_pages(admin_client_fb: Client) -> None:
    assignment = AssignmentFactory.create()
    user = assignment.enabler.user
    url = reverse("backoffice:user-deactivate", kwargs={"pk": user.pk})
    page = admin_client_fb.get(url).content.decode()
    assert "current assignment ends today" in page and str(assignment.engagement) in page
    response = admin_client_fb.post(url)
    assert response["Location"] == reverse("backoffice:user-detail", kwargs={"pk": user.pk})
    user.refresh_from_db()
    assert not user.is_active
    assert "Deactivated</strong>" in admin_client_fb.get(response["Location"]).content.decode()
    admin_client_fb.post(reverse("backoffice:user-reactivate", kwargs={"pk": user.pk}))
    user.refresh_from_db()
    assert user.is_active
    assert admin_client_fb.get(reverse("backoffice:user-reactivate", kwargs={"pk": user.pk})) \
        .status_code == 405


def test_an_unknown_user_is_404(admin_client_fb: Client) -> None:
    assert admin_client_fb.get(reverse("backoffice:user-detail", kwargs={"pk": 999999})) \
        .status_code == 404


def test_users_list_filters_and_costs_the_same_for_any_number(
    admin_client_fb: Client, admin_user: User, django_assert_max_num_queries: Any
) -> None:
    counts = []
    for n in (2, 20):
        for _ in range(n):
            EnablerFactory.create()
        invite(admin_user, email=f"invitee{n}@example.org")
        with django_assert_max_num_queries(7) as captured:
            page = admin_client_fb.get(reverse("backoffice:users")).content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert "invitee20@example.org" in page
    invited = admin_client_fb.get(reverse("backoffice:users") + "?status=invited").content.decode()
    assert "invitee2@example.org" in invited and "2 users" in invited
    leads = admin_client_fb.get(reverse("backoffice:users") + "?role=Admin&q=fb-admin")
    assert "1 user<" in leads.content.decode()


def test_user_pages_query_budgets(admin_client_fb: Client, admin_user: User,
                                  django_assert_max_num_queries: Any) -> None:
    user = invite(admin_user).user
    with django_assert_max_num_queries(9):
        assert admin_client_fb.get(reverse("backoffice:user-detail",
                                           kwargs={"pk": user.pk})).status_code == 200
    with django_assert_max_num_queries(5):
        assert admin_client_fb.get(reverse("backoffice:user-invite")).status_code == 200


@pytest.mark.parametrize("name", ["backoffice:user-reactivate", "backoffice:invitation-resend",
                                  "backoffice:user-deactivate", "backoffice:user-detail"])
def test_other_roles_cannot_change_users(lead_client: Client, enabler_client: Client,
                                         name: str) -> None:
    user = UserFactory.create()
    url = reverse(name, kwargs={"pk": user.pk})
    for client in (lead_client, enabler_client):
        assert client.post(url, {"roles": ["Admin"]}).status_code == 403
    user.refresh_from_db()
    assert user.is_active and not user.groups.exists()
