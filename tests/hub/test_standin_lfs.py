"""The stand-in takes large and binary files through LFS as the Hub does: preupload
decides, the batch endpoint hands out uploads, the upload is checked, and a commit may
only point at uploaded objects; what was stored reads back byte for byte."""

import base64
import hashlib
import json
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import BadRequestError

PARQUET = b"PAR1" + bytes(range(256)) * 4 + b"PAR1"


@pytest.fixture
def api(hub):
    api = HfApi(endpoint=hub.url, token="hf_test")
    api.create_repo("programme/d", repo_type="dataset")
    return api


def _preupload(hub, path: str, content: bytes) -> str:
    answer = httpx2.post(
        f"{hub.url}/api/datasets/programme/d/preupload/main",
        json={
            "files": [
                {
                    "path": path,
                    "sample": base64.b64encode(content[:512]).decode(),
                    "size": len(content),
                }
            ]
        },
        headers={"Authorization": "Bearer hf_test"},
    )
    return answer.json()["files"][0]["uploadMode"]


def test_preupload_wants_lfs_for_parquet_binary_and_large_files(api, hub):
    assert _preupload(hub, "data/train.parquet", b"text-looking but parquet") == "lfs"
    assert _preupload(hub, "blob.dat", b"\x00\x01binary") == "lfs"
    big = b"a" * (10 * 1024 * 1024 + 1)
    assert _preupload(hub, "big.csv", big) == "lfs"
    assert _preupload(hub, "data/train.csv", b"a,b\n1,2\n") == "regular"
    assert _preupload(hub, "README.md", b"# hello") == "regular"


def test_a_parquet_upload_goes_through_lfs_and_reads_back(api, hub):
    api.upload_file(
        path_or_fileobj=PARQUET, path_in_repo="data/x.parquet", repo_id="programme/d",
        repo_type="dataset",
    )  # fmt: skip
    oid = hashlib.sha256(PARQUET).hexdigest()
    assert ("POST", "/datasets/programme/d.git/info/lfs/objects/batch") in hub.requests
    assert ("PUT", f"/lfs-storage/dataset/programme/d/{oid}/{len(PARQUET)}") in hub.requests
    assert ("POST", "/datasets/programme/d.git/info/lfs/objects/verify") in hub.requests
    [entry] = api.get_paths_info("programme/d", ["data/x.parquet"], repo_type="dataset")
    assert entry.lfs is not None and entry.lfs.sha256 == oid
    path = hf_hub_download("programme/d", "data/x.parquet", repo_type="dataset", endpoint=hub.url)
    assert Path(path).read_bytes() == PARQUET

    # The same object again: the batch answer has no actions, nothing is uploaded twice.
    puts = [r for r in hub.requests if r[0] == "PUT"]
    api.upload_file(
        path_or_fileobj=PARQUET, path_in_repo="data/y.parquet", repo_id="programme/d",
        repo_type="dataset",
    )  # fmt: skip
    assert [r for r in hub.requests if r[0] == "PUT"] == puts
    assert hub.repo("dataset", "programme/d").files["data/y.parquet"] == PARQUET


def _commit(hub, *lines):
    body = "\n".join(
        json.dumps(line) for line in [{"key": "header", "value": {"summary": "s"}}, *lines]
    )
    return httpx2.post(
        f"{hub.url}/api/datasets/programme/d/commit/main",
        content=body,
        headers={"Authorization": "Bearer hf_test", "Content-Type": "application/x-ndjson"},
    )


def test_a_commit_pointing_at_an_object_never_uploaded_is_refused(api, hub):
    oid = hashlib.sha256(PARQUET).hexdigest()
    answer = _commit(
        hub,
        {"key": "lfsFile", "value": {"path": "d.parquet", "algo": "sha256", "oid": oid, "size": 9}},
    )
    assert answer.status_code == 400
    assert "LFS pointer pointed to a file that does not exist" in answer.json()["error"]
    assert "d.parquet" not in hub.repo("dataset", "programme/d").files


