"""What a campaign's progress line says before and while it has records: never
"0 of 0 responses" beside the dashboard's "of 50 needed"."""

import re

import pytest

from campaigns.models import Campaign
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_ready_campaign_without_records_says_so_and_names_its_target(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state=Campaign.State.READY, overlap=2)
    Campaign.objects.filter(pk=campaign.pk).update(target_records=25)

    body = client.get(f"/campaigns/{campaign.slug}/").content.decode()
    assert "0 of 0" not in text(body)
    assert "No records yet: the campaign aims at 25 records." in body
    assert "Records are added before annotation starts." in body
    assert 'role="progressbar"' not in body  # no empty bar that reads 0%

    client.force_login(lead)
    body = client.get(f"/campaigns/{campaign.slug}/").content.decode()
    assert "Import them from the campaign settings." in body
    settings_page = client.get(f"/campaigns/{campaign.slug}/settings/").content.decode()
    assert "0 of 0" not in text(settings_page)
    assert (
        f'No records yet: <a href="/campaigns/{campaign.slug}/settings/import/">import them</a>'
        " before opening the campaign." in settings_page
    )


def test_a_campaign_with_fewer_records_than_its_target_names_both(client):
    campaign = make_campaign(records=4, overlap=2)
    Campaign.objects.filter(pk=campaign.pk).update(target_records=50)
    body = text(client.get(f"/campaigns/{campaign.slug}/").content.decode())
    assert (
        "0 of 8 responses (0%) · 0 of 4 records complete · 0 contributors · "
        "aiming at 50 records" in body
    )


def test_an_open_campaign_without_records_tells_annotators_there_are_none_yet(client):
    campaign = make_campaign(records=0)
    client.force_login(UserFactory())
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert "The campaign has no records yet." in body
    assert "0 of 0" not in text(body)
