"""Forms of a place's context, its other support, the board's UEC sponsor, protocols and
checklist, and good practice. They shape input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.context import checklist
from engagements.context.models import GoodPractice, PlaceContext
from engagements.models import Theme
from fieldbook.forms import BoundedDateField, choice_field

STALE = "This page is out of date. Open it again from the place's page"
REAL_DATE = "Enter a real date, like 31/03/2026"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: str, *, required: bool = False, help_text: str = "") -> BoundedDateField:
    f = BoundedDateField(label=label, required=required, help_text=help_text,
                         widget=DateInput())
    f.error_messages["invalid"] = REAL_DATE
    return f


def _seen(required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, required=required, min_value=1,
                              max_value=2**31 - 1,
                              error_messages={"required": STALE, "invalid": STALE,
                                              "min_value": STALE, "max_value": STALE})


def _count(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, help_text=help_text, required=False, min_value=0,
                              max_value=99,
                              widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                            "autocomplete": "off"}),
                              error_messages={"invalid": "Enter a whole number, like 2",
                                              "min_value": "Enter a number from 0 to 99",
                                              "max_value": "Enter a number from 0 to 99"})


COTERMINOUS = [("", "Not known"), ("yes", "Yes, the boundaries are the same"),
               ("no", "No, they are not coterminous")]


class PlaceContextForm(forms.Form):
    seen = _seen(required=False)
    councils = _count("Councils", "Local authorities in the place")
    commissioners = _count("Commissioners", "Commissioning organisations, such as CCGs")
    icb = forms.CharField(label="Integrated care board", required=False, max_length=200)
    coterminous = forms.ChoiceField(label="Are the health and council boundaries coterminous?",
                                    choices=COTERMINOUS, required=False,
                                    widget=forms.RadioSelect)
    foundation_trust_applications = forms.CharField(
        label="Foundation Trust applications", required=False, max_length=4000,
        help_text="Trusts applying for Foundation Trust status, and where they are",
        widget=forms.Textarea(attrs={"rows": 3}))
    pressure = forms.ChoiceField(label="System pressure", required=False,
                                 choices=[("", "Not recorded"), *PlaceContext.Pressure.choices])
    pressure_on = _date("Pressure judged on", help_text="The day the pressure was judged")
    notes = forms.CharField(label="Anything else about the context", required=False,
                            max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    @staticmethod
    def initial_for(row: PlaceContext | None) -> dict[str, Any]:
        if row is None:
            return {}
        return {"seen": row.version, "councils": row.councils,
                "commissioners": row.commissioners, "icb": row.icb,
                "coterminous": {True: "yes", False: "no"}.get(row.coterminous, ""),  # type: ignore[arg-type]
                "foundation_trust_applications": row.foundation_trust_applications,
                "pressure": row.pressure, "pressure_on": row.pressure_on, "notes": row.notes}

    def coterminous_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("coterminous", ""))


class OtherSupportForm(forms.Form):
    seen = _seen(required=False)
    name = forms.CharField(label="Programme", max_length=200,
                           help_text="For example, Emergency Care Improvement Programme (ECIP)")
    owner = forms.CharField(label="Run by", max_length=200,
                            help_text="For example, NHS England or the regional team")
    focus = forms.CharField(label="Its focus", required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    started_on = _date("Started in the place", required=True)
    ended_on = _date("Ended", help_text="Leave blank while it runs")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "Enter the programme’s name, like “SAFER”"
        self.fields["owner"].error_messages["required"] = "Enter who runs it, like “NHS England”"
        self.fields["started_on"].error_messages["required"] = ("Enter the day it started in "
                                                                "the place")


class SponsorForm(forms.Form):
    seen = _seen(required=False)
    person = forms.TypedChoiceField(coerce=int, label="Executive sponsor",
                                    help_text="Anyone from one of the place's partner "
                                              "organisations")
    since = _date("Sponsor since", required=True)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "person").choices = [("", "Choose a person"), *people]
        self.fields["person"].error_messages.update({
            "required": "Choose the sponsor", "invalid_choice": "Choose a person from the list"})
        self.fields["since"].error_messages["required"] = "Enter the day they became sponsor"


class ProtocolForm(forms.Form):
    seen = _seen(required=False)
    title = forms.CharField(label="Title", max_length=200)
    covers = forms.CharField(label="What it covers", max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 4}))
    organisations = forms.TypedMultipleChoiceField(
        coerce=int, label="Organisations party to it", widget=forms.CheckboxSelectMultiple)
    agreed_on = _date("Agreed on")
    review_on = _date("Next review", required=True,
                      help_text="You will be reminded when the review falls due")

    def __init__(self, *args: Any, organisations: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "organisations").choices = organisations
        self.fields["title"].error_messages["required"] = "Enter the protocol’s title"
        self.fields["covers"].error_messages["required"] = "Say what the protocol covers"
        self.fields["organisations"].error_messages.update({
            "required": "Choose the organisations party to the protocol",
            "invalid_choice": "Choose organisations from the list"})
        self.fields["review_on"].error_messages["required"] = ("Enter the day the protocol is "
                                                               "next to be reviewed")


class ChecklistSendForm(forms.Form):
    person = forms.TypedChoiceField(coerce=int, label="Board member to answer it")

    def __init__(self, *args: Any, contacts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "person").choices = [("", "Choose a person"), *contacts]
        self.fields["person"].error_messages.update({
            "required": "Choose who answers for the board",
            "invalid_choice": "Choose a person from the list"})


class ChecklistAnswerForm(forms.Form):
    """One status and an optional comment per suggestion (``<key>_status``,
    ``<key>_comment``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, text in checklist.SUGGESTIONS:
            self.fields[f"{key}_status"] = forms.ChoiceField(
                label=text, choices=checklist.Status.choices, widget=forms.RadioSelect,
                error_messages={"required": "Choose an answer",
                                "invalid_choice": "Choose an answer"})
            self.fields[f"{key}_comment"] = forms.CharField(
                label="Comment (optional)", required=False, max_length=checklist.COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}))

    def pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"{key}_status"], self[f"{key}_comment"])
                for key, _text in checklist.SUGGESTIONS]

    def answers(self) -> dict[str, tuple[str, str]]:
        d = self.cleaned_data
        return {key: (d.get(f"{key}_status", ""), d.get(f"{key}_comment", ""))
                for key, _text in checklist.SUGGESTIONS}


class GoodPracticeForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200,
                            help_text="For example, Same-day emergency care in the front door")
    kind = forms.ChoiceField(label="Kind of practice",
                             choices=[("", "Choose a kind"), *GoodPractice.Kind.choices])
    description = forms.CharField(label="What they do, and what it changed", max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    themes = forms.ModelMultipleChoiceField(queryset=Theme.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple, label="Themes")
    attributed_role = forms.CharField(label="Attributed to (a role, never a name)",
                                      required=False, max_length=200,
                                      help_text="For example, Clinical Director")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        themes = self.fields["themes"]
        assert isinstance(themes, forms.ModelMultipleChoiceField)
        themes.queryset = Theme.objects.filter(is_active=True).order_by("name")
        self.fields["title"].error_messages["required"] = "Enter a short title for the practice"
        self.fields["kind"].error_messages.update({"required": "Choose the kind of practice",
                                                   "invalid_choice": "Choose from the list"})
        self.fields["description"].error_messages["required"] = (
            "Describe the practice: what they do, and what it changed")


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    kind = forms.ChoiceField(label="Kind", required=False,
                             choices=[("", "Any kind"), *GoodPractice.Kind.choices])
    theme = forms.ChoiceField(label="Theme", required=False)

    def __init__(self, *args: Any, themes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "theme").choices = [("", "Any theme"), *themes]

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"q": "", "kind": "", "theme": ""}
        return {k: self.cleaned_data.get(k) or "" for k in ("q", "kind", "theme")}
