from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data built from the seed documents (``seed_demo``) and the load generator
    (``generate_load``), kept out of the domain apps. No models of its own."""

    name = "demo"
    verbose_name = "Demo data"
