"""Signing in with Hugging Face through allauth's real views against the Hub stand-in.

The Django test client drives our site; the hop to the stand-in's authorize page is real
HTTP (requests), as a browser would make it.
"""

import copy
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.test import Client
from django.utils import timezone
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from accounts.models import OrgMembership, User

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/oidc/huggingface/login/"
CALLBACK_PATH = "/accounts/oidc/huggingface/login/callback/"

ALICE = {
    "sub": "60d0c0ffee00000000000a11",
    "preferred_username": "alice",
    "name": "Alice Martin",
    "picture": "https://cdn.example.test/avatars/alice.png",
    "orgs": [
        {"preferred_username": "bigscience", "name": "BigScience", "roleInOrg": "admin"},
        {"preferred_username": "dibt", "name": "Data is Better Together", "roleInOrg": "read"},
    ],
}


def start_signin(client: Client, **data) -> str:
    """POST to the provider login URL; returns the authorize URL it redirects to."""
    response = client.post(LOGIN_URL, data)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def authorize(authorize_url: str) -> str:
    """Visit the stand-in's authorize page; returns the callback path and query it sends back."""
    response = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert location.path == CALLBACK_PATH
    return f"{location.path}?{location.query}"


def sign_in(client: Client, hub, identity: dict, **data):
    hub.oidc_login_as(**identity)
    return client.get(authorize(start_signin(client, **data)))


def memberships_of(user) -> dict[str, tuple[str, str]]:
    return {m.org_handle: (m.org_display_name, m.role) for m in user.org_memberships.all()}


def assert_error_page_in_layout(response, *phrases: str) -> str:
    assert response.status_code < 500
    body = response.content.decode()
    assert 'class="site-header"' in body and '<main id="main"' in body  # our layout
    assert f'action="{LOGIN_URL}"' in body and "Try again" in body
    for phrase in phrases:
        assert phrase in body
    return body


def assert_nothing_created():
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not OrgMembership.objects.exists()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def point_provider_at(settings, server_url: str) -> None:
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["openid_connect"]["APPS"][0]["settings"]["server_url"] = server_url
    settings.SOCIALACCOUNT_PROVIDERS = providers


# --- the happy path ------------------------------------------------------------------


def test_sign_in_starts_at_the_hub_with_pkce_and_the_memberships_scope(client, hub):
    location = urlsplit(start_signin(client))
    assert f"{location.scheme}://{location.netloc}" == hub.url
    assert location.path == "/oauth/authorize"
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["client_id"] == settings.HF_OAUTH_CLIENT_ID
    assert query["redirect_uri"].endswith(CALLBACK_PATH)
    assert set(query["scope"].split()) == {"openid", "profile", "email", "read-memberships"}
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    assert query["state"]


def test_first_sign_in_creates_the_user_with_handle_and_organisations(client, hub):
    before = timezone.now()
    response = sign_in(client, hub, ALICE)

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    user = User.objects.get()
    assert user.hf_username == "alice"
    assert user.hf_avatar_url == ALICE["picture"]
    assert user.email == "alice@example.test"
    assert user.memberships_read_at >= before
    assert memberships_of(user) == {
        "bigscience": ("BigScience", "admin"),
        "dibt": ("Data is Better Together", "read"),
    }
    assert all(m.read_at >= before for m in user.org_memberships.all())
    assert SocialAccount.objects.get(user=user).uid == ALICE["sub"]
    # The code was exchanged with Basic client auth and a PKCE verifier the stand-in checked.
    (token_request,) = hub.oidc_token_requests
    assert token_request["basic_auth_user"] == settings.HF_OAUTH_CLIENT_ID
    assert token_request["code_verifier"]

    profile = client.get("/me/").content.decode()
    assert "alice" in profile
    assert "BigScience" in profile and "Data is Better Together" in profile
    assert "Admin" in profile and "Read" in profile
    assert "Read from Hugging Face" in profile


def test_a_later_sign_in_refreshes_roles_and_names_and_drops_left_organisations(client, hub):
    sign_in(client, hub, ALICE)
    user = User.objects.get()
    first_read = user.memberships_read_at
    client.post("/accounts/logout/")

    renamed = {
        **ALICE,
        "preferred_username": "alice-m",
        "orgs": [
            {
                "preferred_username": "bigscience",
                "name": "BigScience Workshop",
                "roleInOrg": "write",
            },
            {"preferred_username": "argilla", "name": "Argilla", "roleInOrg": "contributor"},
        ],
    }
    response = sign_in(Client(), hub, renamed)

    assert response.status_code == 302
    user = User.objects.get()  # the same person, not a second account
    assert user.hf_username == "alice-m"
    assert user.memberships_read_at > first_read
    assert memberships_of(user) == {
        "bigscience": ("BigScience Workshop", "write"),
        "argilla": ("Argilla", "contributor"),
    }
    assert user.is_member_of("bigscience") and not user.is_member_of("dibt")


