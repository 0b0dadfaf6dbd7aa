from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self):
        from .exports.signals import signals_connect as export_signals_connect
        from .provisioning.signals import signals_connect

        signals_connect()
        export_signals_connect()
