"""Writing measures and their values. Keyword-only, atomic, audited; ``DomainError`` on bad input.

Who may write (README, "Measures and reach"): the engagement's current enablers, programme
leads and admins — the access helper of the view decides (``reads.engagement_for_measures``);
the services check the values, not the person. ``measure_value_add`` is also the entry point
for the place's own contact (a signed link, built elsewhere): it takes ``actor=None`` and
``source=MeasureValue.Source.PLACE``.

A value is refused, with a message beside the field (or its row, for an import), when:
- it is outside the plausible range of the measure's unit (``UNIT_RANGES``: a percentage
  outside 0–100, a negative count, a count that is not a whole number...);
- its date is before the baseline period starts, or in the future;
- its period (the Monday of the week, or the first of the month) already has a value.
An import is all or nothing: one bad row, and nothing is saved.

Every write of a measure's values first locks the measure's row (``_lock``) and ends by storing
the run chart's result on it (``measure_chart_store``: median, latest value, signals), in the
same transaction: two writers of one measure take turns, so the stored result is always that of
the committed values. It costs each write three queries (the lock, the values, the update); it
saves the reach dashboard reading and charting every value of 46 measures on every request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from engagements.measures.models import Measure, MeasureValue
from engagements.respondents.models import RespondentLink
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from fieldbook.units import monday_of, month_first

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from engagements.models import Engagement
    from engagements.reach.models import Innovation

Unit = Measure.Unit
# (lowest, highest, whole numbers only) a value in each unit may plausibly be.
UNIT_RANGES: dict[str, tuple[Decimal, Decimal, bool]] = {
    Unit.COUNT: (Decimal(0), Decimal(10_000_000), True),
    Unit.PERCENT: (Decimal(0), Decimal(100), False),
    Unit.BED_NIGHTS: (Decimal(0), Decimal(10_000_000), True),
    Unit.DAYS: (Decimal(0), Decimal(3_660), False),
    Unit.HOURS: (Decimal(0), Decimal(100_000), False),
    Unit.MINUTES: (Decimal(0), Decimal(1_000_000), False),
    Unit.RATE: (Decimal(0), Decimal(1_000), False),
    Unit.POUNDS: (Decimal(0), Decimal(100_000_000_000), False),
}
NAME_MAX = 200
VALUE_PURPOSE = RespondentLink.Purpose.MEASURE_VALUE


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


class RowErrors(DomainError):
    """An import refused: every bad row, with its column and what is wrong. Nothing saved."""

    def __init__(self, rows: Sequence[RowError]) -> None:
        self.rows = list(rows)
        plural = "" if len(self.rows) == 1 else "s"
        super().__init__(f"Nothing was imported: {len(self.rows)} problem{plural} to fix in "
                         "the file (listed below).")


def period_of(measure: Measure, on: dt.date) -> dt.date:
    """The period a date falls in: the Monday of its week, or the first of its month."""
    return monday_of(on) if measure.is_weekly else month_first(on)


def _number(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,}"


def value_problems(measure: Measure, *, on: dt.date | None, value: Decimal | None,
                   today: dt.date) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with a value of ``measure``; [] when it is fine."""
    problems: list[tuple[str, str]] = []
    if on is None:
        problems.append(("on", "Enter the date the value is for, like 31/03/2026."))
    elif on < measure.baseline_start:
        problems.append(("on", f"The date is before the baseline period, which starts on "
                               f"{measure.baseline_start:%-d %B %Y}."))
    elif on > today:
        problems.append(("on", "The date is in the future: enter values once they are known."))
    if value is None:
        problems.append(("value", "Enter the value, as a number."))
        return problems
    if not value.is_finite():
        problems.append(("value", "Enter the value as a number."))
        return problems
    low, high, whole = UNIT_RANGES[measure.unit]
    unit = measure.get_unit_display().lower()
    if value < low or value > high:
        problems.append(("value", f"{_number(value)} is not a plausible value in {unit}: it "
                                  f"must be between {_number(low)} and {_number(high)}."))
    elif whole and value != value.to_integral_value():
        problems.append(("value", f"A value in {unit} is a whole number."))
    elif value.as_tuple().exponent < -2:  # type: ignore[operator]  # finite: an int exponent
        problems.append(("value", "Give the value to at most two decimal places."))
    return problems


