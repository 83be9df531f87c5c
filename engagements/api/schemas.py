"""What the API answers, as typed pydantic schemas (django-ninja builds the OpenAPI document
from them). Aggregates only: no private note, no next steps, no free text an enabler wrote, no
person. Counts of sessions and learning go through ``engagements.disclosure``: a hidden count
has ``value`` null and says why in ``text`` ("fewer than 3", "not shown")."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from engagements.disclosure import Cell


class Schema(BaseModel):
    """Plain pydantic models, built from the reads' values (``ninja.Schema`` adds a validator
    that reads ORM objects, which these never are: it cost a tenth of the aggregate's time)."""


class Figure(Schema):
    """A count as it may be published."""

    value: int | None = Field(description="The count, or null when it is not shown.")
    text: str = Field(description='As the pages show it: "12", "fewer than 3" or "not shown".')

    @classmethod
    def of(cls, cell: Cell) -> Figure:
        return cls(value=cell.value if cell.shown else None, text=cell.text)


class ProgrammeOut(Schema):
    slug: str
    name: str
    description: str
    starts_on: dt.date
    ends_on: dt.date | None
    summary_cadence: str
    places: int = Field(description="Places engaged in the programme (any status).")


class OrganisationOut(Schema):
    name: str
    kind: str
    kind_label: str
    ods_code: str | None = Field(description="NHS ODS code, when the organisation has one.")


class PlaceOut(Schema):
    slug: str
    name: str
    region: str
    system: str | None
    organisations: list[OrganisationOut]


class ThemeOut(Schema):
    slug: str
    name: str
    description: str


class ThemeSessions(Schema):
    theme: str = Field(description="The theme's slug.")
    name: str
    sessions: Figure = Field(description="Held sessions that touched the theme.")


class ThemeReach(ThemeSessions):
    places: Figure = Field(description="Places where it came up.")


class Activity(Schema):
    held_sessions: Figure
    days_used: float = Field(description="Days of held sessions (a day on site is 7.5 hours).")
    last_held_on: dt.date | None


class Quarter(Schema):
    """The last 91 days, today included."""

    themes: list[ThemeSessions]
    sectors: list[str] = Field(description="Sectors that had people in the room.")


class EngagementOut(Schema):
    place: str = Field(description="The place's slug (see /places/).")
    place_name: str
    region: str
    status: str
    requested_on: dt.date
    started_on: dt.date | None
    ended_on: dt.date | None
    days_allocated: float | None
    activity: Activity
    themes: list[ThemeSessions] = Field(description="To date.")
    last_quarter: Quarter


class StatusCount(Schema):
    status: str
    label: str
    engagements: int


class ProgrammeAggregate(Schema):
    programme: ProgrammeOut
    engagements_by_status: list[StatusCount]
    activity: Activity
    themes: list[ThemeReach]


class KindCount(Schema):
    kind: str
    label: str
    items: Figure


class ThemeItems(Schema):
    theme: str
    name: str
    items: Figure


class LockedSummary(Schema):
    scope: str
    period: str
    period_start: dt.date
    period_end: dt.date
    locked_at: dt.datetime
    content_hash: str = Field(description="SHA-256 of the summary as locked.")


class Publication(Schema):
    number: int
    published_at: dt.datetime
    messages: int = Field(description="Headed messages in this version.")
    items: Figure = Field(description="Items of learning quoted in it.")


class LearningOut(Schema):
    """Published learning, as counts: shareable items (consented quotes), locked summaries and
    published messages for national leaders. Never the text."""

    items: Figure = Field(description="Shared items of learning in the programme.")
    items_by_kind: list[KindCount]
    items_by_theme: list[ThemeItems]
    locked_summaries: int
    latest_locked_summaries: list[LockedSummary] = Field(description="The ten latest.")
    publications: int
    latest_publications: list[Publication] = Field(description="The ten latest.")


class Problem(Schema):
    detail: str


class OutcomeOut(Schema):
    """An outcome the place confirmed (issue 16): as the place confirmed it (its corrections
    applied), credited to a role and kind of organisation, never a name."""

    place: str = Field(description="The place's slug (see /places/).")
    kind: str
    kind_label: str
    title: str
    who_changed: str = Field(description="A role, team, organisation or sector; never a name.")
    what_changed: str
    changed_on: dt.date | None
    why_it_matters: str
    contribution: str = Field(description="How the support contributed.")
    corrected_by_the_place: bool
    confirmed_by: str = Field(description="The confirming board member's role, never a name.")
    confirmed_on: dt.date | None
