"""Where an application's campaign is hosted on the Hub: the choices offered to the
applicant, the check of what they chose (a service step: every door goes through it), and
the check shown to organisers and enforced at approval.

The cohort's namespace is always offered and stored as "" on the application; otherwise
one of the applicant's organisations where the site's service account can write.
"""

from campaigns.models import Application
from cohorts.errors import ProgrammeError
from hub.backend import get_backend
from hub.errors import HubError
from hub.namespaces import NamespaceCheck, hub_namespace_check, namespaces_writable


def hosting_choices(user, cohort) -> list[tuple[str, str]]:
    """Where an applicant may have their campaign hosted on the Hub: the cohort's namespace
    ("" in the form, always offered first), then each of their organisations where the
    site's service account can write. Never a person's namespace: the service token cannot
    create repositories there."""
    choices = [("", f"{cohort.namespace} (the programme's organisation)")]
    if not user.is_authenticated:
        return choices
    try:
        account = get_backend().service_account()
    except HubError:
        return choices  # the Hub cannot tell: only the always-possible choice
    writable = namespaces_writable(account)
    own = user.display_handle.lower()
    for membership in user.org_memberships.order_by("org_handle"):
        handle = membership.org_handle
        if handle.lower() in (own, cohort.namespace.lower()):
            continue
        if account.writes_everywhere or handle.lower() in writable:
            choices.append((handle, f"{handle} (your organisation)"))
    return choices


def hosting_validate(application: Application) -> None:
    """The namespace the applicant chose to host the campaign in: the cohort's (stored as
    ""), or one of their organisations where the site's service account can write. A
    person's namespace never: the service token cannot create repositories there."""
    namespace = (application.hub_namespace or "").strip()
    cohort_namespace = application.cohort.namespace
    if not namespace or namespace.lower() == cohort_namespace.lower():
        application.hub_namespace = ""
        return
    applicant = application.applicant
    if namespace.lower() in {applicant.display_handle.lower(), applicant.username.lower()}:
        raise ProgrammeError(
            f"A campaign cannot be hosted in a personal namespace (“{namespace}”): the site's "
            "account can create repositories only in organisations that gave it write "
            f"access. Leave it empty to host it in {cohort_namespace}, or choose one of your "
            "organisations.",
            field="hub_namespace",
        )
    membership = applicant.org_memberships.filter(org_handle__iexact=namespace).first()
    if membership is None:
        raise ProgrammeError(
            f"You are not a member of “{namespace}” on Hugging Face; choose one of your "
            f"organisations, or leave it empty to host the campaign in {cohort_namespace}.",
            field="hub_namespace",
        )
    check = hub_namespace_check(membership.org_handle, application.cohort.space_kind)
    if not check.writable:
        raise ProgrammeError(check.reason, field="hub_namespace")
    application.hub_namespace = membership.org_handle


def hosting_check(application: Application, *, fresh: bool = False) -> NamespaceCheck:
    """Whether the site can host the application's campaign where it asks to be hosted,
    with the cohort's Space kind (hub.namespaces.NamespaceCheck), for the approval page."""
    return hub_namespace_check(
        application.hosting_namespace, application.cohort.space_kind, fresh=fresh
    )
