"""Hub stand-in part:
OpenID Connect sign-in (discovery, authorize, token, userinfo, JWKS) and whoami-v2.

Tests script who signs in: `hub.oidc_login_as(sub=..., preferred_username=..., orgs=[...])`
sets the identity the next authorize requests answer for (until changed or reset), and
`hub.oidc_deny()` makes the next one answer `error=access_denied` as if the user refused
consent. What the server received is kept in `oidc_authorize_requests`,
`oidc_token_requests` and `oidc_access_tokens` (access token -> identity and scope).

Endpoint names for `hub.fail(...)`: openid_configuration, oauth_authorize, oauth_token,
oauth_userinfo, oauth_jwks, whoami_v2. The token endpoint checks Basic client credentials
of a registered app (the site's: HF_OAUTH_CLIENT_ID / HF_OAUTH_CLIENT_SECRET), the
single-use code, its client and redirect_uri and the PKCE S256 verifier; it also returns
an RS256 id_token (key in JWKS) unless `oidc_issue_id_token` is turned off. whoami-v2
answers here for the access tokens issued here; plain access tokens (HF_TOKEN, as user
"commonset-bot") are the accounts part's.

Like the Hub, the userinfo answer carries `orgs` only when the `read-memberships` scope was
granted, `email` only with the `email` scope, and the profile claims only with `profile`;
only registered apps, redirect URIs and scopes are accepted, and `roleInOrg` is left out
for organisations the user did not grant (oidc_clients.py: the rules and registrations).
"""

import base64
import hashlib
import os
import secrets
import time
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Request, Response

from .oidc_clients import redirect_uri_allowed, scope_claims
from .server import json_response, route

OIDC_SCOPES = ["openid", "profile", "email", "read-memberships", "read-repos", "write-repos"]
CLAIMS = [
    "sub",
    "name",
    "preferred_username",
    "profile",
    "picture",
    "email",
    "email_verified",
    "orgs",
]
_SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_KID = "standin-1"


def oidc_identity(
    *,
    sub: str = "60d0c0ffee0000000000a001",
    preferred_username: str = "annotator",
    name: str | None = None,
    email: str | None = None,
    picture: str | None = None,
    orgs: list[dict] | None = None,
) -> dict:
    """A Hub user as userinfo describes it. Each org: {"preferred_username", "name",
    "roleInOrg", ...}; `sub` and `picture` are filled in when missing."""
    return {
        "sub": sub,
        "name": name if name is not None else preferred_username.title(),
        "preferred_username": preferred_username,
        "profile": f"https://huggingface.co/{preferred_username}",
        "picture": picture or f"https://cdn.example.test/avatars/{preferred_username}.png",
        "email": email if email is not None else f"{preferred_username}@example.test",
        "email_verified": True,
        "isPro": False,
        "orgs": [_org_claim(org) for org in (orgs or [])],
    }


def _org_claim(org: dict) -> dict:
    handle = org.get("preferred_username", "")  # left out on purpose by malformed-data tests
    return {
        "sub": f"org-{handle}",
        "picture": f"https://cdn.example.test/avatars/{handle}.png",
        "isEnterprise": False,
        **org,
    }


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _oauth_error(error: str, status: int = 400, description: str = "") -> Response:
    return json_response({"error": error, "error_description": description}, status)


