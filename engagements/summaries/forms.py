"""Forms for asking for a learning summary and filtering the list of summaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from engagements.models import LearningSummary, Programme
from engagements.summaries.periods import Period
from fieldbook.forms import BoundedDateField, choice_field, model_choice_field
from places.models import Place

Kind = LearningSummary.Period
Scope = LearningSummary.Scope

WEEKS_BACK = 26
MONTHS_BACK = 24
QUARTERS_BACK = 12

OTHER_DATES = "custom"


def _periods(kind: str, today: dt.date, count: int, since: dt.date) -> list[Period]:
    """The period containing today, then the ``count`` before it, none ending before ``since``."""
    periods = [Period.containing(kind, today)]
    while len(periods) <= count and periods[-1].start > since:
        periods.append(periods[-1].previous())
    return periods


def _period_choice(period: Period, today: dt.date) -> tuple[str, str]:
    label = period.label
    if period.kind == Kind.WEEK:
        label = (f"Week of {period.start.day} {period.start:%B %Y} "
                 f"(to {period.end.day} {period.end:%B})")
    if period.end >= today:
        label += " (so far)"
    return f"{period.kind}:{period.start.isoformat()}", label


class ProgrammeChoiceForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="Which programme is the summary for?",
        queryset=Programme.objects.none(), empty_label="Select a programme",
        error_messages={"required": "Select a programme",
                        "invalid_choice": "Select a programme from the list"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "programme").queryset = Programme.objects.order_by("name")


class SummaryRequestForm(forms.Form):
    """Scope (within one programme) and period, each one select with option groups, so the
    form needs no conditional reveals and reads the same with or without JavaScript.

    Values: scope "programme", "region:<id>" or "place:<id>"; period "<kind>:<first day>" or
    "custom" (then ``start`` and ``end``). ``clean()`` adds ``region``, ``place`` and
    ``period_value`` (a ``Period``).
    """

    scope = forms.ChoiceField(
        label="What should the summary cover?",
        error_messages={"required": "Select what the summary should cover",
                        "invalid_choice": "Select what the summary should cover from the list"},
    )
    period = forms.ChoiceField(
        label="Which period?",
        help_text="Figures are compared with the period before: the week, month or quarter "
                  "before, or as many days before other dates.",
        error_messages={"required": "Select a period",
                        "invalid_choice": "Select a period from the list"},
    )
    start = BoundedDateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the first day as a real date"},
    )
    end = BoundedDateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the last day as a real date"},
    )

    def __init__(self, *args: Any, programme: Programme, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.today = today
        places = list(
            Place.objects.filter(engagements__programme=programme)
            .select_related("region").order_by("name")
        )
        self.regions = {p.region_id: p.region for p in places}
        self.places = {p.pk: p for p in places}
        choice_field(self, "scope").choices = [
            ("", "Select what the summary covers"),
            (Scope.PROGRAMME, f"The whole programme ({len(places)} places)"),
            ("Regions", [(f"region:{r.pk}", r.name)
                         for r in sorted(self.regions.values(), key=lambda r: r.name)]),
            ("Places", [(f"place:{p.pk}", p.name) for p in places]),
        ]
        since = programme.starts_on
        choice_field(self, "period").choices = [
            ("", "Select a period"),
            *[(group, [_period_choice(p, today) for p in _periods(kind, today, count, since)])
              for group, kind, count in (("Quarters", Kind.QUARTER, QUARTERS_BACK),
                                         ("Months", Kind.MONTH, MONTHS_BACK),
                                         ("Weeks", Kind.WEEK, WEEKS_BACK))],
            (OTHER_DATES, "Other dates (enter them below)"),
        ]

    @classmethod
    def initial_for(cls, today: dt.date) -> dict[str, Any]:
        """Last quarter of the whole programme: what a lead most often asks for."""
        last = Period.last_completed(Kind.QUARTER, today)
        return {"scope": Scope.PROGRAMME, "period": f"{last.kind}:{last.start.isoformat()}"}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        scope = data.get("scope") or ""
        kind, _, pk = scope.partition(":")
        data["scope"], data["region"], data["place"] = kind, None, None
        if kind == Scope.REGION:
            data["region"] = self.regions.get(int(pk))
        elif kind == Scope.PLACE:
            data["place"] = self.places.get(int(pk))

        period = data.get("period")
        if period == OTHER_DATES:
            start, end = data.get("start"), data.get("end")
            if not start and "start" not in self.errors:
                self.add_error("start", "Enter the first day of the period")
            if not end and "end" not in self.errors:
                self.add_error("end", "Enter the last day of the period")
            starts_on = self.programme.starts_on
            if start and starts_on and start < starts_on:
                self.add_error("start", f"The programme started on {starts_on:%-d %B %Y}: "
                                        "enter a first day on or after it")
            elif start and end:
                if end < start:
                    self.add_error("end", "The last day must be on or after the first day")
                else:
                    data["period_value"] = Period.custom(start, end)
        elif period:
            kind, _, first = period.partition(":")
            data["period_value"] = Period.containing(kind, dt.date.fromisoformat(first))
        return data


class SummaryFilterForm(forms.Form):
    """The list's filters. Invalid values are ignored rather than shown as errors."""

    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(), required=False, empty_label="All programmes"
    )
    scope = forms.ChoiceField(
        choices=[("", "Any scope"), *Scope.choices], required=False, label="Covers"
    )
    period = forms.ChoiceField(
        choices=[("", "Any period"), *Kind.choices], required=False, label="Period"
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *LearningSummary.Status.choices], required=False
    )

    def __init__(self, *args: Any, programmes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "programme").queryset = programmes


