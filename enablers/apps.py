from django.apps import AppConfig


class EnablersConfig(AppConfig):
    name = "enablers"
    verbose_name = "Enablers and assignments"
