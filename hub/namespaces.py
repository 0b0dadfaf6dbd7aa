"""Can the site host a campaign in a Hub namespace? One decision, read from the service
account's whoami-v2 (its organisations, its role in each, and the plan fields there are).

What the Hub tells us and what it does not:
- `roleInOrg` per organisation: read, contributor, write, admin. Contributor is enough for
  this site: it creates the campaign's repositories and writes only to those.
- `isEnterprise` per organisation: true for Team and Enterprise plans. When it is false
  the organisation has no plan the Hub reports, so a Docker (Argilla) Space will be refused
  with 402 unless the organisation has a grant, which whoami-v2 never shows. `canPay` only
  says a payment method is on file, not that there is a plan, so it is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

from .backend import HubBackend, ServiceAccount, get_backend
from .errors import HubError

WRITING_ROLES = frozenset({"contributor", "write", "admin"})
# Space kinds (cohorts.models.SpaceKind) that run on compute and so need a paid plan.
PAID_SPACE_KINDS = frozenset({"argilla"})


@dataclass(frozen=True)
class NamespaceCheck:
    namespace: str
    writable: bool
    space_possible: bool | None  # None: the Hub does not say
    reason: str = ""  # why not, or what is unknown, in words a person can act on

    @property
    def summary(self) -> str:
        can = "the site can write there" if self.writable else "the site cannot write there"
        space = {True: "the Space can be created", False: "the Space cannot be created"}.get(
            self.space_possible, "whether the Space can be created is not known"
        )
        return f"{self.namespace}: {can}; {space}."


def namespaces_writable(account: ServiceAccount) -> set[str]:
    """The organisations (lower-cased) where the service account may create repositories."""
    if account.access_role == "read":
        return set()
    return {org.name.lower() for org in account.orgs if org.role in WRITING_ROLES}


def hub_namespace_check(
    namespace: str,
    space_kind: str,
    *,
    backend: HubBackend | None = None,
    fresh: bool = False,
) -> NamespaceCheck:
    """Whether campaigns can be hosted in `namespace` with Spaces of `space_kind`
    (static, argilla or none). `fresh` asks the Hub again instead of the cached answer
    (approval does, so that a decision never rests on a stale membership)."""
    backend = backend or get_backend()
    try:
        account = backend.service_account(fresh=fresh)
    except HubError as error:
        return NamespaceCheck(
            namespace,
            writable=False,
            space_possible=None,
            reason=f"The Hub could not tell where the site's account may write: {error.message}",
        )
    if account.writes_everywhere:
        return NamespaceCheck(
            namespace,
            writable=True,
            space_possible=True,
            reason="No Hugging Face Hub is configured (local backend): nothing is created there.",
        )
    return _decide(account, namespace, space_kind)


def _decide(account: ServiceAccount, namespace: str, space_kind: str) -> NamespaceCheck:
    name = account.name
    if account.access_role == "read":
        return NamespaceCheck(
            namespace,
            writable=False,
            space_possible=None,
            reason=f"The site's token (account {name}) is a read token: replace HF_TOKEN with "
            "a token that has the write role.",
        )
    if namespace.lower() == name.lower():
        plan = account.paid_plan
        return _with_space(NamespaceCheck(namespace, True, None), space_kind, plan, "PRO")
    membership = account.membership(namespace)
    if membership is None or membership.role not in WRITING_ROLES:
        where = (
            f"is a member of {namespace} with the {membership.role} role only"
            if membership is not None and membership.role
            else f"is not a member of {namespace}"
        )
        return NamespaceCheck(
            namespace,
            writable=False,
            space_possible=None,
            reason=f"The site's account {name} {where}, so it cannot create the campaign's "
            f"dataset and Space there: an admin of {namespace} adds {name} to the "
            "organisation with the write role (Settings, Members), or the campaign is "
            "hosted in the cohort's namespace.",
        )
    check = NamespaceCheck(namespace, writable=True, space_possible=None)
    return _with_space(check, space_kind, membership.paid_plan, "Team or Enterprise")


def _with_space(
    check: NamespaceCheck, space_kind: str, paid_plan: bool | None, plans: str
) -> NamespaceCheck:
    namespace = check.namespace
    if space_kind not in PAID_SPACE_KINDS:
        return NamespaceCheck(namespace, check.writable, True, check.reason)
    if paid_plan:
        return NamespaceCheck(namespace, check.writable, True, check.reason)
    advice = (
        "an Argilla Space is a Docker Space, which the Hub creates only in a namespace with a "
        f"paid plan ({plans}); give {namespace} a paid plan, or set the cohort's Space kind "
        "to static (free everywhere)."
    )
    if paid_plan is False:
        return NamespaceCheck(
            namespace, check.writable, False, f"{namespace} has no paid plan: {advice}"
        )
    return NamespaceCheck(
        namespace,
        check.writable,
        None,
        f"The Hub does not say whether {namespace} has a paid plan: {advice}",
    )