# ---- review, then lock (engagements.summaries.review) -------------------------------------------

class _Versioned(forms.Form):
    """The review version the page was opened at: the compare-and-set token."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # The review page holds several of these forms: each has ids of its own.
    id_prefix = "review"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class SummaryReviewForm(_Versioned):
    introduction = forms.CharField(
        label="Introduction", required=False, widget=forms.Textarea,
        help_text="Shown first, before the figures: what a reader should take from this "
                  "summary. Plain text; a blank line starts a new paragraph.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from engagements.summaries.review import SECTIONS

        positions = [(str(i), str(i)) for i in range(1, len(SECTIONS) + 1)]
        for key, title in SECTIONS.items():
            self.fields[f"position_{key}"] = forms.TypedChoiceField(
                label=title, choices=positions, coerce=int)

    @staticmethod
    def initial_for(summary: LearningSummary) -> dict[str, Any]:
        from engagements.summaries.review import section_order

        initial: dict[str, Any] = {"version": summary.review_version,
                                   "introduction": summary.introduction}
        for i, key in enumerate(section_order(summary), start=1):
            initial[f"position_{key}"] = str(i)
        return initial

    def position_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("position_")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        taken: dict[int, str] = {}
        for name in self.fields:
            if name.startswith("position_") and name in cleaned:
                position = cleaned[name]
                if position in taken:
                    self.add_error(name, f"{self.fields[name].label} and "
                                   f"{self.fields[taken[position]].label} are both in place "
                                   f"{position}: give each section its own place")
                taken.setdefault(position, name)
        return cleaned

    @property
    def order(self) -> list[str]:
        positions = {name.removeprefix("position_"): value
                     for name, value in self.cleaned_data.items() if name.startswith("position_")}
        return sorted(positions, key=lambda key: positions[key])


class SummaryItemHideForm(_Versioned):
    id_prefix = "hide"
    reason = forms.CharField(
        label="Why leave it out?", max_length=500,
        error_messages={"required": "Say why this item is left out of the summary"},
        help_text="Recorded with the summary and in the audit log, for example “repeats "
                  "message 2” or “could identify the place”.",
    )


class SummaryLockForm(_Versioned):
    id_prefix = "lock"
    confirm = forms.BooleanField(
        label="I have reviewed this summary: lock it so that it no longer changes",
        required=True,
        error_messages={"required": "Confirm that you have reviewed the summary before "
                                    "locking it"},
    )


class SummaryUnlockForm(_Versioned):
    id_prefix = "unlock"
    reason = forms.CharField(
        label="Why unlock it?", max_length=500, widget=forms.Textarea,
        error_messages={"required": "Say why this summary is being unlocked"},
        help_text="Recorded in the audit log. Once unlocked, the summary can be reviewed and "
                  "compiled again, and must be locked again before it is final.",
    )
