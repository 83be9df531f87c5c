"""Forms for measures: they parse what was typed; the rules are in the services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms

from engagements.measures.models import Measure
from fieldbook.forms import BoundedDateField, choice_field

if TYPE_CHECKING:
    from engagements.reach.models import Innovation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _number_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    # The bounds keep a huge number a form error, never a database overflow; the plausible
    # range of the unit is the service's check.
    return forms.DecimalField(label=label, required=required, help_text=help_text,
                              max_digits=14, decimal_places=2,
                              min_value=-10**11, max_value=10**11,
                              widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                            "autocomplete": "off"}))


class MeasureForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name of the measure",
                           help_text="For example, Nights in hospital avoided")
    unit = forms.ChoiceField(choices=Measure.Unit.choices, label="Unit")
    direction = forms.ChoiceField(choices=Measure.Direction.choices, widget=forms.RadioSelect,
                                  label="Which direction is better?")
    frequency = forms.ChoiceField(choices=Measure.Frequency.choices, widget=forms.RadioSelect,
                                  label="How often is it measured?")
    baseline_start = BoundedDateField(widget=DateInput(), label="Baseline period starts")
    baseline_end = BoundedDateField(widget=DateInput(), label="Baseline period ends",
                                    help_text="The run chart's median is the median of the "
                                              "values in this period")
    baseline_value = _number_field("Baseline value", required=False,
                                   help_text="The figure before the change began, if known")
    innovation = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                        label="Innovation it measures")

    def __init__(self, *args: Any, innovations: Iterable[Innovation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "innovation").choices = [("", "None: the place as a whole")] + [
            (i.pk, i.name) for i in innovations]
        for name, message in {"name": "Enter the name of the measure",
                              "unit": "Choose the unit",
                              "direction": "Choose which direction is better",
                              "frequency": "Choose how often it is measured",
                              "baseline_start": "Enter the first day of the baseline period",
                              "baseline_end": "Enter the last day of the baseline period"
                              }.items():
            self.fields[name].error_messages["required"] = message
        for name in ("baseline_start", "baseline_end"):
            self.fields[name].error_messages["invalid"] = "Enter a real date, like 31/03/2026"
        self.fields["innovation"].error_messages["invalid_choice"] = "Choose from the list"


class ValueForm(forms.Form):
    on = BoundedDateField(widget=DateInput(), label="Date",
                          help_text="Any day in the week or month the value is for")
    value = _number_field("Value")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].error_messages.update({
            "required": "Enter the date the value is for",
            "invalid": "Enter a real date, like 31/03/2026"})
        self.fields["value"].error_messages.update({
            "required": "Enter the value, as a number", "invalid": "Enter the value as a number"})


class ImportForm(forms.Form):
    file = forms.FileField(label="Upload a CSV or Excel file",
                           help_text="Two columns: date and value, one row per week or month")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages.update({
            "required": "Choose a CSV or Excel (.xlsx) file", "empty": "The file is empty"})


class ContactForm(forms.Form):
    """Choose the board member who is asked for the next value."""

    person = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect,
                                    label="Who should send the next value?")

    def __init__(self, *args: Any, contacts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "person").choices = contacts
        self.fields["person"].error_messages.update({
            "required": "Choose who should send the next value",
            "invalid_choice": "Choose a current member of the place’s delivery board from the "
                              "list"})
