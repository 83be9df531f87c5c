from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Count, Prefetch, Q


class PlaceQuerySet(models.QuerySet):
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status value, label, count) for every onboarding status, zeros included. One query."""
        from places.models import Place

        counts = dict(
            self.order_by().values_list("onboarding_status").annotate(n=models.Count("id"))
        )
        return [
            (value, label, counts.get(value, 0))
            for value, label in Place.OnboardingStatus.choices
        ]

    def for_manage(self, *, query: str = "", status: str = "") -> PlaceQuerySet:
        """Places for Manage → Places, by name, with their region and system (one query a page):
        ``query`` matches the name, the region or the system; ``status`` an onboarding status."""
        from places.models import Place

        places = self.select_related("region", "system").order_by("name", "pk")
        if status in Place.OnboardingStatus.values:
            places = places.filter(onboarding_status=status)
        if query:
            places = places.filter(Q(name__icontains=query) | Q(region__name__icontains=query)
                                   | Q(system__name__icontains=query))
        return places


class OrganisationQuerySet(models.QuerySet):
    def for_manage(self, *, query: str = "", kind: str = "") -> OrganisationQuerySet:
        """Organisations for Manage → Organisations, by name, with how many places each serves
        and those places (one query a page, and one for the places of the whole page).
        ``query`` matches the name or the ODS code."""
        from places.models import Organisation, Place

        orgs = self.annotate(n_places=Count("places", distinct=True)).prefetch_related(
            Prefetch("places", queryset=Place.objects.order_by("name").only("pk", "name")),
        ).order_by("name", "pk")
        if kind in Organisation.Kind.values:
            orgs = orgs.filter(kind=kind)
        if query:
            orgs = orgs.filter(Q(name__icontains=query) | Q(ods_code__iexact=query.strip()))
        return orgs


class PersonQuerySet(models.QuerySet):
    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """Bulk inserts skip ``save()``: fill the name keys here too (``Person.save``)."""
        objs = list(objs)
        for person in objs:
            person.set_name_keys()
        return super().bulk_create(objs, *args, **kwargs)
