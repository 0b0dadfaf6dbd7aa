"""Every URL of the site and the API (admin and allauth included), for every role.

The walk takes every URL pattern from Django's resolver, fills its arguments from the world
in `url_fixtures` (an argument it cannot fill fails the test, so no route is skipped), and
requests it as each role: GET, or, when the route answers 405 to GET, the method its `Allow`
header names (POST, DELETE), without a body: what is checked is access, not the action.

Each answer is read as
- allowed: 2xx; a redirect that is not to a sign-in page; 400 (the empty body did not
  validate, after access was checked) or 409 (the action was refused on its merits);
- denied: a redirect to the site's or admin's sign-in page, 401, 403, 404 or 405;
- anything else (5xx included) fails.

What denied means, per role:
- anonymous: the sign-in page (pages behind sign-in, admin's own for admin), 401 (API), or
  404 (a campaign or application it may not see, on a page open to everyone);
- token holder: on the API, like the member whose token it is; on pages, which do not read
  the token, like anonymous;
- user, member, lead, organiser: 404 for a campaign or application they may not see; 403 only
  for something they may see but not act on (the applicant's actions for an organiser, an
  organiser's decision for the lead); admin: its sign-in page for everyone but organisers,
  403 for organisers on what the Organisers group has no permission for.
The rule that matters, from DESIGN.md: a campaign or an application one may not see answers
404, the same as one that does not exist; a 403 would say that it exists, and fails the walk.

ALLOWED below lists, per route, the roles that get through. A route not in it is denied to
every role: a new route fails this suite until it is classified here. Routes naming a
campaign (or its application, records, import jobs, co-leads) are walked twice, with a public
and with an organisation campaign; their entry may say who gets through for each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.regex_helper import normalize

from accounts.models import ApiToken
from tests.site.url_fixtures import (
    ANONYMOUS,
    LEAD,
    MEMBER,
    ORG_CAMPAIGN,
    ORGANISER,
    PUBLIC,
    REVIEWER,
    ROLES,
    SUBJECTS,
    TOKEN,
    USER,
    build_world,
    url_args,
)

# --- Who gets through --------------------------------------------------------------------
EVERYONE = frozenset(ROLES)
SIGNED_IN = frozenset({USER, MEMBER, REVIEWER, ORGANISER, LEAD})  # a session (no token)
API_USERS = SIGNED_IN | {TOKEN}  # a session or an API token
LEADS = frozenset({LEAD, ORGANISER})  # organisers act as leads
REVIEWERS = LEADS | {REVIEWER}  # reviewers the lead named, and the leads
# Who sees the organisation campaign (its reviewer too, not a member).
ORG_VIEWERS = frozenset({MEMBER, REVIEWER, LEAD, ORGANISER})
ORG_API_VIEWERS = ORG_VIEWERS | {TOKEN}  # the token is the member's
ORGANISERS = frozenset({ORGANISER})
APPLICANT = frozenset({LEAD})


def by_campaign(public, org):
    """Different roles get through with the public and with the organisation campaign."""
    return {PUBLIC: frozenset(public), ORG_CAMPAIGN: frozenset(org)}


ALLOWED = {
    # Public pages
    "": EVERYONE,
    "healthz": EVERYONE,
    "cohorts/": EVERYONE,
    "cohorts/<slug:slug>/": EVERYONE,
    "campaigns/": EVERYONE,
    "campaigns/<slug:slug>/": by_campaign(EVERYONE, ORG_VIEWERS),
    # Sign-in and account pages (allauth)
    "accounts/oidc/<str:provider_id>/login/": EVERYONE,  # "Continue with Hugging Face"
    "accounts/login/": EVERYONE,
    "accounts/logout/": EVERYONE,
    "accounts/inactive/": EVERYONE,
    "accounts/signup/": EVERYONE,  # says local sign-up is closed
    "accounts/confirm-email/": EVERYONE,
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": EVERYONE,  # "invalid link" page
    "accounts/password/reset/": EVERYONE,
    "accounts/password/reset/done/": EVERYONE,
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": EVERYONE,
    "accounts/password/reset/key/done/": EVERYONE,
    "accounts/3rdparty/login/cancelled/": EVERYONE,
    "accounts/social/login/cancelled/": EVERYONE,  # allauth's old URLs: permanent redirects
    "accounts/social/login/error/": EVERYONE,
    "accounts/social/signup/": EVERYONE,
    "accounts/social/connections/": EVERYONE,
    "accounts/reauthenticate/": SIGNED_IN,
    "accounts/email/": SIGNED_IN,
    "accounts/password/change/": SIGNED_IN,
    "accounts/password/set/": SIGNED_IN,
    "accounts/login/code/confirm/": SIGNED_IN,  # signed in already: on to the profile
    "accounts/3rdparty/": SIGNED_IN,
    # Denied to all, on purpose: "accounts/oidc/<str:provider_id>/login/callback/" and
    # "accounts/3rdparty/login/error/" (401: no sign-in under way), and
    # "accounts/3rdparty/signup/" (nothing to complete: back to sign-in).
    # Profile
    "me/": SIGNED_IN,
    "me/preferences": SIGNED_IN,
    "me/delete": SIGNED_IN,  # an empty POST is refused (400): the username must be typed
    "me/tokens/": SIGNED_IN,
    "me/tokens/<int:token_id>/revoke": SIGNED_IN,  # only ever one's own: see the test below
    # The language switcher: anyone (a signed-in user's choice is saved on their profile)
    "i18n/setlang/": EVERYONE,
    # Applications: their leads; organisers read and review them
    "applications/": SIGNED_IN,
    "applications/new/<slug:cohort_slug>/": SIGNED_IN,
    "applications/<int:pk>/": LEADS,
    "applications/<int:pk>/edit/": LEADS,  # organisers: told only leads may edit
    "applications/<int:pk>/submit/": APPLICANT,
    "applications/<int:pk>/withdraw/": APPLICANT,
    "applications/<int:pk>/co-leads/": APPLICANT,  # organisers see it but get 403
    "applications/<int:pk>/co-leads/<int:user_id>/remove/": APPLICANT,
    # A campaign's settings: its leads
    "campaigns/<slug:slug>/settings/": LEADS,
    "campaigns/<slug:slug>/settings/state/": LEADS,
    "campaigns/<slug:slug>/settings/questions/": LEADS,
    "campaigns/<slug:slug>/settings/import/": LEADS,
    "campaigns/<slug:slug>/settings/import/<int:job_id>/": LEADS,
    "campaigns/<slug:slug>/settings/webhooks/": LEADS,
    "campaigns/<slug:slug>/settings/webhooks/<int:endpoint_id>/delete/": LEADS,
    "campaigns/<slug:slug>/publish/": LEADS,
    # Review (issue 14): leads and the reviewers they named; managing reviewers and blocks:
    # leads only
    "campaigns/<slug:slug>/settings/records/": REVIEWERS,
    "campaigns/<slug:slug>/settings/records/<int:record_id>/": REVIEWERS,
    "campaigns/<slug:slug>/settings/records/<int:record_id>/gold/": LEADS,
    "campaigns/<slug:slug>/settings/review/": REVIEWERS,
    "campaigns/<slug:slug>/settings/review/<int:response_id>/": REVIEWERS,
    "campaigns/<slug:slug>/settings/quality/": REVIEWERS,
    "campaigns/<slug:slug>/settings/quality/refresh/": REVIEWERS,
    "campaigns/<slug:slug>/settings/reviewers/": LEADS,
    "campaigns/<slug:slug>/settings/reviewers/<str:username>/remove/": LEADS,
    "campaigns/<slug:slug>/settings/blocked/": LEADS,
    "campaigns/<slug:slug>/settings/blocked/<str:username>/remove/": LEADS,
    # Comments: the record's annotators (everyone in the world answered it), its reviewer
    # and leads
    "annotate/<slug:slug>/records/<int:record_id>/comments/": by_campaign(SIGNED_IN, ORG_VIEWERS),
    "campaigns/<slug:slug>/publishing-policy/": LEADS,
    # Annotating: whoever may see the campaign, signed in
    "annotate/<slug:slug>/": by_campaign(SIGNED_IN, ORG_VIEWERS),
    "annotate/<slug:slug>/records/<int:record_id>/": by_campaign(SIGNED_IN, ORG_VIEWERS),
    "annotate/<slug:slug>/mine/": by_campaign(SIGNED_IN, ORG_VIEWERS),
    "annotate/<slug:slug>/mine/<int:record_id>/": by_campaign(SIGNED_IN, ORG_VIEWERS),
    "annotate/<slug:slug>/drafts/<int:record_id>/": by_campaign(SIGNED_IN, ORG_VIEWERS),
    "annotate/<slug:slug>/skipped/restore/": by_campaign(SIGNED_IN, ORG_VIEWERS),
    # API
    "api/v1/schema/": EVERYONE,
    "api/v1/docs/": EVERYONE,
    "api/v1/me": API_USERS,
    "api/v1/tokens/": API_USERS,
    "api/v1/tokens/<int:token_id>/": APPLICANT,  # the lead's own token
    "api/v1/cohorts/": EVERYONE,
    "api/v1/cohorts/<slug:slug>/": EVERYONE,
    "api/v1/cohorts/<slug:slug>/race/": EVERYONE,
    "api/v1/stats/": EVERYONE,
    "api/v1/applications/": API_USERS,  # each sees their own (organisers: all)
    "api/v1/applications/<int:pk>/": LEADS,
    "api/v1/applications/<int:pk>/submit/": APPLICANT,
    "api/v1/applications/<int:pk>/withdraw/": APPLICANT,
    "api/v1/applications/<int:pk>/approve/": ORGANISERS,
    "api/v1/applications/<int:pk>/reject/": ORGANISERS,
    # Organisers: their empty body is refused (400) before the applicant-only rule is reached.
    "api/v1/applications/<int:pk>/co-leads/": APPLICANT,
    "api/v1/applications/<int:pk>/co-leads/<int:user_id>/": APPLICANT,
    "api/v1/campaigns/": API_USERS,
    "api/v1/campaigns/<slug:slug>/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/campaigns/<slug:slug>/next/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/campaigns/<slug:slug>/progress/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/campaigns/<slug:slug>/my-responses/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/campaigns/<slug:slug>/dashboard/": by_campaign(EVERYONE, ORG_API_VIEWERS),
    "api/v1/campaigns/<slug:slug>/publications/": by_campaign(EVERYONE, ORG_API_VIEWERS),
    "api/v1/campaigns/<slug:slug>/records/": REVIEWERS,
    "api/v1/campaigns/<slug:slug>/records/<int:record_id>/": REVIEWERS,
    "api/v1/campaigns/<slug:slug>/records/<int:record_id>/gold/": REVIEWERS,  # writes: leads
    "api/v1/campaigns/<slug:slug>/review-queue/": REVIEWERS,
    "api/v1/campaigns/<slug:slug>/quality/": REVIEWERS,
    "api/v1/campaigns/<slug:slug>/quality/refresh/": REVIEWERS,
    "api/v1/responses/<int:response_id>/review/": REVIEWERS,
    "api/v1/campaigns/<slug:slug>/reviewers/": LEADS,
    "api/v1/campaigns/<slug:slug>/reviewers/<str:username>/": LEADS,
    "api/v1/campaigns/<slug:slug>/blocks/": LEADS,
    "api/v1/campaigns/<slug:slug>/blocks/<str:username>/": LEADS,
    "api/v1/records/<int:record_id>/comments/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/campaigns/<slug:slug>/imports/": LEADS,
    "api/v1/campaigns/<slug:slug>/imports/<int:job_id>/": LEADS,
    # Webhooks: a campaign's for its leads, site-wide ones for organisers (webhooks/)
    "api/v1/webhooks/": ORGANISERS,
    "api/v1/webhooks/<int:endpoint_id>/": ORGANISERS,
    "api/v1/webhooks/<int:endpoint_id>/deliveries/": ORGANISERS,
    "api/v1/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/": ORGANISERS,
    "api/v1/campaigns/<slug:slug>/webhooks/": LEADS,
    "api/v1/campaigns/<slug:slug>/webhooks/<int:endpoint_id>/": LEADS,
    "api/v1/campaigns/<slug:slug>/webhooks/<int:endpoint_id>/deliveries/": LEADS,
    "api/v1/campaigns/<slug:slug>/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/": LEADS,  # noqa: E501
    # A campaign's set-up (issue 15): its leads; provisioning actions: organisers (the lead
    # sees the campaign, so gets 403).
    "api/v1/schema/campaign-definition.json": EVERYONE,
    "api/v1/campaigns/<slug:slug>/settings/": LEADS,
    "api/v1/campaigns/<slug:slug>/state/": LEADS,
    "api/v1/campaigns/<slug:slug>/definition": LEADS,
    "api/v1/campaigns/<slug:slug>/fields/": LEADS,
    "api/v1/campaigns/<slug:slug>/fields/<slug:field_name>/": LEADS,  # 409: the campaign is open
    "api/v1/campaigns/<slug:slug>/questions/": LEADS,
    "api/v1/campaigns/<slug:slug>/questions/<slug:question_name>/": LEADS,
    "api/v1/campaigns/<slug:slug>/responses/": LEADS,
    # Exports: leads; anyone for a public campaign once a publication succeeded (the walk's
    # publication has not), so 404 to the others here.
    "api/v1/campaigns/<slug:slug>/export": LEADS,
    "api/v1/campaigns/<slug:slug>/exports/": LEADS,
    "campaigns/<slug:slug>/exports/": LEADS,  # the page of one's export jobs
    # An export job is its requester's alone (the lead's here; 409 while it is pending).
    "api/v1/campaigns/<slug:slug>/exports/<int:job_id>/": APPLICANT,
    "api/v1/campaigns/<slug:slug>/exports/<int:job_id>/download": APPLICANT,
    "api/v1/campaigns/<slug:slug>/publishing-policy/": LEADS,
    "api/v1/campaigns/<slug:slug>/provisioning/": LEADS,
    "api/v1/campaigns/<slug:slug>/provisioning/retry/": ORGANISERS,
    "api/v1/campaigns/<slug:slug>/provisioning/reapply/": ORGANISERS,
    "api/v1/campaigns/<slug:slug>/dashboard/rebuild/": ORGANISERS,
    "api/v1/cohorts/<slug:slug>/open/": ORGANISERS,  # 409: it is open already
    "api/v1/cohorts/<slug:slug>/close/": ORGANISERS,
    "api/v1/applications/approve/": ORGANISERS,  # bulk; the empty body is a 400
    "api/v1/applications/reject/": ORGANISERS,
    "api/v1/records/<int:record_id>/response/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/records/<int:record_id>/skip/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/records/<int:record_id>/draft/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/campaigns/<slug:slug>/skipped/": by_campaign(API_USERS, ORG_API_VIEWERS),
    "api/v1/records/<int:record_id>/discard/": by_campaign(API_USERS, ORG_API_VIEWERS),
    # Admin: organisers (the Organisers group's permissions: cohorts and communities; view and
    # change applications, provisioning, publications; view the annotation models). Everyone
    # else: admin's sign-in page.
    "admin/login/": EVERYONE,
    "admin/logout/": EVERYONE,
    "admin/": ORGANISERS,
    "admin/password_change/": ORGANISERS,
    "admin/password_change/done/": ORGANISERS,
    "admin/jsi18n/": ORGANISERS,
    "admin/^(?P<app_label>auth|account|socialaccount|accounts|cohorts|campaigns|annotation|webhooks)/$": (  # noqa: E501
        ORGANISERS
    ),
    "admin/campaigns/application/<int:pk>/decide/<str:decision>/": ORGANISERS,
    # Accounts: organisers view them and delete them (accounts 0002), never edit them.
    "admin/accounts/user/": ORGANISERS,
    "admin/accounts/user/<path:object_id>/change/": ORGANISERS,
    "admin/accounts/user/<path:object_id>/history/": ORGANISERS,
    "admin/accounts/user/<path:object_id>/delete/": ORGANISERS,  # a staff account: 403
    **{
        f"admin/{model}/{page}": ORGANISERS
        for model in ("cohorts/cohort", "cohorts/community")
        for page in ("", "add/", "<path:object_id>/history/", "<path:object_id>/change/")
    },
    **{
        f"admin/webhooks/webhookendpoint/{page}": ORGANISERS
        for page in (
            "",
            "add/",
            "<path:object_id>/history/",
            "<path:object_id>/change/",
            "<path:object_id>/delete/",
        )
    },
    **{
        f"admin/{model}/{page}": ORGANISERS
        for model in (
            "campaigns/application",
            "campaigns/campaign",
            "campaigns/provisioning",
            "campaigns/publication",
            "campaigns/publicationpolicy",
            "campaigns/campaignstats",
            "campaigns/exportjob",  # read only (campaigns 0019)
            "annotation/field",  # the annotation models: view only (annotation 0003)
            "annotation/question",
            "annotation/importjob",
            "annotation/record",
            "annotation/response",
            "webhooks/webhookdelivery",  # read only; redelivered with an action
        )
        for page in ("", "<path:object_id>/history/", "<path:object_id>/change/")
    },
}
# Django admin's `<app>/<model>/<id>/` only redirects to the change page, which checks
# permissions; staff get the redirect for every model.
ADMIN_OBJECT_REDIRECT = re.compile(r"^admin/\w+/\w+/<path:object_id>/$")

# Routes no request can reach: an earlier route with the same path answers instead.
SHADOWED = {
    # allauth's OpenID Connect views, wrapped so that a provider that is down shows a page
    "accounts/oidc/^(?P<provider_id>[^/]+)/login/": "accounts/oidc/<str:provider_id>/login/",
    "accounts/oidc/^(?P<provider_id>[^/]+)/login/callback/": (
        "accounts/oidc/<str:provider_id>/login/callback/"
    ),
}


# --- The walk ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, levels joined: "campaigns/<slug:slug>/settings/"
    levels: tuple  # the patterns from the root down to this one
    callback: object

    @property
    def names(self) -> list[str]:
        return [name for level in self.levels for name in _template(level)[1]]

    def url(self, args: dict) -> str:
        path = ""
        for level in self.levels:
            template, names = _template(level)
            path += template % {name: args[name] for name in names}
        return "/" + path

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def names_campaign(self) -> bool:
        """Whether the route names a campaign or something of one (walked per campaign)."""
        names = set(self.names)
        on_cohort = self.route.startswith(("cohorts/", "api/v1/cohorts/"))
        return bool(names & {"pk", "record_id", "job_id", "user_id", "response_id"}) or (
            "slug" in names and not on_cohort
        )


def _template(level) -> tuple[str, list[str]]:
    """`("campaigns/%(slug)s/", ["slug"])` for a route or regex pattern."""
    return normalize(level.pattern.regex.pattern)[0]


def _walk(patterns, levels=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, (*levels, pattern))
        elif isinstance(pattern, URLPattern):
            chain = (*levels, pattern)
            yield Route("".join(str(level.pattern) for level in chain), chain, pattern.callback)


ROUTES = list(_walk(get_resolver().url_patterns))
ROUTES_BY_NAME = {route.route: route for route in ROUTES}
WALKED = [route for route in ROUTES if route.route not in SHADOWED]


def _allowed(route: Route, subject: str | None) -> frozenset:
    if ADMIN_OBJECT_REDIRECT.match(route.route):
        return ALLOWED.get(route.route, ORGANISERS)
    entry = ALLOWED.get(route.route, frozenset())
    if isinstance(entry, dict):
        assert subject is not None, f"{route.route} names no campaign: give one set of roles"
        return entry[subject]
    return entry


def _may_see(route: Route, subject: str | None, role: str) -> bool:
    """Whether `role` may see what the URL names (the campaign, or its application)."""
    if not route.names_campaign or route.is_admin:
        return True
    if role == TOKEN and not route.is_api:
        role = ANONYMOUS  # pages do not read the token
    if {"pk", "user_id"} & set(route.names):  # an application: its leads and organisers
        return role in LEADS
    return subject == PUBLIC or role in ORG_API_VIEWERS


def _request(client, url):
    response = client.get(url)
    if response.status_code == 405:
        allow = response.headers.get("Allow", "")
        method = next((m for m in ("POST", "DELETE", "PUT", "PATCH") if m in allow), None)
        if method:
            response = getattr(client, method.lower())(url)
    return response


def _answer(response) -> str:
    """The status, or where a redirect goes: `login`, `admin-login` or `302 /path`."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        target = urlparse(response.headers["Location"]).path
        if target == reverse("account_login"):
            return "login"
        if target == reverse("admin:login"):
            return "admin-login"
        return f"{status} {target}"
    return str(status)


