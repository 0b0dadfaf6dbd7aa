import pytest

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
