"""The diagnostic's forms: a participant, the enabler's draft of the record, sending it to the
place, and the place's own answer. The service checks what needs the database (names of people
Fieldbook holds) and puts each message beside its field."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.diagnostic.models import DiagnosticParticipant, DiagnosticRecord
from engagements.diagnostic.services import NAME_LIMIT, TEXT_LIMIT, ParticipantData, RecordData

MAX_VERSION = 2**31 - 1
STAGE_LABEL = "Where do you feel the place is on its integration journey?"
STRENGTHS_LABEL = "Strengths to build on"
AREAS_LABEL = "Areas for development"
NO_NAMES = "Please do not name anyone: describe people by their role"


class ParticipantForm(forms.Form):
    full_name = forms.CharField(max_length=NAME_LIMIT, label="Name")
    role = forms.ChoiceField(choices=DiagnosticParticipant.Role.choices,
                             widget=forms.RadioSelect, label="Role in the diagnostic")
    role_title = forms.CharField(max_length=NAME_LIMIT, required=False, label="Job title",
                                 help_text="For example, Director of Adult Social Care")
    organisation = forms.CharField(max_length=NAME_LIMIT, label="Organisation")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in {"full_name": "Enter the participant’s name",
                              "role": "Choose the participant’s role in the diagnostic",
                              "organisation": "Enter the organisation they work for"}.items():
            self.fields[name].error_messages["required"] = message
        self.fields["role"].error_messages["invalid_choice"] = (
            "Choose the participant’s role in the diagnostic")

    def data_for_service(self) -> ParticipantData:
        d = self.cleaned_data
        return ParticipantData(full_name=d["full_name"], role=d["role"],
                               role_title=d["role_title"], organisation=d["organisation"])


def _stage_field(*, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=DiagnosticRecord.Stage.choices, coerce=int, empty_value=None,
        widget=forms.RadioSelect, required=required, label=STAGE_LABEL,
        error_messages={
            "required": "Choose where you feel the place is on its integration journey",
            "invalid_choice": "Choose a stage from the list"})


class RecordForm(forms.Form):
    """The enabler's draft: every field may be left for the place to write."""

    seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0,
                              max_value=MAX_VERSION)
    strengths = forms.CharField(max_length=TEXT_LIMIT, required=False, widget=forms.Textarea,
                                label=STRENGTHS_LABEL, help_text=NO_NAMES)
    development_areas = forms.CharField(max_length=TEXT_LIMIT, required=False,
                                        widget=forms.Textarea, label=AREAS_LABEL,
                                        help_text=NO_NAMES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"seen": self.fields["seen"],
                       "journey_stage": _stage_field(required=False),
                       "strengths": self.fields["strengths"],
                       "development_areas": self.fields["development_areas"]}

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if not self.errors and not (d.get("journey_stage") or d.get("strengths")
                                    or d.get("development_areas")):
            raise forms.ValidationError(
                "Write something in the draft, or send the record to the place to write it "
                "from the start")
        return d

    @staticmethod
    def initial_for(record: DiagnosticRecord) -> dict[str, Any]:
        return {"seen": record.version, "journey_stage": record.journey_stage,
                "strengths": record.strengths, "development_areas": record.development_areas}

    def data_for_service(self) -> RecordData:
        d = self.cleaned_data
        return RecordData(journey_stage=d["journey_stage"], strengths=d["strengths"],
                          development_areas=d["development_areas"])


class SendForm(forms.Form):
    seen = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)
    person = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect,
                                    label="Who should agree it for the place?")

    def __init__(self, *args: Any, contacts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = contacts
        field.error_messages["required"] = "Choose who should agree the record"
        field.error_messages["invalid_choice"] = (
            "Choose a current member of the place’s delivery board from the list")
        self.fields["seen"].error_messages["required"] = "Open the diagnostic again and send it"


SHARE_CHOICES = [("yes", "Yes, the programme’s central team may read it"),
                 ("no", "No, keep it between the place and its enablers")]


class AgreeForm(forms.Form):
    """The place's own answer: everything required, and the choice to share."""

    strengths = forms.CharField(max_length=TEXT_LIMIT, widget=forms.Textarea,
                                label=STRENGTHS_LABEL, help_text=NO_NAMES,
                                error_messages={"required": "Enter the strengths you can "
                                                            "build on"})
    development_areas = forms.CharField(
        max_length=TEXT_LIMIT, widget=forms.Textarea, label=AREAS_LABEL, help_text=NO_NAMES,
        error_messages={"required": "Enter the areas for development"})
    shared_with_centre = forms.ChoiceField(
        choices=SHARE_CHOICES, widget=forms.RadioSelect,
        label="May the programme’s central team read this record?",
        help_text="Your enablers see it either way. You can change your mind later: ask your "
                  "enabler to send you the record again.",
        error_messages={
            "required": "Choose whether the programme’s central team may read the record",
            "invalid_choice": "Choose whether the programme’s central team may read the "
                              "record"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"journey_stage": _stage_field(required=True), **self.fields}

    @staticmethod
    def initial_for(record: DiagnosticRecord) -> dict[str, Any]:
        initial: dict[str, Any] = {"journey_stage": record.journey_stage,
                                   "strengths": record.strengths,
                                   "development_areas": record.development_areas}
        if record.status == DiagnosticRecord.Status.AGREED:
            initial["shared_with_centre"] = "yes" if record.shared_with_centre else "no"
        return initial

    def data_for_service(self) -> RecordData:
        d = self.cleaned_data
        return RecordData(journey_stage=d["journey_stage"], strengths=d["strengths"],
                          development_areas=d["development_areas"])

    def shared(self) -> bool:
        return self.cleaned_data["shared_with_centre"] == "yes"