def test_sign_in_returns_to_the_page_that_asked_for_it(client, hub):
    response = sign_in(client, hub, ALICE, next="/cohorts/")
    assert response.status_code == 302
    assert response["Location"] == "/cohorts/"


def test_a_user_without_shared_organisations_has_none(client, hub):
    sign_in(client, hub, {**ALICE, "orgs": []})
    user = User.objects.get()
    assert user.hf_username == "alice"
    assert not user.org_memberships.exists()
    assert user.memberships_read_at is not None


def test_malformed_org_entries_are_skipped_not_fatal(client, hub):
    orgs = [
        {"name": "No handle"},
        {"preferred_username": "x" * 200, "name": "Handle too long"},
        {"preferred_username": "good", "name": "Good", "roleInOrg": "superuser"},
    ]
    response = sign_in(client, hub, {**ALICE, "orgs": orgs})
    assert response.status_code == 302
    assert memberships_of(User.objects.get()) == {"good": ("Good", "")}


def test_a_local_account_with_the_same_username_is_left_alone(client, hub):
    local = User.objects.create_user(username="alice", password="a long passphrase 42")

    response = sign_in(client, hub, ALICE)

    assert response.status_code == 302 and response["Location"] == "/me/"
    hf_user = User.objects.get(hf_username="alice")
    assert hf_user != local and hf_user.username != "alice"
    assert not local.org_memberships.exists()
    assert set(memberships_of(hf_user)) == {"bigscience", "dibt"}


def test_an_email_already_used_by_another_account_does_not_block_sign_in(client, hub):
    other = User.objects.create_user(username="bob", email="alice@example.test")

    response = sign_in(client, hub, ALICE)

    assert response.status_code == 302 and response["Location"] == "/me/"
    hf_user = User.objects.get(hf_username="alice")
    assert hf_user != other and hf_user.email == ""  # not linked by e-mail, not duplicated
    assert client.get("/me/").status_code == 200
    # And the next sign-in finds the same account.
    client.post("/accounts/logout/")
    assert sign_in(client, hub, ALICE)["Location"] == "/me/"
    assert User.objects.filter(hf_username="alice").count() == 1


def test_whoami_v2_answers_huggingface_hub_for_the_signed_in_token(client, hub):
    sign_in(client, hub, ALICE)
    (access_token,) = hub.oidc_access_tokens

    me = HfApi(endpoint=settings.HF_ENDPOINT).whoami(token=access_token)

    assert me["type"] == "user" and me["name"] == "alice" and me["fullname"] == "Alice Martin"
    assert {(o["name"], o["roleInOrg"]) for o in me["orgs"]} == {
        ("bigscience", "admin"),
        ("dibt", "read"),
    }
    with pytest.raises(HfHubHTTPError) as exc_info:
        HfApi(endpoint=settings.HF_ENDPOINT).whoami(token="hf_not_a_token")
    assert exc_info.value.response.status_code == 401


# --- bad input -----------------------------------------------------------------------


def test_declined_consent_ends_on_a_cancelled_page_and_creates_nothing(client, hub):
    hub.oidc_deny()
    callback = authorize(start_signin(client))
    assert "error=access_denied" in callback

    response = client.get(callback, follow=True)

    assert_error_page_in_layout(response, "Sign-in cancelled", "nothing was saved")
    assert not hub.oidc_token_requests
    assert_nothing_created()


@pytest.mark.parametrize("tamper", ["changed", "missing"])
def test_a_callback_with_a_bad_state_is_refused(client, hub, tamper):
    hub.oidc_login_as(**ALICE)
    callback = urlsplit(authorize(start_signin(client)))
    query = parse_qs(callback.query)
    if tamper == "changed":
        query["state"] = ["forged-state"]
    else:
        del query["state"]

    response = client.get(callback.path, {k: v[0] for k, v in query.items()})

    assert response.status_code == 401
    assert_error_page_in_layout(response, "could not be matched")
    assert not hub.oidc_token_requests  # the code was never exchanged
    assert_nothing_created()


def test_a_callback_replayed_after_sign_in_does_not_sign_in_again(client, hub):
    hub.oidc_login_as(**ALICE)
    callback = authorize(start_signin(client))
    assert client.get(callback).status_code == 302
    client.post("/accounts/logout/")

    response = client.get(callback)

    assert response.status_code == 401
    assert_error_page_in_layout(response, "could not be matched")
    assert "_auth_user_id" not in client.session


