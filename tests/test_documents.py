"""The public documents (fieldbook.documents): the accessibility statement, the privacy notice
and the contact page, open to anyone, linked from every page's footer, naming the operator from
settings, and the documents in docs/ pointing at files and tests that exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "heading"), [
    ("accessibility", "Accessibility statement for Fieldbook"),
    ("privacy", "Privacy notice for people named in Fieldbook"),
    ("contact", "Contact us"),
])
def test_each_document_opens_for_anyone_without_a_query(
    name: str, heading: str, client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(0):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_the_footer_links_every_document(client: Client, lead_client: Client) -> None:
    for who, url in ((client, reverse("login")), (lead_client, reverse("engagements:dashboard"))):
        footer = who.get(url).content.decode().split('<footer', 1)[1]
        for name in ("accessibility", "privacy", "contact"):
            assert f'href="{reverse(name)}"' in footer


def test_the_operator_comes_from_settings(client: Client, settings: Any) -> None:
    settings.FIELDBOOK_OPERATOR_NAME = "NHS Example Trust"
    settings.FIELDBOOK_CONTACT_EMAIL = "help@example.nhs.uk"
    settings.FIELDBOOK_DPO_EMAIL = "dpo@example.nhs.uk"
    settings.FIELDBOOK_ACCESSIBILITY_EMAIL = ""
    settings.FIELDBOOK_A11Y_TESTED_ON = "1 March 2027"
    settings.FIELDBOOK_SESSION_IDLE_SECONDS = 20 * 60
    statement = client.get(reverse("accessibility")).content.decode()
    assert "run by NHS Example Trust" in statement
    assert "mailto:help@example.nhs.uk" in statement  # no accessibility address: the contact
    assert "last tested on 1 March 2027" in statement
    assert "signed out after 20 minutes" in statement
    privacy = client.get(reverse("privacy")).content.decode()
    assert "NHS Example Trust is the controller" in privacy
    assert "mailto:dpo@example.nhs.uk" in privacy
    assert "mailto:dpo@example.nhs.uk" in client.get(reverse("contact")).content.decode()


def test_the_statement_has_what_the_model_statement_asks_for(client: Client) -> None:
    text = client.get(reverse("accessibility")).content.decode()
    for heading in ("Feedback and contact information",
                    "Reporting accessibility problems with this website",
                    "Enforcement procedure", "Compliance status", "Non-accessible content",
                    "Preparation of this accessibility statement"):
        assert f">{heading}</h" in text, heading
    assert "partially compliant with the" in text and "version 2.2</a> AA standard" in text
    assert ("The Equality and Human Rights Commission (EHRC) is responsible for enforcing the "
            "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
            "Regulations 2018") in text
    assert "Equality Advisory and Support Service (EASS)" in text
    assert "Nu HTML Checker" in text and "axe-core" in text and "keyboard alone" in text


def test_the_privacy_notice_covers_what_article_13_asks(client: Client) -> None:
    text = client.get(reverse("privacy")).content.decode()
    for words in ("What we hold about you", "Why we hold it", "Our lawful basis",
                  "Article 6(1)(e)", "public task", "How long we keep it", "Your rights",
                  "subject access request", "within one month", "Information Commissioner"):
        assert words in text, words


# ---- docs/: every path and test named exists ----------------------------------------------

DOCS = ["docs/dpia.md", "docs/clinical-safety.md", "docs/dtac.md"]
PATH = re.compile(r"`((?:fieldbook|places|enablers|engagements|backoffice|demo|bench|tests|"
                  r"templates|deploy|scripts|docs|static)/[\w./-]+)`")
TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


@pytest.mark.parametrize("doc", DOCS)
def test_each_document_in_docs_names_only_real_files_and_tests(doc: str) -> None:
    text = (ROOT / doc).read_text()
    paths = PATH.findall(text)
    tests = TEST.findall(text)
    assert paths, doc
    missing = [p for p in paths if not (ROOT / p.split("::")[0]).exists()]
    assert missing == [], missing
    absent = [f"{file}::{name}" for file, name in tests
              if not re.search(rf"^def {name}\(", (ROOT / file).read_text(), re.MULTILINE)]
    assert absent == [], absent


def test_the_dtac_map_covers_each_criterion_with_tests() -> None:
    text = (ROOT / "docs/dtac.md").read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    for criterion in ("Clinical safety", "Data protection", "Technical security",
                      "Interoperability", "Usability and accessibility"):
        section = next((s for s in sections if s.startswith(criterion)), "")
        assert section, criterion
        assert TEST.search(section), f"{criterion} names no test"


# ---- the clinical-safety scope's premise (docs/clinical-safety.md) -------------------------

PATIENT_WORDS = re.compile(r"patient|nhs_number|date_of_birth|\bdob\b|diagnosis|medication|"
                           r"symptom|ethnic|religio|sexual|gender|health_condition")


def test_no_model_holds_patient_or_special_category_data() -> None:
    """Fieldbook is out of DCB0129/DCB0160 scope because it holds no patient data: no table has
    a column for it. A new one fails here and sends its author to docs/clinical-safety.md."""
    from django.apps import apps

    ours = {"fieldbook", "places", "enablers", "engagements", "backoffice"}
    found = [f"{model._meta.label}.{f.name}" for model in apps.get_models()
             if model._meta.app_label in ours
             for f in model._meta.get_fields() if PATIENT_WORDS.search(f.name)]
    assert found == []
