"""Forms of the messages pipeline. They only shape input (a required field says so in its
label); the rules are in the services, which check the same again."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.attribution import ROLE_GROUP_CHOICES
from engagements.messages.models import Message
from engagements.models import LearningItem, Programme, Theme
from places.models import Region


class NominateForm(forms.Form):
    note = forms.CharField(
        label="Why you are nominating it", required=False, max_length=2000,
        widget=forms.Textarea,
        help_text="Optional. The programme lead reads this when deciding.")


class MessageForm(forms.Form):
    heading = forms.CharField(
        label="Heading", max_length=200,
        error_messages={"required": "Enter a heading for the message."},
        help_text="A short message, for example “Plan support collaboratively with local "
                  "leaders”.")
    argument = forms.CharField(
        label="The argument", required=False, max_length=10000, widget=forms.Textarea,
        help_text="A few sentences: what local leaders are saying, and what should change.")


class CollectionForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200,
                            error_messages={"required": "Enter a title for the document."})
    introduction = forms.CharField(
        label="Introduction", required=False, max_length=10000, widget=forms.Textarea,
        help_text="Who gathered the messages, from whom and how. Printed before the messages.")


class DecisionForm(forms.Form):
    DECISIONS = [("select", "Select it for a message"), ("leave_out", "Leave it out")]

    decision = forms.ChoiceField(
        label="Your decision", choices=DECISIONS, widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to select this item or leave it out."})
    message = forms.ModelChoiceField(
        label="Message it supports", queryset=Message.objects.none(), required=False,
        empty_label="Choose a message", help_text="Only if you select it.")
    supporting_quote = forms.BooleanField(
        label="Quote it in the message's text", required=False,
        help_text="Otherwise it is listed among the learning behind the message.")
    reason = forms.CharField(
        label="Why", max_length=2000, widget=forms.Textarea,
        help_text="The enabler who nominated it sees this reason.",
        error_messages={"required": "Enter why this item was selected or left out: the enabler "
                                    "who nominated it sees the reason."})

    def __init__(self, *args: Any, messages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["message"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = messages

    @property
    def selected(self) -> bool | None:
        value = self.cleaned_data.get("decision")
        return {"select": True, "leave_out": False}.get(value or "")


class PublishForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class MoveForm(forms.Form):
    """Move a message up or down: the button pressed, and the collection's version the lead
    saw."""

    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class QuoteBankFilterForm(forms.Form):
    """The quote bank's filters (GET). Every field optional; a bad value is ignored."""

    theme = forms.ModelChoiceField(queryset=Theme.objects.filter(is_active=True),
                                   required=False, empty_label="Any theme",
                                   to_field_name="slug")
    kind = forms.ChoiceField(choices=[("", "Any kind"), *LearningItem.Kind.choices],
                             required=False)
    role = forms.ChoiceField(label="Role group", choices=[("", "Any role"),
                                                          *ROLE_GROUP_CHOICES],
                             required=False)
    region = forms.ModelChoiceField(queryset=Region.objects.order_by("name"), required=False,
                                    empty_label="Any region")
    programme = forms.ModelChoiceField(queryset=Programme.objects.order_by("name"),
                                       required=False, empty_label="Any programme",
                                       to_field_name="slug")
    since = forms.DateField(label="From", required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
