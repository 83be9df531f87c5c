"""The outcome statement's forms: the enabler's draft (and edit), sending it to a contact, and
the contact's answer. Messages are NHS.UK's "Enter…", "Choose…"; the service checks the rules
that need the database (names, roles that single someone out) and puts each beside its field."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.models import Outcome
from engagements.outcomes.services import CORRECTABLE, TEXT_LIMITS, Decision, StatementData
from engagements.week.forms import DateInput
from fieldbook.forms import BoundedDateField

MAX_VERSION = 2**31 - 1


class StatementForm(forms.Form):
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0,
                              max_value=MAX_VERSION)
    kind = forms.ChoiceField(choices=Outcome.Kind.choices, widget=forms.RadioSelect,
                             label="What kind of change is it?")
    title = forms.CharField(max_length=TEXT_LIMITS["title"], label="A short title",
                            help_text="For example, Shared discharge plan agreed")
    who_changed = forms.CharField(
        max_length=TEXT_LIMITS["who_changed"], label="Who changed?",
        help_text="A role, team, organisation or sector, never a person’s name: for example "
                  "“the over-65s team at the acute trust” or “primary care”")
    what_changed = forms.CharField(
        max_length=TEXT_LIMITS["what_changed"], widget=forms.Textarea, label="What changed?",
        help_text="What they now do differently: behaviour, relationships, actions or practice")
    changed_on = BoundedDateField(widget=DateInput(), label="When was the change seen?")
    why_it_matters = forms.CharField(
        max_length=TEXT_LIMITS["why_it_matters"], widget=forms.Textarea, required=False,
        label="Why does it matter?",
        help_text="For example, 3,600 fewer nights in hospital for people over 65")
    contribution = forms.CharField(
        max_length=TEXT_LIMITS["contribution"], widget=forms.Textarea,
        label="How did the support contribute?")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in {
            "kind": "Choose the kind of change",
            "title": "Enter a short title, for example “Shared discharge plan agreed”",
            "who_changed": "Enter who changed: a role, team, organisation or sector",
            "what_changed": "Enter what changed: what they now do differently",
            "changed_on": "Enter when the change was seen",
            "contribution": "Enter how the support contributed to the change",
        }.items():
            self.fields[name].error_messages["required"] = message
        self.fields["kind"].error_messages["invalid_choice"] = "Choose the kind of change"
        self.fields["changed_on"].error_messages["invalid"] = (
            "Enter a real date, for example 2024-04-01")

    @staticmethod
    def initial_for(outcome: Outcome) -> dict[str, Any]:
        return {"seen": outcome.version, "kind": outcome.kind, "title": outcome.title,
                "who_changed": outcome.who_changed, "what_changed": outcome.what_changed,
                "changed_on": outcome.changed_on, "why_it_matters": outcome.why_it_matters,
                "contribution": outcome.contribution}

    def data_for_service(self) -> StatementData:
        d = self.cleaned_data
        return StatementData(kind=d["kind"], title=d["title"], who_changed=d["who_changed"],
                             what_changed=d["what_changed"], changed_on=d["changed_on"],
                             why_it_matters=d["why_it_matters"],
                             contribution=d["contribution"])


class SendForm(forms.Form):
    seen = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)
    person = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect,
                                    label="Who should confirm it?")

    def __init__(self, *args: Any, contacts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = contacts
        field.error_messages["required"] = "Choose who should confirm the outcome"
        field.error_messages["invalid_choice"] = (
            "Choose a current member of the place’s delivery board from the list")
        self.fields["seen"].error_messages["required"] = "Open the outcome again and send it"


class RevokeForm(forms.Form):
    seen = forms.IntegerField(min_value=0, max_value=MAX_VERSION)


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.CHOICES, widget=forms.RadioSelect,
                                 label="Is this a fair account of what changed?")
    who_changed = forms.CharField(max_length=TEXT_LIMITS["who_changed"], required=False,
                                  label="Who changed")
    what_changed = forms.CharField(max_length=TEXT_LIMITS["what_changed"], required=False,
                                   widget=forms.Textarea, label="What changed")
    why_it_matters = forms.CharField(max_length=TEXT_LIMITS["why_it_matters"], required=False,
                                     widget=forms.Textarea, label="Why it matters")
    contribution = forms.CharField(max_length=TEXT_LIMITS["contribution"], required=False,
                                   widget=forms.Textarea, label="How the support contributed")
    comment = forms.CharField(max_length=2000, required=False, widget=forms.Textarea,
                              label="Anything you would like to add?",
                              help_text="Please do not name anyone: describe people by role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = (
            "Choose whether the outcome is right")
        self.fields["decision"].error_messages["invalid_choice"] = (
            "Choose whether the outcome is right")

    @staticmethod
    def initial_for(outcome: Outcome) -> dict[str, Any]:
        return {f: getattr(outcome, f) for f in CORRECTABLE}

    def corrections(self) -> dict[str, str]:
        return {f: self.cleaned_data.get(f) or "" for f in CORRECTABLE}


class InviteForm(forms.Form):
    """Choose the board member asked to write an outcome in their own words."""

    person = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect,
                                    label="Who should write it?")

    def __init__(self, *args: Any, contacts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = contacts
        field.error_messages["required"] = "Choose who should write the outcome"
        field.error_messages["invalid_choice"] = (
            "Choose a current member of the place’s delivery board from the list")
