"""The audit trail read for people: filters, and each row told in words.

"Jo Pennington edited a site visit to Central Lancashire on 30 Nov" rather than
"engagements.session.updated #812". The words come from the row (its action, record and
changes) and from the records it names, looked up for a whole page at once: one query per kind
of record on the page (sessions, learning items, outcomes) and one for the places, however many
rows (``describe``). Sessions are read by their kind, date and place only: the lookup never
selects the private notes, and the audit rows never held them (fieldbook.audit.REDACTED_FIELDS:
a changed note is "changed", never its text or ciphertext).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from engagements.models import LearningItem, Outcome, Session
from fieldbook.audit import REDACTED
from fieldbook.models import AuditEvent
from fieldbook.params import query_date, query_int, query_text
from places.models import Place

# Kinds of record, for the filter: (value, label, object types).
RECORDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("sessions", "Sessions", ("engagements.session",)),
    ("learning", "Learning items", ("engagements.learning_item", "engagements.learningitem")),
    ("outcomes", "Outcomes", ("engagements.outcome",)),
    ("engagements", "Engagements", ("engagements.engagement", "enablers.assignment")),
    ("places", "Places, boards and people", (
        "places.place", "places.deliveryboard", "places.boardmembership", "places.person",
        "places.organisation", "places.region", "places.system", "places.importbatch")),
    ("summaries", "Learning summaries and messages", (
        "engagements.learningsummary", "engagements.messagecollection",
        "engagements.message", "engagements.nomination", "engagements.messagepublication")),
    ("reference", "Themes and programmes", ("engagements.theme", "engagements.programme")),
    ("accounts", "Users and enablers", ("auth.user", "auth.group", "enablers.enabler")),
]
RECORD_TYPES = {value: types for value, _label, types in RECORDS}

# What was done, for the filter: the last part of the dotted action name.
DONE: list[tuple[str, str, tuple[str, ...]]] = [
    ("added", "Added", ("created", "added", "logged", "onboarded", "invited", "registered",
                        "requested", "committed", "issued")),
    ("edited", "Edited", ("updated", "changed", "roles_changed", "changed_in_django_admin",
                          "merged", "reviewed", "locked", "unlocked", "restored")),
    ("deleted", "Deleted or withdrawn", ("deleted", "removed", "withdrawn", "ended",
                                         "deactivated", "item_withdrawn", "item_hidden")),
    ("signins", "Sign-ins and security", ()),
]
DONE_SUFFIXES = {value: suffixes for value, _label, suffixes in DONE}

# The verb for the last part of an action; anything else is said with its own words.
VERBS = {
    "created": "added", "added": "added", "logged": "logged", "updated": "edited",
    "changed": "edited", "deleted": "deleted", "restored": "restored", "withdrawn": "withdrew",
    "onboarded": "onboarded", "merged": "merged", "published": "published", "locked": "locked",
    "unlocked": "unlocked", "reviewed": "reviewed", "requested": "asked for",
    "compiled": "compiled", "ended": "ended", "deactivated": "deactivated",
    "reactivated": "reactivated", "invited": "invited", "resent": "sent again",
    "committed": "imported", "roles_changed": "changed the roles of", "accepted": "accepted",
    "changed_in_django_admin": "edited", "scheduled": "scheduled", "requeued": "queued again",
    "failed": "could not finish", "pdf_stored": "stored the PDF of",
    "pdf_failed": "could not make the PDF of", "item_hidden": "hid an item in",
    "item_shown": "showed an item in", "changed_after_lock": "changed after locking",
    "item_withdrawn": "withdrew an item from", "sent": "sent",
    # Outcomes confirmed by the place, the lifecycle and requests for support.
    "drafted": "drafted", "edited": "edited", "revoked": "revoked", "confirmed": "confirmed",
    "corrected": "corrected", "declined": "declined", "received": "received",
    "opened": "opened", "paused": "paused", "closed": "closed", "resumed": "resumed",
    "days": "changed the days allocated to",
}
# Whole sentences for actions with no record to name ({who}: the actor; {repr}: the record).
SENTENCES = {
    "accounts.signin.succeeded": "{who} signed in",
    "accounts.signin.failed": "A sign-in failed for {repr}",
    "accounts.signin.throttled": "Sign-ins were paused for {repr} after repeated failures",
    "accounts.signout": "{who} signed out",
    "accounts.password.changed": "{who} changed their password",
    "accounts.password_reset.sent_by_admin": "{who} sent a password reset link to {repr}",
    "accounts.two_factor.enrolled": "{who} set up an authenticator app",
    "accounts.two_factor.verified": "{who} proved their second factor",
    "accounts.two_factor.failed": "{who} entered a wrong second-factor code",
    "accounts.two_factor.reset": "{who} reset the second factor of {repr}",
    "accounts.recovery_codes.issued": "{who} made new recovery codes",
    "accounts.passkey.registered": "{who} added a passkey",
    "accounts.passkey.removed": "{who} removed a passkey",
    "accounts.invitation.accepted": "{who} accepted their invitation",
    "engagements.digest.sent": "Fieldbook sent the weekly email to {repr}",
    "security.notes_key.rotated": "{who} rotated the private-notes key",
    "security.private_notes.refused": "{who} was refused a private note",
    "accounts.signin.sso_refused": "A single sign-on was refused for {repr}",
}
# What to call a record of each type (then its name, from the row).
NOUNS = {
    "places.place": "the place", "places.organisation": "the organisation",
    "places.person": "the person", "places.deliveryboard": "the board",
    "places.delivery_board": "the board", "places.boardmembership": "the board membership",
    "places.board_membership": "the board membership", "places.region": "the region",
    "places.system": "the system", "places.importbatch": "the import",
    "engagements.engagement": "the engagement", "engagements.programme": "the programme",
    "engagements.theme": "the theme", "engagements.learningsummary": "the learning summary",
    "enablers.assignment": "the assignment", "enablers.enabler": "the enabler profile of",
    "auth.user": "the account of", "auth.group": "the role",
    "engagements.proposal": "the proposal", "engagements.supportrequest": "the request for support",
    "engagements.respondent": "the link for",
}
# A session by its kind, and how it joins its place: "a site visit to Central Lancashire".
SESSION_NOUNS = {
    Session.Kind.SITE_VISIT: ("a site visit", "to"),
    Session.Kind.COACHING: ("a 1:1 coaching session", "in"),
    Session.Kind.FACILITATION: ("a board or team facilitation", "in"),
    Session.Kind.WORKSHOP: ("a workshop", "in"),
    Session.Kind.DIAGNOSTIC: ("a diagnostic session", "in"),
    Session.Kind.INTERVIEW: ("an interview", "in"),
    Session.Kind.LEARNING_NETWORK: ("a learning-network event", "with"),
    Session.Kind.REMOTE_CALL: ("a remote call", "with"),
}
SIGNIN_PREFIXES = ("accounts.signin.", "accounts.signout", "accounts.two_factor.",
                   "accounts.password", "accounts.passkey.", "accounts.recovery_codes.",
                   "security.")


@dataclass(frozen=True)
class Filters:
    # The query parameters read (tests/test_hostile_input.py sends hostile values to each).
    PARAMETERS: ClassVar[tuple[str, ...]] = ("who", "record", "done", "place", "since",
                                             "until", "area")

    who: str = ""
    record: str = ""
    done: str = ""
    place: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    area: str = ""  # the older filter by the first part of the action (still linked to)

    @classmethod
    def from_query(cls, params: QueryDict, *, areas: Iterable[str]) -> Filters:
        """Read with bounds (fieldbook.params): a bad value is a 400, never a 500. Unknown
        choices are ignored."""
        record = query_text(params, "record", max_length=30)
        done = query_text(params, "done", max_length=30)
        area = query_text(params, "area", max_length=50)
        return cls(
            who=query_text(params, "who", max_length=100),
            record=record if record in RECORD_TYPES else "",
            done=done if done in DONE_SUFFIXES else "",
            place=query_int(params, "place"),
            since=query_date(params, "since"),
            until=query_date(params, "until"),
            area=area if area and area in set(areas) else "",
        )

    def querystring(self) -> str:
        """The filters as a query string ending in "&", for the pagination and export links."""
        pairs = [("who", self.who), ("record", self.record), ("done", self.done),
                 ("place", str(self.place or "")), ("area", self.area),
                 ("since", self.since.isoformat() if self.since else ""),
                 ("until", self.until.isoformat() if self.until else "")]
        query = QueryDict(mutable=True)
        for key, value in pairs:
            if value:
                query[key] = value
        return query.urlencode() + "&" if query else ""


def events_for(filters: Filters) -> QuerySet[AuditEvent]:
    """The filtered trail, newest first, with the actor joined (no query per row). Each filter
    is an indexed column: actor, object type, place, date (audit_*_idx)."""
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    if filters.area:
        events = events.filter(action__startswith=filters.area)
    if filters.who:
        words = filters.who.split()
        people = User.objects.all()
        for word in words[:4]:
            people = people.filter(Q(username__icontains=word) | Q(first_name__icontains=word)
                                   | Q(last_name__icontains=word))
        events = events.filter(actor__in=people.values("pk"))
    if filters.record:
        events = events.filter(object_type__in=RECORD_TYPES[filters.record])
    if filters.done == "signins":
        match = Q()
        for prefix in SIGNIN_PREFIXES:
            match |= Q(action__startswith=prefix)
        events = events.filter(match)
    elif filters.done:
        match = Q()
        for suffix in DONE_SUFFIXES[filters.done]:
            match |= Q(action__endswith=f".{suffix}")
        events = events.filter(match)
    if filters.place:
        events = events.filter(place_id=filters.place)
    zone = timezone.get_current_timezone()
    if filters.since:
        events = events.filter(created_at__gte=dt.datetime.combine(filters.since, dt.time(),
                                                                   zone))
    if filters.until:
        events = events.filter(created_at__lt=dt.datetime.combine(
            filters.until + dt.timedelta(days=1), dt.time(), zone))
    return events


@dataclass
class Line:
    """One row of the trail, told in words."""

    event: AuditEvent
    who: str
    sentence: str
    place: str
    changes: list[tuple[str, str, list[str]]] = field(default_factory=list)


def _who(event: AuditEvent) -> str:
    if event.actor_id and event.actor:
        return event.actor.get_full_name() or event.actor.get_username()
    return "Fieldbook" if not event.action.startswith("accounts.") else "Someone"


def _short(day: dt.date) -> str:
    return f"{day.day} {day:%b}" if day.year == timezone.localdate().year \
        else f"{day.day} {day:%b %Y}"


def _a(text: str) -> str:
    return ("an " if text[:1].lower() in "aeiou" else "a ") + text


class _Lookups:
    """The records a page of rows names, one query per kind (only kinds that are there)."""

    def __init__(self, events: list[AuditEvent],
                 place_names: dict[int, str] | None = None) -> None:
        ids: dict[str, set[int]] = defaultdict(set)
        for event in events:
            if event.object_id.isdigit():
                ids[event.object_type].add(int(event.object_id))
        self.sessions = {row["pk"]: row for row in Session.objects.filter(
            pk__in=ids["engagements.session"]).values(
            "pk", "kind", "date", "engagement__place__name")} if ids["engagements.session"] \
            else {}
        item_ids = ids["engagements.learning_item"] | ids["engagements.learningitem"]
        self.items = {row["pk"]: row for row in LearningItem.objects.filter(
            pk__in=item_ids).values("pk", "kind", "session__engagement__place__name")} \
            if item_ids else {}
        self.outcomes = {row["pk"]: row for row in Outcome.objects.filter(
            pk__in=ids["engagements.outcome"]).values("pk", "title", "engagement__place__name")} \
            if ids["engagements.outcome"] else {}
        place_ids = {e.place_id for e in events if e.place_id}
        if place_names is not None:
            self.places = place_names
        else:
            self.places = dict(Place.objects.filter(pk__in=place_ids)
                               .values_list("pk", "name")) if place_ids else {}

    def thing(self, event: AuditEvent) -> str:
        """The record in words: "a site visit to Central Lancashire on 30 Nov"."""
        kind = event.object_type
        pk = int(event.object_id) if event.object_id.isdigit() else None
        if kind == "engagements.session" and pk in self.sessions:
            row = self.sessions[pk]
            noun, to = SESSION_NOUNS.get(row["kind"], ("a session", "with"))
            return f"{noun} {to} {row['engagement__place__name']} on {_short(row['date'])}"
        if kind in ("engagements.learning_item", "engagements.learningitem") and pk in self.items:
            item = self.items[pk]
            label = LearningItem.Kind(item["kind"]).label.lower()
            return f"{_a(label)} from {item['session__engagement__place__name']}"
        if kind == "engagements.outcome" and pk in self.outcomes:
            outcome = self.outcomes[pk]
            return (f"the outcome “{outcome['title']}” for "
                    f"{outcome['engagement__place__name']}")
        if kind in ("engagements.session", "engagements.learning_item"):
            return _a(event.object_repr.lower() or "record")
        named = NOUNS.get(kind)
        if named:
            return f"{named} {event.object_repr}".strip()
        if kind:
            model = kind.split(".", 1)[1].replace("_", " ")
            return f"the {model} {event.object_repr}".strip()
        return ""


def _sentence(event: AuditEvent, who: str, lookups: _Lookups) -> str:
    action = event.action
    in_admin = action.startswith("django_admin.")
    if in_admin:
        action = action.removeprefix("django_admin.")
    template = SENTENCES.get(action)
    if template:
        return template.format(who=who, repr=event.object_repr or "an account")
    verb_key = action.rsplit(".", 1)[-1]
    verb = VERBS.get(verb_key, verb_key.replace("_", " "))
    thing = lookups.thing(event) or action.rsplit(".", 1)[0].replace("_", " ").replace(".", " ")
    sentence = f"{who} {verb} {thing}"
    return sentence + (" in the Django admin" if in_admin else "")


# Stored codes said in words, by record type and field.
CHOICE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("engagements.session", "kind"): dict(Session.Kind.choices),
    ("engagements.session", "status"): dict(Session.Status.choices),
    ("engagements.learning_item", "kind"): dict(LearningItem.Kind.choices),
    ("engagements.outcome", "kind"): dict(Outcome.Kind.choices),
}
# Lists of ids, said as how many (the names are on the record's own page).
COUNTED = {"attendees": ("person", "people"), "themes": ("theme", "themes")}
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _worded(event: AuditEvent, key: str, value: object) -> object:
    labels = CHOICE_LABELS.get((event.object_type, key))
    if labels and isinstance(value, str) and value in labels:
        return labels[value]
    if key in COUNTED and isinstance(value, list) and all(isinstance(v, int) for v in value):
        one, many = COUNTED[key]
        return f"{len(value)} {one if len(value) == 1 else many}" if value else "none"
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        day = dt.date.fromisoformat(value)
        return f"{day.day} {day:%b %Y}"
    return value


def _changes(event: AuditEvent) -> list[tuple[str, str, list[str]]]:
    """(label, text, items) per change: a list of more than two values comes back as items.
    Codes are said in words (a site visit, not site_visit); an engagement id is left out when
    the row names its place."""
    shown: list[tuple[str, str, list[str]]] = []
    for key, raw in (event.changes or {}).items():
        if key == "engagement" and event.place_id:
            continue
        value = _worded(event, key, raw)
        label = key.replace("_", " ").capitalize()
        if key == "fields" and isinstance(value, dict):
            for name, change in value.items():
                text = _before_after(change)
                shown.append((name.replace("_", " ").capitalize(), text, []))
            continue
        shown.append((label, *_shown(value)))
    return shown


def _before_after(change: object) -> str:
    if change == REDACTED:
        return "changed (not shown)"
    if isinstance(change, dict) and set(change) == {"before", "after"}:
        before, _ = _shown(change["before"])
        after, _ = _shown(change["after"])
        return after if change["before"] is None else f"{before} → {after}"
    return _shown(change)[0]


def _shown(value: object) -> tuple[str, list[str]]:
    if value == REDACTED:
        return "changed (not shown)", []
    if isinstance(value, list):
        if len(value) > 2:
            return "", [str(v) for v in value]
        return ", ".join(str(v) for v in value) or "none", []
    if isinstance(value, dict):
        if set(value) == {"before", "after"}:
            return _before_after(value), []
        return "; ".join(f"{k}: {v}" for k, v in value.items()), []
    if value is True:
        return "yes", []
    if value is False:
        return "no", []
    if value is None or value == "":
        return "(empty)", []
    return str(value), []


def describe(events: Iterable[AuditEvent], *,
             place_names: dict[int, str] | None = None) -> list[Line]:
    """The rows in words. Queries: one per kind of record named (at most three) and one for the
    places (none if ``place_names`` already has every place), whatever the number of rows."""
    rows = list(events)
    lookups = _Lookups(rows, place_names)
    lines = []
    for event in rows:
        who = _who(event)
        lines.append(Line(event=event, who=who, sentence=_sentence(event, who, lookups),
                          place=lookups.places.get(event.place_id or 0, ""),
                          changes=_changes(event)))
    return lines


EXPORT_HEADER = ["When", "Who", "What happened", "Place", "Changes", "From (address)",
                 "Action", "Record type", "Record id", "Chain position", "Row hash"]


def export_rows(events: QuerySet[AuditEvent], *, batch: int = 500) -> Iterator[list[Any]]:
    """The filtered trail for a spreadsheet, read in batches (a few queries each, flat memory).
    Changes are written as text; redacted fields say only that they changed."""
    last: tuple[dt.datetime, int] | None = None
    while True:
        page = events
        if last is not None:
            page = page.filter(Q(created_at__lt=last[0]) | Q(created_at=last[0], id__lt=last[1]))
        chunk = list(page[:batch])
        if not chunk:
            return
        for line in describe(chunk):
            event = line.event
            yield [
                timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M"),
                line.who, line.sentence, line.place,
                "; ".join(f"{label}: {text or ', '.join(items)}"
                          for label, text, items in line.changes),
                event.ip_address or "", event.action, event.object_type, event.object_id,
                event.seq, event.row_hash,
            ]
        last = (chunk[-1].created_at, chunk[-1].pk)
