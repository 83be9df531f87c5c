"""A retention review in a real browser (issue 18, "done means"): the data-protection officer
finds records past their period in the review queue, asks for their disposal, is refused
when they try to approve it themselves; an admin approves, the job runs, and the destruction
log says what class and how many. At desktop and phone widths, without sideways scrolling."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engagements.retention import services
from engagements.retention.models import DestructionEntry, ReviewItem
from fieldbook.models import AuditEvent
from fieldbook.roles import Role
from places.models import BoardMembership

from .factories import BoardMembershipFactory, UserFactory
from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_retention_review_walks_to_an_approved_disposal(
    page: Page, live_server: Any, console_errors: list[str], width: int
) -> None:
    UserFactory.create(username="dee-dpo", first_name="Dee", last_name="Protector",
                       roles=[Role.DPO])
    UserFactory.create(username="ada-admin", first_name="Ada", last_name="Admin",
                       roles=[Role.ADMIN])
    for day in (1, 2, 3):
        BoardMembershipFactory.create(started_on=dt.date(2015, 1, 1),
                                      ended_on=dt.date(2016, 1, day),
                                      board__name="Central Lancashire A&E Delivery Board")
    services.review_queue_fill()  # the daily job: it destroys nothing
    assert BoardMembership.objects.count() == 3 and ReviewItem.objects.count() == 3
    page.set_viewport_size({"width": width, "height": 900})

    sign_in(page, live_server, "dee-dpo")
    page.goto(f"{live_server.url}/retention/")
    expect(page.get_by_role("heading", name="Retention review")).to_be_visible()
    # Asking without a reason: the error, and the ticks kept.
    page.get_by_label("Dispose of: A member of Central Lancashire A&E Delivery Board who "
                      "left on 1 Jan 2016").check()
    page.get_by_label("Dispose of: A member of Central Lancashire A&E Delivery Board who "
                      "left on 2 Jan 2016").check()
    page.get_by_role("button", name="Ask for disposal of the chosen records").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Dispose of: A member of Central Lancashire A&E Delivery Board "
                             "who left on 2 Jan 2016")).to_be_checked()
    page.get_by_label("Why these records can be destroyed").fill(
        "Three years after they left: nothing outstanding")
    page.get_by_role("button", name="Ask for disposal of the chosen records").click()
    expect(page.get_by_text("Disposal requested. Another reviewer must approve it")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/retention-disposal-{width}.png", full_page=True)
    # The requester cannot approve their own disposal.
    page.get_by_role("button", name="Approve the disposal").click()
    expect(page.get_by_text("you cannot approve it").first).to_be_visible()
    assert BoardMembership.objects.count() == 3
    assert AuditEvent.objects.filter(action="retention.disposal.approval_refused").exists()
    disposal_url = page.url
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "ada-admin")
    page.goto(disposal_url)
    page.get_by_role("button", name="Approve the disposal").click()
    expect(page.get_by_text("Approved. The disposal runs as a job")).to_be_visible()
    # The job ran (tasks run eagerly in the tests, after the approval committed).
    page.reload()
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
    assert BoardMembership.objects.count() == 1
    page.get_by_role("link", name="Retention review").click()
    page.get_by_role("link", name="Destruction log").click()
    row = page.get_by_role("row").filter(has_text="Board memberships of people who left")
    expect(row).to_contain_text("2")
    expect(row).to_contain_text("Dee Protector")
    expect(row).to_contain_text("Ada Admin")
    assert DestructionEntry.objects.get().count == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/retention-log-{width}.png", full_page=True)
    page.goto(f"{live_server.url}/retention/")
    page.screenshot(path=f"/tmp/retention-queue-{width}.png", full_page=True)
    assert console_errors == []