def _measure_problems(*, name: str, baseline_start: dt.date | None,
                      baseline_end: dt.date | None, unit: str, direction: str,
                      frequency: str, baseline_value: Decimal | None) -> dict[str | None,
                                                                             list[str]]:
    errors: dict[str | None, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not name.strip():
        add("name", "Enter the measure's name, like “Nights in hospital avoided”.")
    elif len(name) > NAME_MAX:
        add("name", f"The name must be {NAME_MAX} characters or fewer.")
    if unit not in Unit.values:
        add("unit", "Choose the unit.")
    if direction not in Measure.Direction.values:
        add("direction", "Choose which direction is better.")
    if frequency not in Measure.Frequency.values:
        add("frequency", "Choose how often it is measured.")
    if baseline_start is None:
        add("baseline_start", "Enter the first day of the baseline period.")
    if baseline_end is None:
        add("baseline_end", "Enter the last day of the baseline period.")
    if baseline_start and baseline_end and baseline_end < baseline_start:
        add("baseline_end", "The baseline period must end on or after the day it starts.")
    if baseline_value is not None and unit in UNIT_RANGES:
        low, high, _whole = UNIT_RANGES[unit]
        if not baseline_value.is_finite() or not low <= baseline_value <= high:
            add("baseline_value", f"The baseline value must be between {_number(low)} and "
                                  f"{_number(high)}.")
    return errors


@transaction.atomic
def measure_create(*, actor: User, engagement: Engagement, name: str, unit: str,
                   direction: str, frequency: str, baseline_start: dt.date | None,
                   baseline_end: dt.date | None, baseline_value: Decimal | None = None,
                   innovation: Innovation | None = None) -> Measure:
    name = " ".join(name.split())
    errors = _measure_problems(name=name, baseline_start=baseline_start,
                               baseline_end=baseline_end, unit=unit, direction=direction,
                               frequency=frequency, baseline_value=baseline_value)
    if innovation is not None and innovation.engagement_id != engagement.pk:
        errors.setdefault("innovation", []).append("Choose an innovation of this area.")
    if not errors and Measure.objects.filter(engagement=engagement,
                                             name__iexact=name).exists():
        errors["name"] = ["This place already has a measure with that name."]
    if errors:
        raise DomainError(field_errors=errors)
    assert baseline_start is not None and baseline_end is not None
    try:
        with transaction.atomic():
            measure = Measure.objects.create(
                engagement=engagement, innovation=innovation, name=name, unit=unit,
                direction=direction, frequency=frequency, baseline_start=baseline_start,
                baseline_end=baseline_end, baseline_value=baseline_value, created_by=actor)
    except IntegrityError:
        raise DomainError(field_errors={
            "name": ["This place already has a measure with that name."]}) from None
    measure_chart_store(measure)
    audit_record(actor=actor, action="engagements.measure.created", obj=measure, changes={
        "engagement": engagement.pk, "name": name, "unit": unit, "direction": direction,
        "frequency": frequency, "baseline_start": baseline_start.isoformat(),
        "baseline_end": baseline_end.isoformat(),
        "baseline_value": None if baseline_value is None else str(baseline_value),
        "innovation": innovation.pk if innovation else None,
    })
    return measure


@transaction.atomic
def measure_value_add(*, actor: User | None, measure: Measure, on: dt.date | None,
                      value: Decimal | None,
                      source: str = MeasureValue.Source.FORM) -> MeasureValue:
    """Record one value of ``measure`` for the period ``on`` falls in. ``actor`` is None when
    the place's contact sends it through a signed link (``source=PLACE``)."""
    today = timezone.localdate()
    problems = value_problems(measure, on=on, value=value, today=today)
    if not problems:
        _lock(measure)
        assert on is not None
        if MeasureValue.objects.filter(measure=measure, period=period_of(measure, on)).exists():
            problems.append(("on", _duplicate(measure, on)))
    if problems:
        errors: dict[str | None, list[str]] = {}
        for field, message in problems:
            errors.setdefault(field, []).append(message)
        raise DomainError(field_errors=errors)
    assert on is not None and value is not None
    period = period_of(measure, on)
    try:
        with transaction.atomic():
            row = MeasureValue.objects.create(measure=measure, period=period, value=value,
                                              source=source, entered_by=actor)
    except IntegrityError:  # another writer saved the same period between check and write
        raise DomainError(field_errors={"on": [_duplicate(measure, on)]}) from None
    measure_chart_store(measure)
    audit_record(actor=actor, action="engagements.measure.value_added", obj=measure,
                 changes={"period": period.isoformat(), "value": str(value), "source": source})
    return row


def _lock(measure: Measure) -> None:
    """Hold the measure's row until the transaction ends (one query; SQLite holds the whole
    database for a write anyway), so its values and stored result change one writer at a time."""
    Measure.objects.select_for_update().filter(pk=measure.pk).values_list("pk").first()


def measure_chart_store(measure: Measure) -> None:
    """Compute the measure's run chart from its values and store the result on the measure
    (``Measure.chart_result``). Call it, holding the lock, after any change to the values."""
    from engagements.dashboards.runchart import result_to_json
    from engagements.measures.reads import chart_for

    values = (MeasureValue.objects.filter(measure=measure).order_by("period")
              .values_list("period", "value"))
    result = result_to_json(chart_for(measure, values).chart)
    Measure.objects.filter(pk=measure.pk).update(chart_result=result)
    measure.chart_result = result


def measure_charts_store_all(measures: Sequence[Measure] | None = None) -> int:
    """Store every given measure's result (default: every measure), for values written in bulk
    outside the services (the demo seed, the bench's data): one query for the values, one
    update per measure. Returns how many were stored."""
    from engagements.dashboards.runchart import result_to_json
    from engagements.measures.reads import charts_for

    chosen = list(measures) if measures is not None else list(Measure.objects.all())
    for chart in charts_for(chosen):
        result = result_to_json(chart.chart)
        Measure.objects.filter(pk=chart.measure.pk).update(chart_result=result)
        chart.measure.chart_result = result
    return len(chosen)


def period_label(measure: Measure, period: dt.date) -> str:
    """"the week of 2 March 2026" or "March 2026"."""
    return f"the week of {period:%-d %B %Y}" if measure.is_weekly else f"{period:%B %Y}"


def _duplicate(measure: Measure, on: dt.date) -> str:
    label = period_label(measure, period_of(measure, on))
    return f"There is already a value for {label}: one value per period."


def parse_value(text: str) -> Decimal | None:
    """A number as people type it in a sheet: "1,234", "45.5", "45%", " 7 "; None if not."""
    cleaned = text.strip().replace(",", "").replace("£", "").removesuffix("%").strip()
    if not cleaned or len(cleaned) > 30:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@transaction.atomic
def measure_values_import(*, actor: User, measure: Measure,
                          rows: Sequence[tuple[int, dt.date | None, str, str]],
                          problems: Sequence[RowError] = ()) -> int:
    """Import rows of (spreadsheet row, date or None, the date as typed, the value as typed):
    all of them, or — if any row is wrong, or ``problems`` (the reader's own) is not empty —
    none, raising ``RowErrors`` with every problem found. Returns how many were saved."""
    today = timezone.localdate()
    errors = list(problems)
    _lock(measure)
    existing = set(MeasureValue.objects.filter(measure=measure)
                   .values_list("period", flat=True))
    seen: dict[dt.date, int] = {}
    ready: list[MeasureValue] = []
    for number, on, on_text, value_text in rows:
        value = parse_value(value_text)
        found = value_problems(measure, on=on, value=value, today=today)
        if on is None and on_text:
            found = [("on", f"“{on_text[:40]}” is not a date: write it like 2026-03-31 or "
                            "31/03/2026.")] + [p for p in found if p[0] != "on"]
        if value is None and value_text:
            found = [p for p in found if p[0] != "value"] + [
                ("value", f"“{value_text[:40]}” is not a number.")]
        if not found and on is not None:
            period = period_of(measure, on)
            if period in seen:
                found.append(("on", f"Row {seen[period]} is for the same period: one value "
                                    "per period."))
            elif period in existing:
                found.append(("on", _duplicate(measure, on)))
            seen.setdefault(period, number)
        columns = {"on": "date", "value": "value"}
        errors += [RowError(number, columns[field], message) for field, message in found]
        if not found and on is not None and value is not None:
            ready.append(MeasureValue(measure=measure, period=period_of(measure, on),
                                      value=value, source=MeasureValue.Source.IMPORT,
                                      entered_by=actor))
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: (e.row, e.column)))
    try:
        with transaction.atomic():
            MeasureValue.objects.bulk_create(ready)
    except IntegrityError:
        raise RowErrors([RowError(0, "date", "Someone saved values for some of these periods "
                                             "while the file was read. Nothing was imported: "
                                             "upload it again.")]) from None
    measure_chart_store(measure)
    audit_record(actor=actor, action="engagements.measure.values_imported", obj=measure,
                 changes={"values": len(ready),
                          "first": min(v.period for v in ready).isoformat() if ready else None,
                          "last": max(v.period for v in ready).isoformat() if ready else None})
    return len(ready)


