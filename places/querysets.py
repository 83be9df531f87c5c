from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models


class PlaceQuerySet(models.QuerySet):
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status value, label, count) for every onboarding status, zeros included. One query."""
        from .models import Place

        counts = dict(
            self.order_by().values_list("onboarding_status").annotate(n=models.Count("id"))
        )
        return [
            (value, label, counts.get(value, 0))
            for value, label in Place.OnboardingStatus.choices
        ]


class PersonQuerySet(models.QuerySet):
    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """Bulk inserts skip ``save()``: fill the name keys here too (``Person.save``)."""
        objs = list(objs)
        for person in objs:
            person.set_name_keys()
        return super().bulk_create(objs, *args, **kwargs)
