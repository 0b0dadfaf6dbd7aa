from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self):
        from .provisioning.signals import signals_connect

        signals_connect()
