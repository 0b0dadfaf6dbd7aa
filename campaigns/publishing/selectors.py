"""Reads of publications. Campaigns are fetched for a user through campaigns.access
(the one door); publications are then read through their campaign."""

from django.db.models import QuerySet

from .models import Publication


def publications_of(campaign) -> QuerySet[Publication]:
    return Publication.objects.filter(campaign=campaign).order_by("-created_at", "-id")


def publication_latest(campaign) -> Publication | None:
    return publications_of(campaign).first()
