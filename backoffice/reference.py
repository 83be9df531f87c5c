"""Reference data the admins keep: regions, systems, themes and programmes.

Saving goes through ``reference_save`` (validate, save, audit what changed); merging two themes
through ``theme_merge``. Reads for the list pages are annotated in the database: one query each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.forms import ModelForm

from engagements.models import LearningItem, Outcome, Programme, Session, Theme
from fieldbook.audit import audit_record
from fieldbook.editing import plain
from fieldbook.errors import DomainError
from places.models import Organisation, Region, System
from places.slugs import unique_slug

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def reference_save(*, actor: User, form: ModelForm) -> models.Model:
    """Save a valid ModelForm for a reference record, with a slug if the model has one, and an
    audit row naming each changed field."""
    instance = form.instance
    creating = instance.pk is None
    if hasattr(instance, "slug") and not instance.slug:
        instance.slug = unique_slug(type(instance), instance.name)
    changed = {name: plain(form.cleaned_data[name]) for name in form.changed_data}
    try:
        instance.full_clean()
        with transaction.atomic():
            saved = form.save()
    except ValidationError as exc:
        raise DomainError(field_errors={None: exc.messages}) from exc
    except IntegrityError as exc:
        raise DomainError("Another record with that name was saved a moment ago.") from exc
    label = saved._meta.model_name
    action = f"{saved._meta.app_label}.{label}.{'created' if creating else 'changed'}"
    if creating or changed:
        audit_record(actor=actor, action=action, obj=saved, changes=changed)
    return saved


def regions_for_list() -> models.QuerySet[Region]:
    return Region.objects.annotate(
        n_places=Count("places", distinct=True), n_systems=Count("systems", distinct=True)
    ).order_by("name")


def systems_for_list() -> models.QuerySet[System]:
    return System.objects.select_related("region").annotate(
        n_places=Count("places")).order_by("region__name", "name")


def organisation_kinds() -> list[dict[str, Any]]:
    """Every kind with its sector and how many organisations have it (one query)."""
    from places.models import SECTOR_BY_KIND, Sector

    counts = dict(Organisation.objects.order_by().values_list("kind").annotate(n=Count("id")))
    return [
        {"value": value, "label": label, "sector": Sector(SECTOR_BY_KIND[value]).label,
         "count": counts.get(value, 0)}
        for value, label in Organisation.Kind.choices
    ]


def themes_for_list() -> models.QuerySet[Theme]:
    return Theme.objects.annotate(
        n_sessions=Count("sessions", filter=Q(sessions__deleted_at__isnull=True), distinct=True),
        n_learning=Count("learning_items", distinct=True),
        n_outcomes=Count("outcomes", distinct=True),
    ).order_by("name")


def programmes_for_list() -> models.QuerySet[Programme]:
    return Programme.objects.annotate(
        n_engagements=Count("engagements", distinct=True),
        n_leads=Count("leads", distinct=True),
    ).order_by("-starts_on", "name")


@transaction.atomic
def theme_merge(*, actor: User, source: Theme, target: Theme) -> dict[str, int]:
    """Tag everything tagged ``source`` with ``target`` instead, then remove ``source``.

    Works on the three through tables directly: a row that would duplicate an existing
    (thing, target) pair is dropped, the rest are repointed. Seven queries, however many
    sessions carry the theme.
    """
    if source.pk == target.pk:
        raise DomainError(field_errors={"target": ["Choose two different themes"]})
    moved: dict[str, int] = {}
    for label, through, column in (
        ("sessions", Session.themes.through, "session"),
        ("learning_items", LearningItem.themes.through, "learningitem"),
        ("outcomes", Outcome.themes.through, "outcome"),
    ):
        already = through.objects.filter(theme=target).values(f"{column}_id")
        through.objects.filter(theme=source, **{f"{column}_id__in": already}).delete()
        moved[label] = through.objects.filter(theme=source).update(theme=target)
    name = source.name
    source.delete()
    audit_record(actor=actor, action="engagements.theme.merged", obj=target,
                 changes={"merged": name, "into": target.name, **moved})
    return moved
