"""Keep what `webhooks_wanted` reads in step with the endpoints, whoever changed them
(services, admin): the campaign row's event types, the site-wide events in memory."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import WebhookEndpoint


@receiver(post_save, sender=WebhookEndpoint)
@receiver(post_delete, sender=WebhookEndpoint)
def webhook_endpoint_changed(sender, instance: WebhookEndpoint, **kwargs) -> None:
    from .services import campaign_webhook_events_refresh, site_events_forget

    if instance.campaign_id is not None:
        campaign_webhook_events_refresh(campaign_id=instance.campaign_id)
    else:
        site_events_forget()
        # Another transaction may have read the old list meanwhile: forget again once
        # this one is visible.
        transaction.on_commit(site_events_forget)
