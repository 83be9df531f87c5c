"""Respondent links: how a place's own people answer Fieldbook without an account.

A link is made for one named ``places.Person`` (a board member with an email address), for one
purpose (``RespondentLink.Purpose``: confirm an outcome, write an outcome, send a measure's next
value; the self-assessment and the relationship pulse will reuse it), pointing at one object.
The token is random (``secrets``) and signed (``django.core.signing``), so a tampered link is
known as such without a database lookup; only its SHA-256 is stored. A link expires after
``LINK_DAYS`` (14) days, answers once, and can be revoked; the mail goes out through a Celery
task. Every step is audited (``engagements.respondent.*``).

- ``models``: ``RespondentLink``, ``RespondentAttempt`` (the throttle's record);
- ``services``: make, send, find, open, use and revoke a link; the throttle;
- ``purposes``: what each purpose shows and does (the outcome's lives in engagements.outcomes);
- ``tasks``: the mail;
- ``views``: the one public page, ``respond``.
"""
