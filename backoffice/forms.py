"""Forms for the Manage area. They parse and tidy input; the rules live in the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from backoffice.onboarding import ONBOARDING_STATUSES
from enablers.models import Assignment, Enabler
from engagements.models import Engagement, Outcome, Programme, Theme
from fieldbook.forms import BoundedDateField, choice_field, model_choice_field
from fieldbook.roles import GRANTABLE_ROLES
from fieldbook.units import date_in_range
from places.models import (
    BoardMembership,
    ImportBatch,
    Invitation,
    Organisation,
    Place,
    Region,
    System,
    ods_code_validator,
)


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
        choice_field(self, "region").choices = [("", "Choose a region")] + [
            (r.pk, r.name) for r in regions
        ]
        choice_field(self, "system").choices = [("", "None")] + [
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
    established_on = BoundedDateField(required=False, widget=DateInput(),
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
        choice_field(self, "organisation").choices = [("", "Choose an organisation"),
                                                      *organisations]
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
    requested_on = BoundedDateField(
        widget=DateInput(), label="When did the place ask for support?",
        help_text="Support starts when a place asks for it",
    )
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in ONBOARDING_STATUSES], widget=forms.RadioSelect,
        initial=Engagement.Status.REQUESTED, label="Where is the engagement now?",
    )
    started_on = BoundedDateField(
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
        choice_field(self, "programme").choices = [("", "Choose a programme")] + [
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
        choice_field(self, "lead").choices = [("", "No lead yet")] + [(i, str(i)) for i in ids]
        choice_field(self, "supporting").choices = [(i, str(i)) for i in ids]
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

ROLE_CHOICES = [(role.value, role.value) for role in GRANTABLE_ROLES]


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
        choice_field(self, "regions").choices = [(r.pk, r.name) for r in regions]
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
        choice_field(self, "source").choices = choices
        choice_field(self, "target").choices = choices
        _messages(self, {"source": "Choose the theme to merge",
                         "target": "Choose the theme to merge it into"})

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("source") and data.get("source") == data.get("target"):
            self.add_error("target", "Choose two different themes")
        return data


class LeadsField(forms.ModelMultipleChoiceField):
    """Programme leads by their full name (their username if they have none)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "description", "starts_on", "ends_on", "summary_cadence", "leads"]
        field_classes = {"leads": LeadsField}
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
        model_choice_field(self, "leads").queryset = user_model.objects.filter(
            groups__name="Programme lead", is_active=True
        ).order_by("first_name", "last_name")


# ---- changing saved records: places, organisations, boards, enabler profiles ------------------


class ChangeForm(forms.Form):
    """A form that changes a saved record. ``seen`` carries the record's ``updated_at`` from
    when the form was opened, so the service can refuse to overwrite someone else's change."""

    seen = forms.CharField(widget=forms.HiddenInput, error_messages={
        "required": "This page is out of date. Open it again from the list"})

    @staticmethod
    def seen_of(instance: Any) -> str:
        return instance.updated_at.isoformat()

    def clean_seen(self) -> dt.datetime | None:
        if not self.cleaned_data.get("seen"):
            return None  # only where ``seen`` is optional (adding, not changing)
        try:
            seen = dt.datetime.fromisoformat(self.cleaned_data["seen"])
        except ValueError:
            seen = None
        # Only a moment Fieldbook could have saved: aware, and within the dates it covers.
        if seen is None or seen.tzinfo is None or not date_in_range(seen.date(), dt.date.today()):
            raise forms.ValidationError("This page is out of date. Open it again from the list")
        return seen


