"""Identity-safe attribution (issue 15, point 5): a role that would single out one person in
its place is generalised before anything is published.

Quotes are attributed by role, never by name; but "Chief Executive, <the place's only acute
trust>" names somebody as surely as a name would. The rule (README "Identity-safe attribution"):

1. Read the attribution as ``role[, organisation]``; the organisation part may name a kind
   ("acute trust", "council", "CCG") or one of the place's organisations by name.
2. Count the people at the place it could mean (``candidates``):
   - a *post* (one holder per organisation: chief…, chair, director…, accountable officer) in a
     named organisation: 1; in a named kind: the place's organisations of that kind;
   - otherwise the place's current board members whose role title is the role (and, if a kind
     is named, whose organisation is of that kind);
   - a role that matches nobody Fieldbook knows at the place, and names no post in a known
     kind of organisation, is left as written (there is nobody to single out that we know of).
3. Fewer than ``THRESHOLD`` (2) candidates: generalised. The role becomes its group ("a senior
   leader", "a clinical leader", "a manager", "a local leader") "in an acute trust" (the kind,
   when known) or "in the local system", and the place is widened to its region.

``place_facts`` reads what the rule needs for many places in three queries, whatever their
number; ``attribute`` reads nothing from the database.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q

from places.models import BoardMembership, Organisation, Place

THRESHOLD = 2

SENIOR_WORDS = ("chief", "director", "chair", "chairperson", "executive", "accountable officer",
                "president", "leader of the council")
CLINICAL_WORDS = ("clinical", "clinician", "doctor", "nurse", "consultant", "gp", "physician",
                  "medical", "matron", "therapist", "paramedic", "pharmacist")
MANAGER_WORDS = ("manager", "head of", "lead")
POST_WORDS = SENIOR_WORDS

ROLE_GROUPS = {
    "senior": "a senior leader",
    "clinical": "a clinical leader",
    "manager": "a manager",
    "other": "a local leader",
}
ROLE_GROUP_CHOICES = [
    ("senior", "Senior leaders"), ("clinical", "Clinicians"), ("manager", "Managers"),
    ("other", "Other roles"),
]

# How an attribution may name a kind of organisation.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    Organisation.Kind.ACUTE_TRUST: ("acute trust", "acute", "hospital trust", "hospital"),
    Organisation.Kind.COMMUNITY_TRUST: ("community trust", "community services"),
    Organisation.Kind.MENTAL_HEALTH_TRUST: ("mental health trust", "mental health"),
    Organisation.Kind.AMBULANCE_TRUST: ("ambulance trust", "ambulance service", "ambulance"),
    Organisation.Kind.COMMISSIONER: ("ccg", "icb", "commissioner", "clinical commissioning"),
    Organisation.Kind.LOCAL_AUTHORITY: ("local authority", "council", "social care"),
    Organisation.Kind.PRIMARY_CARE: ("gp federation", "primary care"),
    Organisation.Kind.VOLUNTARY: ("voluntary", "charity", "community sector"),
    Organisation.Kind.INDEPENDENT: ("independent sector",),
    Organisation.Kind.OTHER_PUBLIC: ("police", "fire"),
}


def normalise(text: str) -> str:
    words = re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()
    if words and words[0] == "nhs":
        words = words[1:]
    return " ".join(words)


def _has(text: str, words: tuple[str, ...]) -> bool:
    padded = f" {text} "
    return any(f" {word} " in padded for word in words)


def role_group(role: str) -> str:
    """senior / clinical / manager / other: the quote bank's filter and the generalised
    wording. Senior is checked first ("Medical Director" is a senior leader)."""
    text = normalise(role)
    for group, words in (("senior", SENIOR_WORDS), ("clinical", CLINICAL_WORDS),
                         ("manager", MANAGER_WORDS)):
        if _has(text, words):
            return group
    return "other"


def _words_regex(words: tuple[str, ...]) -> str:
    # No \b: PostgreSQL reads it as a backspace. A word starts the text or follows a non-letter.
    return r"(^|[^a-z])(" + "|".join(re.escape(w) for w in words) + r")([^a-z]|$)"


def role_group_q(group: str, field_name: str = "attributed_role") -> Q:
    """The same groups as ``role_group``, as a filter the database runs."""
    senior = Q(**{f"{field_name}__iregex": _words_regex(SENIOR_WORDS)})
    clinical = Q(**{f"{field_name}__iregex": _words_regex(CLINICAL_WORDS)})
    manager = Q(**{f"{field_name}__iregex": _words_regex(MANAGER_WORDS)})
    if group == "senior":
        return senior
    if group == "clinical":
        return clinical & ~senior
    if group == "manager":
        return manager & ~senior & ~clinical
    return ~senior & ~clinical & ~manager


@dataclass
class PlaceFacts:
    place: str
    region: str
    kinds: Counter[str] = field(default_factory=Counter)
    organisations: dict[str, str] = field(default_factory=dict)  # normalised name -> kind
    holders: dict[str, list[str]] = field(default_factory=dict)  # normalised role -> kinds


def place_facts(place_ids: set[int] | list[int]) -> dict[int, PlaceFacts]:
    """What the rule needs about each place. Three queries, whatever the number of places."""
    facts = {
        pk: PlaceFacts(place=name, region=region)
        for pk, name, region in Place.objects.filter(pk__in=place_ids)
        .values_list("pk", "name", "region__name")
    }
    links = Organisation.places.through.objects.filter(place_id__in=facts).values_list(
        "place_id", "organisation__kind", "organisation__name")
    for place_id, kind, name in links:
        facts[place_id].kinds[kind] += 1
        facts[place_id].organisations[normalise(name)] = kind
    members = BoardMembership.objects.filter(
        board__place_id__in=facts, ended_on__isnull=True
    ).values_list("board__place_id", "person__role_title", "person__organisation__kind")
    for place_id, title, kind in members:
        facts[place_id].holders.setdefault(normalise(title), []).append(kind)
    return facts


@dataclass(frozen=True)
class Attribution:
    role: str  # as shown: the role as written, or its generalisation
    where: str  # the place, or its region when generalised
    generalised: bool

    def __str__(self) -> str:
        return f"{self.role}, {self.where}" if self.role else self.where


def _named_kind(org_part: str, facts: PlaceFacts) -> tuple[str | None, bool]:
    """(kind, named by name) of the organisation part of an attribution, if any."""
    if not org_part:
        return None, False
    for name, kind in facts.organisations.items():
        if name and (name in org_part or org_part in name) and len(org_part) > 3:
            return kind, True
    for kind, words in KIND_WORDS.items():
        if _has(org_part, words):
            return kind, False
    return None, False


def candidates(role_text: str, facts: PlaceFacts) -> tuple[int | None, str | None]:
    """(how many people at the place the attribution could mean, or None if nobody we know;
    the kind of organisation it points at, if known)."""
    role_part, _, org_part = role_text.partition(",")
    role, org = normalise(role_part), normalise(org_part)
    kind, by_name = _named_kind(org, facts)
    if kind is None:  # "Chief Executive of the acute trust" in one phrase
        kind, by_name = _named_kind(role, facts)
    is_post = _has(role, POST_WORDS)
    holders = [k for k in facts.holders.get(role, []) if kind is None or k == kind]
    if is_post and by_name:
        return 1, kind
    if is_post and kind is not None:
        return facts.kinds.get(kind, 0) or 1, kind
    if holders:
        return len(holders), kind or (holders[0] if len(set(holders)) == 1 else None)
    return None, kind


def attribute(role_text: str, facts: PlaceFacts) -> Attribution:
    """The attribution to publish for ``role_text`` said at the place ``facts`` describes."""
    count, kind = candidates(role_text, facts)
    if count is None or count >= THRESHOLD:
        return Attribution(role=role_text.strip(), where=facts.place, generalised=False)
    group = ROLE_GROUPS[role_group(role_text)]
    if kind is not None:
        label = Organisation.Kind.in_words(kind)
        article = "an" if label[:1] in "aeiou" else "a"
        wording = f"{group} in {article} {label}"
    else:
        wording = f"{group} in the local system"
    return Attribution(role=wording, where=facts.region, generalised=True)
