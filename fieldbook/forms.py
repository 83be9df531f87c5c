from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """The stock login form with labels in plain English and autocomplete hints."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
