"""Forms for the Manage area. They parse and tidy input; the rules live in the services."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from engagements.models import Engagement, Programme, Theme
from fieldbook.roles import ALL_ROLES

from .models import (
    BoardMembership,
    ImportBatch,
    Invitation,
    Organisation,
    Region,
    System,
    ods_code_validator,
)
from .onboarding import ONBOARDING_STATUSES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _messages(form: forms.Form, messages: dict[str, str]) -> None:
    """Plain-English "required" messages, field by field (NHS.UK: "Enter...", "Choose...")."""
    for name, message in messages.items():
        form.fields[name].error_messages["required"] = message


class UpperCaseField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return (super().to_python(value) or "").strip().upper()


# ---- onboarding -------------------------------------------------------------------------------


class PlaceForm(forms.Form):
    name = forms.CharField(max_length=200, label="What is the place called?",
                           help_text="The locality's usual name, for example Central Lancashire")
    region = forms.TypedChoiceField(coerce=int, label="NHS England region")
    system = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Integrated care system",
        help_text="The ICS, STP or ICB the place sits within, if there is one",
    )
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea, label="Description",
        help_text="A line about the place, for example which hospitals and councils serve it",
    )

    def __init__(self, *args: Any, regions: Iterable[Region], systems: Iterable[System],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "Choose a region")] + [
            (r.pk, r.name) for r in regions
        ]
        self.fields["system"].choices = [("", "None")] + [
            (s.pk, f"{s.name} ({s.region.name})") for s in systems
        ]
        _messages(self, {"name": "Enter the name of the place",
                         "region": "Choose the NHS England region the place is in"})
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def to_answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"].strip(), "region_id": data["region"],
                "system_id": data["system"], "description": data["description"].strip()}


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search for an organisation",
                        help_text="Part of its name, or its ODS code")


class NewOrganisationForm(forms.Form):
    name = forms.CharField(max_length=200, label="Organisation name")
    kind = forms.ChoiceField(choices=Organisation.Kind.choices, widget=forms.RadioSelect,
                             label="What kind of organisation is it?")
    ods_code = UpperCaseField(
        required=False, max_length=6, label="ODS code", validators=[ods_code_validator],
        help_text="The NHS Organisation Data Service code: 3 to 6 letters and digits, "
                  "for example RXN. Leave it empty if it has none",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _messages(self, {"name": "Enter the organisation's name",
                         "kind": "Choose what kind of organisation it is"})
        self.fields["ods_code"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "class": "nhsuk-input--width-10"}
        )


class BoardForm(forms.Form):
    name = forms.CharField(max_length=200, label="What is the board called?",
                           help_text="For example, Central Lancashire A&E Delivery Board")
    established_on = forms.DateField(required=False, widget=DateInput(),
                                     label="When was it set up?")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _messages(self, {"name": "Enter the name of the delivery board"})
        self.fields["established_on"].error_messages["invalid"] = (
            "Enter a real date, for example 2016-09-01")


class MemberForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Full name")
    role_title = forms.CharField(max_length=200, label="Role title",
                                 help_text="For example, Chief Operating Officer")
    organisation = forms.ChoiceField(label="Organisation")
    board_role = forms.ChoiceField(choices=BoardMembership.BoardRole.choices,
                                   widget=forms.RadioSelect, label="Role on the board",
                                   initial=BoardMembership.BoardRole.MEMBER)

    def __init__(self, *args: Any, organisations: Iterable[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "Choose an organisation"), *organisations]
        _messages(self, {"full_name": "Enter the member's full name",
                         "role_title": "Enter the member's role title",
                         "organisation": "Choose the member's organisation",
                         "board_role": "Choose the member's role on the board"})
        self.fields["full_name"].widget.attrs.update({"autocomplete": "off",
                                                      "spellcheck": "false"})


class PasteMembersForm(forms.Form):
    text = forms.CharField(
        max_length=20000, widget=forms.Textarea, label="Board members, one a line",
        help_text="Name, role title, organisation, board role (chair, vice-chair or member), "
                  "separated by commas. For example: Sam Patel, Chief Operating Officer, "
                  "Leeds Teaching Hospitals NHS Trust, chair",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _messages(self, {"text": "Paste at least one member, one a line"})
        self.fields["text"].widget.attrs.update({"spellcheck": "false"})


class EngagementForm(forms.Form):
    programme = forms.TypedChoiceField(coerce=int, label="Programme")
    requested_on = forms.DateField(
        widget=DateInput(), label="When did the place ask for support?",
        help_text="Support starts when a place asks for it",
    )
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in ONBOARDING_STATUSES], widget=forms.RadioSelect,
        initial=Engagement.Status.REQUESTED, label="Where is the engagement now?",
    )
    started_on = forms.DateField(
        required=False, widget=DateInput(), label="When did support start?",
        help_text="Needed if the engagement is at diagnostic or active",
    )
    focus = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea, label="Focus",
        help_text="What the place wants the support to focus on, in its own words",
    )
    days_allocated = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_value=Decimal("999"), max_digits=4,
        decimal_places=1, label="Days allocated",
        help_text="Days of enabler time agreed, for example 5 for “up to five days on site”",
    )

    def __init__(self, *args: Any, programmes: Iterable[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Choose a programme")] + [
            (p.pk, p.name) for p in programmes
        ]
        _messages(self, {"programme": "Choose the programme the place joins",
                         "requested_on": "Enter the date the place asked for support",
                         "status": "Choose where the engagement is now"})
        for name in ("requested_on", "started_on"):
            self.fields[name].error_messages["invalid"] = "Enter a real date"
        self.fields["days_allocated"].widget = forms.TextInput(attrs={
            "inputmode": "decimal", "class": "nhsuk-input--width-5", "autocomplete": "off"})
        self.fields["days_allocated"].error_messages.update({
            "invalid": "Enter the days as a number, like 5 or 7.5",
            "max_value": "Enter 999 days or fewer",
            "min_value": "Days allocated cannot be negative",
            "max_decimal_places": "Enter whole or half days, like 7.5",
            "max_digits": "Enter 999 days or fewer",
        })

    def to_answers(self) -> dict[str, Any]:
        """The answers that parsed (a field with an error counts as not answered)."""
        data = getattr(self, "cleaned_data", {})
        requested, started, days = (data.get("requested_on"), data.get("started_on"),
                                    data.get("days_allocated"))
        return {
            "programme_id": data.get("programme"),
            "requested_on": requested.isoformat() if requested else "",
            "status": data.get("status", ""),
            "started_on": started.isoformat() if started else "",
            "focus": (data.get("focus") or "").strip(),
            "days_allocated": str(days) if days is not None else "",
        }


class EnablersForm(forms.Form):
    lead = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                  widget=forms.RadioSelect, label="Lead enabler")
    supporting = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Supporting enablers",
    )

    def __init__(self, *args: Any, enabler_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = list(enabler_ids)
        self.fields["lead"].choices = [("", "No lead yet")] + [(i, str(i)) for i in ids]
        self.fields["supporting"].choices = [(i, str(i)) for i in ids]
        self.fields["lead"].error_messages["invalid_choice"] = "Choose a lead enabler from the list"
        self.fields["supporting"].error_messages["invalid_choice"] = (
            "Choose supporting enablers from the list")


# ---- spreadsheet import -----------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportBatch.Kind.choices, widget=forms.RadioSelect,
                             label="What does the file hold?")
    file = forms.FileField(label="Upload a file",
                           help_text="A CSV (UTF-8) or Excel .xlsx file, with the template's "
                                     "column names in the first row")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _messages(self, {"kind": "Choose what the file holds",
                         "file": "Choose a CSV or Excel file to upload"})
        self.fields["file"].error_messages["empty"] = "The file is empty"
        self.fields["file"].widget.attrs["accept"] = (
            ".csv,.xlsx,text/csv,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )


# ---- users ------------------------------------------------------------------------------------

ROLE_CHOICES = [(role.value, role.value) for role in ALL_ROLES]


class InviteForm(forms.Form):
    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    email = forms.EmailField(label="Email address",
                             help_text="The invitation goes here; it is also their username")
    role = forms.ChoiceField(choices=Invitation.Role.choices, widget=forms.RadioSelect,
                             label="Role")
    capacity_days_per_week = forms.DecimalField(
        required=False, min_value=Decimal("0.5"), max_value=Decimal("7"), max_digits=2,
        decimal_places=1, label="Days a week",
        help_text="How many days a week an enabler can give the programme. Default 2",
    )
    regions = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Regions they cover",
    )

    def __init__(self, *args: Any, regions: Iterable[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = [(r.pk, r.name) for r in regions]
        _messages(self, {"first_name": "Enter their first name",
                         "last_name": "Enter their last name",
                         "email": "Enter their email address",
                         "role": "Choose their role"})
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the right format, like name@example.nhs.uk")
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["capacity_days_per_week"].widget = forms.TextInput(attrs={
            "inputmode": "decimal", "class": "nhsuk-input--width-3", "autocomplete": "off"})
        self.fields["capacity_days_per_week"].error_messages.update({
            "invalid": "Enter days a week as a number, like 2 or 2.5",
            "min_value": "Enter at least half a day a week",
            "max_value": "Enter 7 days a week or fewer",
            "max_digits": "Enter 7 days a week or fewer",
        })


class UserRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple, label="Roles",
                                      help_text="Someone with no role can sign in but see nothing")


# ---- reference data ---------------------------------------------------------------------------


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name", "code"]
        labels = {"name": "Name", "code": "Code"}
        help_texts = {"code": "A short key used by spreadsheet imports: lower-case letters, "
                              "digits and hyphens, for example north-east"}


class SystemForm(forms.ModelForm):
    class Meta:
        model = System
        fields = ["name", "kind", "region"]
        widgets = {"kind": forms.RadioSelect}


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["name", "description", "is_active"]
        labels = {"is_active": "Offer this theme when logging sessions"}
        widgets = {"description": forms.Textarea}


class ThemeMergeForm(forms.Form):
    source = forms.TypedChoiceField(coerce=int, label="Merge this theme")
    target = forms.TypedChoiceField(coerce=int, label="Into this theme",
                                    help_text="Sessions, learning and outcomes tagged with the "
                                              "first theme are tagged with this one instead. "
                                              "The first theme is then removed")

    def __init__(self, *args: Any, themes: Iterable[Theme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a theme")] + [(t.pk, t.name) for t in themes]
        self.fields["source"].choices = choices
        self.fields["target"].choices = choices
        _messages(self, {"source": "Choose the theme to merge",
                         "target": "Choose the theme to merge it into"})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("target"):
            self.add_error("target", "Choose two different themes")
        return data


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "description", "starts_on", "ends_on", "summary_cadence", "leads"]
        widgets = {
            "description": forms.Textarea,
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "summary_cadence": forms.RadioSelect,
            "leads": forms.CheckboxSelectMultiple,
        }
        labels = {"starts_on": "Starts on", "ends_on": "Ends on",
                  "summary_cadence": "How often are learning summaries compiled?"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_model = get_user_model()
        self.fields["leads"].queryset = user_model.objects.filter(
            groups__name="Programme lead", is_active=True
        ).order_by("first_name", "last_name")
        self.fields["leads"].label_from_instance = lambda u: u.get_full_name() or u.username
