from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from . import schema, signals, signin_limits  # noqa: F401  (schema extension, receivers)
