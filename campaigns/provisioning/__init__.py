"""Provisioning of an approved campaign's Space and dataset repository on the Hub.

STUB until the provisioning issue lands: `provisioning_start` only records, in the
campaign's state message and the log, that provisioning is not built yet.
"""

import logging

logger = logging.getLogger(__name__)


def provisioning_start(*, campaign) -> None:
    """Called by the approval service inside its transaction."""
    message = "Provisioning is not built yet (stub): the campaign stays in provisioning."
    logger.warning("campaign %s: %s", campaign.pk, message)
    type(campaign).objects.filter(pk=campaign.pk).update(state_message=message)
