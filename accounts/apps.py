from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from . import (  # noqa: F401  (schema extension, receivers)
            schema,
            signals,
            signin_limits,
            token_generations,
        )
