"""The Hub stand-in itself: the Space and repository endpoints answer like the Hub does
for huggingface_hub 2.x, and faults can be switched on per endpoint."""

import time

import pytest
from huggingface_hub import HfApi, Volume
from huggingface_hub.errors import (
    BadRequestError,
    BucketNotFoundError,
    HfHubHTTPError,
    RepositoryNotFoundError,
)


@pytest.fixture
def api(hub):
    # These tests create Docker Spaces in "acme": an organisation with a paid plan where
    # the service account (hf_test) writes.
    hub.account_add("acme", paid=True)
    hub.member_add("acme", "commonset-bot", role="write")
    return HfApi(endpoint=hub.url, token="hf_test")


def test_repos_create_delete_and_info_for_datasets_and_spaces(api, hub):
    url = api.create_repo("acme/d", repo_type="dataset")
    assert url == f"{hub.url}/datasets/acme/d"
    with pytest.raises(HfHubHTTPError) as conflict:
        api.create_repo("acme/d", repo_type="dataset")
    assert conflict.value.response.status_code == 409
    assert conflict.value.response.json()["url"] == url  # what duplicate_repo(exist_ok) reads
    assert api.create_repo("acme/d", repo_type="dataset", exist_ok=True) == url
    api.create_repo("acme/s", repo_type="space", space_sdk="docker", space_hardware="cpu-upgrade")
    assert api.space_info("acme/s").id == "acme/s"
    assert api.repo_info("acme/d", repo_type="dataset").sha
    api.delete_repo("acme/s", repo_type="space")
    assert not api.repo_exists("acme/s", repo_type="space")
    assert hub.space("acme/s") is None
    api.delete_repo("acme/s", repo_type="space", missing_ok=True)
    with pytest.raises(RepositoryNotFoundError):
        api.delete_repo("acme/s", repo_type="space")


def test_duplicate_copies_the_template_and_applies_the_payload(api, hub):
    api.create_bucket("acme/b")
    url = api.duplicate_repo(
        "argilla/argilla-template-space",
        to_id="acme/s",
        repo_type="space",
        space_hardware="cpu-upgrade",
        space_secrets=[{"key": "API_KEY", "value": "v"}],
        space_variables=[{"key": "X", "value": "1"}],
        space_volumes=[Volume(type="bucket", source="acme/b", mount_path="/data")],
    )
    assert url == f"{hub.url}/spaces/acme/s"
    assert "hf_oauth: true" in hub.repo("space", "acme/s").files["README.md"].decode()
    assert list(api.get_space_secrets("acme/s")) == ["API_KEY"]
    assert api.get_space_variables("acme/s")["X"].value == "1"
    runtime = api.get_space_runtime("acme/s")
    assert runtime.requested_hardware == "cpu-upgrade"
    assert runtime.volumes[0].source == "acme/b"
    # exist_ok reads the url from the 409 body.
    assert (
        api.duplicate_repo(
            "argilla/argilla-template-space", to_id="acme/s", repo_type="space", exist_ok=True
        )
        == url
    )


def test_secret_values_are_write_only(api, hub):
    hub.repo_add("space", "acme/s", sdk="docker")
    api.add_space_secret("acme/s", "K", "hidden")
    secret = api.get_space_secrets("acme/s")["K"]
    assert not hasattr(secret, "value")
    api.delete_space_secret("acme/s", "K")
    assert api.get_space_secrets("acme/s") == {}


def test_invalid_hardware_and_missing_buckets_are_refused(api, hub):
    hub.repo_add("space", "acme/s", sdk="docker")
    with pytest.raises(BadRequestError):
        api.request_space_hardware("acme/s", "gpu-of-dreams")
    with pytest.raises(BadRequestError):
        api.set_space_volumes(
            "acme/s", [Volume(type="bucket", source="acme/none", mount_path="/data")]
        )
    with pytest.raises(BucketNotFoundError):
        api.bucket_info("acme/none")


def test_runtime_follows_a_scripted_stage_sequence_restart_and_pause(api, hub):
    hub.space_script("acme/s", ["BUILDING", "APP_STARTING", "RUNNING"])
    hub.repo_add("space", "acme/s", sdk="docker")
    assert [api.get_space_runtime("acme/s").stage for _ in range(4)] == [
        "BUILDING",
        "APP_STARTING",
        "RUNNING",
        "RUNNING",
    ]
    assert api.pause_space("acme/s").stage == "PAUSED"
    assert api.get_space_runtime("acme/s").stage == "PAUSED"
    api.restart_space("acme/s", factory_reboot=True)
    assert [api.get_space_runtime("acme/s").stage for _ in range(2)] == ["BUILDING", "RUNNING"]
    assert (hub.space("acme/s").restarts, hub.space("acme/s").factory_reboots) == (1, 1)