def test_hub_down_when_sign_in_starts_shows_the_error_page(client, hub):
    hub.fail("openid_configuration", status=500)

    response = client.post(LOGIN_URL, {"next": "/cohorts/"})

    assert response.status_code == 401
    body = assert_error_page_in_layout(response, "could not reach")
    assert 'name="next" value="/cohorts/"' in body
    assert_nothing_created()


def test_hub_unreachable_when_sign_in_starts_shows_the_error_page(client, settings):
    point_provider_at(settings, f"http://127.0.0.1:{closed_port()}")

    response = client.post(LOGIN_URL)

    assert response.status_code == 401
    assert_error_page_in_layout(response, "could not reach")
    assert_nothing_created()


@pytest.mark.parametrize("endpoint", ["openid_configuration", "oauth_token", "oauth_userinfo"])
def test_hub_failing_during_the_callback_shows_the_error_page(client, hub, endpoint):
    hub.oidc_login_as(**ALICE)
    callback = authorize(start_signin(client))
    hub.fail(endpoint, status=500)

    response = client.get(callback)

    assert response.status_code == 401
    assert_error_page_in_layout(response, "could not reach")
    assert_nothing_created()


def test_try_again_after_a_failed_exchange_keeps_where_the_user_was_going(client, hub):
    hub.oidc_login_as(**ALICE)
    callback = authorize(start_signin(client, next="/cohorts/"))
    hub.fail("oauth_token", status=503)

    body = assert_error_page_in_layout(client.get(callback))
    assert 'name="next" value="/cohorts/"' in body

    hub.oidc_login_as(**ALICE)
    retry = client.post(LOGIN_URL, {"next": "/cohorts/"})
    assert client.get(authorize(retry["Location"]))["Location"] == "/cohorts/"
    assert User.objects.get().hf_username == "alice"


def test_hub_unreachable_during_the_callback_shows_the_error_page(client, hub, settings):
    hub.oidc_login_as(**ALICE)
    callback = authorize(start_signin(client))
    point_provider_at(settings, f"http://127.0.0.1:{closed_port()}")

    response = client.get(callback)

    assert response.status_code == 401
    assert_error_page_in_layout(response, "could not reach")
    assert_nothing_created()


def test_a_code_the_hub_rejects_shows_the_error_page(client, hub):
    hub.oidc_login_as(**ALICE)
    callback = authorize(start_signin(client))
    hub.oidc_codes.clear()  # e.g. the code expired before it was exchanged

    response = client.get(callback)

    assert response.status_code == 401
    assert_error_page_in_layout(response, "could not reach")
    assert_nothing_created()


def test_an_error_reported_by_the_hub_is_shown_in_plain_words(client, hub):
    state_id = parse_qs(urlsplit(start_signin(client)).query)["state"][0]

    response = client.get(
        CALLBACK_PATH,
        {"state": state_id, "error": "server_error", "error_description": "Try later"},
    )

    assert response.status_code == 401
    assert_error_page_in_layout(response, "reported an error", "Try later")
    assert_nothing_created()


def test_a_wrong_client_secret_ends_on_the_error_page(client, hub, settings):
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["openid_connect"]["APPS"][0]["secret"] = "not-the-secret"
    settings.SOCIALACCOUNT_PROVIDERS = providers
    hub.oidc_login_as(**ALICE)
    callback = authorize(start_signin(client))

    response = client.get(callback)

    assert response.status_code == 401
    assert_error_page_in_layout(response, "could not reach")
    assert_nothing_created()


def test_the_stand_in_refuses_a_code_without_the_matching_pkce_verifier(client, hub):
    hub.oidc_login_as(**ALICE)
    authorize_url = start_signin(client)
    redirect_uri = parse_qs(urlsplit(authorize_url).query)["redirect_uri"][0]
    code = parse_qs(urlsplit(authorize(authorize_url)).query)["code"][0]

    response = requests.post(
        f"{hub.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": "guessed-verifier",
        },
        auth=(settings.HF_OAUTH_CLIENT_ID, settings.HF_OAUTH_CLIENT_SECRET),
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.django_db
def test_admin_offers_no_social_apps_or_tokens_the_environment_configures_sign_in(client):
    client.force_login(User.objects.create_superuser("root", password=None))
    assert client.get("/admin/socialaccount/socialapp/").status_code == 404
    assert client.get("/admin/socialaccount/socialtoken/").status_code == 404
    assert client.get("/admin/socialaccount/socialaccount/").status_code == 200
