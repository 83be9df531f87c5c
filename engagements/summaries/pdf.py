"""HTML to PDF with WeasyPrint, fetching nothing but our own static files.

WeasyPrint 70 fetches every URL a document names (stylesheets, images, fonts). A summary is
rendered from data people typed, so the fetcher is closed by default: ``/static/...`` is read
from disk (the staticfiles finders, or the collected files under ``STATIC_ROOT`` where the
manifest storage has hashed the names) and ``data:`` URLs are decoded; anything else — another
host, ``file:``, a path outside the static files — is refused, so rendering a PDF can never make
a network request or read an arbitrary file.

WeasyPrint is imported only when a PDF is made: importing it loads Pango, and a machine without
the system libraries should lose PDFs, not every page that imports this module.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

# Relative URLs in the document resolve against this; it names no real host.
BASE_URL = "https://fieldbook.pdf.invalid/"
_BASE_HOST = urlsplit(BASE_URL).hostname


def static_path(url_path: str) -> Path | None:
    """The file behind a ``STATIC_URL`` path, or None. Never a path outside the static roots."""
    prefix = settings.STATIC_URL
    if not prefix.startswith("/"):
        prefix = f"/{prefix}"
    if not url_path.startswith(prefix):
        return None
    relative = url_path[len(prefix):]
    if not relative or ".." in Path(relative).parts or relative.startswith("/"):
        return None
    found = finders.find(relative)
    if found:
        return Path(found if isinstance(found, str) else found[0])
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


@cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

    class StaticFilesFetcher(URLFetcher):
        """Serves ``/static/`` from local files and ``data:`` URLs; refuses everything else."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.hostname != _BASE_HOST:
                raise URLFetchingError(f"Refused to fetch a non-local URL: {url[:200]}")
            path = static_path(unquote(parts.path))
            if path is None:
                raise URLFetchingError(f"No such static file: {parts.path[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(),
                                      headers={"Content-Type": content_type})

    return StaticFilesFetcher


def static_files_fetcher() -> Any:
    """A WeasyPrint URL fetcher that reads our static files and nothing else."""
    return _fetcher_class()()


# Tagged PDF/UA-1: a structure tree (headings, paragraphs, lists, tables, figures) for screen
# readers, the document's language from <html lang>, and its <title> shown as the window title.
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str) -> bytes:
    """Render a complete HTML document (its stylesheets linked under ``/static/``) as tagged
    PDF/UA: the HTML's ``lang`` and ``<title>`` become the PDF's language and title."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=BASE_URL,
                      url_fetcher=static_files_fetcher()).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
