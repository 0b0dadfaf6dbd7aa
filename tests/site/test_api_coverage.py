"""Everything a page or an admin action offers, the API offers too (issue 15).

The walk takes every route of the site from Django's resolver and every action of every
ModelAdmin registered on the admin site, and fails when one is neither mapped below to the
API operations that do the same thing (method and route, which must exist and answer that
method) nor listed as an exception with the reason. A new page or admin action therefore
fails this suite until it has an API operation, or a reason not to.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"
A = "api/v1/"
CAMPAIGN = f"{A}campaigns/<slug:slug>/"

# Page route -> the API operations that do what it does.
PAGES = {
    "": [(GET, f"{A}stats/")],
    "cohorts/": [(GET, f"{A}cohorts/")],
    "cohorts/<slug:slug>/": [(GET, f"{A}cohorts/<slug:slug>/")],
    "campaigns/": [(GET, f"{A}campaigns/")],
    "campaigns/<slug:slug>/": [
        (GET, f"{CAMPAIGN}"),
        (GET, f"{CAMPAIGN}progress/"),
        (GET, f"{CAMPAIGN}dashboard/"),
        (GET, f"{CAMPAIGN}publications/"),
        (GET, f"{CAMPAIGN}provisioning/"),
    ],
    "campaigns/<slug:slug>/settings/": [
        (GET, f"{CAMPAIGN}settings/"),
        (PATCH, f"{CAMPAIGN}settings/"),
        (GET, f"{CAMPAIGN}export"),  # the page's export links
        (POST, f"{CAMPAIGN}exports/"),  # and its form for an export job
    ],
    "campaigns/<slug:slug>/exports/": [
        (GET, f"{CAMPAIGN}exports/"),
        (POST, f"{CAMPAIGN}exports/"),
        (GET, f"{CAMPAIGN}exports/<int:job_id>/download"),
    ],
    "campaigns/<slug:slug>/settings/state/": [(POST, f"{CAMPAIGN}state/")],
    "campaigns/<slug:slug>/settings/questions/": [
        (GET, f"{CAMPAIGN}fields/"),
        (POST, f"{CAMPAIGN}fields/"),
        (PATCH, f"{CAMPAIGN}fields/<slug:field_name>/"),
        (DELETE, f"{CAMPAIGN}fields/<slug:field_name>/"),
        (GET, f"{CAMPAIGN}questions/"),
        (POST, f"{CAMPAIGN}questions/"),
        (PATCH, f"{CAMPAIGN}questions/<slug:question_name>/"),  # edit, reorder, archive
        (DELETE, f"{CAMPAIGN}questions/<slug:question_name>/"),
        (PUT, f"{CAMPAIGN}definition"),  # all of it at once, from a file
    ],
    "campaigns/<slug:slug>/settings/import/": [
        (GET, f"{CAMPAIGN}imports/"),
        (POST, f"{CAMPAIGN}imports/"),
    ],
    "campaigns/<slug:slug>/settings/import/<int:job_id>/": [
        (GET, f"{CAMPAIGN}imports/<int:job_id>/")
    ],
    "campaigns/<slug:slug>/publish/": [(POST, f"{CAMPAIGN}publications/")],
    "campaigns/<slug:slug>/publishing-policy/": [
        (GET, f"{CAMPAIGN}publishing-policy/"),
        (PUT, f"{CAMPAIGN}publishing-policy/"),
    ],
    "campaigns/<slug:slug>/settings/webhooks/": [
        (GET, f"{CAMPAIGN}webhooks/"),
        (POST, f"{CAMPAIGN}webhooks/"),  # the secret is shown once, in the answer
        (GET, f"{CAMPAIGN}webhooks/<int:endpoint_id>/deliveries/"),  # recent deliveries
    ],
    "campaigns/<slug:slug>/settings/webhooks/<int:endpoint_id>/delete/": [
        (DELETE, f"{CAMPAIGN}webhooks/<int:endpoint_id>/")
    ],
    "annotate/<slug:slug>/": [(POST, f"{CAMPAIGN}next/")],
    "annotate/<slug:slug>/records/<int:record_id>/": [
        (PUT, f"{A}records/<int:record_id>/response/"),
        (POST, f"{A}records/<int:record_id>/skip/"),
        (POST, f"{A}records/<int:record_id>/discard/"),
        (PUT, f"{A}records/<int:record_id>/draft/"),  # "Save draft"
    ],
    # Resuming a draft: read it back, save it again, submit it (a submit of my draft takes
    # a free place of the record when my reservation ran out, as resuming does).
    "annotate/<slug:slug>/drafts/<int:record_id>/": [
        (GET, f"{A}records/<int:record_id>/response/"),
        (PUT, f"{A}records/<int:record_id>/draft/"),
        (PUT, f"{A}records/<int:record_id>/response/"),
    ],
    "annotate/<slug:slug>/skipped/restore/": [
        (GET, f"{CAMPAIGN}skipped/"),
        (DELETE, f"{CAMPAIGN}skipped/"),
        (DELETE, f"{A}records/<int:record_id>/skip/"),
    ],
    "annotate/<slug:slug>/mine/": [(GET, f"{CAMPAIGN}my-responses/")],
    "annotate/<slug:slug>/records/<int:record_id>/comments/": [
        (GET, f"{A}records/<int:record_id>/comments/"),
        (POST, f"{A}records/<int:record_id>/comments/"),
    ],
    # Review (issue 14): the records browser, a record with its responses and comments, the
    # queue, accepting or rejecting, reviewers and blocked annotators.
    "campaigns/<slug:slug>/settings/records/": [(GET, f"{CAMPAIGN}records/")],
    "campaigns/<slug:slug>/settings/records/<int:record_id>/": [
        (GET, f"{CAMPAIGN}records/<int:record_id>/"),
        (POST, f"{A}records/<int:record_id>/comments/"),
        (GET, f"{CAMPAIGN}records/<int:record_id>/gold/"),
    ],
    "campaigns/<slug:slug>/settings/records/<int:record_id>/gold/": [
        (PUT, f"{CAMPAIGN}records/<int:record_id>/gold/"),
        (DELETE, f"{CAMPAIGN}records/<int:record_id>/gold/"),
    ],
    "campaigns/<slug:slug>/settings/review/": [(GET, f"{CAMPAIGN}review-queue/")],
    "campaigns/<slug:slug>/settings/quality/": [(GET, f"{CAMPAIGN}quality/")],
    "campaigns/<slug:slug>/settings/quality/refresh/": [(POST, f"{CAMPAIGN}quality/refresh/")],
    "campaigns/<slug:slug>/settings/review/<int:response_id>/": [
        (POST, f"{A}responses/<int:response_id>/review/")
    ],
    "campaigns/<slug:slug>/settings/reviewers/": [
        (GET, f"{CAMPAIGN}reviewers/"),
        (POST, f"{CAMPAIGN}reviewers/"),
    ],
    "campaigns/<slug:slug>/settings/reviewers/<str:username>/remove/": [
        (DELETE, f"{CAMPAIGN}reviewers/<str:username>/")
    ],
    "campaigns/<slug:slug>/settings/blocked/": [
        (GET, f"{CAMPAIGN}blocks/"),
        (POST, f"{CAMPAIGN}blocks/"),
    ],
    "campaigns/<slug:slug>/settings/blocked/<str:username>/remove/": [
        (DELETE, f"{CAMPAIGN}blocks/<str:username>/")
    ],
    "annotate/<slug:slug>/mine/<int:record_id>/": [
        (GET, f"{A}records/<int:record_id>/response/"),
        (PUT, f"{A}records/<int:record_id>/response/"),
    ],
    "me/": [(GET, f"{A}me"), (GET, f"{A}tokens/")],
    "me/preferences": [(PATCH, f"{A}me")],
    "me/delete": [(DELETE, f"{A}me")],
    "i18n/setlang/": [(PATCH, f"{A}me")],
    "me/tokens/": [(POST, f"{A}tokens/")],
    "me/tokens/<int:token_id>/revoke": [(DELETE, f"{A}tokens/<int:token_id>/")],
    "applications/": [(GET, f"{A}applications/")],
    "applications/new/<slug:cohort_slug>/": [(POST, f"{A}applications/")],
    "applications/<int:pk>/": [(GET, f"{A}applications/<int:pk>/")],
    "applications/<int:pk>/edit/": [(PATCH, f"{A}applications/<int:pk>/")],
    "applications/<int:pk>/submit/": [(POST, f"{A}applications/<int:pk>/submit/")],
    "applications/<int:pk>/withdraw/": [(POST, f"{A}applications/<int:pk>/withdraw/")],
    "applications/<int:pk>/co-leads/": [(POST, f"{A}applications/<int:pk>/co-leads/")],
    "applications/<int:pk>/co-leads/<int:user_id>/remove/": [
        (DELETE, f"{A}applications/<int:pk>/co-leads/<int:user_id>/")
    ],
    # Admin pages that act (beyond its generic screens, see ADMIN_GENERIC below)
    "admin/campaigns/application/<int:pk>/decide/<str:decision>/": [
        (POST, f"{A}applications/<int:pk>/approve/"),
        (POST, f"{A}applications/<int:pk>/reject/"),
    ],
    "admin/cohorts/cohort/add/": [(POST, f"{A}cohorts/")],
    "admin/campaigns/campaign/<path:object_id>/change/": [(PATCH, f"{CAMPAIGN}settings/")],
}

# Page routes with no API operation, and why.
PAGE_EXCEPTIONS = {
    "healthz": "the load balancer's probe, not an action",
    # Every allauth route (and the wrapped Hugging Face sign-in): sign-in, sign-out, e-mail
    # and password pages. An API client authenticates with a token made on the profile.
    "accounts/": "sign-in and account pages: an API client uses a token instead",
}
# Admin's generic screens (lists, forms, history, sign-in, password, app index): reading and
# editing rows one by one, organisers' tool for the data itself. What they change that the
# programme acts on is mapped above (cohort add, campaign texts); the rest are rows the API
# reads (and changes) through the operations of the pages.
ADMIN_GENERIC = re.compile(
    r"^admin/("
    r"|login/|logout/|password_change/|password_change/done/|autocomplete/|jsi18n/"
    r"|r/<path:content_type_id>/<path:object_id>/"  # "view on site"
    r"|\^\(\?P<app_label>.*"  # an app's index
    r"|\(\?P<url>\.\*\)\$"  # the catch-all
    r"|\w+/\w+/(|add/|<path:object_id>/(|change/|history/|delete/))"  # a model's screens
    r"|accounts/user/<id>/password/"  # a user's password form
    r")$"
)

# (app_label.model, admin action) -> the API operations that do the same.
ADMIN_ACTIONS = {
    ("campaigns.application", "approve_applications"): [(POST, f"{A}applications/approve/")],
    ("campaigns.application", "reject_applications"): [(POST, f"{A}applications/reject/")],
    ("campaigns.campaign", "pause_campaigns"): [(POST, f"{CAMPAIGN}state/")],
    ("campaigns.campaign", "reopen_campaigns"): [(POST, f"{CAMPAIGN}state/")],
    ("campaigns.provisioning", "retry_provisioning"): [(POST, f"{CAMPAIGN}provisioning/retry/")],
    ("campaigns.provisioning", "reapply_configuration"): [
        (POST, f"{CAMPAIGN}provisioning/reapply/")
    ],
    ("campaigns.publication", "publish_again"): [(POST, f"{CAMPAIGN}publications/")],
    ("campaigns.campaignstats", "rebuild"): [(POST, f"{CAMPAIGN}dashboard/rebuild/")],
    ("cohorts.cohort", "open_cohorts"): [(POST, f"{A}cohorts/<slug:slug>/open/")],
    ("cohorts.cohort", "close_cohorts"): [(POST, f"{A}cohorts/<slug:slug>/close/")],
    # "Send again (same webhook-id)": a campaign's endpoint's delivery, or a site-wide one's
    ("webhooks.webhookdelivery", "redeliver"): [
        (POST, f"{CAMPAIGN}webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/"),
        (POST, f"{A}webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/"),
    ],
}
ADMIN_ACTION_EXCEPTIONS = {
    "delete_accounts": "organisers delete other people's accounts only in admin, after its "
    "confirmation page; a person deletes their own account with DELETE /api/v1/me",
    "make_verified": "allauth's e-mail addresses admin: marking an address verified is a "
    "sign-in matter, outside the programme (and no API client needs it)",
    "delete_selected": "admin's generic bulk delete of rows (where the model allows it); the "
    "deletions the programme offers are the API's DELETE operations",
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


ROUTES = dict(_routes(get_resolver().url_patterns))
PAGE_ROUTES = sorted(r for r in ROUTES if not r.startswith("api/"))


def _admin_actions():
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        names = [a if isinstance(a, str) else a.__name__ for a in model_admin.actions or []]
        if model_admin.actions is not None:
            names += [name for name, _ in admin.site.actions]
        for name in names:
            yield label, name


ACTIONS = sorted(set(_admin_actions()))


def _problems_with(operations) -> list[str]:
    problems = []
    for method, route in operations:
        view = ROUTES.get(route)
        if view is None:
            problems.append(f"no API route {route}")
        elif not hasattr(view.view_class, method.lower()):
            problems.append(f"{route} does not answer {method}")
    return problems


def _exception_for_page(route: str) -> str | None:
    if route in PAGE_EXCEPTIONS:
        return PAGE_EXCEPTIONS[route]
    if route.startswith("accounts/"):
        return PAGE_EXCEPTIONS["accounts/"]
    if ADMIN_GENERIC.match(route):
        return "admin's generic screens"
    return None


@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_every_page_has_api_operations_or_a_reason(route):
    if route in PAGES:
        assert not _problems_with(PAGES[route]), _problems_with(PAGES[route])
    else:
        assert _exception_for_page(route), (
            f"the page {route} has no API operation: add one (and map it in PAGES) or list "
            "it in PAGE_EXCEPTIONS with the reason"
        )


@pytest.mark.parametrize("action", ACTIONS, ids=[f"{m}:{a}" for m, a in ACTIONS])
def test_every_admin_action_has_api_operations_or_a_reason(action):
    if action in ADMIN_ACTIONS:
        assert not _problems_with(ADMIN_ACTIONS[action]), _problems_with(ADMIN_ACTIONS[action])
    else:
        assert action[1] in ADMIN_ACTION_EXCEPTIONS, (
            f"the admin action {action[1]} of {action[0]} has no API operation: add one (and "
            "map it in ADMIN_ACTIONS) or list it in ADMIN_ACTION_EXCEPTIONS with the reason"
        )


def test_the_tables_name_only_pages_and_actions_that_exist():
    assert sorted(set(PAGES) - set(ROUTES)) == []
    assert sorted(set(ADMIN_ACTIONS) - set(ACTIONS)) == []
    # and the walk does see what it checks
    assert "campaigns/<slug:slug>/settings/questions/" in PAGE_ROUTES
    assert ("campaigns.provisioning", "retry_provisioning") in ACTIONS