def test_faults_500_429_slow_and_409_per_endpoint(api, hub):
    hub.fail("bucket_create", status=500, times=2)
    for _ in range(2):
        with pytest.raises(HfHubHTTPError) as failed:
            api.create_bucket("acme/b")
        assert failed.value.response.status_code == 500
    api.create_bucket("acme/b")  # the fault was used up
    hub.fail("space_runtime", status=429, headers={"Retry-After": "3"})
    hub.repo_add("space", "acme/s", sdk="docker")
    with pytest.raises(HfHubHTTPError) as limited:
        api.get_space_runtime("acme/s")
    assert limited.value.response.headers["Retry-After"] == "3"
    hub.fail("space_runtime", status=0, delay=0.5)  # slow, then a normal answer
    started = time.monotonic()
    assert api.get_space_runtime("acme/s").stage == "BUILDING"
    assert time.monotonic() - started >= 0.5
    hub.fail("repo_create", status=409, body={"error": "exists", "url": f"{hub.url}/datasets/x/y"})
    assert api.create_repo("x/y", repo_type="dataset", exist_ok=True) == f"{hub.url}/datasets/x/y"


def test_commit_and_resolve(api, hub):
    api.create_repo("acme/d", repo_type="dataset")
    api.upload_file(
        path_or_fileobj=b"a,b\n1,2\n",
        path_in_repo="data/x.csv",
        repo_id="acme/d",
        repo_type="dataset",
    )
    assert hub.repo("dataset", "acme/d").files["data/x.csv"] == b"a,b\n1,2\n"
    api.delete_file("data/x.csv", repo_id="acme/d", repo_type="dataset")
    assert "data/x.csv" not in hub.repo("dataset", "acme/d").files


def test_hugging_face_clients_were_pointed_at_the_stand_in_before_import(hub):
    """Module-level helpers use constants read at import: they must name the stand-in."""
    import datasets
    import huggingface_hub

    assert hub.url == huggingface_hub.constants.ENDPOINT
    assert huggingface_hub.constants.HUGGINGFACE_CO_URL_TEMPLATE.startswith(hub.url)
    assert hub.url == datasets.config.HF_ENDPOINT


def test_validate_yaml_refuses_metadata_outside_the_hubs_lists_as_the_hub_does(api, hub):
    api.create_repo("acme/card", repo_type="dataset")
    good = (
        b"---\nlicense: cc-by-4.0\ntask_categories:\n- text-generation\n"
        b"size_categories:\n- n<1K\n---\n"
    )
    api.upload_file(
        path_or_fileobj=good, path_in_repo="README.md", repo_id="acme/card", repo_type="dataset"
    )
    bad = b"---\nlicense: my-own-licence\nsize_categories:\n- tiny\n---\n"
    with pytest.raises(ValueError, match=r"Invalid metadata in README\.md") as refused:
        api.upload_file(
            path_or_fileobj=bad, path_in_repo="README.md", repo_id="acme/card", repo_type="dataset"
        )
    said = str(refused.value)
    assert '"license" must be one of [apache-2.0, mit,' in said
    assert '"size_categories[0]" must be one of [unknown, n<1K,' in said
    assert hub.repo("dataset", "acme/card").files["README.md"] == good  # nothing committed


def test_a_static_space_runs_as_soon_as_its_files_are_committed(api, hub):
    from huggingface_hub import CommitOperationAdd

    api.create_repo("acme/page", repo_type="space", space_sdk="static")
    assert api.get_space_runtime("acme/page").stage == "NO_APP_FILE"
    api.create_commit(
        "acme/page",
        repo_type="space",
        operations=[CommitOperationAdd("index.html", b"<h1>Hi</h1>")],
        commit_message="page",
    )
    assert api.get_space_runtime("acme/page").stage == "RUNNING"  # no build, no second poll


def test_a_private_spaces_settings_answer_404_to_other_tokens_and_anonymous(api, hub):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    hub.account_add("someone-else", kind="user")
    hub.token_add("hf_someone_else", "someone-else")  # a real token of another account
    api.create_repo(
        "acme/secret", repo_type="space", space_sdk="docker", private=True
    )
    for token in (False, "hf_someone_else"):
        api = HfApi(endpoint=hub.url, token=token)
        for call in (api.get_space_variables, api.get_space_secrets, api.get_space_runtime):
            with pytest.raises(RepositoryNotFoundError):
                call("acme/secret")
        with pytest.raises(RepositoryNotFoundError):
            api.add_space_variable("acme/secret", "K", "v")
    assert hub.space("acme/secret").variables == {}


def test_the_argilla_template_carries_only_its_cited_files(hub):
    template = hub.repo("space", "argilla/argilla-template-space")
    readme = template.files["README.md"].decode()
    assert "sdk: docker" in readme and "hf_oauth: true" in readme
    assert "allowed_workspaces" in template.files[".oauth.yml"].decode()
    assert hub.space("argilla/argilla-template-space").variables == {}


def test_a_commit_of_a_readme_with_bad_metadata_is_refused_even_without_validate_yaml(api, hub):
    # A client that skips validate-yaml (a raw commit) meets the same check at the commit.
    from huggingface_hub import CommitOperationAdd
    from huggingface_hub.errors import BadRequestError

    api.create_repo("acme/raw", repo_type="dataset")
    # validate-yaml says yes to everything: only the commit's own check is left
    hub.fail("validate_yaml", status=200, times=-1, body={"errors": [], "warnings": []})
    bad = b"---\nlicense: my-own-licence\n---\n"
    with pytest.raises(BadRequestError, match='"license" must be one of'):
        api.create_commit(
            "acme/raw",
            repo_type="dataset",
            operations=[CommitOperationAdd("README.md", bad)],
            commit_message="card",
        )
    assert "README.md" not in hub.repo("dataset", "acme/raw").files
