"""Hub stand-in part:
The OAuth apps registered on the stand-in, and the rules the Hub applies to them
(hub-docs docs/hub/oauth.md), used by the OIDC part's authorize and token endpoints:

- redirect URIs: the `redirect_uri` of an authorization request must match a registered
  one exactly, except that an `http` URI on a loopback host (localhost, 127.0.0.1, [::1])
  may use any port (RFC 8252 §7.3); hosts are matched individually, path and query
  exactly. Anything else answers 400 `invalid_request` and is never redirected to.
- scopes: only those registered for the app may be requested (`invalid_scope`
  otherwise); the token, userinfo and id token carry only what the granted scopes allow.
- organisations: at consent the user picks which of their organisations the app may see
  (plus any requested with `orgIds`); `roleInOrg` is left out for the others.

Registered by default: the site's app (HF_OAUTH_CLIENT_ID / HF_OAUTH_CLIENT_SECRET) with
the site's sign-in callback on the Django test client's host and on loopback hosts (the
live server's), and the scopes the site asks for. Tests register others with
`hub.oidc_register(...)`; `hub.oidc_login_as(..., granted_orgs=[...])` scripts which
organisations the user grants (default: all of them).
"""

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SITE_CALLBACK = "/accounts/oidc/huggingface/login/callback/"
SITE_SCOPES = ["openid", "profile", "email", "read-memberships"]
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
PROFILE_CLAIMS = ["name", "preferred_username", "profile", "picture", "isPro"]


@dataclass
class OidcClient:
    client_id: str
    secret: str
    redirect_uris: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)


def redirect_uri_allowed(registered: list[str], uri: str) -> bool:
    if uri in registered:
        return True
    asked = urlsplit(uri)
    if asked.scheme != "http" or asked.hostname not in LOOPBACK_HOSTS:
        return False
    for candidate in registered:
        known = urlsplit(candidate)
        if (
            known.scheme == "http"
            and known.hostname == asked.hostname
            and (known.username, known.password) == (asked.username, asked.password)
            and (known.path, known.query) == (asked.path, asked.query)
        ):
            return True
    return False


def scope_claims(claims: dict, scopes: list[str], granted_orgs: list[str] | None) -> dict:
    """The identity's claims as the granted scopes and organisations allow."""
    claims = dict(claims)
    if "profile" not in scopes:
        for name in PROFILE_CLAIMS:
            claims.pop(name, None)
    if "email" not in scopes:
        claims.pop("email", None)
        claims.pop("email_verified", None)
    if "read-memberships" not in scopes:
        claims.pop("orgs", None)
    elif granted_orgs is not None:
        claims["orgs"] = [
            org
            if org.get("preferred_username") in granted_orgs
            else {k: v for k, v in org.items() if k not in ("roleInOrg", "canPay")}
            for org in claims.get("orgs") or []
        ]
    return claims


class OidcClientRegistry:
    def state_reset(self):
        super().state_reset()
        self.oidc_granted_orgs: list[str] | None = None
        self.oidc_clients: dict[str, OidcClient] = {}
        self.oidc_register(
            os.environ.get("HF_OAUTH_CLIENT_ID", ""),
            secret=os.environ.get("HF_OAUTH_CLIENT_SECRET", ""),
            redirect_uris=[
                f"http://{host}{SITE_CALLBACK}" for host in ("testserver", "localhost", "127.0.0.1")
            ],
            scopes=SITE_SCOPES,
        )

    def oidc_register(
        self, client_id: str, *, secret: str, redirect_uris: list[str], scopes: list[str]
    ) -> OidcClient:
        with self._lock:
            client = OidcClient(client_id, secret, list(redirect_uris), list(scopes))
            self.oidc_clients[client_id] = client
            return client

    def oidc_client(self, client_id: str | None) -> OidcClient | None:
        return self.oidc_clients.get(client_id or "")

    def oidc_granted(self, identity: dict, org_ids: str) -> list[str] | None:
        """The organisations the user grants at consent: those scripted (None: all), plus
        those the app asked for with `orgIds` (the Hub preselects them)."""
        if self.oidc_granted_orgs is None:
            return None
        asked = {o for o in org_ids.split(",") if o}
        by_id = [
            org.get("preferred_username")
            for org in identity.get("orgs") or []
            if org.get("sub") in asked
        ]
        return [*self.oidc_granted_orgs, *by_id]
