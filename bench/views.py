"""Benchmark-only machinery (``make bench``): a query-counting middleware and the bare view.

Both exist only when ``settings.FIELDBOOK_BENCH`` is true, which only ``bench/settings.py``
sets: the middleware removes itself otherwise (``MiddlewareNotUsed``) and fieldbook/urls.py adds
the bare view's URL only then. The headers carry counts and timings, never data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from fieldbook.access import signed_in
from fieldbook.http import AuthenticatedHttpRequest
from places.models import Region

QUERIES_HEADER = "X-Bench-Queries"
SERVER_MS_HEADER = "X-Bench-Server-Ms"


def bench_enabled() -> bool:
    return bool(getattr(settings, "FIELDBOOK_BENCH", False))


class QueryCounter:
    """A ``connection.execute_wrapper`` that counts statements (executemany counts once)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                 context: dict[str, Any]) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class BenchHeadersMiddleware:
    """Put the request's SQL query count and server time in response headers. Install it
    first, so the session and user lookups of the middleware below it are counted too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not bench_enabled():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[SERVER_MS_HEADER] = f"{(time.perf_counter() - started) * 1000:.2f}"
        response[QUERIES_HEADER] = str(counter.count)
        return response


_BARE = engines["django"].from_string(
    "<!doctype html><html lang=\"en\"><title>Fieldbook bench</title>"
    "<p>{{ user.get_username }}: {{ regions }} regions</p></html>"
)


@signed_in
def bare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The framework floor: same middleware and sign-in as every page, one trivial query
    (three in all: session, user, regions) and a tiny template."""
    return HttpResponse(_BARE.render({"regions": Region.objects.count()}, request))


bench_urlpatterns = [path("bench/bare/", bare, name="bench-bare")]
