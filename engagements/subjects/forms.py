"""Subject access's forms. They shape input only; the services check the rules again."""

from __future__ import annotations

from django import forms

from engagements.lifecycle.forms import DateInput
from fieldbook.forms import BoundedDateField

STALE = "This page is out of date. Open the request again."


class PeopleSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search people",
                        help_text="A name, an email address or an organisation.")


class RequestLogForm(forms.Form):
    received_on = BoundedDateField(
        label="Date the request was received", widget=DateInput(),
        help_text="It is due one calendar month later.",
        error_messages={"required": "Enter the date the request was received.",
                        "invalid": "Enter a real date, for example 3 12 2026."})
    how_received = forms.CharField(required=False, max_length=200, label="How it was received",
                                   help_text="For example, “email to the DPO mailbox”.")


class CompileForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1,
                                 error_messages={"required": STALE, "invalid": STALE,
                                                 "min_value": STALE, "max_value": STALE})


class NoteSearchAskForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea, max_length=2000, label="Why the private notes need searching",
        help_text="An Admin other than you reads this before approving or refusing.",
        error_messages={"required": "Say why the private notes need searching for this "
                                    "request."})


class NoteSearchDecideForm(forms.Form):
    decision = forms.ChoiceField(
        widget=forms.RadioSelect, label="Your decision",
        choices=[("approve", "Approve the search"), ("refuse", "Refuse the search")],
        error_messages={"required": "Choose whether to approve or refuse the search."})
    note = forms.CharField(required=False, max_length=500, label="Note for the record")


class ClarificationForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea, max_length=5000, label="Clarification",
        help_text="Dated and kept beside the note. The note itself is not changed.",
        error_messages={"required": "Write the clarification."})
