"""What a subject-access pack says: one dictionary (``pack_content``) printed both as the JSON
file and, through a template, as the tagged PDF, so the two cannot drift apart.

Other people's names are redacted from every free text (``places.names``: board members and
users Fieldbook knows, the same rule that keeps names out of shared learning), and the pack never
names an enabler or any other member of staff: it says "an enabler". Private notes are included
only from an approved break-glass search, and a note given in confidence only as a line saying it
was withheld and which exemption the DPO weighed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone

from engagements.subjects.models import SubjectAccessRequest
from engagements.subjects.reads import MatchedNote, PersonIndex
from places import names

REDACTED = "[another person]"
CONFIDENCE_EXEMPTION = (
    "Given in confidence by another person: the Data Protection Act 2018, Schedule 2, Part 3, "
    "paragraphs 16 and 17 (information identifying another individual, weighing any duty of "
    "confidence owed to them). The DPO must decide whether to disclose it, redacted or with "
    "their consent; Fieldbook does not disclose it automatically."
)


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


class Redactor:
    """Replaces every person Fieldbook knows, other than the subject, in the texts given. One
    query for all the texts of a pack (``names.known_people_in``)."""

    def __init__(self, subject_name: str, texts: list[str]) -> None:
        own = names.keys(subject_name)
        self.others = [p for p in names.known_people_in(texts) if p.keys != own]

    def __call__(self, text: str) -> str:
        for other in self.others:
            text = names.replace(text, other.keys, REDACTED)
        return text


def pack_content(request: SubjectAccessRequest, index: PersonIndex,
                 notes: list[MatchedNote] | None) -> dict[str, Any]:
    """The pack as plain JSON-ready data. ``notes`` is None when no break-glass search was
    approved: the pack then says the notes were not searched."""
    person = index.person
    # The themes of the sessions, for the pack only (the index page does not show them).
    prefetch_related_objects(index.sessions + index.diagnostics, "themes")
    texts = [s.next_steps for s in index.sessions + index.diagnostics]
    texts += [i.text for i in index.attributed + index.named_in_learning]
    for outcome in index.confirmations:
        texts += [outcome.title, outcome.what_changed, outcome.place_comment,
                  *[str(v) for v in (outcome.correction or {}).values()]]
    for note in notes or []:
        texts += [note.text, *[c[1] for c in note.clarifications]]
    redact = Redactor(person.full_name, texts)

    def session_row(s: Any) -> dict[str, Any]:
        return {"date": _date(s.date), "kind": s.get_kind_display(),
                "place": s.engagement.place.name, "programme": s.engagement.programme.name,
                "themes": [t.name for t in s.themes.all()],
                "next_steps": redact(s.next_steps), "recorded_by": "an enabler"}

    def learning_row(i: Any) -> dict[str, Any]:
        return {"recorded_on": _date(i.created_at), "kind": i.get_kind_display(),
                "place": i.session.engagement.place.name, "text": redact(i.text),
                "attributed_role": i.attributed_role, "shared": i.shareable,
                "consent": i.consent}

    content: dict[str, Any] = {
        "title": f"Subject-access pack for {person.full_name}",
        "compiled_on": _date(timezone.now()),
        "request": {"reference": f"SAR-{request.pk}", "received_on": _date(request.received_on),
                    "due_on": _date(request.due_on), "how_received": request.how_received},
        "person": {"name": person.full_name, "role_title": person.role_title,
                   "organisation": person.organisation.name, "email": person.email},
        "board_memberships": [
            {"board": m.board.name, "place": m.board.place.name,
             "board_role": m.get_board_role_display(), "started_on": _date(m.started_on),
             "ended_on": _date(m.ended_on)} for m in index.memberships],
        "sessions_attended": [session_row(s) for s in index.sessions],
        "diagnostic_participation": [session_row(s) for s in index.diagnostics],
        "respondent_links": [
            {"purpose": link.get_purpose_display(), "sent_to": link.email,
             "created_on": _date(link.created_at), "sent_on": _date(link.sent_at),
             "opened_on": _date(link.opened_at), "answered_on": _date(link.used_at),
             "expires_on": _date(link.expires_at), "revoked_on": _date(link.revoked_at)}
            for link in index.links],
        "outcome_confirmations": [
            {"title": redact(o.title), "place": o.engagement.place.name,
             "confirmed_on": _date(o.confirmed_at), "confirmed_as": o.confirmed_by_role,
             "what_changed": redact(o.what_changed_confirmed),
             "your_comment": redact(o.place_comment),
             "your_corrections": {k: redact(str(v)) for k, v in (o.correction or {}).items()}}
            for o in index.confirmations],
        "learning_attributed_to_your_role": [learning_row(i) for i in index.attributed],
        "learning_that_names_you": [learning_row(i) for i in index.named_in_learning],
    }
    if notes is None:
        content["private_notes"] = {
            "searched": False,
            "statement": "Enablers' private notes were not searched for this request.",
            "disclosed": [], "withheld": []}
    else:
        content["private_notes"] = {
            "searched": True,
            "statement": "Enablers' private notes were searched for your name, with a second "
                         "person's approval.",
            "disclosed": [
                {"date": _date(n.session.date), "place": n.session.engagement.place.name,
                 "text": redact(n.text),
                 "clarifications": [{"added_on": _date(at), "text": redact(text)}
                                    for at, text in n.clarifications]}
                for n in notes if not n.in_confidence],
            "withheld": [
                {"date": _date(n.session.date), "place": n.session.engagement.place.name,
                 "exemption": CONFIDENCE_EXEMPTION}
                for n in notes if n.in_confidence],
        }
    content["log"] = list(request.log)
    return content


def pack_json(content: dict[str, Any]) -> bytes:
    return json.dumps(content, indent=2, ensure_ascii=False).encode()


SECTIONS = (
    ("board_memberships", "Board memberships"),
    ("sessions_attended", "Sessions you attended"),
    ("diagnostic_participation", "Diagnostic participation"),
    ("respondent_links", "Links sent to you"),
    ("outcome_confirmations", "Outcomes you confirmed"),
    ("learning_attributed_to_your_role", "Learning attributed to your role"),
    ("learning_that_names_you", "Learning that names you"),
)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _text(value: Any) -> str:
    if value is True or value is False:
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {v}" for k, v in value.items())
    return str(value)


# Sections of sessions: printed a place at a time (the place and programme once, as a heading)
# and one short line a session (date, kind, themes, next steps). A pack of 3,854 sessions was
# 332 pages and 8.6 s of WeasyPrint with every field on every record (bench/README.md).
SESSION_SECTIONS = frozenset({"sessions_attended", "diagnostic_participation"})


def _row(row: dict[str, Any]) -> str:
    """A record as one run of text ("Kind: Site visit · Date: 2026-01-08 · ..."): WeasyPrint
    lays out one paragraph far faster than a definition list of a dozen boxes."""
    return " · ".join(f"{_label(name)}: {_text(value)}"
                      for name, value in row.items() if value not in ("", [], {}))


def _session_line(row: dict[str, Any]) -> str:
    parts = [row["date"], row["kind"]]
    if row["themes"]:
        parts.append(_text(row["themes"]))
    if row["next_steps"]:
        parts.append(f"Next steps: {row['next_steps']}")
    return " · ".join(parts)


def _groups(key: str, rows: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """A section's rows as (subheading, lines): sessions under their place and programme, in
    the order the pack lists them (newest first); any other record as one group of its own."""
    if key not in SESSION_SECTIONS:
        return [("", [_row(row) for row in rows])] if rows else []
    grouped: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        grouped.setdefault((row["place"], row["programme"]), []).append(_session_line(row))
    return [(f"{place}, {programme}: {len(lines):,} "
             f"{'session' if len(lines) == 1 else 'sessions'}", lines)
            for (place, programme), lines in grouped.items()]


def pack_pdf(content: dict[str, Any]) -> bytes:
    """The same content as a tagged PDF (PDF/UA-1), through the summaries' fetcher that reads
    our static files and nothing else. WeasyPrint is imported only here."""
    from weasyprint import HTML

    from engagements.summaries.pdf import BASE_URL, PDF_VARIANT, static_files_fetcher

    sections = [(title, key in SESSION_SECTIONS, _groups(key, content[key]))
                for key, title in SECTIONS]
    html = render_to_string("engagements/subjects/pack-pdf.html",
                            {"pack": content, "sections": sections})
    pdf: bytes = HTML(string=html, base_url=BASE_URL,
                      url_fetcher=static_files_fetcher()).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
