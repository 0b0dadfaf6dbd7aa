"""Campaign pages: list, a campaign's page, and the lead's settings pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Field, ImportJob, Question, Record
from campaigns.models import Campaign
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_list_shows_open_public_campaigns_but_not_others_org_campaigns(client):
    public = make_campaign(records=1)
    secret = make_campaign(visibility="organisation", org="acme")
    body = client.get("/campaigns/").content.decode()
    assert public.title in body and secret.title not in body


def test_campaign_page_shows_guidelines_questions_progress_and_start(client):
    campaign = make_campaign(records=4)
    client.force_login(UserFactory())
    body = client.get(f"/campaigns/{campaign.slug}/").content.decode()
    assert "Guidelines" in body and "Quality" in body
    assert "0 of 8 responses" in body
    assert f'href="/annotate/{campaign.slug}/"' in body and "Start annotating" in body
    assert "You have answered" in body


def test_anonymous_visitor_is_invited_to_sign_in(client):
    campaign = make_campaign(records=1)
    body = client.get(f"/campaigns/{campaign.slug}/").content.decode()
    assert "Sign in to take part" in body


def test_settings_are_404_for_non_leads(client):
    campaign = make_campaign()
    client.force_login(UserFactory())
    for suffix in ("settings/", "settings/questions/", "settings/import/"):
        assert client.get(f"/campaigns/{campaign.slug}/{suffix}").status_code == 404


def test_lead_adds_a_question_and_a_bad_one_is_refused(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/questions/"
    ok = client.post(
        url,
        {
            "form": "question",
            "question-name": "topic",
            "question-title": "Topic",
            "question-kind": "label",
            "question-required": "on",
            "question-position": "1",
            "question-options_text": "poetry|Poetry\ncode|Code",
        },
    )
    assert ok.status_code == 302
    assert Question.objects.get(campaign=campaign, name="topic").options == [
        {"value": "poetry", "label": "Poetry"},
        {"value": "code", "label": "Code"},
    ]
    bad = client.post(
        url,
        {
            "form": "question",
            "question-name": "scale",
            "question-title": "Scale",
            "question-kind": "rating",
            "question-position": "2",
            "question-options_text": "1|Only one",
        },
    )
    assert bad.status_code == 200 and "at least two distinct values" in bad.content.decode()
    duplicate = client.post(
        url,
        {
            "form": "question",
            "question-name": "topic",
            "question-title": "Again",
            "question-kind": "text",
            "question-position": "3",
        },
    )
    assert "already exists" in duplicate.content.decode()


def test_lead_adds_and_deletes_a_field(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/questions/"
    client.post(
        url,
        {
            "form": "field",
            "field-name": "context",
            "field-title": "Context",
            "field-kind": "text",
            "field-position": "1",
        },
    )
    field = Field.objects.get(campaign=campaign, name="context")
    client.post(url, {"form": "delete-field", "pk": field.pk})
    assert not Field.objects.filter(pk=field.pk).exists()


def test_questions_cannot_change_while_open(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="open")
    client.force_login(lead)
    question = Question.objects.get(campaign=campaign)
    url = f"/campaigns/{campaign.slug}/settings/questions/"
    client.post(url, {"form": "delete-question", "pk": question.pk})
    assert Question.objects.filter(pk=question.pk).exists()
    assert "cannot change" in client.get(url).content.decode()


def test_open_pause_close(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready", records=1)
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/state/"
    for action, state in (
        ("open", "open"),
        ("pause", "paused"),
        ("open", "open"),
    ):
        client.post(url, {"action": action})
        campaign.refresh_from_db()
        assert campaign.state == state
    # Closing asks for confirmation first.
    page = client.post(url, {"action": "close"}, follow=True)
    assert "Confirm that you want to close the campaign" in page.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == "open"
    client.post(url, {"action": "close", "confirm": "yes"})
    campaign.refresh_from_db()
    assert campaign.state == "closed" and campaign.closed_at is not None
    client.post(url, {"action": "open"})
    campaign.refresh_from_db()
    assert campaign.state == "closed"


def test_a_closed_campaign_is_reopened_by_its_lead_within_the_grace_period_then_by_organisers(
    client, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.campaigns.programme import make_organiser

    settings.CAMPAIGN_REOPEN_GRACE_DAYS = 14
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="open", records=1)
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/state/"
    client.post(url, {"action": "close", "confirm": "yes"})
    page = client.get(f"/campaigns/{campaign.slug}/settings/").content.decode()
    assert "Reopen (as paused)" in page
    client.post(url, {"action": "reopen"})
    campaign.refresh_from_db()
    assert campaign.state == "paused"  # the lead opens it again when ready

    client.post(url, {"action": "close", "confirm": "yes"})
    Campaign.objects.filter(pk=campaign.pk).update(closed_at=timezone.now() - timedelta(days=15))
    refused = client.post(url, {"action": "reopen"}, follow=True).content.decode()
    assert "only an organiser can reopen it now" in refused
    campaign.refresh_from_db()
    assert campaign.state == "closed"
    client.force_login(make_organiser())
    client.post(url, {"action": "reopen"})
    campaign.refresh_from_db()
    assert campaign.state == "paused"


def test_opening_without_records_is_refused_with_a_reason(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    client.force_login(lead)
    response = client.post(
        f"/campaigns/{campaign.slug}/settings/state/", {"action": "open"}, follow=True
    )
    assert "Import records before opening" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.READY


def test_opening_with_only_gold_records_is_refused_with_a_reason(client):
    from annotation.gold import record_gold_set

    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready", records=2)
    for record in Record.objects.filter(campaign=campaign):
        record_gold_set(record=record, expected={"quality": 4})
    client.force_login(lead)
    response = client.post(
        f"/campaigns/{campaign.slug}/settings/state/", {"action": "open"}, follow=True
    )
    assert "Every record is a gold record" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.READY


def test_changing_responses_per_record_updates_the_slots(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready", records=3, overlap=2)
    client.force_login(lead)
    client.post(
        f"/campaigns/{campaign.slug}/settings/",
        {"responses_per_record": "3", "lease_seconds": "300"},
    )
    campaign.refresh_from_db()
    assert campaign.responses_per_record == 3 and campaign.lease_seconds == 300
    assert set(Record.objects.filter(campaign=campaign).values_list("overlap", flat=True)) == {3}
    assert campaign.records.first().slots.count() == 3


def test_import_page_upload_shows_progress(client, django_capture_on_commit_callbacks):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/import/"
    content = b"id,text\n1,Hello\n2,World\n"
    chosen = client.post(
        url, {"source": "upload", "upload-file": SimpleUploadedFile("p.csv", content)}
    )
    assert chosen.status_code == 200
    staged = chosen.context["columns_form"].initial["staged"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "source": "columns",
                "columns-staged": staged,
                "columns-external_id": "id",
                "columns-field__prompt": "text",
            },
        )
    assert response.status_code == 302
    job = ImportJob.objects.get(campaign=campaign)
    assert job.state == "succeeded"
    body = client.get(url).content.decode()
    assert "<progress" in body and "p.csv" in body
    # The job ran after the answer (a worker's place): the message says it started.
    assert "Import started; its progress shows below." in body
    assert "Files up to 512\xa0MB" in body and "512.0" not in body
    status = client.get(f"/campaigns/{campaign.slug}/settings/import/{job.pk}/").json()
    assert status["state"] == "succeeded" and status["percent"] == 100
    assert Record.objects.filter(campaign=campaign).count() == 2


def test_a_ready_campaign_shows_its_lead_the_next_steps(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    campaign.questions.all().delete()
    client.force_login(lead)
    body = client.get(f"/campaigns/{campaign.slug}/").content.decode()
    assert "Next steps" in body
    assert f'href="/campaigns/{campaign.slug}/settings/questions/"' in body
    assert "0 set; say what annotators are asked" in body
    assert "0 imported; import them from a file or a Hugging Face dataset" in body
    assert "once it has questions and records" in body

    ready = make_campaign(lead=lead, state="ready", records=3)
    body = client.get(f"/campaigns/{ready.slug}/").content.decode()
    assert "✓" in body and "3 imported." in body
    assert "once it has questions and records" not in body

    # Nobody else sees them, nor the lead once the campaign is open.
    client.force_login(UserFactory())
    assert "Next steps" not in client.get(f"/campaigns/{ready.slug}/").content.decode()
    client.force_login(lead)
    opened = make_campaign(lead=lead, records=1)
    assert "Next steps" not in client.get(f"/campaigns/{opened.slug}/").content.decode()


def test_the_licence_is_chosen_from_the_hubs_list_and_anything_else_is_refused(client):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready")
    client.force_login(lead)
    url = f"/campaigns/{campaign.slug}/settings/"
    page = client.get(url).content.decode()
    assert '<option value="cc-by-sa-4.0">' in page  # offered as a select, from the Hub's list
    refused = client.post(
        url, {"responses_per_record": "2", "lease_seconds": "300", "license": "my-own-licence"}
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    campaign.refresh_from_db()
    assert campaign.license == "cc-by-4.0"
    client.post(url, {"responses_per_record": "2", "lease_seconds": "300", "license": "mit"})
    campaign.refresh_from_db()
    assert campaign.license == "mit"
