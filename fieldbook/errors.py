"""The one error type every service raises, and the one helper that shows it on a form.

A service checks the whole input and raises ``DomainError`` with plain-English messages keyed
by field; the view calls ``errors_to_form(form, error)`` and re-renders what the user typed with
each message beside its field (``None`` is the whole form). ``StaleEditError`` is the
compare-and-set refusal (``fieldbook.editing``): it carries the record as saved now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from django import forms
    from django.db import models

M = TypeVar("M", bound="models.Model")


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


class StaleEditError(DomainError, Generic[M]):
    """The record changed since the form was opened (compare-and-set on ``updated_at``).

    ``current`` is the record as saved now, for showing beside what the user typed.
    """

    def __init__(self, current: M, *, noun: str = "This record") -> None:
        super().__init__(
            f"{noun} was changed since you opened it. Nothing has been overwritten: check "
            "what you typed against the saved version, then save again to replace it."
        )
        self.current = current


def errors_to_form(form: forms.BaseForm, error: DomainError, *,
                   formsets: Mapping[str, Sequence[forms.BaseForm]] | None = None) -> None:
    """Each of a service's messages beside its field, or at the top of the form if the form has
    no such field. A key ``<prefix>-<index>-<field>`` whose prefix is in ``formsets`` goes to
    that field of the formset's ``index``-th form (``learning-0-text``)."""
    for name, msgs in error.field_errors.items():
        target, field = form, name
        if name and formsets:
            prefix, _, rest = name.partition("-")
            index, _, inner = rest.partition("-")
            if prefix in formsets and index.isdigit() and inner:
                target, field = formsets[prefix][int(index)], inner
        for msg in msgs:
            target.add_error(field if field in target.fields else None, msg)
