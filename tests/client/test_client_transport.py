"""The client's transport: pagination follows `next`, 429/503 are retried after
Retry-After (seconds or an HTTP date), at most `max_retries` times and never waiting longer
than `max_wait`; other errors raise ApiError with the API's body. No site needed: a fake
requests session answers."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests
from commonset_client import ApiError, Client
from commonset_client.api import retry_after_seconds


def answer(status: int, body=None, headers: dict | None = None) -> requests.Response:
    import json

    response = requests.Response()
    response.status_code = status
    response._content = b"" if body is None else json.dumps(body).encode()
    response._content_consumed = True
    response.headers.update(headers or {})
    return response


class FakeSession(requests.Session):
    def __init__(self, answers: list):
        super().__init__()
        self.answers = list(answers)
        self.calls: list[tuple[str, str, dict]] = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs.get("params")))
        return self.answers.pop(0)


def client_with(answers: list, **kw) -> tuple[Client, FakeSession, list[float]]:
    session = FakeSession(answers)
    slept: list[float] = []
    client = Client("http://site.test", "tok", session=session, sleep=slept.append, **kw)
    return client, session, slept


def test_token_and_url_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("COMMONSET_URL", "http://env.test/")
    monkeypatch.setenv("COMMONSET_TOKEN", "cs_secret")
    client = Client()
    assert client.base == "http://env.test/api/v1/"
    assert client.session.headers["Authorization"] == "Bearer cs_secret"


def test_pagination_follows_next_until_the_last_page():
    client, session, _ = client_with(
        [
            answer(200, {"count": 3, "next": "http://site.test/api/v1/campaigns/?page=2",
                         "previous": None, "results": [{"slug": "a"}, {"slug": "b"}]}),
            answer(200, {"count": 3, "next": None, "previous": "x", "results": [{"slug": "c"}]}),
        ]
    )  # fmt: skip
    assert [c["slug"] for c in client.campaigns()] == ["a", "b", "c"]
    assert session.calls[1][1] == "http://site.test/api/v1/campaigns/?page=2"


def test_429_and_503_are_retried_after_retry_after():
    client, session, slept = client_with(
        [
            answer(429, {"detail": "slow down"}, {"Retry-After": "3"}),
            answer(503, {"detail": "busy"}, {"Retry-After": "1"}),
            answer(200, {"slug": "a"}),
        ]
    )
    assert client.campaign("a") == {"slug": "a"}
    assert slept == [3.0, 1.0]
    assert len(session.calls) == 3


def test_retries_are_bounded_in_number_and_in_wait():
    client, session, slept = client_with(
        [answer(429, {"detail": "no"}, {"Retry-After": "3600"}) for _ in range(4)],
        max_retries=3,
        max_wait=5,
    )
    with pytest.raises(ApiError) as raised:
        client.campaign("a")
    assert raised.value.status == 429
    assert slept == [5, 5, 5]  # an hour asked, five seconds at most waited
    assert len(session.calls) == 4


def test_without_retry_after_the_wait_doubles():
    client, _, slept = client_with([answer(503), answer(503), answer(200, {"ok": True})])
    client.campaign("a")
    assert slept == [1.0, 2.0]


def test_retry_after_as_an_http_date():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after_seconds(when, 1.0) <= 30
    assert retry_after_seconds("soon", 1.5) == 1.5


def test_other_errors_are_not_retried_and_carry_the_apis_body():
    client, session, slept = client_with([answer(404, {"detail": "Not found."})])
    with pytest.raises(ApiError, match=r"404 Not found\.") as raised:
        client.campaign("secret")
    assert raised.value.body == {"detail": "Not found."}
    assert slept == [] and len(session.calls) == 1


def test_nothing_left_to_annotate_is_none():
    client, _, _ = client_with([answer(204)])
    assert client.next_record("a") is None
