from django.apps import AppConfig


class IvrConfig(AppConfig):
    name = "ivr"
    verbose_name = "IVR"

    def ready(self):
        from . import checks, signals  # noqa: F401 (registers them)
