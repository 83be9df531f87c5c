"""Error pages that never echo request data (so no private text reaches an error page)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fieldbook.params import BadParameter


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Only our own messages (fieldbook.params: they name a parameter, never echo its value).
    reason = str(exception) if isinstance(exception, BadParameter) else ""
    return render(request, "400.html", {"reason": reason}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors' request-derived data beyond the layout: render plainly.
    return render(request, "500.html", status=500)
