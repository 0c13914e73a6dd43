from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "praho.core"
    label = "core"
