"""Done means (issue 18, point 1): in a real browser the data-protection officer finds a person,
logs their subject-access request (a date in the future is refused, what was typed kept), sees
the due date with the days left, asks for a search of the private notes, which an Admin (a
second person) approves in their own browser, then compiles the pack and downloads it as PDF and
JSON. Every form is a plain POST.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from engagements.subjects.models import SubjectAccessRequest
from fieldbook.models import AuditEvent
from fieldbook.roles import Role

from .factories import (
    AssignmentFactory,
    BoardMembershipFactory,
    DeliveryBoardFactory,
    PersonFactory,
    SessionFactory,
    UserFactory,
)
from .test_browser import sign_in
from .test_messages_browser import shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

NOTE = "CANARY-sar-browser-91fe"


def test_the_dpo_walks_a_request_from_logging_to_the_pack(
    page: Page, browser: Browser, live_server: Any, console_errors: list[str], tmp_path: Path
) -> None:
    assignment = AssignmentFactory.create()
    engagement = assignment.engagement
    board = DeliveryBoardFactory.create(place=engagement.place)
    person = PersonFactory.create(full_name="Morgan Tate", role_title="Director of Care")
    other = PersonFactory.create(full_name="Riley Brook")
    for member in (person, other):
        BoardMembershipFactory.create(board=board, person=member)
    session = SessionFactory.create(
        enabler=assignment.enabler, engagement=engagement,
        next_steps="Riley Brook to brief Morgan Tate.",
        private_notes=f"Morgan Tate was frustrated. {NOTE}")
    session.attendees.add(person)
    UserFactory.create(username="dee-dpo", first_name="Dee", last_name="Okafor",
                       roles=[Role.DPO])
    UserFactory.create(username="ada-admin", first_name="Ada", roles=[Role.ADMIN])

    sign_in(page, live_server, "dee-dpo")
    page.wait_for_url(f"{live_server.url}/subject-access/")
    page.get_by_label("Search people").fill("Tate")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Morgan Tate").click()
    expect(page.get_by_role("heading", name="Morgan Tate", level=1)).to_be_visible()
    expect(page.locator("#index-counts")).to_contain_text("Board memberships: 1")
    expect(page.locator("#index-counts")).to_contain_text("Sessions attended: 1")
    assert NOTE not in page.content()
    shoot(page, "sar-person")

    future = timezone.localdate() + dt.timedelta(days=5)
    page.get_by_label("Date the request was received").fill(future.isoformat())
    page.get_by_label("How it was received (optional)").fill("Email to the DPO mailbox")
    page.get_by_role("button", name="Log the request").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("today or in the past")
    expect(page.get_by_label("How it was received (optional)")).to_have_value(
        "Email to the DPO mailbox")
    page.get_by_label("Date the request was received").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Log the request").click()
    expect(page.get_by_role("heading", name="Subject-access request SAR-")).to_be_visible()
    expect(page.locator("#due")).to_contain_text("days left")
    shoot(page, "sar-request")

    # Break-glass: asked here, approved by an Admin in their own browser.
    page.get_by_label("Why the private notes need searching").fill(
        "Morgan Tate disputes what was written about the March board.")
    page.get_by_role("button", name="Ask to search the private notes").click()
    expect(page.locator("#searches")).to_contain_text("Awaiting approval")
    admin_context = browser.new_context()
    admin_page = admin_context.new_page()
    sign_in(admin_page, live_server, "ada-admin")
    admin_page.goto(f"{live_server.url}/subject-access/approvals/")
    admin_page.get_by_role("link", name="Request SAR-").click()
    admin_page.get_by_label("Approve the search").check()
    shoot(admin_page, "sar-approval")
    admin_page.get_by_role("button", name="Record the decision").click()
    expect(admin_page.get_by_text("Nothing to decide.")).to_be_visible()
    assert NOTE not in admin_page.content()
    admin_context.close()

    page.reload()
    page.get_by_role("link", name="See the notes that name Morgan Tate").click()
    expect(page.get_by_text(NOTE)).to_be_visible()
    shoot(page, "sar-notes")
    page.get_by_role("link", name="Back to request").click()

    page.get_by_role("button", name="Compile the pack").click()
    expect(page.locator("#status")).to_contain_text("Pack ready")
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download the pack (PDF)").click()
    pdf = tmp_path / "pack.pdf"
    pdf_download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download the pack (JSON)").click()
    content = json.loads(Path(json_download.value.path()).read_text())
    assert content["person"]["name"] == "Morgan Tate"
    assert content["sessions_attended"][0]["next_steps"] == \
        "[another person] to brief Morgan Tate."
    assert NOTE in content["private_notes"]["disclosed"][0]["text"]
    expect(page.locator("#log")).to_contain_text("Pack compiled")
    shoot(page, "sar-ready")

    sar = SubjectAccessRequest.objects.get()
    assert sar.status == SubjectAccessRequest.Status.READY
    done = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"engagements.subject_access.logged", "engagements.note_search.asked",
            "engagements.note_search.approved", "engagements.subject_access.compiled",
            "engagements.subject_access.downloaded"} <= done