class PlaceChangeForm(ChangeForm):
    name = forms.CharField(max_length=200, label="Name",
                           help_text="The locality's usual name. Its web address stays the same")
    region = forms.TypedChoiceField(coerce=int, label="NHS England region")
    system = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Integrated care system",
        help_text="The ICS, STP or ICB the place sits within, if there is one",
    )
    onboarding_status = forms.ChoiceField(choices=Place.OnboardingStatus.choices,
                                          widget=forms.RadioSelect, label="Onboarding status")
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea,
                                  label="Description")

    def __init__(self, *args: Any, regions: Iterable[Region], systems: Iterable[System],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions_by_pk = {r.pk: r for r in regions}
        self.systems_by_pk = {s.pk: s for s in systems}
        choice_field(self, "region").choices = [("", "Choose a region")] + [
            (r.pk, r.name) for r in self.regions_by_pk.values()]
        choice_field(self, "system").choices = [("", "None")] + [
            (s.pk, f"{s.name} ({s.region.name})") for s in self.systems_by_pk.values()]
        _messages(self, {"name": "Enter the name of the place",
                         "region": "Choose the NHS England region the place is in",
                         "onboarding_status": "Choose the place's onboarding status"})
        self.fields["region"].error_messages["invalid_choice"] = "Choose a region from the list"
        self.fields["system"].error_messages["invalid_choice"] = (
            "Choose a system from the list, or none")
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    @classmethod
    def initial_for(cls, place: Place) -> dict[str, Any]:
        return {"seen": cls.seen_of(place), "name": place.name, "region": place.region_id,
                "system": place.system_id, "onboarding_status": place.onboarding_status,
                "description": place.description}


class OrganisationForm(forms.Form):
    """Adding (no ``seen``) or changing (``seen`` required) an organisation. The places it
    serves are checkboxes of those it serves now, plus one to add: a list of every place would
    be 2,000 checkboxes."""

    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=200, label="Name")
    kind = forms.ChoiceField(choices=Organisation.Kind.choices, widget=forms.RadioSelect,
                             label="What kind of organisation is it?")
    ods_code = UpperCaseField(
        required=False, max_length=6, label="ODS code", validators=[ods_code_validator],
        help_text="The NHS Organisation Data Service code: 3 to 6 letters and digits, "
                  "for example RXN. Leave it empty if it has none",
    )
    places = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Places it serves", help_text="Untick a place it no longer serves",
    )
    add_place = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                       label="Add a place it serves")

    def __init__(self, *args: Any, served: Iterable[Place], all_places: Iterable[Place],
                 changing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        served = list(served)
        choice_field(self, "places").choices = [(p.pk, p.name) for p in served]
        if not served:
            del self.fields["places"]
        choice_field(self, "add_place").choices = [("", "Choose a place")] + [
            (p.pk, f"{p.name} ({p.region.name})") for p in all_places]
        self.fields["seen"].required = changing
        self.fields["seen"].error_messages["required"] = (
            "This page is out of date. Open it again from the list")
        _messages(self, {"name": "Enter the organisation's name",
                         "kind": "Choose what kind of organisation it is"})
        self.fields["add_place"].error_messages["invalid_choice"] = (
            "Choose a place from the list")
        self.fields["ods_code"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "class": "nhsuk-input--width-10"})
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    clean_seen = ChangeForm.clean_seen

    def place_ids(self) -> list[int]:
        data = self.cleaned_data
        ids = list(data.get("places") or [])
        if data.get("add_place") and data["add_place"] not in ids:
            ids.append(data["add_place"])
        return ids


class BoardDetailsForm(BoardForm):
    """The board's name and start date; ``seen`` only once the board exists."""

    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, changing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Name"
        self.fields["established_on"].label = "When was it set up?"
        self.fields["seen"].required = changing
        self.fields["seen"].error_messages["required"] = (
            "This page is out of date. Open it again from the place")

    clean_seen = ChangeForm.clean_seen


def _date_messages(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].error_messages["invalid"] = "Enter a real date, for example 2024-04-01"


class BoardMemberAddForm(forms.Form):
    person = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Someone already in Fieldbook",
        help_text="From one of the place's organisations, and not on the board now",
    )
    full_name = forms.CharField(required=False, max_length=200, label="Full name")
    role_title = forms.CharField(required=False, max_length=200, label="Role title",
                                 help_text="For example, Chief Operating Officer")
    organisation = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                          label="Organisation")
    board_role = forms.ChoiceField(choices=BoardMembership.BoardRole.choices,
                                   widget=forms.RadioSelect, label="Role on the board",
                                   initial=BoardMembership.BoardRole.MEMBER)
    started_on = BoundedDateField(required=False, widget=DateInput(),
                                 label="When did they join the board?")

    def __init__(self, *args: Any, people: Iterable[Any], organisations: Iterable[Organisation],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "person").choices = [("", "Someone new (enter their details below)")] + [
            (p.pk, f"{p.full_name}, {p.role_title}, {p.organisation.name}") for p in people]
        choice_field(self, "organisation").choices = [("", "Choose an organisation")] + [
            (o.pk, o.name) for o in organisations]
        # Someone new needs a name, a role title and an organisation; someone chosen from the
        # list needs none of them (what was typed there is ignored).
        for name in ("full_name", "role_title", "organisation"):
            self.fields[name].required = not (self.data.get("person") or "").strip()
        _messages(self, {
            "board_role": "Choose their role on the board",
            "full_name": "Enter the new member's full name, or choose someone from the list",
            "role_title": "Enter the new member's role title, for example Chief Operating "
                          "Officer",
            "organisation": "Choose the new member's organisation",
        })
        self.fields["person"].error_messages["invalid_choice"] = "Choose someone from the list"
        self.fields["organisation"].error_messages["invalid_choice"] = (
            "Choose one of the place's organisations")
        _date_messages(self, "started_on")
        self.fields["full_name"].widget.attrs.update({"autocomplete": "off",
                                                      "spellcheck": "false"})