def test_a_parquet_file_sent_as_a_regular_file_is_refused(api, hub):
    content = base64.b64encode(PARQUET).decode()
    answer = _commit(hub, {"key": "file", "value": {"path": "d.parquet", "content": content}})
    assert answer.status_code == 400
    assert "contains binary files" in answer.json()["error"]
    assert "d.parquet" not in hub.repo("dataset", "programme/d").files
    # Through huggingface_hub it is a BadRequestError (permanent for the product).
    with pytest.raises(BadRequestError, match="binary files"):
        api.create_commit(
            "programme/d", repo_type="dataset", commit_message="m",
            operations=[_regular_add("e.parquet", PARQUET)],
        )  # fmt: skip


def _regular_add(path, content):
    from huggingface_hub import CommitOperationAdd

    op = CommitOperationAdd(path_in_repo=path, path_or_fileobj=content)
    op._upload_mode = "regular"  # as a client that ignores preupload's answer would send it
    op._should_ignore = False
    op._remote_oid = None
    return op


def test_an_upload_whose_content_does_not_match_its_oid_is_refused(api, hub):
    oid = hashlib.sha256(PARQUET).hexdigest()
    batch = httpx2.post(
        f"{hub.url}/datasets/programme/d.git/info/lfs/objects/batch",
        json={"operation": "upload", "transfers": ["basic"], "hash_algo": "sha256",
              "objects": [{"oid": oid, "size": len(PARQUET)}]},
        headers={"Authorization": "Bearer hf_test"},
    )  # fmt: skip
    href = batch.json()["objects"][0]["actions"]["upload"]["href"]
    assert httpx2.put(href, content=PARQUET[:-1] + b"X").status_code == 400
    assert httpx2.put(href, content=PARQUET[:-1]).status_code == 400
    verify = batch.json()["objects"][0]["actions"]["verify"]["href"]
    assert httpx2.post(verify, json={"oid": oid, "size": len(PARQUET)}).status_code == 404
    assert httpx2.put(href, content=PARQUET).status_code == 200
    assert httpx2.post(verify, json={"oid": oid, "size": len(PARQUET)}).status_code == 200


def test_preupload_follows_the_repos_own_gitattributes(api, hub):
    hub.repo("dataset", "programme/d").files[".gitattributes"] = (
        b"*.csv filter=lfs diff=lfs merge=lfs -text\n# *.parquet filter=lfs\n"
    )
    assert _preupload(hub, "data/train.csv", b"a,b\n1,2\n") == "lfs"
    # Not tracked there, and text: regular (a binary parquet would still be LFS).
    assert _preupload(hub, "data/train.parquet", b"text-looking but parquet") == "regular"
    assert _preupload(hub, "data/train.parquet", PARQUET) == "lfs"


def test_commit_ids_follow_content_parent_and_time_not_just_the_message(api, hub):
    """As git's: the same message twice, or the same files in a repository made again,
    are different commits, so a client's cache by commit id never serves an older file."""

    def publish(content: bytes) -> str:
        return api.upload_file(
            path_or_fileobj=content,
            path_in_repo="d.csv",
            repo_id="programme/d",
            repo_type="dataset",
            commit_message="Publish",
        ).oid

    first = publish(b"a,b\n1,2\n")
    second = publish(b"a,b\n1,2\n")
    api.delete_repo("programme/d", repo_type="dataset")
    api.create_repo("programme/d", repo_type="dataset")
    third = publish(b"a,b\n3,4\n")
    assert len({first, second, third}) == 3
    assert api.dataset_info("programme/d").sha == third
    downloaded = hf_hub_download(
        "programme/d", "d.csv", repo_type="dataset", revision=third, endpoint=hub.url
    )
    assert Path(downloaded).read_bytes() == b"a,b\n3,4\n"