def _is_allowed(answer: str) -> bool:
    return answer[0] in "23" or answer in ("400", "409")


def _denial_problem(route: Route, subject: str | None, role: str, answer: str) -> str | None:
    """Why `answer` is not a proper denial for `role`, or None when it is one."""
    if answer not in ("login", "admin-login", "401", "403", "404", "405"):
        return "expected a denial"
    if answer == "403" and not _may_see(route, subject, role):
        return "403 says it exists: a campaign or application one may not see answers 404"
    return None


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


@pytest.mark.parametrize("route", WALKED, ids=[route.route for route in WALKED])
def test_route_answers_each_role_as_the_table_says(route, world):
    problems = []
    for subject in SUBJECTS if route.names_campaign else (None,):
        url = route.url(url_args(world, route.route, subject, route.names))
        match = resolve(url)
        assert match.func is route.callback, f"{url} reaches {match.route}, not {route.route}"
        allowed = _allowed(route, subject)
        for role in ROLES:
            answer = _answer(_request(world.client(role), url))
            if role in allowed:
                problem = None if _is_allowed(answer) else "expected to get through"
            elif _is_allowed(answer):
                problem = "expected a denial" + (
                    "" if route.route in ALLOWED else " (a route not in ALLOWED is denied to all)"
                )
            else:
                problem = _denial_problem(route, subject, role, answer)
            if problem:
                problems.append(f"{role:>9} {url}: {answer} — {problem}")
    assert not problems, f"{route.route}\n" + "\n".join(problems)


def test_table_names_only_routes_that_exist():
    assert sorted(set(ALLOWED) - set(ROUTES_BY_NAME)) == []
    for shadowed, answering in SHADOWED.items():
        assert shadowed in ROUTES_BY_NAME and answering in ROUTES_BY_NAME


@pytest.mark.parametrize("shadowed", sorted(SHADOWED))
def test_shadowed_route_is_answered_by_the_route_named(shadowed, world):
    route, answering = ROUTES_BY_NAME[shadowed], ROUTES_BY_NAME[SHADOWED[shadowed]]
    url = route.url(url_args(world, shadowed, None, route.names))
    assert resolve(url).func is answering.callback


def test_revoking_someone_elses_token_changes_nothing(world):
    """The profile's revoke button is open to everyone signed in: it only revokes one's own."""
    token = ApiToken.objects.get(pk=world.spare_token_id)  # the lead's
    member = world.client(MEMBER)
    member.post(f"/me/tokens/{token.pk}/revoke")
    assert member.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    world.client(LEAD).post(f"/me/tokens/{token.pk}/revoke")
    token.refresh_from_db()
    assert token.revoked_at is not None
