"""The ground floor's one background job: the password-reset email.

The sign-in pages never send mail themselves: the reset page queues this task for every
address asked about, known or not, so the answer takes the same path (and the same time)
either way; the worker finds the accounts and sends. A mail server that refuses is retried with
a growing wait (Django's own reset form would only log the failure and drop the mail).
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

RESET_EMAIL = "registration/password_reset_email.txt"
RESET_SUBJECT = "registration/password_reset_subject.txt"


@shared_task(
    name="fieldbook.send_password_reset",
    autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30, retry_backoff_max=600,
    max_retries=6, acks_late=True,
)
def send_password_reset(address: str, domain: str, use_https: bool) -> int:
    """Email a reset link to every active account with ``address`` (with a usable password, as
    Django's reset form finds them). Returns how many were sent (0: nobody has it)."""
    form = PasswordResetForm({"email": address})
    if not form.is_valid():
        return 0
    sent = 0
    for user in form.get_users(form.cleaned_data["email"]):
        context = {
            "email": address, "domain": domain, "site_name": domain, "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "protocol": "https" if use_https else "http",
        }
        subject = "".join(render_to_string(RESET_SUBJECT, context).splitlines())
        body = render_to_string(RESET_EMAIL, context)
        EmailMessage(subject, body, to=[getattr(user, user.get_email_field_name())]).send()
        sent += 1
    return sent
