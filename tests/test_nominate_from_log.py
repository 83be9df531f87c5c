"""Nominating learning for "Messages for national leaders" straight from the log form (issue
15): ticked on a shared, consented item, the item is nominated when the session is saved,
through the same audited service as My nominations; bad ticks are a form error beside the
item that keeps what was typed and saves nothing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from engagements.messages.models import Nomination
from engagements.models import LearningItem, Session
from fieldbook.models import AuditEvent

from .test_week_views import LOG, Setting, edit_url, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(enabler_user: User) -> Setting:
    return Setting(enabler_user)


def item_fields(i: int = 0, **values: str) -> dict[str, str]:
    base = {"kind": "lesson", "text": "Partners now plan discharge together.",
            "attributed_role": "", "themes": ""}
    base.update(values)
    return {f"learning-{i}-{k}": v for k, v in base.items() if v != ""}


def test_a_ticked_shared_item_is_nominated_when_logged(enabler_client: Client,
                                                       setting: Setting) -> None:
    data = setting.post_data(**{"learning-TOTAL_FORMS": "2"},
                             **item_fields(0, shareable="on", consent="on", nominate="on"),
                             **item_fields(1, text="Kept for the summaries only.",
                                           shareable="on", consent="on"))
    response = enabler_client.post(LOG, data)
    assert response.status_code == 302
    nominated = Nomination.objects.get()
    assert nominated.item.text == "Partners now plan discharge together."
    assert nominated.nominated_by == setting.enabler.user
    assert nominated.collection.programme_id == setting.engagement.programme_id
    assert nominated.status == Nomination.Status.NOMINATED
    assert AuditEvent.objects.filter(action="engagements.message_nomination.created").count() == 1
    # The enabler sees it where every nomination is followed up.
    page = text(enabler_client.get(reverse("engagements:messages-mine")))
    assert "Partners now plan discharge together." in page


@pytest.mark.parametrize("ticks", [{"nominate": "on"},
                                   {"nominate": "on", "shareable": "on"},
                                   {"nominate": "on", "consent": "on"}])
def test_nominating_what_is_not_shared_with_consent_is_refused_beside_the_item(
    enabler_client: Client, setting: Setting, ticks: dict[str, str]
) -> None:
    data = setting.post_data(**{"learning-TOTAL_FORMS": "1"}, **item_fields(0, **ticks))
    page = text(enabler_client.post(LOG, data))
    assert 'id="id_learning-0-nominate-error"' in page
    assert ("Learning item 1: Only shared learning with the speaker’s consent can be "
            "nominated") in page
    assert "Partners now plan discharge together." in page
    assert re.search(r'name="learning-0-nominate"[^>]*checked', page)
    assert not Session.objects.exists() and not Nomination.objects.exists()


def test_an_edit_can_nominate_and_a_nominated_item_says_so(enabler_client: Client,
                                                           setting: Setting) -> None:
    data = setting.post_data(**{"learning-TOTAL_FORMS": "1"},
                             **item_fields(0, shareable="on", consent="on"))
    assert enabler_client.post(LOG, data).status_code == 302
    session = Session.objects.get()
    item = LearningItem.objects.get()
    page = text(enabler_client.get(edit_url(session.pk)))
    assert 'name="learning-0-nominate"' in page and "My nominations</a>" not in page
    edit = setting.post_data(**{"learning-TOTAL_FORMS": "1", "learning-INITIAL_FORMS": "1",
                                "version": str(session.version), "learning-0-item_id":
                                str(item.pk)},
                             **item_fields(0, shareable="on", consent="on", nominate="on"))
    response = enabler_client.post(edit_url(session.pk), edit)
    assert response.status_code == 302, text(response)
    assert Nomination.objects.get().item_id == item.pk
    page = text(enabler_client.get(edit_url(session.pk)))
    assert 'name="learning-0-nominate"' not in page and "My nominations</a>" in page
    # Saving again (the box is gone, or ticked by an old page) never nominates twice.
    session.refresh_from_db()
    edit["version"] = str(session.version)
    assert enabler_client.post(edit_url(session.pk), edit).status_code == 302
    assert Nomination.objects.count() == 1
