"""The programme dashboard's filters: a plain GET form whose values live in the URL.

Values are readable and shareable: ``?region=north&status=active&enabler=12&theme=discharge
&q=kent&quiet=1&sort=last-oldest&page=2``. A value that is not valid (an old link, a hand-edited
URL) is ignored rather than reported: a filter bar has no error to fix.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import (
    CharField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim

from enablers.models import Assignment, Enabler
from engagements.models import Engagement, EngagementTheme, Programme, Theme
from fieldbook.forms import choice_field
from places.models import Region

# (value, label, ordering). Sorting is the reader's choice; the default is by name, so the
# table never opens as a league table.
SORTS: dict[str, tuple[str, list[Any]]] = {
    "place": ("Place name (A to Z)", [F("place__name").asc(), F("pk").asc()]),
    "region": ("Region, then place", [F("place__region__name").asc(), F("place__name").asc(),
                                      F("pk").asc()]),
    "status": ("Status, then place", [F("status_order").asc(), F("place__name").asc(),
                                      F("pk").asc()]),
    "last-oldest": ("Last session, oldest first",
                    [F("last_session_on").asc(nulls_first=True), F("place__name").asc(),
                     F("pk").asc()]),
    "last-newest": ("Last session, most recent first",
                    [F("last_session_on").desc(nulls_last=True), F("place__name").asc(),
                     F("pk").asc()]),
    "days": ("Days used to date, most first",
             [F("minutes_to_date").desc(nulls_last=True), F("place__name").asc(),
              F("pk").asc()]),
}
DEFAULT_SORT = "place"


def filter_choices(programme: Programme) -> dict[str, list[tuple[str, str]]]:
    """Regions, enablers and themes to offer, in one query (a UNION of three small lists).

    Regions and enablers are those of this programme's places and current assignments, so
    every option finds something; themes are the active vocabulary.
    """
    regions = (
        Region.objects.filter(places__engagements__programme=programme)
        .annotate(group=Value("region"), key=F("code"), label=F("name"))
        .values_list("group", "key", "label").order_by()
    )
    enablers = (
        Enabler.objects.filter(Exists(Assignment.objects.filter(
            enabler=OuterRef("pk"), engagement__programme=programme, ended_on__isnull=True)))
        .annotate(
            group=Value("enabler"),
            key=Cast("pk", CharField()),
            label=Coalesce(
                NullIf(Trim(Concat("user__first_name", Value(" "), "user__last_name")), Value("")),
                "user__username",
                output_field=CharField(),
            ),
        )
        .values_list("group", "key", "label").order_by()
    )
    themes = (
        Theme.objects.filter(is_active=True)
        .annotate(group=Value("theme"), key=F("slug"), label=F("name"))
        .values_list("group", "key", "label").order_by()
    )
    found: dict[str, list[tuple[str, str]]] = {"region": [], "enabler": [], "theme": []}
    for group, key, label in regions.union(enablers, themes):
        found[group].append((key, label))
    for options in found.values():
        options.sort(key=lambda option: option[1].lower())
    return found


def region_choices(programme: Programme) -> list[tuple[str, str]]:
    """The regions of this programme's places, alone (the heatmap's one filter): one query
    that reads no enabler or assignment, so it costs the same however many the database holds
    (``filter_choices`` did 0.8 ms more at 1M sessions than at 10k)."""
    options = list(
        Region.objects.filter(Exists(Engagement.objects.filter(
            programme=programme, place__region=OuterRef("pk"))))
        .values_list("code", "name").order_by())
    options.sort(key=lambda option: option[1].lower())
    return options


class DashboardFilterForm(forms.Form):
    q = forms.CharField(label="Place name", required=False, max_length=100)
    region = forms.ChoiceField(label="Region", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Engagement.Status.choices]
    )
    enabler = forms.ChoiceField(label="Enabler", required=False)
    theme = forms.ChoiceField(label="Theme", required=False)
    quiet = forms.BooleanField(label="Only places with no session held in 3 weeks or more",
                               required=False)
    sort = forms.ChoiceField(
        label="Sort by", required=False,
        choices=[(key, label) for key, (label, _) in SORTS.items()],
    )

    def __init__(self, data: Any, *, choices: dict[str, list[tuple[str, str]]]) -> None:
        super().__init__(data)
        choice_field(self, "region").choices = [("", "Any region"), *choices["region"]]
        choice_field(self, "enabler").choices = [("", "Any enabler"), *choices["enabler"]]
        choice_field(self, "theme").choices = [("", "Any theme"), *choices["theme"]]

    def values(self) -> dict[str, Any]:
        """The valid filters, each "" (or False) when absent or not valid."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values: dict[str, Any] = {name: cleaned.get(name) or "" for name in self.fields}
        values["quiet"] = bool(cleaned.get("quiet"))
        values["sort"] = values["sort"] or DEFAULT_SORT
        return values

    @property
    def is_filtered(self) -> bool:
        values = self.values()
        return any(values[name] for name in ("q", "region", "status", "enabler", "theme",
                                             "quiet"))


def apply_filters(qs: QuerySet[Engagement], values: dict[str, Any]) -> QuerySet[Engagement]:
    """Narrow engagements by place name, region, status, current enabler and theme.

    The quiet filter and the sort need the activity annotations; programme.dashboard_rows
    applies them. Enabler and theme are EXISTS subqueries, so rows are never duplicated.
    """
    if values["q"]:
        qs = qs.filter(place__name__icontains=values["q"])
    if values["region"]:
        qs = qs.filter(place__region__code=values["region"])
    if values["status"]:
        qs = qs.filter(status=values["status"])
    if values["enabler"]:
        qs = qs.filter(Exists(Assignment.objects.filter(
            engagement=OuterRef("pk"), enabler_id=int(values["enabler"]), ended_on__isnull=True)))
    if values["theme"]:
        # Any held session about the theme, from the theme rollup (engagements.rollups).
        qs = qs.filter(Exists(EngagementTheme.objects.filter(
            engagement=OuterRef("pk"), theme__slug=values["theme"])))
    return qs
