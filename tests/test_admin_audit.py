"""Every change made in the Django admin is an audit row of its own, on the object, with the
fields' values before and after (fieldbook.admin_site.AuditedModelAdmin)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin as django_admin
from django.test import Client
from django.urls import reverse

from engagements.models import Outcome
from fieldbook.admin_site import AuditedModelAdmin
from fieldbook.models import AuditEvent

from .factories import (
    EngagementFactory,
    OutcomeFactory,
    PlaceFactory,
    RegionFactory,
    ThemeFactory,
    UserFactory,
)
from .security_support import verified_client

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The fields of the admin's change form, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            if "multiple" in a:
                self.data[name] = []
        elif tag == "option" and self._select and "selected" in a:
            current = self.data.get(self._select)
            if isinstance(current, list):
                current.append(a.get("value", ""))
            else:
                self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n") if not self.data[self._textarea] \
                else data


def _form_of(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    parser = _Form()
    parser.feed(response.content.decode())
    return parser.data


@pytest.fixture
def root(settings: Any) -> Client:
    settings.FIELDBOOK_REQUIRE_2FA = True
    return verified_client(UserFactory.create(username="root", first_name="Rosa",
                                              last_name="Root", is_staff=True,
                                              is_superuser=True))


def test_every_admin_on_the_site_is_audited() -> None:
    unaudited = [model._meta.label for model, model_admin in django_admin.site._registry.items()
                 if not isinstance(model_admin, AuditedModelAdmin)]
    assert unaudited == []


def test_a_change_records_each_field_before_and_after(root: Client) -> None:
    place = PlaceFactory.create(name="Central Lancashire")
    url = reverse("admin:places_place_change", args=[place.pk])
    data = _form_of(root, url)
    data["name"] = "Central and West Lancashire"
    response = root.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="django_admin.places.place.changed")
    assert (event.object_type, event.object_id) == ("places.place", str(place.pk))
    assert event.place_id == place.pk
    assert event.changes["fields"] == {
        "name": {"before": "Central Lancashire", "after": "Central and West Lancashire"}}
    assert event.actor is not None and event.actor.username == "root"


def test_an_addition_and_a_bulk_delete_are_each_audited(root: Client) -> None:
    region = RegionFactory.create()
    data = _form_of(root, reverse("admin:places_region_add"))
    data.update(name="Far North", code="FN1")
    assert root.post(reverse("admin:places_region_add"), data).status_code == 302
    added = AuditEvent.objects.get(action="django_admin.places.region.added")
    assert added.changes["fields"]["name"] == {"before": None, "after": "Far North"}
    themes = ThemeFactory.create_batch(2)
    response = root.post(reverse("admin:engagements_theme_changelist"), {
        "action": "delete_selected", "_selected_action": [t.pk for t in themes], "post": "yes"})
    assert response.status_code == 302
    deleted = AuditEvent.objects.filter(action="django_admin.engagements.theme.deleted")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(
        str(t.pk) for t in themes)
    assert region.pk  # untouched


def test_an_inline_outcome_edited_on_its_engagement_is_audited_on_itself(root: Client) -> None:
    engagement = EngagementFactory.create()
    outcome = OutcomeFactory.create(engagement=engagement, title="A shared discharge plan")
    url = reverse("admin:engagements_engagement_change", args=[engagement.pk])
    data = _form_of(root, url)
    title_key = next(k for k, v in data.items() if k.endswith("-title") and v == outcome.title)
    data[title_key] = "One discharge plan for the whole system"
    response = root.post(url, data)
    assert response.status_code == 302, response.content[:3000]
    assert Outcome.objects.get(pk=outcome.pk).title.startswith("One discharge")
    event = AuditEvent.objects.get(action="django_admin.engagements.outcome.changed")
    assert event.object_id == str(outcome.pk)
    assert event.place_id == engagement.place_id
    assert event.changes["fields"]["title"]["after"] == "One discharge plan for the whole system"
    parent = AuditEvent.objects.get(action="django_admin.engagements.engagement.changed")
    assert "outcome" in parent.changes["change"].lower()


def test_a_user_with_audit_rows_cannot_be_deleted_in_the_admin(root: Client) -> None:
    """Their rows are append-only: the admin says the user is protected, nothing is lost."""
    from fieldbook.audit import audit_record

    person = UserFactory.create(username="leaving")
    audit_record(actor=person, action="accounts.signin.succeeded", obj=person)
    url = reverse("admin:auth_user_delete", args=[person.pk])
    response = root.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "protected" in response.content.decode().lower()
    assert AuditEvent.objects.filter(actor=person).count() == 1
    assert "intact" in _verify_output()


def _verify_output() -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()
