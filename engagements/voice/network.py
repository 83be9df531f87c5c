"""The relationship pulse's network: its measures and the geometry of its drawing.

Organisations are nodes, placed round a circle grouped by sector (the sectors in
``places.Sector``'s order, then by name), each numbered and coloured by a CSS class for its
sector; ties are lines whose width says their strength (the mean of trust and value). Only
ties shown under the small-number rule (engagements.voice.reads) are drawn or counted. The
template only loops over what is computed here: every coordinate is an SVG attribute (the
CSP forbids style attributes).

Measures (README, "The place's own voice"):

- a **working tie** is a shown tie of strength 3 or more;
- **density** is working ties over the pairs of organisations that could have one;
- **sectors connected** is how many of the board's sectors have a working tie with another
  sector;
- a tie **strengthened** when its strength rose by ``STRENGTHENED_BY`` (0.5) or more since the
  last shown round, both shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from places.models import SECTOR_BY_KIND, Sector

WORKING = 3.0
STRONG = 4.0
STRENGTHENED_BY = 0.5
WIDTH = 760
HEIGHT = 440
CX, CY, RADIUS = WIDTH // 2, HEIGHT // 2, 145
NODE_R = 14
LABEL_GAP = 22
LABEL_CHARS = 32
SECTOR_ORDER = {s.value: i for i, s in enumerate(Sector)}


@dataclass
class Node:
    id: int
    name: str
    sector: str
    number: int = 0
    x: int = 0
    y: int = 0
    label_x: int = 0
    label_y: int = 0
    anchor: str = "middle"

    @classmethod
    def of(cls, org_id: int, name: str, kind: str) -> Node:
        return cls(org_id, name, SECTOR_BY_KIND.get(kind, Sector.OTHER_PUBLIC))

    @property
    def sector_label(self) -> str:
        return Sector(self.sector).label

    @property
    def label(self) -> str:
        return self.name if len(self.name) <= LABEL_CHARS else self.name[:LABEL_CHARS - 1] + "…"


@dataclass
class Tie:
    low: int
    high: int
    trust: float
    value: float
    shown: bool
    a: Node | None = None
    b: Node | None = None
    before: float | None = None  # its strength in the previous shown round, if shown then

    @property
    def strength(self) -> float:
        return round((self.trust + self.value) / 2, 1)

    @property
    def band(self) -> str:
        if self.strength >= STRONG:
            return "strong"
        return "working" if self.strength >= WORKING else "weak"

    @property
    def strengthened(self) -> bool:
        return self.before is not None and self.strength - self.before >= STRENGTHENED_BY - 1e-9

    @property
    def cross_sector(self) -> bool:
        return self.a is not None and self.b is not None and self.a.sector != self.b.sector


@dataclass
class Network:
    nodes: list[Node]
    ties: list[Tie]  # shown ties only, strongest first
    not_shown: int  # ties rated by fewer than MIN_TIE_RATINGS
    sectors: list[str] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def pairs(self) -> int:
        n = len(self.nodes)
        return n * (n - 1) // 2

    @property
    def working(self) -> list[Tie]:
        return [t for t in self.ties if t.strength >= WORKING]

    @property
    def density(self) -> float:
        return len(self.working) / self.pairs if self.pairs else 0.0

    @property
    def density_percent(self) -> int:
        return round(self.density * 100)

    @property
    def sectors_connected(self) -> int:
        return len({s for t in self.working if t.cross_sector and t.a and t.b
                    for s in (t.a.sector, t.b.sector)})

    @property
    def strengthened(self) -> list[Tie]:
        return [t for t in self.ties if t.strengthened]

    @property
    def sector_labels(self) -> list[tuple[str, str]]:
        return [(s, Sector(s).label) for s in self.sectors]


def _place(nodes: list[Node]) -> None:
    n = len(nodes)
    for i, node in enumerate(nodes):
        # From the top, clockwise; two nodes sit side by side.
        angle = -math.pi / 2 + 2 * math.pi * i / n if n > 2 else math.pi * (i + 1)
        cos, sin = math.cos(angle), math.sin(angle)
        node.number = i + 1
        node.x, node.y = round(CX + RADIUS * cos), round(CY + RADIUS * sin)
        node.label_x = round(CX + (RADIUS + LABEL_GAP) * cos)
        node.label_y = round(CY + (RADIUS + LABEL_GAP) * sin) + 4
        node.anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
        if node.anchor == "middle":
            node.label_y += 8 if sin > 0 else -4


def network_of(nodes: list[Node], ties: list[Tie], *, before: Network | None = None
               ) -> Network:
    """The network of one round from its organisations and its ties' means (each tie marked
    shown or not by the caller); ``before`` (the previous shown round) says what
    strengthened."""
    nodes = sorted(nodes, key=lambda n: (SECTOR_ORDER.get(n.sector, 99), n.name.lower(), n.id))
    _place(nodes)
    by_id = {n.id: n for n in nodes}
    earlier = {(t.low, t.high): t.strength for t in before.ties} if before else {}
    shown: list[Tie] = []
    for t in ties:
        if not t.shown or t.low not in by_id or t.high not in by_id:
            continue
        t.a, t.b = by_id[t.low], by_id[t.high]
        t.before = earlier.get((t.low, t.high))
        shown.append(t)
    shown.sort(key=lambda t: (-t.strength, t.a.number if t.a else 0, t.b.number if t.b else 0))
    sectors = sorted({n.sector for n in nodes}, key=lambda s: SECTOR_ORDER.get(s, 99))
    return Network(nodes, shown, sum(1 for t in ties if not t.shown), sectors)
