"""The service account's write access, read from whoami-v2 on the stand-in, and the one
decision built on it: can campaigns be hosted in a namespace, with which Space kind."""

import pytest
from django.core.cache import cache

from hub.huggingface import HuggingFaceHub
from hub.local import LocalHub
from hub.namespaces import hub_namespace_check

WHOAMI = ("GET", "/api/whoami-v2")


@pytest.fixture
def api(hub, settings):
    settings.HUB_HTTP_TIMEOUT_SECONDS = 5
    cache.clear()
    yield HuggingFaceHub(endpoint=hub.url, token="hf_test")
    cache.clear()


def test_the_service_account_lists_its_organisations_roles_and_plans(api, hub):
    hub.account_add("team-org", paid=True)
    hub.member_add("team-org", "commonset-bot", role="contributor")
    account = api.service_account()
    assert account.name == "commonset-bot" and account.access_role == "write"
    assert account.membership("TEAM-ORG").role == "contributor"
    assert account.membership("team-org").paid_plan is True
    assert account.membership("programme").paid_plan is False
    assert account.membership("elsewhere") is None


def test_it_is_cached_briefly_and_approval_can_ask_afresh(api, hub):
    api.service_account()
    hub.account_add("late-org")
    hub.member_add("late-org", "commonset-bot", role="write")
    assert api.service_account().membership("late-org") is None  # from the cache
    assert hub.requests.count(WHOAMI) == 1
    assert api.service_account(fresh=True).membership("late-org").role == "write"
    assert hub.requests.count(WHOAMI) == 2


@pytest.mark.parametrize(
    ("role", "writable", "said"),
    [
        ("read", False, "is a member of acme with the read role only"),
        (None, False, "is not a member of acme"),
        ("contributor", True, ""),
        ("write", True, ""),
        ("admin", True, ""),
    ],
)
def test_writable_follows_the_role_in_the_organisation(api, hub, role, writable, said):
    hub.account_add("acme")
    if role:
        hub.member_add("acme", "commonset-bot", role=role)
    check = hub_namespace_check("acme", "static", backend=api)
    assert check.writable is writable
    assert said in check.reason
    if not writable:
        assert "an admin of acme adds commonset-bot to the organisation with the write role" in (
            check.reason
        )


def test_an_argilla_space_needs_a_paid_plan_a_static_one_does_not(api, hub):
    hub.account_add("team-org", paid=True)
    hub.member_add("team-org", "commonset-bot", role="write")
    assert hub_namespace_check("team-org", "argilla", backend=api).space_possible is True
    assert hub_namespace_check("programme", "static", backend=api).space_possible is True
    free = hub_namespace_check("programme", "argilla", backend=api)
    assert (free.writable, free.space_possible) == (True, False)
    assert "programme has no paid plan" in free.reason
    assert "set the cohort's Space kind to static" in free.reason


def test_a_token_the_hub_refuses_makes_nothing_writable_and_says_why(hub, settings):
    cache.clear()
    check = hub_namespace_check(
        "programme", "static", backend=HuggingFaceHub(endpoint=hub.url, token="hf_revoked")
    )
    assert check.writable is False
    assert "The Hub answered 401" in check.reason and "HF_TOKEN" in check.reason


def test_the_local_backend_writes_everywhere(tmp_path):
    check = hub_namespace_check("anyone", "argilla", backend=LocalHub(root=tmp_path))
    assert check.writable and check.space_possible
