"""The pilot flag's form (leads and admins, from the place page)."""

from __future__ import annotations

from django import forms

from engagements.pilots.services import PILOT_OF_LIMIT

MAX_VERSION = 2**31 - 1
CHOICES = [("yes", "Yes, it is a pilot"), ("no", "No")]


class PilotForm(forms.Form):
    seen = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION,
                              error_messages={"required": "Open the place page again"})
    is_pilot = forms.ChoiceField(
        choices=CHOICES, widget=forms.RadioSelect, label="Is this engagement a pilot?",
        error_messages={"required": "Choose whether the engagement is a pilot",
                        "invalid_choice": "Choose whether the engagement is a pilot"})
    pilot_of = forms.CharField(
        max_length=PILOT_OF_LIMIT, required=False, label="What does it pilot?",
        help_text="For example, the A&E Delivery Board support model, before the programme "
                  "goes to other places")
