from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IvrConfig(AppConfig):
    name = "ivr"
    verbose_name = "IVR"

    def ready(self):
        from ivr import system_checks  # noqa: F401 (registers them)
        from ivr.menus import signals  # noqa: F401
        from ivr.roles import roles_update
        from ivr.webhook import network  # noqa: F401

        # After every migrate (and test database setup), once this app's
        # permissions exist: the staff roles need no migration of their own.
        post_migrate.connect(roles_update, sender=self, dispatch_uid="ivr_roles")
