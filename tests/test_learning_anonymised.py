"""Anonymised learning by construction (issue 12, part 6).

- a quote is attributed to a role, never to a person Fieldbook knows (board members, users);
- a text naming a board member is offered their role instead, and a shared item that names a
  person is never saved;
- sharing is an explicit choice (unticked by default);
- sharing can be withdrawn: the item leaves every page and every summary compiled from then
  on, and the summaries that had included it are marked and compiled again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from engagements import tasks
from engagements.models import LearningItem, LearningSummary, Session
from engagements.summaries.periods import Period
from engagements.week.forms import LearningItemForm
from engagements.week.services import (
    ROLE_NOT_NAME,
    LearningItemData,
    SessionData,
    learning_item_withdraw,
    session_log,
    session_update,
)
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from places import names
from places.models import Person

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    LearningItemFactory,
    LearningSummaryFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)
from .test_week_views import LOG, POST_QUERIES, Setting, edit_data, edit_url, text

Status = LearningSummary.Status
COO = "Chief Operating Officer, Northshire Acute Trust"


@pytest.fixture
def setting(enabler_user: User) -> Setting:
    return Setting(enabler_user)


@pytest.fixture
def jack(setting: Setting) -> Person:
    """A board member of another place: known to Fieldbook, so never named in shared text."""
    return BoardMembershipFactory.create(
        board=DeliveryBoardFactory.create(), person__full_name="Jack Reid",
        person__role_title="Chief Operating Officer",
        person__organisation=OrganisationFactory.create(name="Northshire Acute Trust"),
    ).person


def learning(**fields: Any) -> dict[str, Any]:
    """POST data for one learning item."""
    data = {"learning-TOTAL_FORMS": "1", "learning-0-kind": "lesson",
            "learning-0-text": "Trust grows week by week."}
    data.update({f"learning-0-{k}": v for k, v in fields.items()})
    return data


def quote(setting: Setting, role: str) -> dict[str, Any]:
    return setting.post_data(**learning(kind="quote", text="We are one system now.",
                                        attributed_role=role, consent="on", shareable="on"))


def log(setting: Setting, *items: LearningItemData, date: dt.date | None = None) -> Session:
    session, _ = session_log(
        enabler=setting.enabler, idempotency_key=uuid.uuid4(),
        data=SessionData(engagement_id=setting.engagement.pk, date=date or setting.today,
                         kind=Session.Kind.SITE_VISIT, duration_minutes=60,
                         learning_items=items),
    )
    return session


# ---- the rule ---------------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "Jack Reid", "jack reid", "  JACK   REID ", "Reid, Jack", "REID Jack", "Dr Jack Reid",
    "Mr. Jack Reid", "Jack Reid, COO", "Jack A. Reid", "Jack Andrew Reid", "jack-reid",
])
def test_the_rule_finds_a_name_however_it_is_written(written: str) -> None:
    assert names.spans(written, ("jack", "reid"))


@pytest.mark.parametrize("role", [
    "NHS Operations Manager", "Chief Executive", "GP partner", "Jackie Reidy", "Reid Street GP",
])
def test_the_rule_leaves_roles_alone(role: str) -> None:
    assert not names.spans(role, ("jack", "reid"))


def test_replacing_a_name_keeps_the_rest_of_the_text() -> None:
    replaced = names.replace("Dr Jack Reid said so; Reid, Jack agreed.", ("jack", "reid"), COO)
    assert replaced == f"{COO} said so; {COO} agreed."


@pytest.mark.django_db
def test_people_keep_their_name_keys() -> None:
    person = PersonFactory.create(full_name="Dr Siobhán O'Brien")
    assert (person.given_key, person.family_key) == ("siobhan", "obrien")
    person.full_name = "Siobhán Kelly"
    person.save(update_fields=["full_name"])
    person.refresh_from_db()
    assert person.family_key == "kelly"
    [bulk] = Person.objects.bulk_create([Person(full_name="Amir Khan", role_title="Chair",
                                                organisation=person.organisation)])
    assert Person.objects.get(pk=bulk.pk).family_key == "khan"


# ---- 1. an attribution is a role, never a person -----------------------------------------------

@pytest.mark.parametrize("role", ["Jack Reid", "reid, jack", "Dr. Jack Reid", "Jack Reid, COO"])
def test_a_board_member_is_refused_as_attribution(
    enabler_client: Client, setting: Setting, jack: Person, role: str
) -> None:
    response = enabler_client.post(LOG, quote(setting, role))
    assert response.status_code == 200
    assert not Session.objects.exists()
    page = text(response)
    assert 'id="id_learning-0-attributed_role-error"' in page
    assert "This looks like a person’s name. Attribute by role" in page
    assert "There is a problem" in page
    # Nothing typed is lost.
    assert f'value="{role}"' in page.replace("&#x27;", "'") and "We are one system now." in page


@pytest.mark.django_db
def test_users_and_usernames_are_refused_as_attribution(setting: Setting) -> None:
    UserFactory.create(first_name="Nadia", last_name="Kowalski", username="nadia.k")
    UserFactory.create(username="e.ruth.carmichael", first_name="", last_name="")
    # (A username is matched as written: "Ruth Carmichael" finds that user by name only.)
    for role in ("Nadia Kowalski", "Kowalski, Nadia", "Dr NADIA KOWALSKI", "e.ruth.carmichael"):
        with pytest.raises(DomainError) as excinfo:
            log(setting, LearningItemData(kind="quote", text="One team.", attributed_role=role,
                                          consent=True, shareable=True))
        assert excinfo.value.field_errors == {"learning-0-attributed_role": [ROLE_NOT_NAME]}


@pytest.mark.parametrize("role", ["NHS Operations Manager", "Chief Executive", "GP partner",
                                  "Clinical lead"])
def test_real_roles_are_accepted(setting: Setting, jack: Person, role: str) -> None:
    UserFactory.create(username="lead", first_name="Lee")  # a one-word name never matches
    session = log(setting, LearningItemData(kind="quote", text="One team.", attributed_role=role,
                                            consent=True, shareable=True))
    assert session.learning_items.get().attributed_role == role


# ---- 2. a shared text never names a person ------------------------------------------------------

def test_a_text_naming_a_board_member_offers_their_role(
    enabler_client: Client, setting: Setting, jack: Person
) -> None:
    typed = "Dr Jack Reid opened the huddle to social care."
    response = enabler_client.post(LOG, setting.post_data(**learning(text=typed,
                                                                     shareable="on")))
    assert response.status_code == 200 and not Session.objects.exists()
    page = text(response)
    assert f"This names Jack Reid. Replace the name with their role, ‘{COO}’?" in page
    assert 'id="id_learning-0-replace_names-error"' in page
    assert 'name="learning-0-replace_names" type="checkbox"' in page
    assert 'class="nhsuk-warning-callout app-name-warning"' in page
    # A shared item cannot be kept as written: that choice is not offered.
    assert 'name="learning-0-keep_names"' not in page
    assert typed in page  # input never lost

    response = enabler_client.post(LOG, setting.post_data(**learning(
        text=typed, shareable="on", replace_names="on")))
    assert response.status_code == 302
    item = LearningItem.objects.get()
    assert item.text == f"{COO} opened the huddle to social care." and item.shareable


def test_a_shared_item_naming_a_person_is_never_saved_as_written(
    enabler_client: Client, setting: Setting, jack: Person
) -> None:
    data = setting.post_data(**learning(text="Jack Reid agreed.", shareable="on",
                                        keep_names="on"))
    response = enabler_client.post(LOG, data)
    assert response.status_code == 200 and not LearningItem.objects.exists()
    assert "Shared learning never names a person." in text(response)


def test_an_unshared_item_may_keep_the_name_once_confirmed(
    enabler_client: Client, setting: Setting, jack: Person
) -> None:
    response = enabler_client.post(LOG, setting.post_data(**learning(text="Jack Reid agreed.")))
    assert response.status_code == 200 and not LearningItem.objects.exists()
    page = text(response)
    assert "This names Jack Reid." in page and 'name="learning-0-keep_names"' in page

    response = enabler_client.post(LOG, setting.post_data(**learning(text="Jack Reid agreed.",
                                                                     keep_names="on")))
    assert response.status_code == 302
    item = LearningItem.objects.get()
    assert (item.text, item.shareable) == ("Jack Reid agreed.", False)
    # Editing the session again does not ask again while the item stays unshared and unchanged.
    session = item.session
    data = edit_data(setting, session, **learning(text="Jack Reid agreed.", item_id=item.pk))
    assert enabler_client.post(edit_url(session.pk), data).status_code == 302


def test_an_attendee_named_in_the_text_is_offered_their_role(setting: Setting) -> None:
    with pytest.raises(DomainError) as excinfo:
        log(setting, LearningItemData(kind="lesson", shareable=True,
                                      text="Casey Chair asked social care to speak first."))
    [message] = excinfo.value.field_errors["learning-0-replace_names"]
    assert message.startswith(f"This names Casey Chair. Replace the name with their role, "
                              f"‘{setting.chair.role_title}, Anytown Council’?")


def test_a_user_named_in_shared_text_must_be_edited_out(setting: Setting) -> None:
    UserFactory.create(first_name="Nadia", last_name="Kowalski")
    with pytest.raises(DomainError) as excinfo:
        log(setting, LearningItemData(kind="lesson", shareable=True,
                                      text="Nadia Kowalski from the centre joined."))
    assert "This names Nadia Kowalski." in excinfo.value.field_errors["learning-0-text"][0]


# ---- 3. sharing is an explicit choice ---------------------------------------------------------

def test_share_with_leads_starts_unticked() -> None:
    assert LearningItemForm()["shareable"].value() is False
    assert LearningItem._meta.get_field("shareable").default is False
    assert LearningItem(text="x").shareable is False
    assert LearningItemData(kind="lesson", text="x").shareable is False


def test_the_log_form_never_ticks_share(enabler_client: Client, setting: Setting) -> None:
    page = text(enabler_client.post(LOG, setting.post_data(add_learning="1")))
    assert 'name="learning-0-shareable" type="checkbox"' in page
    assert 'name="learning-0-shareable" type="checkbox" checked' not in page


# ---- the log POST's query budget ------------------------------------------------------------

def test_checking_names_costs_one_query_whatever_the_number_of_people(
    enabler_client: Client, setting: Setting, django_assert_num_queries: Any
) -> None:
    org = OrganisationFactory.create()
    Person.objects.bulk_create(Person(full_name=f"Person {n} Number{n}", role_title="Member",
                                      organisation=org) for n in range(300))
    data = setting.post_data(**learning(text="Fewer, steadier asks.", shareable="on",
                                        themes=[setting.theme.pk]))
    # The budget without learning, + the learning items and their themes (2 INSERTs), + the
    # names (1), + their audit rows (3: the chain's lock and head, one INSERT for every item).
    with django_assert_num_queries(POST_QUERIES + 6):
        response = enabler_client.post(LOG, data)
    assert response.status_code == 302 and LearningItem.objects.get().shareable


def test_no_learning_no_names_query(
    enabler_client: Client, setting: Setting, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(POST_QUERIES):
        assert enabler_client.post(LOG, setting.post_data()).status_code == 302


# ---- 4. withdrawing sharing ---------------------------------------------------------------------

@pytest.fixture
def shared(setting: Setting, lead_user: User) -> LearningItem:
    setting.engagement.programme.leads.add(lead_user)
    session = log(setting, LearningItemData(
        kind="quote", text="For the first time we are solving it together.",
        attributed_role="NHS Operations Manager", consent=True, shareable=True))
    return session.learning_items.get()


def compiled_summary(setting: Setting) -> LearningSummary:
    period = Period.containing("month", setting.today)
    summary = LearningSummaryFactory.create(programme=setting.engagement.programme,
                                            period_start=period.start, period_end=period.end)
    assert tasks.compile_learning_summary(summary.pk) == "ready"
    summary.refresh_from_db()
    return summary


def place_url(setting: Setting) -> str:
    return reverse("engagements:place", args=[setting.engagement.programme.slug,
                                              setting.engagement.place.slug])


def test_withdrawing_removes_the_item_and_recompiles_the_summaries_that_quoted_it(
    enabler_client: Client, lead_client: Client, setting: Setting, shared: LearningItem,
    django_capture_on_commit_callbacks: Any,
) -> None:
    words = "For the first time we are solving it together."
    summary = compiled_summary(setting)
    assert [i["text"] for i in summary.content["learning"]["items"]] == [words]
    assert list(summary.learning_items.all()) == [shared]
    assert words in text(lead_client.get(place_url(setting)))
    untouched = LearningSummaryFactory.create(
        programme=setting.engagement.programme)  # January 2024

    url = reverse("engagements:learning-item-withdraw", args=[shared.pk])
    assert "Withdraw sharing for this item?" in text(enabler_client.get(url))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = enabler_client.post(url)
    assert response.status_code == 302 and response["Location"] == edit_url(shared.session_id)

    shared.refresh_from_db()
    assert shared.withdrawn_at and not shared.shareable and not shared.consent
    event = AuditEvent.objects.get(action="engagements.learning_item.withdrawn")
    assert event.object_id == str(shared.pk) and words not in str(event.changes)
    # The place page no longer shows it.
    assert words not in text(lead_client.get(place_url(setting)))
    # The summary that quoted it is marked and queued (after the commit, by id).
    summary.refresh_from_db()
    assert summary.status == Status.QUEUED and summary.withdrawal_recompiled_at
    untouched.refresh_from_db()
    assert untouched.withdrawal_recompiled_at is None
    with mock.patch.object(tasks.compile_learning_summary, "delay") as delay:
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(summary.pk)

    # The task compiles it again without the item, and the PDF follows through its own task.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.compile_learning_summary(summary.pk) == "ready"
    with mock.patch.object(tasks.render_summary_pdf, "delay") as render:
        for callback in callbacks:
            callback()
    render.assert_called_once_with(summary.pk)
    summary.refresh_from_db()
    assert summary.content["learning"]["items"] == [] and not summary.learning_items.exists()
    page = text(lead_client.get(reverse("engagements:summary-detail", args=[summary.pk])))
    assert "Compiled again on" in page and "was withdrawn" in page and words not in page


def test_a_new_summary_leaves_a_withdrawn_item_out(setting: Setting,
                                                   shared: LearningItem) -> None:
    learning_item_withdraw(enabler=setting.enabler, item=shared)
    assert compiled_summary(setting).content["learning"]["items"] == []


def test_only_the_enabler_who_logged_it_may_withdraw(
    other_enabler_user: User, setting: Setting, shared: LearningItem
) -> None:
    with pytest.raises(DomainError):
        learning_item_withdraw(enabler=other_enabler_user.enabler, item=shared)
    other = Client()
    other.force_login(other_enabler_user)
    url = reverse("engagements:learning-item-withdraw", args=[shared.pk])
    assert other.post(url).status_code == 404
    shared.refresh_from_db()
    assert shared.withdrawn_at is None


def test_a_withdrawn_item_stays_withdrawn_across_an_edit(
    enabler_client: Client, setting: Setting, shared: LearningItem
) -> None:
    learning_item_withdraw(enabler=setting.enabler, item=shared)
    session = Session.objects.get(pk=shared.session_id)
    page = text(enabler_client.get(edit_url(session.pk)))
    assert "You withdrew sharing for this item on" in page
    assert 'name="learning-0-shareable"' not in page
    # Even a forged POST that ticks share again keeps it withdrawn, and keeps its id.
    data = edit_data(setting, session, **learning(
        kind="quote", text=shared.text, attributed_role="NHS Operations Manager",
        consent="on", shareable="on", item_id=shared.pk))
    assert enabler_client.post(edit_url(session.pk), data).status_code == 302
    item = LearningItem.objects.get()
    assert item.pk == shared.pk and item.withdrawn_at and not item.shareable


def test_an_edit_that_unticks_share_recompiles_the_summaries_that_included_it(
    setting: Setting, shared: LearningItem, django_capture_on_commit_callbacks: Any
) -> None:
    summary = compiled_summary(setting)
    session = Session.objects.get(pk=shared.session_id)
    kept = LearningItemData(kind="quote", text=shared.text,
                            attributed_role="NHS Operations Manager", consent=True,
                            shareable=False, id=shared.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        session_update(enabler=setting.enabler, session=session, expected_version=1,
                       data=SessionData(engagement_id=setting.engagement.pk, date=setting.today,
                                        kind=Session.Kind.SITE_VISIT, duration_minutes=60,
                                        learning_items=(kept,)))
    assert LearningItem.objects.get().pk == shared.pk  # kept in place, not recreated
    summary.refresh_from_db()
    assert summary.status == Status.QUEUED and summary.withdrawal_recompiled_at
    assert callbacks
    assert tasks.compile_learning_summary(summary.pk) == "ready"
    summary.refresh_from_db()
    assert summary.content["learning"]["items"] == []


def test_an_edit_that_removes_a_quoted_item_recompiles_too(
    setting: Setting, shared: LearningItem
) -> None:
    summary = compiled_summary(setting)
    session = Session.objects.get(pk=shared.session_id)
    session_update(enabler=setting.enabler, session=session, expected_version=1,
                   data=SessionData(engagement_id=setting.engagement.pk, date=setting.today,
                                    kind=Session.Kind.SITE_VISIT, duration_minutes=60))
    assert not LearningItem.objects.exists()
    summary.refresh_from_db()
    assert summary.status == Status.QUEUED and summary.withdrawal_recompiled_at


def test_an_ordinary_edit_keeps_items_and_leaves_summaries_alone(
    setting: Setting, shared: LearningItem
) -> None:
    summary = compiled_summary(setting)
    extra = LearningItemFactory.create(session=shared.session, text="Another lesson.")
    session = Session.objects.get(pk=shared.session_id)
    items = (
        LearningItemData(kind="quote", text=shared.text, attributed_role="NHS Operations Manager",
                         consent=True, shareable=True, id=shared.pk),
        LearningItemData(kind="lesson", text="Another lesson, edited.", shareable=True,
                         id=extra.pk),
        LearningItemData(kind="lesson", text="A new one.", shareable=True, id=999_999),
    )
    session_update(enabler=setting.enabler, session=session, expected_version=1,
                   data=SessionData(engagement_id=setting.engagement.pk, date=setting.today,
                                    kind=Session.Kind.SITE_VISIT, duration_minutes=60,
                                    learning_items=items))
    rows = list(LearningItem.objects.order_by("pk"))
    assert [r.pk for r in rows[:2]] == [shared.pk, extra.pk] and len(rows) == 3
    assert rows[1].text == "Another lesson, edited." and rows[2].text == "A new one."
    summary.refresh_from_db()
    assert summary.status == Status.READY and summary.withdrawal_recompiled_at is None


def test_a_compile_that_read_an_item_withdrawn_meanwhile_compiles_again(
    setting: Setting, shared: LearningItem
) -> None:
    """The race: the compile read the item, then it was withdrawn before the links existed."""
    from engagements.summaries.content import summary_content as real_content

    period = Period.containing("month", setting.today)
    summary = LearningSummaryFactory.create(programme=setting.engagement.programme,
                                            period_start=period.start, period_end=period.end)

    def content_then_withdrawal(s: LearningSummary) -> dict[str, Any]:
        content = real_content(s)
        LearningItem.objects.filter(pk=shared.pk).update(
            withdrawn_at=shared.created_at, shareable=False, consent=False)
        return content

    with mock.patch("engagements.summaries.content.summary_content", content_then_withdrawal):
        tasks.compile_learning_summary(summary.pk)
    summary.refresh_from_db()
    assert summary.status == Status.QUEUED  # never shown with the item
    assert tasks.compile_learning_summary(summary.pk) == "ready"
    summary.refresh_from_db()
    assert summary.content["learning"]["items"] == []
