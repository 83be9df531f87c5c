from django.apps import AppConfig


class FieldbookConfig(AppConfig):
    """The project package doubles as a small app: roles, access control and the audit log."""

    name = "fieldbook"
    verbose_name = "Fieldbook"

    def ready(self) -> None:
        from fieldbook import checks, signals  # noqa: F401  (connects receivers, registers checks)
