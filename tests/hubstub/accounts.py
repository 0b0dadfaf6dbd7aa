"""Hub stand-in part:
Accounts (users and organisations), organisation members with their roles, and access
tokens; who may write where, and which namespaces may create Docker and Gradio Spaces.

State after every reset:
- user "commonset-bot", the site's service account, with token HF_TOKEN ("hf_test", role
  write);
- organisation "programme" (HUB_NAMESPACE, free plan) where commonset-bot has role write.

Scripting (all under the server's lock):
- `hub.account_add("acme", kind="org", paid=False)` an organisation (or `kind="user"`);
  `paid` is PRO for a person, Team or Enterprise for an organisation; called again for an
  existing account, it changes only the plan (`hub.account_add("programme", paid=True)`);
- `hub.member_add("acme", "commonset-bot", role="write")` a member with role read,
  contributor, write or admin (the user account is created when missing);
- `hub.token_add("hf_other", "someone", role="write")` a token of a user (role read or
  write; the user account is created when missing).

Rules, as the Hub applies them (hub-docs organizations-security.md, spaces-overview.md,
huggingface_hub's create_repo comments on 401/402/403):
- a bearer token the Hub does not know answers 401 `{"error": "Invalid credentials in
  Authorization header"}` on every route (the sign-in routes check their own tokens);
- a write needs a write token, and then: the token's own namespace; or an organisation
  where its user is write or admin; or, for a contributor, creating a repository there
  and writing to repositories that user created. Otherwise 403 `You don't have the rights
  to create a dataset under this namespace` (create) or `You don't have the rights to
  write to <repo>` (anything else). An anonymous write answers 401;
- creating a Space with sdk docker or gradio, or duplicating such a Space, in a namespace
  without a paid plan answers 402; static Spaces are free everywhere.

whoami-v2 (here for table tokens; oidc.py answers it for OAuth access tokens) lists the
user's organisations with `roleInOrg`, and the plan fields the real endpoint has:
`isEnterprise` (true for Team and Enterprise organisations), `canPay` (a payment method
is on file; not a plan), `periodEnd`, and the user's `isPro`. huggingface.js types `plan`
as deprecated, so it is not sent.
"""

import hashlib
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

from .server import json_response, request_token

SERVICE_USER = "commonset-bot"
SERVICE_TOKEN = "hf_test"
PROGRAMME_ORG = "programme"
ROLES = ("read", "contributor", "write", "admin")
PAID_SDKS = {"docker", "gradio"}
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
PAID_PLAN_REQUIRED = (
    "Gradio and Docker Spaces run on compute and require a paid plan to create: PRO for "
    "personal accounts, Team or Enterprise for organizations. Static Spaces are free for "
    "everyone."
)
# Routes that check their own credentials (OAuth client auth, OAuth access tokens).
_OWN_AUTH_PREFIXES = ("/oauth/", "/.well-known/")


def _hex_id(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:24]


@dataclass
class Account:
    name: str
    kind: str = "org"  # "user" or "org"
    paid: bool = False
    members: dict = field(default_factory=dict)  # org only: username -> role

    @property
    def id(self) -> str:
        return _hex_id(f"{self.kind}:{self.name}")


@dataclass
class Token:
    user: str
    role: str = "write"  # read or write


