"""Retention's forms. They only shape input; the services check the rules again."""

from __future__ import annotations

from typing import Any

from django import forms

STALE = "This page is out of date. Open it again from the review queue"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _version() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1,
                              error_messages={"required": STALE, "invalid": STALE,
                                              "min_value": STALE, "max_value": STALE})


def _reason(label: str, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, max_length=2000, required=required,
                           widget=forms.Textarea,
                           error_messages={"required": f"Enter {label[0].lower()}{label[1:]}",
                                           "max_length": "Enter 2000 characters or fewer"})


class DecisionForm(forms.Form):
    """A reviewer's decision on one record: keep it longer, put it on legal hold, or lift one."""

    EXTEND, HOLD, LIFT = "extend", "hold", "lift"
    version = _version()
    decision = forms.ChoiceField(
        label="What should happen to this record?", widget=forms.RadioSelect,
        choices=[(EXTEND, "Keep it until a later review"), (HOLD, "Put it on legal hold")],
        error_messages={"required": "Choose what should happen to this record"})
    review_on = forms.DateField(
        label="Date of the next review", required=False, widget=DateInput(),
        help_text="Only if you keep it until a later review. For example, 1 March 2027",
        error_messages={"invalid": "Enter a real date, like 1 March 2027"})
    reason = _reason("Why")
    reason.error_messages["required"] = "Enter why you made this decision"

    def __init__(self, *args: Any, state: str = "due", **kwargs: Any) -> None:
        """``state`` is the item's: a due record may be kept longer or held; a held one only
        released; one kept longer or awaiting disposal only held."""
        super().__init__(*args, **kwargs)
        field = self.fields["decision"]
        assert isinstance(field, forms.ChoiceField)
        if state == "held":
            field.choices = [(self.LIFT, "Lift the legal hold")]
            del self.fields["review_on"]
            self.fields["reason"].required = False
            self.fields["reason"].label = "Why the hold can be lifted (optional)"
        elif state != "due":
            field.choices = [(self.HOLD, "Put it on legal hold")]
            del self.fields["review_on"]


class DisposalRequestForm(forms.Form):
    items = forms.TypedMultipleChoiceField(
        label="Records to dispose of", coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the records to dispose of",
                        "invalid_choice": "Some of the records chosen are no longer due for "
                                          "review: look again"})
    reason = _reason("Why these records can be destroyed")

    def __init__(self, *args: Any, item_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(pk, str(pk)) for pk in item_ids]


class ApprovalForm(forms.Form):
    APPROVE, WITHDRAW = "approve", "withdraw"
    version = _version()
    action = forms.ChoiceField(choices=[(APPROVE, "Approve"), (WITHDRAW, "Withdraw")],
                               widget=forms.HiddenInput,
                               error_messages={"required": STALE, "invalid_choice": STALE})


class ErasureRequestForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1,
                                error_messages={"required": "Choose the person to erase",
                                                "invalid": "Choose the person to erase"})
    reason = _reason("Why this person is to be erased")


class PolicyForm(forms.Form):
    period_months = forms.IntegerField(
        label="Retention period in months", min_value=1, max_value=1200,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": "Enter the retention period in months, like 24",
                        "invalid": "Enter the period as a whole number of months, like 24",
                        "min_value": "Enter a period between 1 and 1200 months",
                        "max_value": "Enter a period between 1 and 1200 months"})
    reason = _reason("Why the period is changing")
