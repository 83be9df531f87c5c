"""The data-protection officer's role (issue 18): only a superuser grants it, in the Django
admin, audited; an admin in Manage -> Users can neither give it nor take it away."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from fieldbook.models import AuditEvent
from fieldbook.roles import GRANTABLE_ROLES, Role, user_roles

from .factories import UserFactory
from .security_support import verified_client
from .test_admin_audit import _form_of

pytestmark = pytest.mark.django_db


def test_the_role_is_a_group_made_by_a_migration() -> None:
    group = Group.objects.get(name=Role.DPO.value)
    assert set(group.permissions.values_list("codename", flat=True)) >= {
        "view_person", "view_auditevent"}


def test_a_dpo_holds_the_role_and_no_other(dpo_user: User) -> None:
    assert user_roles(dpo_user) == frozenset({Role.DPO})


def test_a_superuser_grants_it_in_the_django_admin_and_it_is_audited(
    settings: Any, lead_user: User
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    root = verified_client(UserFactory.create(username="root", is_staff=True,
                                              is_superuser=True))
    url = reverse("admin:auth_user_change", args=[lead_user.pk])
    data = _form_of(root, url)
    dpo = Group.objects.get(name=Role.DPO.value)
    data["groups"] = [*data.get("groups", []), str(dpo.pk)]
    response = root.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    lead_user.refresh_from_db()
    assert Role.DPO.value in set(lead_user.groups.values_list("name", flat=True))
    event = AuditEvent.objects.get(action="accounts.user.changed_in_django_admin")
    assert Role.DPO.value in event.changes["roles"]["after"]
    assert Role.DPO.value not in event.changes["roles"]["before"]


def test_manage_users_does_not_offer_it(admin_client_fb: Client, lead_user: User) -> None:
    assert Role.DPO not in GRANTABLE_ROLES
    page = admin_client_fb.get(reverse("backoffice:user-detail", args=[lead_user.pk]))
    assert page.status_code == 200
    assert Role.DPO.value not in page.content.decode()


def test_an_admin_cannot_give_it(admin_client_fb: Client, lead_user: User) -> None:
    admin_client_fb.post(reverse("backoffice:user-detail", args=[lead_user.pk]),
                         {"roles": [Role.LEAD.value, Role.DPO.value]})
    assert user_roles(User.objects.get(pk=lead_user.pk)) == frozenset({Role.LEAD})


def test_an_admin_editing_a_dpos_roles_does_not_take_it_away(
    admin_client_fb: Client, dpo_user: User
) -> None:
    response = admin_client_fb.post(reverse("backoffice:user-detail", args=[dpo_user.pk]),
                                    {"roles": [Role.LEAD.value]})
    assert response.status_code == 302
    assert user_roles(User.objects.get(pk=dpo_user.pk)) == frozenset({Role.DPO, Role.LEAD})
