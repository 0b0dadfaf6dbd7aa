"""The stand-in's accounts and tokens answer as the Hub does: 401 for a token nobody issued,
403 where the token may not write, 402 for a Docker or Gradio Space without a paid plan,
and whoami-v2 with each organisation's role and plan fields."""

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError


@pytest.fixture
def bot(hub):
    return HfApi(endpoint=hub.url, token="hf_test")


def _status(call) -> tuple[int, str]:
    with pytest.raises(HfHubHTTPError) as failed:
        call()
    return failed.value.response.status_code, failed.value.response.json().get("error", "")


def test_an_unknown_token_is_refused_with_401_everywhere(hub):
    api = HfApi(endpoint=hub.url, token="hf_nobody_issued_this")
    hub.repo_add("dataset", "programme/open")
    assert _status(lambda: api.create_repo("programme/x", repo_type="dataset")) == (
        401,
        "Invalid credentials in Authorization header",
    )
    assert _status(lambda: api.repo_info("programme/open", repo_type="dataset"))[0] == 401
    assert ("dataset", "programme/x") not in hub.repos


def test_the_service_account_writes_in_the_programme_but_not_elsewhere(hub, bot):
    assert bot.create_repo("programme/ok", repo_type="dataset").endswith("/programme/ok")
    hub.account_add("community-org")
    status, message = _status(lambda: bot.create_repo("community-org/d", repo_type="dataset"))
    assert (status, message) == (
        403,
        "You don't have the rights to create a dataset under this namespace",
    )
    assert _status(lambda: bot.create_bucket("community-org/b"))[0] == 403
    assert ("dataset", "community-org/d") not in hub.repos and not hub.buckets


def test_a_personal_namespace_is_writable_by_its_owner_only(hub, bot):
    hub.token_add("hf_amara", "amara")
    amara = HfApi(endpoint=hub.url, token="hf_amara")
    assert amara.create_repo("amara/mine", repo_type="dataset")
    assert bot.create_repo("own", repo_type="dataset").endswith("/commonset-bot/own")
    assert _status(lambda: bot.create_repo("amara/theirs", repo_type="dataset"))[0] == 403
    status, message = _status(
        lambda: bot.upload_file(
            path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="amara/mine", repo_type="dataset"
        )
    )
    assert (status, message) == (403, "You don't have the rights to write to amara/mine")
    assert "x.txt" not in hub.repos[("dataset", "amara/mine")].files


@pytest.mark.parametrize(
    ("role", "may_create", "may_write_others"),
    [
        ("read", False, False),
        ("contributor", True, False),
        ("write", True, True),
        ("admin", True, True),
    ],
)
def test_organisation_roles_decide_who_writes(hub, bot, role, may_create, may_write_others):
    hub.account_add("acme")
    hub.member_add("acme", "commonset-bot", role=role)
    hub.repo_add("space", "acme/theirs", sdk="static", owner_token="hf_someone_else")
    create = lambda: bot.create_repo("acme/new", repo_type="dataset")  # noqa: E731
    if may_create:
        create()
    else:
        assert _status(create)[0] == 403
    write = lambda: bot.add_space_variable("acme/theirs", "K", "v")  # noqa: E731
    if may_write_others:
        write()
        assert hub.space("acme/theirs").variables["K"]["value"] == "v"
    else:
        assert _status(write)[0] == 403
        assert hub.space("acme/theirs").variables == {}


def test_a_read_token_writes_nowhere(hub):
    hub.token_add("hf_bot_read", "commonset-bot", role="read")
    reader = HfApi(endpoint=hub.url, token="hf_bot_read")
    assert _status(lambda: reader.create_repo("programme/r", repo_type="dataset"))[0] == 403


def test_docker_and_gradio_spaces_need_a_paid_plan_static_ones_do_not(hub, bot):
    for sdk in ("docker", "gradio"):
        status, message = _status(
            lambda sdk=sdk: bot.create_repo(f"programme/{sdk}", repo_type="space", space_sdk=sdk)
        )
        assert status == 402
        assert "require a paid plan" in message
    assert bot.create_repo("programme/page", repo_type="space", space_sdk="static")
    status, _ = _status(
        lambda: bot.duplicate_repo(
            "argilla/argilla-template-space", to_id="programme/argilla", repo_type="space"
        )
    )
    assert status == 402
    assert hub.space("programme/argilla") is None and hub.space("programme/docker") is None
    hub.account_add("programme", paid=True)
    bot.duplicate_repo(
        "argilla/argilla-template-space", to_id="programme/argilla", repo_type="space"
    )
    assert hub.space("programme/argilla").duplicated_from == "argilla/argilla-template-space"


def test_space_settings_are_writes_too(hub, bot):
    hub.account_add("acme", paid=True)
    hub.repo_add("space", "acme/s", sdk="docker")
    for call in (
        lambda: bot.add_space_secret("acme/s", "K", "v"),
        lambda: bot.request_space_hardware("acme/s", "cpu-upgrade"),
        lambda: bot.restart_space("acme/s"),
        lambda: bot.delete_repo("acme/s", repo_type="space"),
    ):
        assert _status(call)[0] == 403
    assert hub.space("acme/s").restarts == 0 and ("space", "acme/s") in hub.repos


def test_whoami_lists_organisations_with_role_and_plan(hub, bot):
    hub.account_add("paid-org", paid=True)
    hub.member_add("paid-org", "commonset-bot", role="admin")
    hub.account_add("other-org")
    me = bot.whoami()
    assert me["name"] == "commonset-bot"
    assert me["auth"]["accessToken"]["role"] == "write"
    orgs = {org["name"]: org for org in me["orgs"]}
    assert set(orgs) == {"paid-org", "programme"}  # not other-org: not a member
    assert (orgs["paid-org"]["roleInOrg"], orgs["paid-org"]["isEnterprise"]) == ("admin", True)
    assert (orgs["programme"]["roleInOrg"], orgs["programme"]["isEnterprise"]) == ("write", False)
    with pytest.raises(HfHubHTTPError):
        HfApi(endpoint=hub.url, token="hf_unknown").whoami()
