"""People's names in free text: the one rule for "does this name a person Fieldbook knows?".

Shared learning is attributed by role, never by name (DESIGN.md, principle 4), so the learning
services check every attribution and every shareable text against the names Fieldbook holds:
board members (``Person.full_name``, who are also the attendees of sessions) and users (first
and last name, and a username made of a name, such as ``e.ruth.carmichael``).

The rule, in words:

- text is cut into words (letters, with apostrophes inside a word: "O'Brien"); each word is
  normalised (accents dropped, case folded, apostrophes removed: ``obrien``);
- titles ("Dr", "Mr", "Prof"…) and single letters (initials) are not part of a name;
- a person's name is their first and last remaining words (``given``, ``family``); a name of one
  word is never matched (it would match ordinary words: a user called "lead");
- text names a person when their given name is followed by their family name within two words
  ("Jack Reid", "Dr Jack A. Reid", "Jack Andrew Reid, COO"), or the family name comes first
  ("Reid, Jack", "REID Jack").

So real roles pass ("NHS Operations Manager", "Chief Executive", "GP partner") unless someone
is really called that. Matching is cheap: ``keys`` gives the two normalised words to index,
and ``known_people_in`` finds everyone named in a batch of texts with one query.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

TITLES = frozenset({
    "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "lord", "lady",
    "rev", "revd", "reverend", "cllr", "councillor",
})
# Given name, then the family name this many words later at most (one middle name between).
WINDOW = 2

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class Word:
    norm: str
    start: int
    end: int


def normalise(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold().replace("'", "").replace("’", "")


def words(text: str) -> list[Word]:
    """The words of ``text`` that could be part of a name, with where they are in it."""
    found = []
    for match in _WORD.finditer(text or ""):
        norm = normalise(match.group())
        if len(norm) > 1 and norm not in TITLES:
            found.append(Word(norm, match.start(), match.end()))
    return found


def keys(name: str) -> tuple[str, str] | None:
    """A person's (given, family) name keys, or None for a name of fewer than two words."""
    parts = [w.norm for w in words(name.replace(".", " ").replace("_", " "))]
    if len(parts) < 2:
        return None
    return parts[0], parts[-1]


def spans(text: str, name_keys: tuple[str, str]) -> list[tuple[int, int]]:
    """Where ``text`` names the person with these keys: (start, end) of each mention, a title
    just before it included ("Dr Jack Reid" is replaced whole)."""
    given, family = name_keys
    found = words(text)
    result: list[tuple[int, int]] = []
    i = 0
    while i < len(found):
        end_index = None
        if found[i].norm == given:
            end_index = next((j for j in range(i + 1, min(i + 1 + WINDOW, len(found)))
                              if found[j].norm == family), None)
        elif found[i].norm == family and i + 1 < len(found) and found[i + 1].norm == given:
            end_index = i + 1
        if end_index is None:
            i += 1
            continue
        result.append((_with_title(text, found[i].start), found[end_index].end))
        i = end_index + 1
    return result


_TITLE_BEFORE = re.compile(r"(?:\b(?:" + "|".join(sorted(TITLES)) + r")\b\.?\s+)$", re.I)


def _with_title(text: str, start: int) -> int:
    match = _TITLE_BEFORE.search(text[:start])
    return match.start() if match else start


def replace(text: str, name_keys: tuple[str, str], replacement: str) -> str:
    """``text`` with every mention of the person replaced by ``replacement`` (their role)."""
    for start, end in reversed(spans(text, name_keys)):
        text = text[:start] + replacement + text[end:]
    return text


def search_words(texts: Iterable[str]) -> set[str]:
    """Every normalised word of ``texts``: what the database compares name keys with."""
    return {w.norm for text in texts for w in words(text)}


def raw_words(texts: Iterable[str]) -> set[str]:
    """Every whitespace-separated word of ``texts``, lower case, outer punctuation stripped:
    compared with stored names the database has not normalised (users' names, usernames)."""
    return {
        stripped for text in texts for raw in (text or "").split()
        if (stripped := raw.strip(".,;:!?\"“”‘’()[]").lower())
    }


@dataclass(frozen=True)
class KnownPerson:
    """Someone Fieldbook holds, found named in a text. ``role`` is empty for users."""

    name: str
    keys: tuple[str, str]
    role: str = ""

    def named_in(self, text: str) -> bool:
        return bool(spans(text, self.keys))


def known_people_in(texts: Iterable[str]) -> list[KnownPerson]:
    """Everyone Fieldbook holds whose name could be in ``texts``. One query, whatever the number
    of people: board members by their indexed name keys, UNION users by their lower-cased names
    and usernames (a scan of the users table, which holds staff only: thousands at most).
    The database narrows by words; ``KnownPerson.named_in`` then applies the whole rule."""
    from django.contrib.auth import get_user_model
    from django.db.models import CharField, F, Q, Value
    from django.db.models.functions import Concat, Lower

    from places.models import Person

    texts = [t for t in texts if t and t.strip()]
    norms = search_words(texts)
    if not norms:
        return []
    lowered = norms | raw_words(texts)
    people = (
        Person.objects.filter(family_key__in=norms, given_key__in=norms)
        .annotate(k=Value("person", output_field=CharField()), n=F("full_name"),
                  r=Concat("role_title", Value(", "), "organisation__name",
                           output_field=CharField()))
        .values_list("k", "n", "r").order_by()
    )
    users = (
        get_user_model().objects
        .annotate(lf=Lower("first_name"), ll=Lower("last_name"), lu=Lower("username"))
        .filter(Q(lf__in=lowered, ll__in=lowered) | Q(lu__in=lowered))
        .annotate(k=Value("user", output_field=CharField()),
                  n=Concat("first_name", Value(" "), "last_name", output_field=CharField()),
                  r=F("username"))
        .values_list("k", "n", "r").order_by()
    )
    found: dict[tuple[str, str], KnownPerson] = {}
    for kind, name, extra in people.union(users, all=True):
        # A person by their name and role; a user by their name, and by a username made of one.
        candidates = [(name, extra)] if kind == "person" else [(name, ""), (extra, "")]
        for candidate, role in candidates:
            person_keys = keys(candidate)
            if person_keys and any(spans(t, person_keys) for t in texts):
                shown = name if kind == "person" or name.strip() else candidate
                found.setdefault((shown.strip(), role), KnownPerson(shown.strip(), person_keys,
                                                                    role))
    return sorted(found.values(), key=lambda p: (p.name, p.role))
