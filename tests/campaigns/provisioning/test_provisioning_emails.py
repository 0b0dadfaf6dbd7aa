"""Leads hear when provisioning failed (and what to do) or finished; webhooks hear of the
failure (provisioning.failed)."""

import pytest
from django.core import mail

from campaigns.models import Campaign
from tests.hub.provisioning_support import approve, drive, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def test_leads_are_told_provisioning_failed_and_what_to_do(hf):
    hf.fail("space_duplicate", status=403, times=-1, body={"error": "You don't have the rights"})
    campaign = make_campaign()
    row = drive(approve(campaign))
    assert row.state == "failed"
    lead = Campaign.objects.get(pk=campaign.pk).application.applicant
    messages = [m for m in mail.outbox if m.to == [lead.email]]
    assert len(messages) == 1
    assert "failed" in messages[0].subject
    assert "You don't have the rights" in messages[0].body
    assert "nothing blocks annotation" in messages[0].body


def test_leads_are_told_provisioning_finished_unless_they_turned_it_off(hf):
    campaign = make_campaign()
    lead = campaign.application.applicant
    lead.lead_emails_off = ["provisioning_done"]
    lead.save()
    co_lead = type(lead).objects.create(username="co-lead", email="co@example.org")
    campaign.application.co_leads.add(co_lead)
    row = drive(approve(campaign))
    assert row.state == "succeeded", row.last_error
    assert [m.to for m in mail.outbox if "set up" in m.subject] == [["co@example.org"]]
