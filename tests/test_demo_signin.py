"""The sign-in page of a demo lists the demo accounts; a real service never does."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_demo_lists_its_accounts(client: Client, settings: Any) -> None:
    settings.DEBUG = True
    UserFactory.create(username="lead")
    UserFactory.create(username="admin")
    page = client.get(reverse("login")).content.decode()
    assert "Demo accounts" in page
    assert "<code>lead</code>" in page and "<code>admin</code>" in page
    assert "<code>enabler</code>" not in page  # not in this database
    assert "fieldbook-demo" in page


def test_without_the_demo_data_none_is_listed(client: Client, settings: Any
                                               ) -> None:
    settings.DEBUG = True
    assert "Demo accounts" not in client.get(reverse("login")).content.decode()


def test_a_real_service_lists_none_whatever_its_users_are_called(
        client: Client, settings: Any) -> None:
    settings.DEBUG = False
    UserFactory.create(username="lead")
    page = client.get(reverse("login")).content.decode()
    assert "Demo accounts" not in page and "fieldbook-demo" not in page
