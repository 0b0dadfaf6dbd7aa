import pytest

from tests.hub.provisioning_support import SECRETS


@pytest.fixture
def hf(settings, hub):
    """The huggingface backend pointed at the stand-in, with fast, deterministic settings."""
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    settings.HF_TOKEN = "hf_test"
    settings.PROVISIONING_SPACE_SECRETS = dict(SECRETS)
    settings.PROVISIONING_SPACE_VARIABLES = {"WORKSPACE": "argilla"}
    settings.PROVISIONING_BACKOFF_BASE_SECONDS = 2
    settings.PROVISIONING_BACKOFF_MAX_SECONDS = 600
    settings.PROVISIONING_MAX_ATTEMPTS = 5
    settings.PROVISIONING_POLL_SECONDS = 15
    settings.PROVISIONING_POLL_MAX_SECONDS = 600
    settings.PROVISIONING_HEARTBEAT_STALE_SECONDS = 300
    settings.PROVISIONING_SWEEP_GRACE_SECONDS = 0
    settings.SPACE_PAGE_MIN_INTERVAL_SECONDS = 300
    settings.HUB_HTTP_TIMEOUT_SECONDS = 5
    settings.SITE_URL = "https://commonset.example"
    # The Argilla (Docker) Space needs a paid plan; tests of the 402 take it away again.
    hub.account_add("programme", paid=True)
    return hub
