"""Sign-in against a stand-in as strict as the Hub (hub-docs oauth.md): only registered
redirect URIs (any port for http loopback), only the app's scopes, claims limited to what
was granted, and an organisation's role only when the user granted that organisation."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.conf import settings

from accounts.models import User
from tests.accounts.test_signin import ALICE, authorize, memberships_of, start_signin

pytestmark = pytest.mark.django_db


def _authorize_url(hub, **params) -> str:
    query = {
        "client_id": settings.HF_OAUTH_CLIENT_ID,
        "response_type": "code",
        "state": "s",
        "scope": "openid profile",
        **params,
    }
    return f"{hub.url}/oauth/authorize?{urlencode(query)}"


def _get(url):
    return requests.get(url, allow_redirects=False, timeout=5)


def test_an_unregistered_redirect_uri_is_refused_and_never_redirected_to(hub):
    for uri in [
        "https://attacker.example/accounts/oidc/huggingface/login/callback/",
        "http://testserver/accounts/oidc/huggingface/login/callback/?next=/x",
        "http://testserver:8000/accounts/oidc/huggingface/login/callback/",  # not loopback
        "http://localhost:8000/elsewhere/",
    ]:
        response = _get(_authorize_url(hub, redirect_uri=uri))
        assert response.status_code == 400, uri
        assert "Location" not in response.headers
        assert response.json()["error"] == "invalid_request"


def test_http_loopback_redirect_uris_may_use_any_port_and_nothing_else_may_differ(hub):
    hub.oidc_register(
        "cli", secret="s", redirect_uris=["http://localhost/callback"], scopes=["openid"]
    )

    def status(uri):
        return _get(_authorize_url(hub, client_id="cli", scope="openid", redirect_uri=uri))

    accepted = status("http://localhost:49282/callback")
    assert accepted.status_code == 302
    assert accepted.headers["Location"].startswith("http://localhost:49282/callback?code=")
    assert status("http://localhost/callback").status_code == 302
    assert status("http://127.0.0.1:49282/callback").status_code == 400  # another host
    assert status("https://localhost:49282/callback").status_code == 400  # https: exact
    assert status("http://localhost:49282/callback/other").status_code == 400


def test_a_scope_not_registered_for_the_app_is_refused(hub):
    uri = "http://testserver/accounts/oidc/huggingface/login/callback/"
    response = _get(_authorize_url(hub, redirect_uri=uri, scope="openid profile write-repos"))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["invalid_scope"] and query["state"] == ["s"]
    assert "code" not in query


def test_userinfo_carries_only_what_the_granted_scopes_allow(hub):
    uri = "http://testserver/accounts/oidc/huggingface/login/callback/"
    hub.oidc_login_as(**ALICE)
    response = _get(_authorize_url(hub, redirect_uri=uri, scope="openid"))
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    token = requests.post(
        f"{hub.url}/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": uri},
        auth=(settings.HF_OAUTH_CLIENT_ID, settings.HF_OAUTH_CLIENT_SECRET),
        timeout=5,
    ).json()
    assert token["scope"] == "openid"
    userinfo = requests.get(
        f"{hub.url}/oauth/userinfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    ).json()
    assert userinfo == {"sub": ALICE["sub"]}  # no profile, email or orgs without their scopes


def test_an_organisation_the_user_did_not_grant_comes_without_a_role(client, hub):
    hub.oidc_login_as(**ALICE, granted_orgs=["bigscience"])
    response = client.get(authorize(start_signin(client)))
    assert response.status_code == 302
    user = User.objects.get(hf_username="alice")
    # Membership is still known (read-memberships), the role in dibt was not shared.
    assert memberships_of(user) == {
        "bigscience": ("BigScience", "admin"),
        "dibt": ("Data is Better Together", ""),  # OrgMembership.Role.UNKNOWN
    }
