"""A counter per user in Redis that says when their API tokens or account last changed.

Token authentication (accounts/authentication.py) keeps the token and user rows it read in
the process, and reuses them while this counter, read in the round trip the throttle makes
anyway, has not moved and for at most TOKEN_ROWS_MAX_AGE seconds. Every change that
authentication depends on bumps the counter when it is made and again when its
transaction commits (rows read in between, still the old ones, are then not reused):
saving or deleting a user or a token, through the signals below (admin and the services,
revoking a token included, save or delete).

So a revoked or deleted token, a disabled account or a changed scope is refused on the
next request in every process. A change that bypasses the signals (raw SQL, a queryset
update) or a bump lost while Redis is unreachable is seen within TOKEN_ROWS_MAX_AGE
seconds. Without Redis nothing is kept and every request reads the rows.
"""

from __future__ import annotations

import logging

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from commonset.throttling import redis_client

from .models import ApiToken, User

log = logging.getLogger(__name__)

# Longest a process reuses a token's rows without reading them again, whatever the counter.
TOKEN_ROWS_MAX_AGE = 60.0


def generation_key(user_id: int) -> str:
    """The counter's Redis key (in the "signin" cache, the Redis database of the throttle)."""
    return caches["signin"].make_key(f"apitoken:generation:{user_id}")


def token_owner_changed(user_id: int) -> None:
    """Bump `user_id`'s counter now and, inside a transaction, again once it commits."""
    client = redis_client(caches["signin"])
    if client is None:  # no Redis: nothing is kept, so nothing to tell
        return

    def bump():
        try:
            client.incr(generation_key(user_id))
        except Exception:  # kept rows then expire after TOKEN_ROWS_MAX_AGE
            log.warning("Could not bump the API token generation in Redis", exc_info=True)

    bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump)


@receiver(post_save, sender=ApiToken, dispatch_uid="accounts.token_saved")
@receiver(post_delete, sender=ApiToken, dispatch_uid="accounts.token_deleted")
def _token_changed(sender, instance, **kwargs):
    token_owner_changed(instance.user_id)


@receiver(post_save, sender=User, dispatch_uid="accounts.token_owner_saved")
@receiver(post_delete, sender=User, dispatch_uid="accounts.token_owner_deleted")
def _user_changed(sender, instance, **kwargs):
    token_owner_changed(instance.pk)
