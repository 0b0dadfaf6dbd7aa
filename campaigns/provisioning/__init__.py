"""Provisioning of an approved campaign's Space and dataset repository on the Hub.

`provisioning_start(campaign=...)` is what the approval service calls inside its
transaction; the workflow lives in `services`, its Hub calls in `steps`, its row in `models`.
"""


def provisioning_start(*, campaign):
    """Create the campaign's provisioning workflow; its first step is sent on commit."""
    from .services import provisioning_start as start

    return start(campaign=campaign)
