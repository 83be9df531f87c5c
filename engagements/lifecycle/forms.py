"""Forms of the lifecycle and of requests for support. They only shape input (a required
field says so in its label); the rules are in the services, which check the same again."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.lifecycle.models import Proposal, StatusChange
from engagements.models import Engagement
from fieldbook.forms import BoundedDateField, model_choice_field
from places.models import Place, Region

STALE = "This page is out of date. Open it again from the place's page"
Step = StatusChange.Step


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _seen() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1,
                              error_messages={"required": STALE, "invalid": STALE,
                                              "min_value": STALE, "max_value": STALE})


def _days_field(label: str, required: bool) -> forms.DecimalField:
    field = forms.DecimalField(
        label=label, required=required, max_digits=5, decimal_places=1,
        help_text='Days of enabler time agreed, for example 5 for "up to five days on site"',
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    field.error_messages.update({
        "required": "Enter the days allocated, for example 5",
        "invalid": "Enter days allocated as a number, like 5 or 7.5",
        "max_digits": "Enter days allocated of 9999.9 or fewer",
        "max_whole_digits": "Enter days allocated of 9999.9 or fewer",
        "max_decimal_places": "Enter days allocated to one decimal place, like 7.5"})
    return field


def _resume_field(label: str) -> BoundedDateField:
    return BoundedDateField(
        label=label, widget=DateInput(),
        error_messages={"required": "Enter the date support is expected to resume",
                        "invalid": "Enter a real date, like 1 March 2027"})


class StepForm(forms.Form):
    """One lifecycle step. Which fields it has depends on the step (``fields_for``)."""

    seen = _seen()
    reason = forms.CharField(label="Why", max_length=4000, widget=forms.Textarea)
    expected_resume_on = _resume_field("When is support expected to resume?")
    reflection = forms.CharField(
        label="Closing reflection", max_length=4000, widget=forms.Textarea,
        help_text="What the support achieved, what was learned, what the place will carry on.",
        error_messages={"required": "Enter a closing reflection"})
    days_allocated = _days_field("Days allocated", True)

    FIELDS: dict[str, tuple[str, ...]] = {
        Step.PAUSED: ("seen", "reason", "expected_resume_on"),
        Step.POSTPONED: ("seen", "reason", "expected_resume_on"),
        Step.CLOSED: ("seen", "reflection"),
        Step.DAYS: ("seen", "days_allocated", "reason"),
        Step.RESUMED: ("seen", "reason"),
    }

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = self.FIELDS.get(step, ("seen",))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "reason" in self.fields:
            reason = self.fields["reason"]
            if step in (Step.PAUSED, Step.POSTPONED):
                reason.label = ("Why is support paused?" if step == Step.PAUSED
                                else "Why is support postponed?")
                reason.help_text = "For example: winter pressures; the board is being re-formed."
                reason.error_messages["required"] = "Enter why, for example winter pressures"
            else:
                reason.required = False
                reason.label = "Note" if step == Step.RESUMED else "Why the change"


class SupportRequestForm(forms.Form):
    """The public request page. ``website`` is the honeypot: hidden from people (and from
    assistive technology), so only a robot fills it in."""

    place = forms.ModelChoiceField(
        label="Your place", queryset=Place.objects.none(), required=False,
        empty_label="My place is not in the list",
        help_text="The locality whose leaders are asking, for example Central Lancashire.")
    new_place_name = forms.CharField(
        label="If your place is not in the list, its name", max_length=200, required=False)
    region = forms.ModelChoiceField(
        label="Its NHS England region", queryset=Region.objects.none(), required=False,
        empty_label="Choose a region", help_text="Only if you named a new place.")
    contact_name = forms.CharField(label="Your name", max_length=200,
                                   error_messages={"required": "Enter your name"})
    contact_role = forms.CharField(
        label="Your role", max_length=200, help_text="For example Director of Operations",
        error_messages={"required": "Enter your role, for example Director of Operations"})
    organisation = forms.CharField(
        label="Your organisation", max_length=200,
        error_messages={"required": "Enter the organisation you work for"})
    email = forms.EmailField(
        label="Your email address", max_length=254,
        help_text="The programme team replies to this address.",
        error_messages={"required": "Enter your email address, so the programme can reply",
                        "invalid": "Enter an email address like name@example.nhs.uk"})
    help_with = forms.CharField(
        label="What would you like help with?", max_length=4000, widget=forms.Textarea,
        error_messages={"required": "Enter what you would like help with"})
    why_now = forms.CharField(
        label="Why are you asking now?", max_length=4000, widget=forms.Textarea,
        error_messages={"required": "Enter why you are asking now"})
    asked_on = BoundedDateField(
        label="When did your place decide to ask?", widget=DateInput(),
        help_text="The date your leaders agreed to ask for support; today if it was today.",
        error_messages={"required": "Enter the date your place decided to ask for support",
                        "invalid": "Enter a real date, like 1 March 2026"})
    website = forms.CharField(label="Leave this empty", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "place").queryset = (
            Place.objects.exclude(onboarding_status=Place.OnboardingStatus.ARCHIVED)
            .only("pk", "name").order_by("name"))
        model_choice_field(self, "region").queryset = Region.objects.order_by("name")
        self.fields["place"].error_messages["invalid_choice"] = "Choose a place from the list"
        self.fields["region"].error_messages["invalid_choice"] = "Choose a region from the list"
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def clean(self) -> dict[str, Any]:
        """Which place, said with the other missing fields (the service checks it again)."""
        data = super().clean() or {}
        if "place" in data and not data.get("place") and not data.get("new_place_name"):
            self.add_error("place", "Choose your place, or name it if it is not in the list")
        elif (data.get("new_place_name") and not data.get("place") and "region" in data
              and not data.get("region")):
            self.add_error("region", "Choose the region your place is in")
        return data


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you propose?", choices=Proposal.Kind.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to propose a pause or a postponement"})
    reason = forms.CharField(label="Why", max_length=4000, widget=forms.Textarea,
                             help_text="The programme lead reads this when deciding.",
                             error_messages={"required": "Enter why you are proposing it"})
    expected_resume_on = _resume_field("When could support resume?")


class DecisionForm(forms.Form):
    """Accept or decline (a proposal, or a request for support), with a reason to decline."""

    DECISIONS = [("accept", "Accept"), ("decline", "Decline")]

    seen = _seen()
    decision = forms.ChoiceField(label="Your decision", choices=DECISIONS,
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "Choose to accept or decline"})
    start_as = forms.ChoiceField(
        label="If you accept, start with", required=False, widget=forms.RadioSelect,
        choices=[(Engagement.Status.DIAGNOSTIC, "A diagnostic"),
                 (Engagement.Status.ACTIVE, "Support straight away")])
    days_allocated = _days_field("If you accept, days allocated", False)
    reason = forms.CharField(label="If you decline, why", max_length=4000, required=False,
                             widget=forms.Textarea)

    def __init__(self, *args: Any, for_request: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not for_request:
            del self.fields["start_as"], self.fields["days_allocated"]
            self.fields["reason"].help_text = "The enabler who proposed it sees the reason."
        else:
            self.fields["reason"].help_text = "The person who asked is emailed this reason."
            self.fields["start_as"].error_messages["invalid_choice"] = (
                "Choose a diagnostic or support straight away")
