"""Helpers for the publishing and dashboard suites: campaigns with answered records."""

from __future__ import annotations

from annotation.models import Record
from annotation.services import response_submit
from tests.annotation.factories import ALL_KIND_QUESTIONS, make_campaign, record_hand_to
from tests.factories import UserFactory

__all__ = ["ALL_KIND_QUESTIONS", "answer", "make_campaign", "users"]


def users(n: int, **kw) -> list:
    return [UserFactory(**kw) for _ in range(n)]


def answer(user, record: Record, **values):
    """Submit through the annotation service (counters included when it calls them), as
    the person the record was handed to."""
    record.refresh_from_db()
    record_hand_to(user, record)
    return response_submit(user=user, record=record, values=values)
