from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.http import HttpRequest, QueryDict

from fieldbook.errors import StaleEditError

F = TypeVar("F", bound=forms.Form)


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (``request.POST or None`` would treat an
    empty POST, e.g. every checkbox cleared, as no submission at all)."""
    return request.POST if request.method == "POST" else None



def stale_form(request: HttpRequest, stale: StaleEditError, bind: Callable[[QueryDict], F]) -> F:
    """The form again with what the user typed, told why it was not saved, and moved on to the
    saved version: saving again is now a deliberate choice to replace it."""
    data = request.POST.copy()
    data["seen"] = stale.current.updated_at.isoformat()
    form = bind(data)
    form.is_valid()
    form.add_error(None, str(stale))
    return form
