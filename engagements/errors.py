"""The errors services raise; views turn them into messages beside the fields."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken.

    ``field_errors`` maps a form field name (or None for the whole form) to messages.
    """

    def __init__(
        self, message: str = "", *, field_errors: dict[str | None, list[str]] | None = None
    ) -> None:
        field_errors = field_errors or ({None: [message]} if message else {})
        super().__init__(message or " ".join(m for msgs in field_errors.values() for m in msgs))
        self.field_errors: dict[str | None, list[str]] = field_errors


class StaleEditError(DomainError):
    """The session changed since the form was opened (optimistic concurrency).

    ``current`` is the saved version, for showing beside the user's own.
    """

    def __init__(self, current: object) -> None:
        super().__init__(
            "This session was changed since you opened it. Compare the saved version with "
            "yours: nothing has been overwritten."
        )
        self.current = current
