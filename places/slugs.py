"""Unique slugs for new rows, in one query whatever the number of near-duplicates."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.text import slugify


def unique_slug(
    model: type[models.Model], text: str, *, max_length: int = 200,
    taken: Iterable[str] = (),
) -> str:
    """``slugify(text)``, with ``-2``, ``-3``... appended if the slug is in use (or in
    ``taken``, slugs already handed out in the same transaction). A race between two writers is
    caught by the slug's unique constraint."""
    base = (slugify(text) or "item")[: max_length - 6].strip("-") or "item"
    used = set(
        model._default_manager.filter(slug__startswith=base).values_list("slug", flat=True)
    ) | set(taken)
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"
