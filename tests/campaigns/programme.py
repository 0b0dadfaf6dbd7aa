"""Helpers for the programme suites: cohorts, applications, organisers."""

import importlib
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.selectors import ORGANISERS_GROUP
from campaigns.models import Application
from cohorts.models import Cohort, Community
from tests.factories import UserFactory

_n = {"n": 0}


def _next() -> int:
    _n["n"] += 1
    return _n["n"]


def make_cohort(*, state=Cohort.State.OPEN, capacity=5, opens_in_days=-5, closes_in_days=10, **kw):
    n = _next()
    now = timezone.now()
    return Cohort.objects.create(
        name=kw.pop("name", f"Spring cohort {n}"),
        slug=kw.pop("slug", f"spring-{n}"),
        state=state,
        capacity=capacity,
        applications_open_at=now + timedelta(days=opens_in_days),
        applications_close_at=now + timedelta(days=closes_in_days),
        **kw,
    )


# The data migrations that grant the Organisers group its permissions.
ORGANISER_GRANTS = (
    "cohorts.migrations.0003_organisers_group",
    "annotation.migrations.0003_organisers_view_annotation",
)


def organisers_group() -> Group:
    """The Organisers group with the permissions its data migrations grant. A transactional
    test that ran before flushed the database, and the group with it."""
    group, _ = Group.objects.get_or_create(name=ORGANISERS_GROUP)
    for module in ORGANISER_GRANTS:
        for (app_label, model), actions in importlib.import_module(module).PERMISSIONS.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )
    return group


def make_organiser(**kw):
    user = UserFactory(is_staff=True, **kw)
    user.groups.add(organisers_group())
    return user


def application_data(**overrides) -> dict:
    """Valid form/API input for a new application."""
    data = {
        "title": "Yoruba prompts",
        "summary": "Rate prompts written in Yoruba.",
        "task_kind": "prompt_ranking",
        "languages": "yo, en",
        "source_dataset": "acme/yoruba-prompts",
        "target_records": 500,
        "responses_per_record": 2,
        "visibility": "public",
        "visibility_org": "",
        "guidelines": "Rate each prompt from 1 to 5.",
        "contact": "lead@example.org",
    }
    data.update(overrides)
    return data


def make_application(
    *,
    cohort=None,
    applicant=None,
    state=Application.State.SUBMITTED,
    handle=None,
    **kw,
) -> Application:
    cohort = cohort or make_cohort()
    applicant = applicant or UserFactory()
    community, _ = Community.objects.get_or_create(handle=handle or f"community-{_next()}")
    fields = {
        "title": f"Campaign {_next()}",
        "summary": "Rate prompts.",
        "task_kind": "prompt_ranking",
        "languages": ["yo"],
        "target_records": 100,
        "responses_per_record": 2,
        "contact": "lead@example.org",
    }
    fields.update(kw)
    if state != Application.State.DRAFT and "submitted_at" not in fields:
        fields["submitted_at"] = timezone.now()
    return Application.objects.create(
        cohort=cohort, community=community, applicant=applicant, state=state, **fields
    )
