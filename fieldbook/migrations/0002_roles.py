"""Create the three role groups with their model permissions.

Permissions are normally created after all migrations run (post_migrate), so on a fresh database
they do not exist yet; create them here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ("view",)
ALL = ("add", "change", "delete", "view")

REFERENCE = {
    "places": ["region", "system", "place", "organisation", "deliveryboard", "person",
               "boardmembership"],
    "enablers": ["enabler", "assignment"],
    "engagements": ["theme", "programme", "engagement", "outcome"],
}

ROLE_PERMISSIONS = {
    "Enabler": [
        *[(app, model, VIEW) for app, models in REFERENCE.items() for model in models],
        ("engagements", "session", ALL),
        ("engagements", "sessionsectorcount", ALL),
        ("engagements", "learningitem", ALL),
        ("engagements", "outcome", ("add", "change", "view")),
    ],
    "Programme lead": [
        *[(app, model, VIEW) for app, models in REFERENCE.items() for model in models],
        ("engagements", "learningsummary", ("add", "change", "view")),
    ],
    "Admin": [
        *[(app, model, ALL) for app, models in REFERENCE.items() for model in models],
        ("engagements", "learningsummary", ALL),
        ("auth", "user", ("add", "change", "view")),
        ("auth", "group", VIEW),
        ("fieldbook", "auditevent", VIEW),
    ],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = [
            (app, f"{action}_{model}") for app, model, actions in grants for action in actions
        ]
        perms = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in codenames
        ]
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fieldbook", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("places", "0001_initial"),
        ("enablers", "0002_initial"),
        ("engagements", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
