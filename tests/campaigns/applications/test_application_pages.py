"""Applying through the site: draft, submit, edit, withdraw, co-leads, bad input."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape

from campaigns.models import Application
from cohorts.models import Community
from tests.campaigns.programme import application_data, make_application, make_organiser
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _new_url(cohort):
    return f"/applications/new/{cohort.slug}/"


def test_applicant_saves_a_draft_for_their_organisation_then_submits_and_organisers_are_told(
    client, applicant, cohort, organiser, django_capture_on_commit_callbacks
):
    make_organiser(username="no-mail", email="")  # an organiser without an address
    UserFactory(username="bystander", email="bystander@example.org")  # not an organiser
    client.force_login(applicant)

    form = client.get(_new_url(cohort)).content.decode()
    assert '<option value="acme">' in form and "ada (your own namespace)" in form

    response = client.post(_new_url(cohort), application_data(community="acme"))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{application.pk}/"
    assert application.state == Application.State.DRAFT
    assert application.languages == ["yo", "en"]
    assert application.community.handle == "acme"
    assert application.community.kind == Community.Kind.ORGANISATION

    mine = client.get("/applications/").content.decode()
    assert "Yoruba prompts" in mine and "Draft" in mine
    assert "submit it before the window closes" in mine
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/applications/{application.pk}/submit/", follow=True)
    assert "Application submitted" in response.content.decode()
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert application.submitted_at is not None

    assert [m.to for m in mail.outbox] == [["olga@example.org"]]
    message = mail.outbox[0]
    assert "Yoruba prompts" in message.subject
    assert f"/admin/campaigns/application/{application.pk}/change/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<strong>acme</strong>" in html


def test_save_and_submit_in_one_step_from_the_form(
    client, applicant, cohort, organiser, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_new_url(cohort), application_data(community="ada", submit="1"))
    application = Application.objects.get()
    assert application.state == Application.State.SUBMITTED
    assert application.community.kind == Community.Kind.USER
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("languages", "yo, xx, klingon", "Unknown ISO 639 language codes: “xx”, “klingon”"),
        ("source_dataset", "not a dataset", "is not a Hub dataset id"),
        ("source_dataset", "owner/name/extra", "is not a Hub dataset id"),
        ("target_records", "0", "greater than or equal to 10"),
        ("target_records", "50000000", "less than or equal to 1000000"),
        ("responses_per_record", "0", "greater than or equal to 1"),
        ("visibility_org", "evil-corp", "You are not a member of “evil-corp”"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    client, applicant, cohort, field, value, message
):
    client.force_login(applicant)
    data = application_data(community="acme", **{field: value})
    if field == "visibility_org":
        data["visibility"] = "organisation"
    response = client.post(_new_url(cohort), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    # Shown next to its field, not only at the top.
    body = response.content.decode()
    field_block = body.split(f'class="field field-{field}"')[1].split('class="field ')[0]
    assert escape(errors[field][0]) in field_block
    assert not Application.objects.exists()


def test_organisation_visibility_needs_an_organisation_the_applicant_belongs_to(
    client, applicant, cohort
):
    client.force_login(applicant)
    response = client.post(
        _new_url(cohort), application_data(community="acme", visibility="organisation")
    )
    assert response.context["form"].errors["visibility_org"] == [
        "Choose the organisation whose members may take part."
    ]
    client.post(
        _new_url(cohort),
        application_data(community="acme", visibility="organisation", visibility_org="yoruba-nlp"),
    )
    assert Application.objects.get().visibility_org == "yoruba-nlp"


def test_cannot_apply_for_a_community_one_does_not_belong_to(client, applicant, cohort):
    client.force_login(applicant)
    response = client.post(_new_url(cohort), application_data(community="openai"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.context["form"].errors["community"][0]
    assert not Application.objects.exists()


def test_one_undecided_application_per_community_per_cohort(client, applicant, cohort):
    client.force_login(applicant)
    client.post(_new_url(cohort), application_data(community="acme"))
    response = client.post(_new_url(cohort), application_data(community="acme", title="Again"))
    assert response.status_code == 400
    assert "already has an application" in response.context["form"].errors["community"][0]
    assert Application.objects.count() == 1
    # The database holds the rule too, whatever the door.
    first = Application.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_application(cohort=cohort, handle="acme", state=Application.State.DRAFT)
    first.state = Application.State.WITHDRAWN
    first.save()
    client.post(_new_url(cohort), application_data(community="acme", title="Again"))
    assert Application.objects.filter(state="draft", title="Again").exists()


def test_window_that_closed_while_the_form_was_open_refuses_submission_and_keeps_the_draft(
    client, applicant, cohort
):
    client.force_login(applicant)
    client.post(_new_url(cohort), application_data(community="acme"))
    application = Application.objects.get()
    edit_page = client.get(f"/applications/{application.pk}/edit/")
    assert edit_page.status_code == 200

    # The window closes while the applicant is still typing.
    cohort.applications_open_at = timezone.now() - timedelta(days=10)
    cohort.applications_close_at = timezone.now() - timedelta(minutes=1)
    cohort.save()
    data = application_data(title="Yoruba prompts, revised", submit="1")
    response = client.post(f"/applications/{application.pk}/edit/", data, follow=True)

    body = response.content.decode()
    assert "closed on" in body and "can no longer be submitted. Your draft is saved." in body
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT
    assert application.title == "Yoruba prompts, revised"


def test_new_application_submitted_after_the_window_closed_is_kept_as_a_draft(
    client, applicant, cohort
):
    client.force_login(applicant)
    cohort.applications_open_at = timezone.now() - timedelta(days=10)
    cohort.applications_close_at = timezone.now() - timedelta(seconds=1)
    cohort.save()
    response = client.post(
        _new_url(cohort), application_data(community="acme", submit="1"), follow=True
    )
    assert "Your draft is saved" in response.content.decode()
    assert Application.objects.get().state == Application.State.DRAFT


def test_applications_are_seen_by_their_leads_and_organisers_only(client, applicant, cohort):
    application = make_application(cohort=cohort, applicant=applicant)
    stranger = UserFactory()
    co_lead = UserFactory(username="bola", hf_username="bola-hf")
    url = f"/applications/{application.pk}/"

    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get(url + "edit/").status_code == 404
    assert client.post(url + "withdraw/").status_code == 404

    client.force_login(applicant)
    response = client.post(url + "co-leads/", {"username": "bola-hf"}, follow=True)
    assert "bola-hf is now a co-lead" in response.content.decode()

    client.force_login(co_lead)
    assert client.get(url).status_code == 200
    client.post(url + "edit/", application_data(title="Edited by the co-lead"))
    application.refresh_from_db()
    assert application.title == "Edited by the co-lead"
    assert "Edited by the co-lead" in client.get("/applications/").content.decode()
    # Withdrawing is the applicant's call.
    assert client.post(url + "withdraw/").status_code == 403

    client.force_login(make_organiser())
    assert client.get(url).status_code == 200


def test_applicant_withdraws_and_then_it_can_neither_be_edited_nor_submitted(
    client, applicant, cohort
):
    application = make_application(cohort=cohort, applicant=applicant)
    client.force_login(applicant)
    client.post(f"/applications/{application.pk}/withdraw/")
    application.refresh_from_db()
    assert application.state == Application.State.WITHDRAWN

    response = client.get(f"/applications/{application.pk}/edit/", follow=True)
    assert "can no longer be edited" in response.content.decode()
    response = client.post(f"/applications/{application.pk}/submit/", follow=True)
    assert "it was withdrawn by the applicant" in response.content.decode()
    assert "Withdrawn: nothing more happens" in client.get("/applications/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, cohort):
    response = client.get(_new_url(cohort))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    listing = client.get("/applications/")
    assert listing.status_code == 302
    assert listing["Location"] == "/accounts/login/?next=/applications/"


def test_navigation_links_to_cohorts_and_my_applications(client, applicant):
    body = client.get("/").content.decode()
    assert 'href="/cohorts/"' in body and 'href="/applications/"' not in body
    client.force_login(applicant)
    assert 'href="/applications/"' in client.get("/").content.decode()
