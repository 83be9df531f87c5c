from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """Everything an Admin does: onboarding, imports, users, reference pages, the audit log.

    No models of its own: it writes the rows of ``places``, ``enablers`` and ``engagements``
    through their services and its own (templates in ``templates/backoffice/``)."""

    name = "backoffice"
    verbose_name = "Back office"
