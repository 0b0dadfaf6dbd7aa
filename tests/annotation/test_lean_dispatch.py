"""The annotation loop's lean dispatch (commonset/lean_dispatch.py, issue 17): a request with
an API token to `next` or `submit` is answered without DRF's Request, and a client cannot
tell: every answer (success and each error) has the status, headers and body bytes the DRF
view gives to the same request. Requests it does not take (a session, another method or
media type) are DRF's, CSRF included."""

import re
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import resolve
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts.services import api_token_create
from annotation.models import Record, Response, Skip
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What a client reads besides the body (Date and the like are not set by the view).
HEADERS = (
    "Content-Type",
    "Allow",
    "Vary",
    "WWW-Authenticate",
    "Retry-After",
    "X-Nothing-Left",
    "X-Skipped",
)


NOW = timezone.now()


def token(user, scope="annotate") -> str:
    return api_token_create(user=user, name=f"t-{scope}", scope=scope).raw


def both(method, path, raw_token, *, body=None, content_type="application/json", lean=True, **meta):
    """The same request through the URL's view function (the lean dispatch when it takes the
    request) and through the DRF view alone, each rolled back after, as (status, headers,
    body). With `lean`, the first must not build a DRF Request."""
    factory = RequestFactory()
    answers = []
    for dispatch in ("lean", "drf"):
        kwargs = {"content_type": content_type, **meta}
        if raw_token is not None:
            kwargs["HTTP_AUTHORIZATION"] = f"Bearer {raw_token}"
        request = getattr(factory, method.lower())(path, body, **kwargs)
        match = resolve(path)
        view = match.func if dispatch == "lean" else match.func.cls.as_view()
        guard = mock.patch.object(
            APIView, "initialize_request", side_effect=AssertionError("DRF dispatch")
        )
        # The same clock for both, so that lease expiries and response times match.
        clock = mock.patch("django.utils.timezone.now", return_value=NOW)
        with transaction.atomic(), clock:
            if dispatch == "lean" and lean:
                with guard:
                    response = view(request, **match.kwargs)
            else:
                response = view(request, **match.kwargs)
            if hasattr(response, "render"):
                response.render()
            transaction.set_rollback(True)
        head = {name: response[name] for name in HEADERS if response.has_header(name)}
        content = response.content
        if response.status_code == 201:  # a new row's id: PostgreSQL's sequence moved on
            content = re.sub(rb'^\{"id":\d+,', b'{"id":0,', content)
        answers.append((response.status_code, head, content))
    assert answers[0] == answers[1]
    return answers[0]


@pytest.fixture
def world():
    campaign = make_campaign(records=3, overlap=1)
    user = UserFactory()
    return campaign, user, token(user)


def _next(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.slug}/next/"


def _submit(record_id) -> str:
    return f"/api/v1/records/{record_id}/response/"


def test_next_lease_is_the_same(world):
    campaign, _user, raw = world
    status, headers, body = both("POST", _next(campaign), raw)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["Allow"] == "POST, OPTIONS"
    assert b'"campaign":"' + campaign.slug.encode() in body  # compact, as DRF writes it


def test_next_nothing_left_is_the_same():
    empty = make_campaign(records=0)
    status, headers, body = both("POST", _next(empty), token(UserFactory()))
    assert (status, headers.get("X-Nothing-Left"), body) == (204, "done", b"")
    assert "Content-Type" not in headers


def test_next_nothing_left_but_skipped_records_is_the_same(world):
    campaign, user, raw = world
    for record in Record.objects.filter(campaign=campaign):
        Skip.objects.create(record=record, user=user)
    status, headers, _body = both("POST", _next(campaign), raw)
    assert (status, headers["X-Nothing-Left"], headers["X-Skipped"]) == (204, "skipped", "3")


@pytest.mark.parametrize(
    "raw, status",
    [("cs_nottoken", 401), ("cs_abcdefabcdef_wrongsecret", 401), ("", 401)],
)
def test_bad_tokens_are_the_same(world, raw, status):
    campaign, _user, _raw = world
    got, headers, body = both("POST", _next(campaign), raw)
    assert got == status and headers["WWW-Authenticate"] == "Bearer"
    assert b'"detail"' in body


def test_wrong_scope_other_campaign_and_closed_campaign_are_the_same(world):
    campaign, user, raw = world
    assert both("POST", _next(campaign), token(user, "read"))[0] == 403
    hidden = make_campaign(records=1, visibility="organisation", org="acme")
    assert both("POST", _next(hidden), raw)[0] == 404
    assert both("POST", "/api/v1/campaigns/no-such-campaign/next/", raw)[0] == 404
    closed = make_campaign(records=1, state=Campaign.State.PAUSED)
    status, _headers, body = both("POST", _next(closed), raw)
    assert status == 409 and b'"code":"' in body