class BoardMembershipForm(ChangeForm):
    role_title = forms.CharField(max_length=200, label="Role title",
                                 help_text="Their job, the same on every board they sit on")
    board_role = forms.ChoiceField(choices=BoardMembership.BoardRole.choices,
                                   widget=forms.RadioSelect, label="Role on the board")
    started_on = BoundedDateField(required=False, widget=DateInput(),
                                 label="When did they join the board?")
    ended_on = BoundedDateField(
        required=False, widget=DateInput(), label="When did they leave the board?",
        help_text="Leave it empty while they are on the board. Someone who leaves keeps their "
                  "place in the sessions they attended",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _messages(self, {"role_title": "Enter their role title",
                         "board_role": "Choose their role on the board"})
        _date_messages(self, "started_on", "ended_on")

    @classmethod
    def initial_for(cls, membership: BoardMembership) -> dict[str, Any]:
        return {"seen": cls.seen_of(membership), "role_title": membership.person.role_title,
                "board_role": membership.board_role, "started_on": membership.started_on,
                "ended_on": membership.ended_on}


class EnablerProfileForm(ChangeForm):
    capacity_days_per_week = forms.DecimalField(
        max_digits=3, decimal_places=1, label="Days a week",
        help_text="How many days a week they can give the programme: more than 0, up to 7",
    )
    regions = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Regions they cover",
    )
    background = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea, label="Background",
        help_text="Their professional background, for example former acute trust chief "
                  "operating officer",
    )
    is_active = forms.BooleanField(required=False, label="Open for new assignments",
                                   help_text="Untick when they stop taking on work. Their "
                                             "sessions and assignments stay")

    def __init__(self, *args: Any, regions: Iterable[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "regions").choices = [(r.pk, r.name) for r in regions]
        self.fields["regions"].error_messages["invalid_choice"] = "Choose regions from the list"
        capacity = self.fields["capacity_days_per_week"]
        capacity.widget = forms.TextInput(attrs={
            "inputmode": "decimal", "class": "nhsuk-input--width-3", "autocomplete": "off"})
        capacity.error_messages.update({
            "required": "Enter how many days a week they can give, like 2 or 2.5",
            "invalid": "Enter days a week as a number, like 2 or 2.5",
            "max_digits": "Enter 7 days a week or fewer",
            "max_whole_digits": "Enter 7 days a week or fewer",
            "max_decimal_places": "Enter days a week to one decimal place, like 2.5",
        })

    @classmethod
    def initial_for(cls, enabler: Enabler) -> dict[str, Any]:
        return {"seen": cls.seen_of(enabler),
                "capacity_days_per_week": enabler.capacity_days_per_week,
                "regions": [r.pk for r in enabler.regions.all()],
                "background": enabler.background, "is_active": enabler.is_active}


# ---- engagements, their enablers and outcomes -------------------------------------------------


class EngagementChangeForm(forms.Form):
    """An engagement's details. ``seen`` is its ``version`` when the form was opened (the
    engagement's compare-and-set is on its version, not ``updated_at``)."""

    seen = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages={
        "required": "This page is out of date. Open it again from the place",
        "invalid": "This page is out of date. Open it again from the place",
        "min_value": "This page is out of date. Open it again from the place"})
    status = forms.ChoiceField(choices=Engagement.Status.choices, widget=forms.RadioSelect,
                               label="Status")
    focus = forms.CharField(required=False, max_length=4000, widget=forms.Textarea,
                            label="Focus",
                            help_text="What the place wants the support to focus on")
    days_allocated = forms.DecimalField(
        required=False, max_digits=5, decimal_places=1, label="Days allocated",
        help_text='Days of enabler time agreed, for example 5 for "up to five days on site"',
    )
    requested_on = BoundedDateField(widget=DateInput(), label="When did the place ask for "
                                                             "support?")
    started_on = BoundedDateField(required=False, widget=DateInput(), label="When did it start?")
    ended_on = BoundedDateField(required=False, widget=DateInput(), label="When did it end?",
                               help_text="Leave it empty while the work goes on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _messages(self, {"status": "Choose the engagement's status",
                         "requested_on": "Enter the date the place asked for support"})
        self.fields["status"].error_messages["invalid_choice"] = "Choose the engagement's status"
        _date_messages(self, "requested_on", "started_on", "ended_on")
        days = self.fields["days_allocated"]
        days.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        days.error_messages.update({
            "invalid": "Enter days allocated as a number, like 5 or 7.5",
            "max_digits": "Enter days allocated of 9999.9 or fewer",
            "max_whole_digits": "Enter days allocated of 9999.9 or fewer",
            "max_decimal_places": "Enter days allocated to one decimal place, like 7.5",
        })

    @classmethod
    def initial_for(cls, engagement: Engagement) -> dict[str, Any]:
        return {"seen": engagement.version, "status": engagement.status,
                "focus": engagement.focus, "days_allocated": engagement.days_allocated,
                "requested_on": engagement.requested_on, "started_on": engagement.started_on,
                "ended_on": engagement.ended_on}


