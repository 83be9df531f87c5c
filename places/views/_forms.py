from __future__ import annotations

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (``request.POST or None`` would treat an
    empty POST, e.g. every checkbox cleared, as no submission at all)."""
    return request.POST if request.method == "POST" else None
