"""Use cases of cohorts: opening and closing a round of the programme."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.selectors import user_is_organiser

from .models import Cohort


def _require_organiser(actor) -> None:
    if not user_is_organiser(actor):
        raise PermissionDenied("Only organisers may do this.")


@transaction.atomic
def cohort_open(*, actor, cohort: Cohort) -> Cohort:
    """Publish a draft cohort (or reopen a closed one): it then accepts applications
    during its window."""
    _require_organiser(actor)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    cohort.state = cohort.transition_target("open")
    cohort.save(update_fields=["state"])
    return cohort


@transaction.atomic
def cohort_close(*, actor, cohort: Cohort) -> Cohort:
    """Close a cohort: no more submissions, no more approvals."""
    _require_organiser(actor)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    cohort.state = cohort.transition_target("close")
    cohort.save(update_fields=["state"])
    return cohort


# What an organiser sets when creating a cohort (admin's add form shows the same).
COHORT_FIELDS = (
    "name",
    "slug",
    "description",
    "applications_open_at",
    "applications_close_at",
    "capacity",
    "hub_namespace",
    "space_kind",
    "space_template",
    "space_hardware",
    "storage_description",
    "community_channel_url",
)


@transaction.atomic
def cohort_create(*, actor, **values) -> Cohort:
    """A new cohort, in draft until it is opened. The model's rules (window, capacity, a
    unique slug) are checked before saving: django's ValidationError names each field."""
    _require_organiser(actor)
    unknown = set(values) - set(COHORT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown cohort fields: {', '.join(sorted(unknown))}")
    cohort = Cohort(**values)
    cohort.full_clean()
    cohort.save()
    return cohort