class AssignmentAddForm(forms.Form):
    enabler = forms.TypedChoiceField(coerce=int, label="Enabler",
                                     help_text="Active enablers not on this engagement now")
    role = forms.ChoiceField(choices=Assignment.Role.choices, widget=forms.RadioSelect,
                             label="Role on the engagement")
    started_on = BoundedDateField(widget=DateInput(), label="When do they start?")

    def __init__(self, *args: Any, enablers: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "enabler").choices = [("", "Choose an enabler")] + [
            (e.pk, e.display_name) for e in enablers]
        _messages(self, {"enabler": "Choose the enabler", "role": "Choose lead or supporting",
                         "started_on": "Enter the date they start"})
        self.fields["enabler"].error_messages["invalid_choice"] = (
            "Choose an active enabler from the list")
        _date_messages(self, "started_on")


class AssignmentEndForm(ChangeForm):
    ended_on = BoundedDateField(widget=DateInput(), label="When does the assignment end?",
                               help_text="The assignment and the sessions they logged stay in "
                                         "the engagement's history")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _messages(self, {"ended_on": "Enter the date the assignment ends"})
        _date_messages(self, "ended_on")


class OutcomeForm(ChangeForm):
    kind = forms.ChoiceField(choices=Outcome.Kind.choices, widget=forms.RadioSelect,
                             label="Kind of outcome")
    recorded_on = BoundedDateField(widget=DateInput(), label="When was it recorded?")
    title = forms.CharField(max_length=200, label="Title",
                            help_text="For example, Shared discharge plan agreed")
    description = forms.CharField(required=False, max_length=4000, widget=forms.Textarea,
                                  label="Description")
    measure = forms.CharField(required=False, max_length=200, label="Measure",
                              help_text="For example, 3,600 bed nights avoided")
    themes = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple, label="Themes")

    def __init__(self, *args: Any, themes: Iterable[Theme], changing: bool, **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seen"].required = changing
        choice_field(self, "themes").choices = [(t.pk, t.name) for t in themes]
        self.fields["themes"].error_messages["invalid_choice"] = "Choose themes from the list"
        self.fields["kind"].error_messages["invalid_choice"] = "Choose the kind of outcome"
        _messages(self, {"kind": "Choose the kind of outcome",
                         "recorded_on": "Enter the date the outcome was recorded",
                         "title": "Enter a title for the outcome"})
        _date_messages(self, "recorded_on")

    @classmethod
    def initial_for(cls, outcome: Outcome) -> dict[str, Any]:
        return {"seen": cls.seen_of(outcome), "kind": outcome.kind,
                "recorded_on": outcome.recorded_on, "title": outcome.title,
                "description": outcome.description, "measure": outcome.measure,
                "themes": [t.pk for t in outcome.themes.all()]}


# ---- API clients -----------------------------------------------------------------------------


class ApiClientForm(forms.Form):
    """Issue a token for the read-only API: who it is for, what it may read, until when."""

    name = forms.CharField(max_length=200, label="Client name",
                           help_text='The system or team that will call, e.g. "NHS England BI".')
    programmes = forms.ModelMultipleChoiceField(
        queryset=Programme.objects.order_by("name"), widget=forms.CheckboxSelectMultiple,
        label="Programmes it may read",
        help_text="Every other programme is “not found” to this client.")
    expires_on = BoundedDateField(
        widget=DateInput(), label="Expires on",
        help_text="The token works until the end of this day: at most a year from today.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _messages(self, {"name": "Enter the name of the client",
                         "programmes": "Choose at least one programme this client may read",
                         "expires_on": "Enter the date the token expires"})
