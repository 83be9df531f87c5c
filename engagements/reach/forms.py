"""Forms for an area's cohorts, funding and innovations: parsing only; rules in the services."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms

from engagements.measures.forms import DateInput
from engagements.models import Outcome
from engagements.reach.models import Cohort, Innovation, Profession
from fieldbook.forms import BoundedDateField, choice_field
from places.models import Sector

LINES = 8  # lines of participants on the cohort form (one per profession, typically)


def _count_field(label: str, *, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, min_value=0, max_value=5000,
                              widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                            "autocomplete": "off"}))


class CohortForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name",
                           help_text="For example, Cohort 2 residential")
    kind = forms.ChoiceField(choices=Cohort.Kind.choices, widget=forms.RadioSelect,
                             label="Kind")
    starts_on = BoundedDateField(widget=DateInput(), label="Started on")
    ends_on = BoundedDateField(widget=DateInput(), label="Ended on",
                               help_text="The same day for a day event")
    returning = _count_field("Participants who came to an earlier cohort or event")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(LINES):
            self.fields[f"line_{i}_profession"] = forms.ChoiceField(
                choices=[("", "Choose a profession"), *Profession.choices], required=False,
                label=f"Line {i + 1}: profession")
            self.fields[f"line_{i}_sector"] = forms.ChoiceField(
                choices=[("", "Choose a sector"), *Sector.choices], required=False,
                label=f"Line {i + 1}: sector")
            self.fields[f"line_{i}_participants"] = _count_field(
                f"Line {i + 1}: participants")
        for name, message in {"name": "Enter the name of the cohort or event",
                              "kind": "Choose the kind of cohort or event",
                              "starts_on": "Enter the date it started",
                              "ends_on": "Enter the date it ended"}.items():
            self.fields[name].error_messages["required"] = message

    def lines(self) -> list[dict[str, forms.BoundField]]:
        return [{part: self[f"line_{i}_{part}"] for part in
                 ("profession", "sector", "participants")} for i in range(LINES)]

    def counts(self) -> list[tuple[str, str, int]]:
        """The lines filled in (any part of them), in order. A half-filled line is kept so the
        service can say what it lacks."""
        data = self.cleaned_data
        out = []
        for i in range(LINES):
            p, s, n = (data.get(f"line_{i}_profession") or "", data.get(f"line_{i}_sector") or "",
                       data.get(f"line_{i}_participants"))
            if p or s or n:
                out.append((p, s, n or 0))
        return out


class FundingForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    allocated = forms.DecimalField(label="Funding allocated (£)", max_digits=12,
                                   decimal_places=2, min_value=Decimal(0),
                                   max_value=Decimal("9999999999"),
                                   widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    spent = forms.DecimalField(label="Spent so far (£)", max_digits=12, decimal_places=2,
                               min_value=Decimal(0), max_value=Decimal("9999999999"),
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allocated"].error_messages["required"] = "Enter the funding allocated"
        self.fields["spent"].error_messages["required"] = "Enter the funding spent (0 if none)"


class InnovationForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name of the innovation",
                           help_text="For example, Low-risk chest pain pathway redesign")
    description = forms.CharField(required=False, max_length=4000, widget=forms.Textarea,
                                  label="What it is")
    status = forms.ChoiceField(choices=Innovation.Status.choices, widget=forms.RadioSelect,
                               label="Status")
    outcomes = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple,
                                              label="Outcomes it led to")

    def __init__(self, *args: Any, outcomes: Iterable[Outcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "outcomes").choices = [(o.pk, o.title) for o in outcomes]
        self.fields["name"].error_messages["required"] = "Enter the name of the innovation"
        self.fields["status"].error_messages["required"] = "Choose the innovation's status"
        self.fields["outcomes"].error_messages["invalid_choice"] = "Choose from the list"
