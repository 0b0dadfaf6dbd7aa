"""Details of the annotate and change-my-answer pages that a person notices: the lease line
survives a validation error and is written in local time like the rest of the site, and the
change-my-answer page has the same keyboard help as the annotate page."""

import re

import pytest

from annotation.models import Record, Response
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LEASE_LINE = re.compile(
    r'reserved for you until <time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z" '
    r'data-local-time="datetime">[^<]+ UTC</time>\.'
)


@pytest.fixture
def annotator(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_the_lease_line_is_a_local_time_element_and_the_page_loads_the_local_time_script(
    client, annotator
):
    campaign = make_campaign(records=1)
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert LEASE_LINE.search(body), body
    assert "/static/js/local-time.js" in body and "/static/js/annotate.js" in body


def test_the_lease_line_stays_after_a_validation_error_plain_and_script(client, annotator):
    campaign = make_campaign(records=1)
    record = Record.objects.get(campaign=campaign)
    client.get(f"/annotate/{campaign.slug}/")  # reserves the record
    url = f"/annotate/{campaign.slug}/records/{record.pk}/"

    plain = client.post(url, {"action": "submit"})
    assert plain.status_code == 400
    body = plain.content.decode()
    assert "This question needs an answer." in body
    assert LEASE_LINE.search(body), body

    scripted = client.post(url, {"action": "submit"}, HTTP_ACCEPT="application/json")
    assert scripted.status_code == 400
    assert scripted.json()["state"] == "invalid"
    assert LEASE_LINE.search(scripted.json()["html"])
    assert not Response.objects.filter(record=record).exists()


def test_change_my_answer_has_the_shortcuts_sheet_and_script(client, annotator):
    campaign = make_campaign(records=1)
    record = Record.objects.get(campaign=campaign)
    client.get(f"/annotate/{campaign.slug}/")
    client.post(
        f"/annotate/{campaign.slug}/records/{record.pk}/", {"action": "submit", "q-quality": "2"}
    )

    body = client.get(f"/annotate/{campaign.slug}/mine/{record.pk}/").content.decode()
    assert 'id="annotate-root"' in body
    assert 'id="shortcuts"' in body and "Keyboard shortcuts" in body
    assert "/static/js/annotate.js" in body
    assert "skip this record" not in body  # there is no skip when changing an answer
    assert "data-shortcuts-toggle" in body
