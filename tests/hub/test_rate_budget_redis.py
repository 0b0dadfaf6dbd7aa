"""The service account's rate budget is shared through Redis: a 429 learnt by one process
holds back the Hub calls of another (another worker), without a request reaching the Hub.
Required under CI (the redis marker)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.budget import budget_forget, budget_wait
from hub.errors import HubTransientError
from hub.huggingface import HuggingFaceHub

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]

OTHER_WORKER = """
import json, django
django.setup()
from hub.errors import HubTransientError
from hub.huggingface import HuggingFaceHub
from django.conf import settings
try:
    HuggingFaceHub(endpoint=settings.HF_ENDPOINT, token="hf_test").dataset_create("acme/other")
    print(json.dumps({"called": True}))
except HubTransientError as exc:
    print(json.dumps({"retry_after": exc.retry_after, "message": exc.message}))
"""


@pytest.fixture
def redis_cache(settings):
    """This process's cache on Redis, configured as settings.py does with REDIS_URL."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "commonset",
        }
    }
    budget_forget("hf_test")
    yield
    budget_forget("hf_test")


def test_a_429_in_one_process_makes_another_process_wait_without_asking_the_hub(hub, redis_cache):
    hub.rate_limit("repo_create", reset=30)
    with pytest.raises(HubTransientError):
        HuggingFaceHub(endpoint=hub.url, token="hf_test").dataset_create("acme/first")
    assert 29 < budget_wait("hf_test") <= 30

    seen = len(hub.requests)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "commonset.settings",
        "HF_ENDPOINT": hub.url,
        "HF_TOKEN": "hf_test",
    }
    done = subprocess.run(
        [sys.executable, "-c", OTHER_WORKER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert "called" not in answer, "the other process reached the Hub"
    assert 20 < answer["retry_after"] <= 30
    assert "rate limit is spent" in answer["message"]
    assert hub.requests[seen:] == []
    assert ("dataset", "acme/other") not in hub.repos
