"""The hub package: both backends, error classification and the Space README metadata,
with the real huggingface_hub client talking to the stand-in."""

import httpx2
import pytest
from huggingface_hub.errors import HfHubHTTPError

from hub.backend import Volume, get_backend
from hub.budget import budget_forget
from hub.errors import HubNotConfigured, HubPermanentError, HubTransientError, classify
from hub.huggingface import HuggingFaceHub
from hub.local import LocalHub
from hub.spacecard import readme_metadata, readme_with_sign_in

TEMPLATE = "argilla/argilla-template-space"


@pytest.fixture
def api(hub, settings):
    settings.HUB_HTTP_TIMEOUT_SECONDS = 5
    # Docker Spaces in "acme": a paid organisation where the service account writes.
    hub.account_add("acme", paid=True)
    hub.member_add("acme", "commonset-bot", role="write")
    return HuggingFaceHub(endpoint=hub.url, token="hf_test")


def _http_error(status: int, headers=None, text="") -> HfHubHTTPError:
    request = httpx2.Request("POST", "http://127.0.0.1/api/spaces/a/b/duplicate")
    response = httpx2.Response(status, headers=headers or {}, text=text, request=request)
    return HfHubHTTPError(f"{status}", response=response, server_message=text or None)


# --- classification ----------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_and_timeouts_are_transient(status):
    error = classify(_http_error(status), operation="do it")
    assert isinstance(error, HubTransientError)
    assert error.status == status


def test_429_is_transient_and_keeps_retry_after():
    error = classify(_http_error(429, {"Retry-After": "17"}), operation="do it")
    assert error.transient and error.retry_after == 17


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (400, "cohort"),
        (401, "HF_TOKEN"),
        (402, "billing"),
        (403, "write access"),
        (404, "not exist"),
    ],
)
def test_client_errors_are_permanent_with_a_hint(status, hint):
    error = classify(_http_error(status, text="nope"), operation="duplicate it", subject="a/b")
    assert isinstance(error, HubPermanentError)
    assert hint in error.message
    assert "duplicate it (a/b)" in error.message
    assert "The Hub said: nope" in error.message


def test_connection_problems_are_transient():
    assert classify(httpx2.ReadTimeout("slow"), operation="x").transient
    assert classify(httpx2.ConnectError("refused"), operation="x").transient
    assert classify(ConnectionResetError(), operation="x").transient


def test_a_conflicting_operation_409_is_transient():
    error = classify(
        _http_error(409, text="Cannot create repo: another conflicting operation is in progress"),
        operation="x",
    )
    assert error.transient


# --- the huggingface backend against the stand-in --------------------------------------
def test_get_backend_follows_settings(settings, hub):
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    backend = get_backend()
    assert isinstance(backend, HuggingFaceHub)
    assert backend.api.endpoint == hub.url  # always an explicit endpoint
    settings.HUB_BACKEND = "local"
    assert isinstance(get_backend(), LocalHub)


def test_create_calls_say_whether_the_thing_existed(api, hub):
    first = api.dataset_create("acme/prompts")
    again = api.dataset_create("acme/prompts")
    assert (first.existed, again.existed) == (False, True)
    assert first.url == again.url == f"{hub.url}/datasets/acme/prompts"
    assert api.bucket_create("acme/prompts-data").existed is False
    assert api.bucket_create("acme/prompts-data").existed is True
    assert hub.buckets["acme/prompts-data"]["private"] is True


def test_duplicate_sends_the_whole_configuration_and_a_409_means_exists(api, hub):
    api.bucket_create("acme/p-data")
    created = api.space_duplicate(
        template=TEMPLATE,
        space_id="acme/p",
        hardware="cpu-upgrade",
        secrets={"API_KEY": "k"},
        variables={"WORKSPACE": "argilla"},
        volumes=[Volume(source="acme/p-data")],
    )
    assert created.existed is False
    space = hub.space("acme/p")
    assert space.secrets["API_KEY"]["value"] == "k"
    assert space.variables["WORKSPACE"]["value"] == "argilla"
    assert space.requested_hardware == "cpu-upgrade"
    assert space.volumes == [
        {"type": "bucket", "source": "acme/p-data", "mountPath": "/data", "readOnly": False}
    ]
    again = api.space_duplicate(
        template=TEMPLATE, space_id="acme/p", hardware=None, secrets={}, variables={}, volumes=[]
    )
    assert again.existed is True
    assert again.url == created.url


def test_a_missing_template_is_a_permanent_error_naming_it(api):
    with pytest.raises(HubPermanentError, match="nobody/tpl was not found"):
        api.space_duplicate(
            template="nobody/tpl",
            space_id="acme/p",
            hardware=None,
            secrets={},
            variables={},
            volumes=[],
        )