def test_other_methods_and_media_types_are_drf(world):
    campaign, user, raw = world
    admin = token(user, "admin")
    status, headers, _body = both("GET", _next(campaign), admin, lean=False)
    assert status == 405 and headers["Allow"] == "POST, OPTIONS"
    record = Record.objects.filter(campaign=campaign).first()
    assert both("POST", _submit(record.pk), admin, lean=False)[0] == 405
    assert both("GET", _next(campaign), raw, lean=False, HTTP_ACCEPT="text/html")[0] == 406
    got = both("PUT", _submit(record.pk), raw, body="values", content_type="text/plain", lean=False)
    assert got[0] == 415


def test_throttled_is_the_same(world, settings):
    campaign, _user, raw = world
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1/min", "anon": "1/min"},
    }
    APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}").post(_next(campaign))  # the one allowed
    status, headers, body = both("POST", _next(campaign), raw)
    assert status == 429 and int(headers["Retry-After"]) >= 1 and b"throttled" in body


def test_bad_token_limit_is_the_same(world, settings):
    campaign, _user, raw = world
    settings.API_BAD_TOKEN_MAX_FAILURES = 1
    APIClient(HTTP_AUTHORIZATION="Bearer cs_wrong").post(_next(campaign))
    status, headers, _body = both("POST", _next(campaign), raw)
    assert status == 429 and int(headers["Retry-After"]) >= 1


@pytest.fixture
def leased(world):
    campaign, user, raw = world
    record_id = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}").post(_next(campaign)).json()
    return campaign, user, raw, record_id["record"]["id"]


def test_submit_created_and_repeated_are_the_same(leased):
    _campaign, user, raw, record_id = leased
    status, headers, body = both("PUT", _submit(record_id), raw, body={"values": {"quality": 4}})
    assert status == 201 and headers["Allow"] == "GET, PUT, HEAD, OPTIONS"
    assert b'"values":{"quality":4}' in body
    APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}").put(
        _submit(record_id), {"values": {"quality": 4}}, format="json"
    )
    assert both("PUT", _submit(record_id), raw, body={"values": {"quality": 4}})[0] == 200
    assert Response.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        "{not json",  # DRF's parse error
        "",  # an empty body is {} to DRF: values missing
        "[1, 2]",
        '{"values": "5"}',
        '{"values": {"quality": 9}}',  # a rating out of range
        '{"values": {"nonsense": 1}}',
        '{"values": {"quality": "\u2028"}}',
    ],
)
def test_submit_bad_bodies_are_the_same(leased, body):
    _campaign, _user, raw, record_id = leased
    # A real client sends the type with an empty body too (the test client does not).
    status, _headers, answer = both(
        "PUT", _submit(record_id), raw, body=body, CONTENT_TYPE="application/json"
    )
    assert status == 400 and answer.startswith(b'{"detail":')


def test_submit_refusals_are_the_same(leased):
    campaign, user, raw, record_id = leased
    values = {"values": {"quality": 3}}
    assert both("PUT", _submit(record_id), token(user, "read"), body=values)[0] == 403
    assert both("PUT", _submit(record_id), "cs_wrong", body=values)[0] == 401
    hidden = make_campaign(records=1, visibility="organisation", org="acme")
    other = Record.objects.filter(campaign=hidden).first()
    assert both("PUT", _submit(other.pk), raw, body=values)[0] == 404
    assert both("PUT", _submit(10**12), raw, body="{not json")[0] == 404  # 404 before parsing
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.PAUSED)
    status, _headers, body = both("PUT", _submit(record_id), raw, body=values)
    assert status == 409 and b'"code":"' in body


def test_a_record_someone_else_holds_is_a_409_both_ways(leased):
    _campaign, _user, _raw, record_id = leased
    stranger = token(UserFactory())
    status, _headers, body = both(
        "PUT", _submit(record_id), stranger, body={"values": {"quality": 2}}
    )
    assert status == 409 and b"not reserved" in body


def test_token_requests_skip_drf_and_sessions_keep_it(leased):
    """Through the whole stack: the token loop never builds a DRF Request; a signed-in
    session goes through DRF, which enforces CSRF on it."""
    campaign, user, raw, record_id = leased
    api = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    with mock.patch.object(APIView, "initialize_request", side_effect=AssertionError("DRF")):
        put = api.put(_submit(record_id), {"values": {"quality": 5}}, format="json")
        assert put.status_code == 201
        assert api.post(_next(campaign)).status_code == 200
    session = Client(enforce_csrf_checks=True)
    session.force_login(user)
    refused = session.post(_next(campaign))
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
