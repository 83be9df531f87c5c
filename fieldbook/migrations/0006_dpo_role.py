"""The data-protection officer's role (issue 18): a group only a superuser grants.

It starts with view rights on the records a subject-access request reads and on the audit log;
its own pages (subject access, retention) check the role itself, not model permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DPO = "Data protection officer"
VIEW = [
    ("places", "person"),
    ("places", "boardmembership"),
    ("places", "organisation"),
    ("fieldbook", "auditevent"),
]


def create_role(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=DPO)
    group.permissions.set([
        Permission.objects.get(content_type__app_label=app, codename=f"view_{model}")
        for app, model in VIEW
    ])


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=DPO).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fieldbook", "0005_audit_chain"),
    ]

    operations = [migrations.RunPython(create_role, remove_role)]
