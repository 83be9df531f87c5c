"""Screenshots for a person to look at, from the browser tests (STYLE.md: look at what you
build). Off unless ``FIELDBOOK_SCREENSHOTS`` (or the older ``FIELDBOOK_SHOTS``) names a folder."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

WIDTHS = (1280, 390)  # desktop, and a phone


def shoot(page: Page, name: str) -> None:
    """The page, full length, at each width in ``WIDTHS``; then back to 1280 px."""
    folder = os.environ.get("FIELDBOOK_SCREENSHOTS") or os.environ.get("FIELDBOOK_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder, f"{name}-{width}.png")), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