class OidcRoutes:
    def state_reset(self):
        super().state_reset()
        self.oidc_identity = oidc_identity()
        self.oidc_deny_next = False
        self.oidc_issue_id_token = True
        self.oidc_codes: dict[str, dict] = {}
        self.oidc_access_tokens: dict[str, dict] = {}
        self.oidc_authorize_requests: list[dict] = []
        self.oidc_token_requests: list[dict] = []

    # --- scripting ------------------------------------------------------------------
    def oidc_login_as(self, *, granted_orgs: list[str] | None = None, **identity) -> dict:
        """Who the user signing in at authorize is (see `oidc_identity` for the fields), and
        which of their organisations they grant the app at consent (None: every one)."""
        with self._lock:
            self.oidc_identity = oidc_identity(**identity)
            self.oidc_granted_orgs = granted_orgs
            self.oidc_deny_next = False
            return self.oidc_identity

    def oidc_deny(self) -> None:
        """The next authorize request answers as if the user refused consent."""
        with self._lock:
            self.oidc_deny_next = True

    @property
    def oidc_client_id(self) -> str:
        return os.environ.get("HF_OAUTH_CLIENT_ID", "")

    @property
    def oidc_client_secret(self) -> str:
        return os.environ.get("HF_OAUTH_CLIENT_SECRET", "")

    # --- endpoints ------------------------------------------------------------------
    @route("/.well-known/openid-configuration", ["GET"])
    def openid_configuration(self, request: Request) -> Response:
        return json_response(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/oauth/authorize",
                "token_endpoint": f"{self.url}/oauth/token",
                "userinfo_endpoint": f"{self.url}/oauth/userinfo",
                "jwks_uri": f"{self.url}/oauth/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": OIDC_SCOPES,
                "claims_supported": CLAIMS,
            }
        )

    @route("/oauth/authorize", ["GET"])
    def oauth_authorize(self, request: Request) -> Response:
        args = request.args.to_dict()
        with self._lock:
            self.oidc_authorize_requests.append(args)
        redirect_uri = args.get("redirect_uri")
        client = self.oidc_client(args.get("client_id"))
        if client is None or not redirect_uri:
            # Like the Hub: a bad client or redirect URI is shown, never redirected to.
            return Response("Invalid client_id or redirect_uri", status=400)
        if not redirect_uri_allowed(client.redirect_uris, redirect_uri):
            return _oauth_error(
                "invalid_request", 400, "redirect_uri does not match a registered redirect URI"
            )
        back = {"state": args["state"]} if "state" in args else {}
        scope = args.get("scope", "").split()
        if unknown := [s for s in scope if s not in client.scopes]:
            return self._redirect(
                redirect_uri,
                error="invalid_scope",
                error_description=f"Scopes not allowed for this app: {' '.join(unknown)}",
                **back,
            )
        if args.get("response_type") != "code":
            return self._redirect(redirect_uri, error="unsupported_response_type", **back)
        challenge = args.get("code_challenge")
        if challenge and args.get("code_challenge_method") != "S256":
            return self._redirect(redirect_uri, error="invalid_request", **back)
        with self._lock:
            if self.oidc_deny_next:
                self.oidc_deny_next = False
                return self._redirect(redirect_uri, error="access_denied", **back)
            code = secrets.token_urlsafe(16)
            self.oidc_codes[code] = {
                "client_id": args["client_id"],
                "redirect_uri": redirect_uri,
                "scope": scope,
                "code_challenge": challenge,
                "nonce": args.get("nonce"),
                "identity": self.oidc_identity,
                "granted_orgs": self.oidc_granted(self.oidc_identity, args.get("orgIds", "")),
            }
        return self._redirect(redirect_uri, code=code, **back)

    @staticmethod
    def _redirect(redirect_uri: str, **params) -> Response:
        sep = "&" if "?" in redirect_uri else "?"
        return Response(status=302, headers={"Location": f"{redirect_uri}{sep}{urlencode(params)}"})

    @route("/oauth/token", ["POST"])
    def oauth_token(self, request: Request) -> Response:
        form = request.form.to_dict()
        auth = request.authorization
        with self._lock:
            self.oidc_token_requests.append(
                {**form, "basic_auth_user": auth.username if auth else None}
            )
        client = self.oidc_client(auth.username if auth else None)
        if auth is None or auth.type != "basic" or client is None or auth.password != client.secret:
            return _oauth_error("invalid_client", 401, "Client authentication failed")
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type")
        with self._lock:
            grant = self.oidc_codes.pop(form.get("code", ""), None)  # codes are single-use
        if (
            grant is None
            or grant["client_id"] != client.client_id
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return _oauth_error("invalid_grant", description="Unknown or used code")
        if (
            grant["code_challenge"]
            and _s256(form.get("code_verifier", "")) != grant["code_challenge"]
        ):
            return _oauth_error("invalid_grant", description="PKCE verification failed")
        access_token = f"hf_oauth_{secrets.token_urlsafe(24)}"
        with self._lock:
            self.oidc_access_tokens[access_token] = grant
        body = {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": 8 * 60 * 60,
            "scope": " ".join(grant["scope"]),
        }
        if self.oidc_issue_id_token and "openid" in grant["scope"]:
            body["id_token"] = self._id_token(grant)
        return json_response(body)

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            **self._claims(grant),
            "iss": self.url,
            "aud": grant["client_id"],
            "iat": now,
            "exp": now + 3600,
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        return jwt.encode(claims, _SIGNING_KEY, algorithm="RS256", headers={"kid": _KID})

    @staticmethod
    def _claims(grant: dict) -> dict:
        return scope_claims(grant["identity"], grant["scope"], grant.get("granted_orgs"))

    def _bearer(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        return header[7:] if header.startswith("Bearer ") else ""

    @route("/oauth/userinfo", ["GET"])
    def oauth_userinfo(self, request: Request) -> Response:
        grant = self.oidc_access_tokens.get(self._bearer(request))
        if grant is None:
            return _oauth_error("invalid_token", 401, "Unknown access token")
        return json_response(self._claims(grant))

    @route("/oauth/jwks", ["GET"])
    def oauth_jwks(self, request: Request) -> Response:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(_SIGNING_KEY.public_key(), as_dict=True)
        return json_response({"keys": [{**jwk, "kid": _KID, "use": "sig", "alg": "RS256"}]})

    @route("/api/whoami-v2", ["GET"])
    def whoami_v2(self, request: Request) -> Response:
        token = self._bearer(request)
        grant = self.oidc_access_tokens.get(token)
        if grant is None:
            # A plain access token: the accounts part knows them (401 for unknown ones).
            found = self.whoami_token_json(token)
            if found is None:
                return json_response({"error": "Invalid credentials in Authorization header"}, 401)
            return json_response(found)
        identity, auth = grant["identity"], {"type": "oauth", "expiresAt": None}
        return json_response(
            {
                "type": "user",
                "id": identity["sub"],
                "name": identity["preferred_username"],
                "fullname": identity["name"],
                "email": identity["email"],
                "emailVerified": identity["email_verified"],
                "avatarUrl": identity["picture"],
                "isPro": identity["isPro"],
                "orgs": [
                    {
                        "type": "org",
                        "id": org["sub"],
                        "name": org.get("preferred_username"),
                        "fullname": org.get("name", org.get("preferred_username")),
                        "avatarUrl": org["picture"],
                        "roleInOrg": org.get("roleInOrg"),
                        "isEnterprise": org.get("isEnterprise", False),
                    }
                    for org in identity["orgs"]
                ],
                "auth": auth,
            }
        )
