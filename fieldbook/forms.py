from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from fieldbook.units import EARLIEST_DATE, latest_date


class BoundedDateField(forms.DateField):
    """A date within the dates Fieldbook covers (``fieldbook.units``: from 1 January 2000 to
    five years ahead), so nothing downstream does arithmetic at the ends of the calendar.
    A date outside them is a form error beside the field; what was typed stays in the box."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        latest = latest_date(timezone.localdate())
        if not EARLIEST_DATE <= value <= latest:
            raise forms.ValidationError(
                f"Enter a date between {EARLIEST_DATE:%-d %B %Y} and {latest:%-d %B %Y}",
                code="out_of_range")


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's field ``name``, a choice field whose choices the form sets per request
    (``form.fields`` is typed as plain ``Field``s)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's field ``name``, a model choice field whose queryset the form sets."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field")
    return field


class LoginForm(AuthenticationForm):
    """The stock login form, with NHS.UK-style plain-English messages and autocomplete hints."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask an admin to switch it back on.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username, password = self.fields["username"], self.fields["password"]
        username.label = "Username"
        username.error_messages["required"] = "Enter your username"
        username.widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        password.error_messages["required"] = "Enter your password"
        password.widget.attrs.update({"autocomplete": "current-password"})


class OTPTokenForm(forms.Form):
    """A six-digit code from an authenticator app, or one of the recovery codes."""

    token = forms.CharField(
        label="Security code",
        max_length=32,
        error_messages={"required": "Enter the security code from your authenticator app"},
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none",
        }),
    )

    def clean_token(self) -> str:
        # People type codes as "123 456" or paste "ab3d-ef7g": keep letters and digits only.
        return "".join(ch for ch in self.cleaned_data["token"].lower() if ch.isalnum())