# -- the place's own contact sends the next value (a respondent link) -------------------------

def next_period(measure: Measure, *, today: dt.date | None = None) -> dt.date:
    """The period a place is asked about: the one after the latest value (the baseline's first
    without any), never later than the period today falls in."""
    from engagements.measures.reads import results_for

    today = today or timezone.localdate()
    latest = results_for([measure])[0].result.latest
    if latest is None:
        wanted = period_of(measure, measure.baseline_start)
    elif measure.is_weekly:
        wanted = latest.on + dt.timedelta(weeks=1)
    else:
        wanted = month_first(latest.on + dt.timedelta(days=32))
    return min(wanted, period_of(measure, today))


def next_period_label(measure: Measure, *, today: dt.date | None = None) -> str:
    return period_label(measure, next_period(measure, today=today))


@transaction.atomic
def measure_send(*, actor: User, measure: Measure, person_id: int | None,
                 link_for: Callable[[str], str]) -> RespondentLink:
    """Ask a current member of the place's delivery board (with an email address) for the
    measure's next value: a respondent link (14 days, once). An open link for the measure is
    revoked first. Audited as ``engagements.measure.sent`` (and the link's own rows)."""
    from engagements.outcomes.services import contacts_for
    from engagements.respondents import services as respondents

    person = (contacts_for(measure.engagement).filter(pk=person_id).first()
              if person_id else None)
    if person is None:
        raise DomainError(field_errors={"person": [
            "Choose a current member of the place’s delivery board who has an email address"]})
    link, token = respondents.link_create(actor=actor, purpose=VALUE_PURPOSE, target=measure,
                                          person=person)
    audit_record(actor=actor, action="engagements.measure.sent", obj=measure,
                 changes={"link": link.pk, "person_id": person.pk})
    respondents.link_send_after_commit(link, token, link_for)
    return link


def measure_for_link(link: RespondentLink) -> Measure | None:
    if link.purpose != VALUE_PURPOSE:
        return None
    return (Measure.objects.select_related("engagement__place", "engagement__programme")
            .filter(pk=link.object_id).first())


@transaction.atomic
def measure_value_respond(*, token: str, on: dt.date | None, value: Decimal | None,
                          now: dt.datetime | None = None) -> MeasureValue:
    """The place's contact sends a value through their link: checked as any value is (unit,
    range, before the baseline, a second value for the period: ``DomainError`` beside the
    field, and the link stays unused, as nothing is saved). The link is used in the same
    transaction: twice is refused (``LinkUnusable``)."""
    from engagements.respondents import services as respondents

    link = respondents.link_claim(token=token, purpose=VALUE_PURPOSE, now=now)
    measure = measure_for_link(link)
    if measure is None:
        raise respondents.LinkUnusable("revoked")
    return measure_value_add(actor=None, measure=measure, on=on, value=value,
                             source=MeasureValue.Source.PLACE)
