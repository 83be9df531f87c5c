"""The one error type the places services raise; views turn it into form errors."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. ``field_errors`` maps a field (or a section, or None for the whole
    form) to plain-English messages, so a view can show each beside what it is about."""

    def __init__(
        self, message: str = "", *, field_errors: dict[str | None, list[str]] | None = None
    ) -> None:
        self.field_errors: dict[str | None, list[str]] = field_errors or (
            {None: [message]} if message else {}
        )
        super().__init__(
            message or "; ".join(m for msgs in self.field_errors.values() for m in msgs)
        )

    @property
    def messages(self) -> list[str]:
        return [m for msgs in self.field_errors.values() for m in msgs]


class StaleEditError(DomainError):
    """The record changed since the form was opened (compare-and-set on ``updated_at``).

    ``current`` is the record as saved now, for showing beside what the user typed.
    """

    def __init__(self, current: object, *, noun: str = "This record") -> None:
        super().__init__(
            f"{noun} was changed by someone else since you opened it. Nothing has been "
            "overwritten: check what you typed against the saved version, then save again "
            "to replace it."
        )
        self.current = current
