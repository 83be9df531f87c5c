"""Done means (issue 15): a lead in a real browser goes from nominated items to a published
"Messages for national leaders" and downloads it as PDF and as Word; the Word file opens with
its heading styles and the PDF carries a structure tree. Without JavaScript-only steps: every
form is a plain POST.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engagements.messages import services
from engagements.messages.models import MessagePublication
from engagements.models import LearningItem
from fieldbook.roles import Role

from .browser_support import shoot
from .factories import AssignmentFactory, LearningItemFactory, SessionFactory, UserFactory
from .test_browser import sign_in
from .test_messages import pdf_objects_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

QUOTES = (
    ("Behaviours at the top make people reluctant to step up to senior roles.",
     "NHS Chief Operating Officer"),
    ("Help was planned with us, not parachuted in.", "Director of Adult Social Services"),
)


def test_a_lead_publishes_the_messages_and_downloads_pdf_and_word(
    page: Page, live_server: Any, console_errors: list[str], tmp_path: Path
) -> None:
    from docx import Document

    assignment = AssignmentFactory.create()
    enabler, engagement = assignment.enabler, assignment.engagement
    items = [LearningItemFactory.create(
        session=SessionFactory.create(enabler=enabler, engagement=engagement,
                                      private_notes="PRIVATE-browser-canary"),
        kind=LearningItem.Kind.QUOTE, text=text, attributed_role=role, consent=True)
        for text, role in QUOTES]
    for item in items:
        services.nomination_create(enabler=enabler, item_id=item.pk, note="Said at the board.")
    UserFactory.create(username="lee-lead", roles=[Role.LEAD])
    slug = engagement.programme.slug

    sign_in(page, live_server, "lee-lead")
    page.wait_for_url(f"{live_server.url}/programmes/")
    page.goto(f"{live_server.url}/programmes/{slug}/")
    page.get_by_role("link", name="Messages for national leaders").click()
    expect(page.get_by_role("heading", name="Waiting for a decision (2)")).to_be_visible()
    shoot(page, "messages-collection")

    # A message without a heading is refused, keeping the argument typed.
    page.get_by_role("link", name="Add a message").click()
    page.get_by_label("The argument").fill("Support and development should come first.")
    page.get_by_role("button", name="Save the message").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a heading")
    expect(page.get_by_label("The argument")).to_have_value(
        "Support and development should come first.")
    page.get_by_label("Heading").fill("Sacking chief executives hammers morale")
    page.get_by_role("button", name="Save the message").click()
    expect(page.get_by_role("heading", name="Sacking chief executives hammers morale")
           ).to_be_visible()

    # Select the first item, with a reason (the first try forgets it); leave the second out.
    page.get_by_role("link", name="Decide on this quote").first.click()
    page.get_by_label("Select it for a message").check()
    page.get_by_label("Message it supports").select_option(
        label="Sacking chief executives hammers morale")
    page.get_by_label("Quote it in the message's text").check()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter why")
    expect(page.get_by_label("Quote it in the message's text")).to_be_checked()
    shoot(page, "messages-decide-error")
    page.get_by_label("Why").fill("Raised by many board members.")
    page.get_by_role("button", name="Save the decision").click()
    page.get_by_role("link", name="Decide on this quote").first.click()
    page.get_by_label("Leave it out").check()
    page.get_by_label("Why").fill("Made better by the first.")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_role("heading", name="Waiting for a decision (0)")).to_be_visible()

    page.get_by_role("button", name="Publish a new version").click()
    expect(page.get_by_role("heading", name="Messages for national leaders", level=1)
           ).to_be_visible()
    expect(page.locator("blockquote").get_by_text(QUOTES[0][0])).to_be_visible()
    expect(page.get_by_text(QUOTES[1][0])).to_have_count(0)
    assert "PRIVATE-browser-canary" not in page.content()
    shoot(page, "messages-published")

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download as PDF (tagged, accessible)").click()
    pdf = tmp_path / "messages.pdf"
    pdf_download.value.save_as(pdf)
    text = pdf_objects_text(pdf.read_bytes())
    assert "/StructTreeRoot" in text and "/H1" in text

    with page.expect_download() as word_download:
        page.get_by_role("link", name="Download as Word (.docx)").click()
    word = Document(io.BytesIO(Path(word_download.value.path()).read_bytes()))
    headings = [(p.style.name if p.style else "", p.text) for p in word.paragraphs
                if p.style is not None and p.style.name.startswith(("Heading", "Title"))]
    assert ("Heading 1", "Sacking chief executives hammers morale") in headings
    assert MessagePublication.objects.get().published_by is not None
