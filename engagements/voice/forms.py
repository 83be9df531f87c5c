"""The board member's answer forms. A rating is required here (with the service's own
message), and every other rule is the service's (engagements.voice.services.voice_respond):
an out-of-scale rating gets its message beside the field, and what was chosen is kept."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.voice.models import STATEMENT_SHORT, Statement

AGREE = [("1", "1 Strongly disagree"), ("2", "2"), ("3", "3"), ("4", "4"),
         ("5", "5 Strongly agree")]
RATING = [("1", "1 Very low"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 Very high")]


def _radios(label: str, choices: list[tuple[str, str]], what: str, hint: str = ""
            ) -> forms.CharField:
    # A CharField, not a ChoiceField: a value off the scale reaches the service, whose message
    # says so ("must be from 1 to 5") rather than Django's "Select a valid choice".
    return forms.CharField(label=label, help_text=hint,
                           widget=forms.RadioSelect(choices=choices),
                           error_messages={"required": f"Choose a rating from 1 to 5 for {what}"})


class SelfAssessmentForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for st in Statement:
            self.fields[f"score_{st.value}"] = _radios(
                st.label, AGREE, f"“{STATEMENT_SHORT[st].lower()}”",
                hint=f"{STATEMENT_SHORT[st]}: 1 is strongly disagree, 5 is strongly agree")
            self.fields[f"comment_{st.value}"] = forms.CharField(
                label=f"Comment on {STATEMENT_SHORT[st].lower()}", required=False,
                widget=forms.Textarea,
                help_text="Your board sees comments without names. Please describe people by "
                          "their role.")

    def pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"score_{st.value}"], self[f"comment_{st.value}"]) for st in Statement]

    def scores(self) -> dict[str, object]:
        return {st.value: self.cleaned_data.get(f"score_{st.value}") for st in Statement}

    def comments(self) -> dict[str, str]:
        return {st.value: self.cleaned_data.get(f"comment_{st.value}") or ""
                for st in Statement}


class PulseForm(forms.Form):
    def __init__(self, *args: Any, partners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partners = partners
        for org_id, name in partners:
            self.fields[f"trust_{org_id}"] = _radios(f"How much do you trust {name}?", RATING,
                                                     f"trust with {name}")
            self.fields[f"value_{org_id}"] = _radios(
                f"How much value does working with {name} bring?", RATING, f"value with {name}")

    def groups(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(name, self[f"trust_{org_id}"], self[f"value_{org_id}"])
                for org_id, name in self.partners]

    def ties(self) -> dict[int, tuple[object, object]]:
        return {org_id: (self.cleaned_data.get(f"trust_{org_id}"),
                         self.cleaned_data.get(f"value_{org_id}"))
                for org_id, _ in self.partners}


class ConfirmForm(forms.Form):
    """Nothing to fill in: the POST is the confirmation."""
