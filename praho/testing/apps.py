from django.apps import AppConfig


class TestingConfig(AppConfig):
    """The test helpers as an app, for their management commands (`manage.py fakes`). Installed
    by praho/settings/dev.py and test.py only, never in production; app code never imports it."""

    name = "praho.testing"
    label = "praho_testing"
    verbose_name = "Test helpers"
