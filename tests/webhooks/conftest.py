import inspect

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.webhooks.receiver import Receiver
from webhooks.services import site_events_forget


@pytest.fixture(autouse=True)
def _fresh_site_events():
    """What a test's site-wide endpoints were is forgotten with its rolled-back rows."""
    site_events_forget()
    yield
    site_events_forget()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def api_for(user) -> APIClient:
    """An API client with a token of the user's that may manage webhooks (the widest scope,
    where tokens have scopes)."""
    scoped = "scope" in inspect.signature(api_token_create).parameters
    token = api_token_create(user=user, name="t", **({"scope": "admin"} if scoped else {}))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    return client
