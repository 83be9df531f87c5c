"""Learning items: each one added, changed or removed with a session is an audit row of its own,
on the item, with its place, never with its text (fieldbook.audit.audit_record_many)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engagements.models import LearningItem
from engagements.week import services
from engagements.week.services import LearningItemData
from fieldbook.models import AuditEvent

from .test_week_services import TODAY, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return World()


def _item_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__startswith="engagements.learning_item.")
                .order_by("seq"))


def test_learning_items_added_changed_and_removed_are_each_audited(world: World) -> None:
    session = world.log(learning_items=(
        LearningItemData(kind="lesson", text="Listen before you fix."),
        LearningItemData(kind="barrier", text="Initiative fatigue in Casey's team."),
    ))
    created = _item_events()
    assert [e.action for e in created] == ["engagements.learning_item.created"] * 2
    lesson, barrier = sorted(LearningItem.objects.all(), key=lambda i: i.kind != "lesson")
    assert {e.object_id for e in created} == {str(lesson.pk), str(barrier.pk)}
    assert all(e.place_id == world.engagement.place_id for e in created)
    assert all("text" not in e.changes for e in created)
    assert created[0].changes["shareable"] is False
    # Edit: the lesson's text changes and it is shared; the barrier goes; nothing else moves.
    services.session_update(
        enabler=world.enabler, session=session, expected_version=1, today=TODAY,
        data=replace(world.data(), learning_items=(
            LearningItemData(kind="lesson", text="Listen first, then fix.", shareable=True,
                             id=lesson.pk),)),
    )
    events = _item_events()[2:]
    assert [(e.action, e.object_id) for e in events] == [
        ("engagements.learning_item.changed", str(lesson.pk)),
        ("engagements.learning_item.deleted", str(barrier.pk)),
    ]
    assert events[0].changes == {"shareable": True, "text": "(changed)"}
    assert events[1].changes == {"kind": "barrier"}
    assert "Casey" not in str([e.changes for e in AuditEvent.objects.all()])
    assert all(e.place_id == world.engagement.place_id for e in events)


def test_an_item_sent_back_unchanged_writes_no_row(world: World) -> None:
    session = world.log(learning_items=(LearningItemData(kind="lesson", text="Same."),))
    item = LearningItem.objects.get()
    services.session_update(
        enabler=world.enabler, session=session, expected_version=1, today=TODAY,
        data=replace(world.data(duration_minutes=90), learning_items=(
            LearningItemData(kind="lesson", text="Same.", id=item.pk),)),
    )
    assert [e.action for e in _item_events()] == ["engagements.learning_item.created"]
