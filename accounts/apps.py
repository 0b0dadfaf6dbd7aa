from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from . import schema, signals  # noqa: F401  (schema extension, sign-in receivers)