class AccountRoutes:
    def state_reset(self):
        super().state_reset()
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, Token] = {}
        self.account_add(SERVICE_USER, kind="user")
        self.token_add(SERVICE_TOKEN, SERVICE_USER, role="write")
        self.account_add(PROGRAMME_ORG, kind="org", paid=False)
        self.member_add(PROGRAMME_ORG, SERVICE_USER, role="write")

    # --- scripting ------------------------------------------------------------------
    def account_add(self, name: str, *, kind: str = "org", paid: bool = False) -> Account:
        if kind not in ("user", "org"):
            raise ValueError(f"kind must be user or org, not {kind!r}")
        with self._lock:
            account = self.account(name)
            if account is not None and account.kind == kind:
                account.paid = paid  # an existing account keeps its members
                return account
            account = Account(name=name, kind=kind, paid=paid)
            self.accounts[name.lower()] = account
            return account

    def account(self, name: str) -> Account | None:
        return self.accounts.get((name or "").lower())

    def member_add(self, org: str, user: str, *, role: str = "write") -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        with self._lock:
            account = self.account(org)
            if account is None or account.kind != "org":
                raise ValueError(f"{org} is not an organisation of the stand-in")
            if self.account(user) is None:
                self.account_add(user, kind="user")
            account.members[user.lower()] = role

    def token_add(self, token: str, user: str, *, role: str = "write") -> Token:
        if role not in ("read", "write"):
            raise ValueError("a token's role is read or write")
        with self._lock:
            if self.account(user) is None:
                self.account_add(user, kind="user")
            self.tokens[token] = Token(user=user, role=role)
            return self.tokens[token]

    # --- the rules, for the other parts ---------------------------------------------
    def request_refusal(self, request: Request) -> Response | None:
        """401 for a bearer token nobody issued (the Hub checks it before anything else)."""
        token = request_token()
        if not token or request.path.startswith(_OWN_AUTH_PREFIXES):
            return None
        if token in self.tokens or token in getattr(self, "oidc_access_tokens", {}):
            return None
        return json_response({"error": INVALID_CREDENTIALS}, 401)

    def token_user(self, token: str | None) -> str | None:
        found = self.tokens.get(token or "")
        return found.user if found else None

    def write_refusal(self, namespace: str, *, creating: str = "", repo=None) -> Response | None:
        """None when the request's token may write in `namespace`, else the Hub's answer.
        `creating` names the kind of repository being created ("dataset", "space",
        "bucket"); `repo` is the existing repository written to, if any."""
        token = request_token()
        found = self.tokens.get(token or "")
        if found is None:
            return json_response({"error": INVALID_CREDENTIALS}, 401)
        if found.role == "write" and self._may_write(found, namespace, creating, repo):
            return None
        if creating:
            message = f"You don't have the rights to create a {creating} under this namespace"
        else:
            where = repo.repo_id if repo is not None else namespace
            message = f"You don't have the rights to write to {where}"
        return json_response({"error": message}, 403)

    def _may_write(self, token: Token, namespace: str, creating: str, repo) -> bool:
        if token.user.lower() == (namespace or "").lower():
            return True
        org = self.account(namespace)
        if org is None or org.kind != "org":
            return False  # another person's namespace, or nobody's
        role = org.members.get(token.user.lower())
        if role in ("write", "admin"):
            return True
        if role == "contributor":
            # Contributors create repositories and write only to those they created.
            return bool(creating) or (
                repo is not None and self.token_user(repo.owner_token) == token.user
            )
        return False

    def create_refusal(self, repo_id: str, repo_type: str, sdk: str | None) -> Response | None:
        """What the Hub answers instead of creating `repo_id` (403, then 402), or None."""
        namespace = repo_id.split("/")[0]
        refusal = self.write_refusal(namespace, creating=repo_type)
        if refusal is None and repo_type == "space":
            refusal = self.space_plan_refusal(namespace, sdk)
        return refusal

    def repo_write_refusal(self, repo_type: str, repo_id: str) -> Response | None:
        """`write_refusal` for a write to an existing repository."""
        repo = self.repos.get((repo_type, repo_id))
        return self.write_refusal(repo_id.split("/")[0], repo=repo)

    def space_write_refusal(self, space_id: str) -> Response | None:
        """`write_refusal` for a change to an existing Space's settings or runtime."""
        return self.repo_write_refusal("space", space_id)

    def space_plan_refusal(self, namespace: str, sdk: str | None) -> Response | None:
        """402 for a Docker or Gradio Space in a namespace without a paid plan."""
        if (sdk or "").lower() not in PAID_SDKS:
            return None
        account = self.account(namespace)
        if account is not None and account.paid:
            return None
        return json_response({"error": PAID_PLAN_REQUIRED}, 402)

    def token_namespace(self) -> str:
        """Where a create without an organisation goes: the token's own account."""
        return self.token_user(request_token()) or "anonymous"

    # --- whoami-v2 for table tokens -------------------------------------------------
    def whoami_token_json(self, token: str) -> dict | None:
        found = self.tokens.get(token or "")
        if found is None:
            return None
        user = self.account(found.user)
        orgs = [
            org
            for org in self.accounts.values()
            if org.kind == "org" and user.name.lower() in org.members
        ]
        return {
            "type": "user",
            "id": user.id,
            "name": user.name,
            "fullname": user.name,
            "email": f"{user.name}@example.test",
            "emailVerified": True,
            "canPay": False,
            "periodEnd": None,
            "isPro": user.paid,
            "avatarUrl": f"https://cdn.example.test/avatars/{user.name}.png",
            "orgs": [
                {
                    "type": "org",
                    "id": org.id,
                    "name": org.name,
                    "fullname": org.name.title(),
                    "email": None,
                    "canPay": False,
                    "periodEnd": None,
                    "avatarUrl": f"https://cdn.example.test/avatars/{org.name}.png",
                    "roleInOrg": org.members[user.name.lower()],
                    "isEnterprise": org.paid,
                }
                for org in sorted(orgs, key=lambda o: o.name)
            ],
            "auth": {
                "type": "access_token",
                "accessToken": {"displayName": "test", "role": found.role},
            },
        }
