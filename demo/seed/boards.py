"""Fictional delivery-board members for the demo places, drawn the same way on every run."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from demo.seed.organisations import ORGANISATIONS
from demo.seed.people import (
    BOARD_SEATS,
    CHAIR_ROLES,
    CORE_SEATS,
    FIRST_NAMES,
    SEED_REAL_NAMES,
    SURNAMES,
)
from demo.seed.places import PLACES, PlaceSpec
from demo.seed.sessions import SEED


@dataclass(frozen=True)
class Seat:
    full_name: str
    role_title: str
    organisation: str
    board_role: str
    started_on: dt.date


def board_seats() -> list[tuple[PlaceSpec, Seat]]:
    """6–10 fictional board members per place, the same every run.

    Names are unique across the whole demo (a person is found again by organisation and name),
    and never one of the real names in the seeds.
    """
    taken = set(SEED_REAL_NAMES)
    seats: list[tuple[PlaceSpec, Seat]] = []
    for place in PLACES:
        rng = random.Random(f"{SEED}:board:{place.slug}")
        kinds = [(name, ORGANISATIONS[name][0]) for name in place.organisations]
        available: list[tuple[str, str]] = []
        for kind, role, must_contain in BOARD_SEATS:
            org = next((n for n, k in kinds if k == kind and must_contain in n), None)
            if org:
                available.append((role, org))
        core, rest = available[:CORE_SEATS], available[CORE_SEATS:]
        rng.shuffle(rest)
        chosen = (core + rest)[:rng.randint(6, 10)]
        chair = rng.choice([i for i, (role, _) in enumerate(chosen) if role in CHAIR_ROLES])
        for i, (role, org) in enumerate(chosen):
            name = ""
            while not name or name in taken:
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            taken.add(name)
            seats.append((place, Seat(
                full_name=name, role_title=role, organisation=org,
                board_role="chair" if i == chair else "member",
                started_on=place.board_established_on + dt.timedelta(days=rng.randrange(0, 1500)),
            )))
    return seats
