"""Public pages of cohorts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaigns.applications.selectors import applications_led_by
from campaigns.dashboards.race import cohort_race

from .selectors import (
    cohort_accepted_campaigns,
    cohort_channel_visible_to,
    cohort_get_for_user,
    cohorts_visible_to,
)


def cohort_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cohorts/list.html", {"cohorts": cohorts_visible_to(request.user)})


def cohort_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = cohort_get_for_user(request.user, slug)
    return render(
        request,
        "cohorts/detail.html",
        {
            "cohort": cohort,
            "phase": cohort.window_phase(),
            "campaigns": cohort_accepted_campaigns(request.user, cohort),
            "show_channel": cohort_channel_visible_to(request.user, cohort),
            "my_applications": applications_led_by(request.user).filter(cohort=cohort),
            "race": cohort_race(request.user, cohort),
        },
    )
