"""A database error in the PostgreSQL submit statement (annotation/services_pg.py) reaches
the code above as Django's exception (what `response_submit` catches), and nothing of the
submission is kept. (Kept from an attempt to send the statement in psycopg's pipeline,
whose errors surfaced raw when the pipeline ended; that attempt saved no round trip.)"""

import pytest
from django.db import DataError, connection

from annotation import services
from annotation.models import Record, Response
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_failing_submit_statement_raises_djangos_error_and_keeps_nothing():
    assert connection.vendor == "postgresql"
    campaign = make_campaign(records=1, overlap=3)
    record = Record.objects.get(campaign=campaign)
    # A counted answer that is not a number: the statement's spread of the rating fails.
    Response.objects.create(
        record=record, user=UserFactory(), status="submitted", values={"quality": "x"}, counted=True
    )
    Record.objects.filter(pk=record.pk).update(response_count=1)
    user = UserFactory()
    leased = services.lease_next_record(user=user, campaign=campaign)
    with pytest.raises(DataError):
        services.response_submit(user=user, record=leased.record, values={"quality": 4})
    assert not Response.objects.filter(user=user).exists()
    record.refresh_from_db()
    assert record.response_count == 1  # mine went with the rolled back transaction
