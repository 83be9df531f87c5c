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
