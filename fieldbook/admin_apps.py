"""The Django admin app, as break-glass for superusers (fieldbook.admin_site). In a module of
its own: fieldbook/apps.py may hold only the fieldbook app's own config."""

from django.contrib.admin.apps import AdminConfig


class FieldbookAdminConfig(AdminConfig):
    default_site = "fieldbook.admin_site.FieldbookAdminSite"
