"""/api/v1/: the API's operations, each wrapped so that every call is logged, and marked for
tests/test_access.py as needing no sign-in (a bearer token, checked by the operation)."""

from __future__ import annotations

import time
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern

from engagements.api.services import call_record
from engagements.api.views import api
from fieldbook.access import public
from fieldbook.http import View

# The document, its docs page and ninja's root (a 404 that names the docs): not calls.
NOT_CALLS = {"openapi-json", "openapi-view", "api-root"}


def logged(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        started = time.monotonic()
        response = view(request, *args, **kwargs)
        call_record(client=getattr(request, "api_client", None), path=request.path,
                    status=response.status_code, started=started, ended=time.monotonic())
        return response

    return public(wrapped)


patterns, _, _ = api.urls
for pattern in patterns:
    if isinstance(pattern, URLPattern):
        pattern.callback = (public(pattern.callback) if pattern.name in NOT_CALLS
                            else logged(pattern.callback))

app_name = "api"
urlpatterns = patterns