def test_upserts_and_runtime(api, hub):
    hub.repo_add("space", "acme/s", sdk="docker")
    api.bucket_create("acme/s-data")
    api.space_secret_set("acme/s", "API_KEY", "one")
    api.space_secret_set("acme/s", "API_KEY", "two")
    api.space_variable_set("acme/s", "V", "1")
    api.space_hardware_request("acme/s", "cpu-upgrade")
    api.space_volumes_set("acme/s", [Volume(source="acme/s-data")])
    space = hub.space("acme/s")
    assert space.secrets["API_KEY"]["value"] == "two"
    assert space.variables["V"]["value"] == "1"
    assert space.requested_hardware == "cpu-upgrade"
    # A running Space reads its configuration when it starts: pending until a restart.
    assert space.hardware == "cpu-basic"
    assert set(space.pending()) == {"variables", "secrets", "hardware", "volumes"}
    assert [api.space_runtime("acme/s").stage for _ in range(3)] == [
        "BUILDING",
        "RUNNING",
        "RUNNING",
    ]
    hub.space_script("acme/s", ["RUNTIME_ERROR"], error_message="OOM")
    runtime = api.space_runtime("acme/s")
    assert (runtime.stage, runtime.error_message) == ("RUNTIME_ERROR", "OOM")
    api.space_restart("acme/s")
    assert space.restarts == 1
    assert space.pending() == []
    assert space.applied["secrets"]["API_KEY"] == "two"
    assert api.space_runtime("acme/s").hardware == "cpu-upgrade"
    assert api.space_runtime("acme/s").stage == "RUNNING"


def test_readme_round_trip_through_a_commit(api, hub):
    hub.repo_add(
        "space", "acme/r", sdk="docker", files={"README.md": b"---\nsdk: docker\n---\nHi\n"}
    )
    readme = api.space_readme_get("acme/r")
    assert readme.startswith("---\nsdk: docker")
    api.space_readme_put("acme/r", readme_with_sign_in(readme, authorized_org="acme"), message="m")
    assert readme_metadata(api.space_readme_get("acme/r")) == {
        "sdk": "docker",
        "hf_oauth": True,
        "hf_oauth_authorized_org": "acme",
    }
    assert hub.repo("space", "acme/r").commits[-1]["summary"] == "m"


def test_faults_become_classified_errors(api, hub, settings):
    hub.fail("repo_create", status=500)
    with pytest.raises(HubTransientError) as raised:
        api.dataset_create("acme/x")
    assert raised.value.status == 500
    hub.fail("repo_create", status=429, headers={"Retry-After": "9"})
    with pytest.raises(HubTransientError) as raised:
        api.dataset_create("acme/x")
    assert raised.value.retry_after == 9
    # The 429 spent the service account's budget: the next call waits without asking.
    seen = len(hub.requests)
    with pytest.raises(HubTransientError, match="rate limit is spent") as raised:
        api.dataset_create("acme/x")
    assert 8 < raised.value.retry_after <= 9 and len(hub.requests) == seen
    budget_forget("hf_test")
    hub.fail(
        "repo_create", status=409, body={"error": "exists", "url": f"{hub.url}/datasets/acme/x"}
    )
    assert api.dataset_create("acme/x").existed is True
    settings.HUB_HTTP_TIMEOUT_SECONDS = 0.3
    hub.fail("repo_create", status=500, delay=1.0)
    with pytest.raises(HubTransientError, match="did not answer in time"):
        api.dataset_create("acme/x")
    hub.fail("repo_create", status=403, times=-1)
    with pytest.raises(HubPermanentError, match="403"):
        api.dataset_create("acme/x")


def test_no_token_is_a_permanent_error_saying_so(hub):
    backend = HuggingFaceHub(endpoint=hub.url, token="")
    with pytest.raises(HubNotConfigured, match="HF_TOKEN is not set"):
        backend.dataset_create("acme/x")
    assert hub.requests == []


# --- the local backend ------------------------------------------------------------------
def test_local_backend_makes_a_dataset_folder_and_has_no_spaces(tmp_path):
    local = LocalHub(root=tmp_path)
    created = local.dataset_create("acme/prompts")
    assert (tmp_path / "datasets" / "acme" / "prompts").is_dir()
    assert created.existed is False and local.dataset_create("acme/prompts").existed is True
    assert local.supports_spaces is False
    with pytest.raises(HubNotConfigured, match="No Hugging Face Hub is configured"):
        local.space_runtime("acme/prompts")
    with pytest.raises(HubNotConfigured):
        local.dataset_create("../escape")


# --- README metadata ----------------------------------------------------------------------
def test_sign_in_metadata_is_added_replaced_and_removed():
    template = "---\ntitle: Argilla\nsdk: docker\n---\n\nBody\n"
    org = readme_with_sign_in(template, authorized_org="acme")
    assert readme_metadata(org) == {
        "title": "Argilla",
        "sdk": "docker",
        "hf_oauth": True,
        "hf_oauth_authorized_org": "acme",
    }
    assert org.endswith("Body\n")
    assert readme_with_sign_in(org, authorized_org="acme") == org  # unchanged: no commit
    public = readme_with_sign_in(org, authorized_org=None)
    assert "hf_oauth_authorized_org" not in readme_metadata(public)
    assert readme_metadata(readme_with_sign_in("", authorized_org="b")) == {
        "hf_oauth": True,
        "hf_oauth_authorized_org": "b",
    }
