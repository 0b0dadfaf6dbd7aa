"""Organisers decide in Django admin: the real changelist, its actions and their
confirmation pages, driven as an organiser would (staff in the Organisers group)."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from annotation.models import Field, Question
from campaigns.models import Application, Campaign
from cohorts.models import Cohort
from tests.campaigns.programme import make_application, make_cohort, make_organiser
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/campaigns/application/"


def _action(client, action, applications, **extra):
    data = {"action": action, "_selected_action": [a.pk for a in applications], **extra}
    return client.post(CHANGELIST, data, follow="confirm" in extra)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_approve_goes_through_a_confirmation_page_then_creates_the_campaign_and_tells_the_applicant(
    client, organiser, applicant, cohort, django_capture_on_commit_callbacks
):
    application = make_application(
        cohort=cohort,
        applicant=applicant,
        title="Yoruba prompts",
        languages=["yo"],
        visibility="organisation",
        visibility_org="yoruba-nlp",
        responses_per_record=3,
        guidelines="Rate from 1 to 5.",
    )
    co_lead = UserFactory(email="bola@example.org")
    application.co_leads.add(co_lead)
    client.force_login(organiser)

    confirmation = _action(client, "approve_applications", [application])
    assert confirmation.status_code == 200
    page = confirmation.content.decode()
    assert "Yoruba prompts" in page and "Note to the applicant" in page
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED  # nothing decided yet

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(
            client,
            "approve_applications",
            [application],
            confirm="yes",
            note="Welcome aboard! Start with 200 prompts.",
        )
    assert _messages(response) == ["Approved 1: “Yoruba prompts”."]

    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    assert application.decided_by == organiser
    assert application.decided_at is not None
    assert application.decision_note == "Welcome aboard! Start with 200 prompts."

    campaign = Campaign.objects.get(application=application)
    assert campaign.slug == "yoruba-prompts"
    # Its provisioning was started by the approval (the workflow is the provisioning suite's).
    assert campaign.provisioning.pk is not None
    assert campaign.state_message
    assert (campaign.visibility, campaign.visibility_org) == ("organisation", "yoruba-nlp")
    assert campaign.responses_per_record == 3
    assert campaign.guidelines == "Rate from 1 to 5."
    assert campaign.cohort == cohort
    fields = list(Field.objects.filter(campaign=campaign).values_list("name", "kind"))
    assert fields == [("prompt", "markdown")]
    quality = Question.objects.get(campaign=campaign)
    assert (quality.name, quality.kind) == ("quality", "rating")
    assert [o["value"] for o in quality.options] == [1, 2, 3, 4, 5]
    assert [o["label"] for o in quality.options] == [
        "Very bad",
        "Bad",
        "Acceptable",
        "Good",
        "Very good",
    ]
    cohort.refresh_from_db()
    assert cohort.places_taken == 1

    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bola@example.org"]
    message = next(m for m in mail.outbox if m.to == ["ada@example.org"])
    assert message.subject == f"Accepted: Yoruba prompts joins {cohort.name}"
    assert "Welcome aboard! Start with 200 prompts." in message.body
    assert f"/applications/{application.pk}/" in message.body
    assert "Welcome aboard!" in message.alternatives[0][0]

    # The applicant sees the decision and the note on their page.
    client.force_login(applicant)
    mine = client.get("/applications/").content.decode()
    assert "Approved" in mine and "Welcome aboard!" in mine


def test_reject_needs_a_note_and_emails_it(
    client, organiser, applicant, cohort, django_capture_on_commit_callbacks
):
    application = make_application(cohort=cohort, applicant=applicant, title="Vague idea")
    client.force_login(organiser)

    response = _action(client, "reject_applications", [application], confirm="yes", note="  ")
    assert response.status_code == 200
    assert "Tell the applicant why" in response.content.decode()
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(
            client,
            "reject_applications",
            [application],
            confirm="yes",
            note="Please narrow the scope to one domain.",
        )
    assert _messages(response) == ["Rejected 1: “Vague idea”."]
    application.refresh_from_db()
    assert application.state == Application.State.REJECTED
    assert application.decision_note == "Please narrow the scope to one domain."
    assert not Campaign.objects.exists()
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert "did not accept" in mail.outbox[0].body
    assert "Please narrow the scope to one domain." in mail.outbox[0].body


def test_bulk_approval_approves_what_it_can_and_says_why_for_each_refusal(client, organiser):
    cohort = make_cohort(capacity=2)
    first = make_application(cohort=cohort, title="First")
    second = make_application(cohort=cohort, title="Second")
    third = make_application(cohort=cohort, title="Third")
    withdrawn = make_application(cohort=cohort, title="Gone", state=Application.State.WITHDRAWN)
    # Approved in the order they were submitted.
    for i, application in enumerate([first, second, third]):
        Application.objects.filter(pk=application.pk).update(
            submitted_at=application.submitted_at.replace(microsecond=i)
        )
    client.force_login(organiser)

    response = _action(
        client,
        "approve_applications",
        [third, withdrawn, second, first],
        confirm="yes",
        note="",
    )
    messages = _messages(response)
    assert "Approved 2: “First”, “Second”." in messages
    assert (
        f"“Third” was not changed: {cohort.name} is full: 2 of 2 places are taken. "
        "Raise its capacity to accept more." in messages
    )
    assert "“Gone” cannot be approved: it was withdrawn by the applicant." in (messages)
    states = dict(Application.objects.values_list("title", "state"))
    assert states == {
        "First": "approved",
        "Second": "approved",
        "Third": "submitted",
        "Gone": "withdrawn",
    }
    cohort.refresh_from_db()
    assert cohort.places_taken == 2
    assert Campaign.objects.count() == 2


def test_approval_is_refused_when_the_cohort_is_closed(client, organiser):
    cohort = make_cohort(state=Cohort.State.CLOSED)
    application = make_application(cohort=cohort, title="Late")
    client.force_login(organiser)
    response = _action(client, "approve_applications", [application], confirm="yes", note="")
    assert _messages(response) == [
        f"“Late” was not changed: {cohort.name} is closed: reopen it before approving more "
        "campaigns."
    ]
    assert not Campaign.objects.exists()


def test_approve_and_reject_buttons_on_the_application_page(client, organiser, cohort):
    application = make_application(cohort=cohort, title="Single")
    client.force_login(organiser)
    page = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    approve_url = f"{CHANGELIST}{application.pk}/decide/approve/"
    assert approve_url in page
    assert "Single" in client.get(approve_url).content.decode()
    response = client.post(approve_url, {"confirm": "yes", "note": "Go!"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{CHANGELIST}{application.pk}/change/"
    assert "Approved 1: “Single”." in _messages(response)
    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    # Decided: no more buttons, and a second approval through the URL is refused.
    assert approve_url not in client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    response = client.post(approve_url, {"confirm": "yes", "note": ""}, follow=True)
    assert "it was already approved" in " ".join(_messages(response))


def test_changelist_filters_and_search(client, organiser):
    spring, autumn = make_cohort(name="Spring"), make_cohort(name="Autumn")
    make_application(cohort=spring, title="Yoruba chat", languages=["yo"], task_kind="chat")
    make_application(
        cohort=autumn,
        title="French translation",
        languages=["fr", "en"],
        task_kind="translation",
        visibility="organisation",
        visibility_org="acme",
    )
    make_application(
        cohort=autumn, title="Draft idea", languages=["en"], state=Application.State.DRAFT
    )
    client.force_login(organiser)

    def titles(query):
        response = client.get(CHANGELIST + query)
        assert response.status_code == 200
        return sorted(a.title for a in response.context["cl"].result_list)

    assert titles("?language=yo") == ["Yoruba chat"]
    assert titles("?language=en") == ["Draft idea", "French translation"]
    assert titles(f"?cohort__id__exact={autumn.pk}") == ["Draft idea", "French translation"]
    assert titles("?state__exact=draft") == ["Draft idea"]
    assert titles("?task_kind__exact=translation") == ["French translation"]
    assert titles("?visibility__exact=organisation") == ["French translation"]
    assert titles("?q=yoruba") == ["Yoruba chat"]


def test_staff_outside_the_organisers_group_cannot_decide(client, cohort):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(*Group.objects.get_or_create(name="Organisers")[0].permissions.all())
    application = make_application(cohort=cohort)
    client.force_login(staff)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "approve_applications" not in response.content.decode()
    assert client.post(f"{CHANGELIST}{application.pk}/decide/approve/").status_code == 403
    _action(client, "approve_applications", [application], confirm="yes", note="")
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED


def test_organisers_group_grants_the_admin_pages_it_needs(client, cohort):
    """The data migration's group: a staff user in it (not a superuser) can work in admin."""
    group = Group.objects.get(name="Organisers")
    granted = set(group.permissions.values_list("codename", flat=True))
    assert {"add_cohort", "change_cohort", "view_application", "change_application"} <= granted
    organiser = UserFactory(is_staff=True)
    organiser.groups.add(group)
    make_application(cohort=cohort)
    client.force_login(organiser)
    assert client.get("/admin/cohorts/cohort/add/").status_code == 200
    assert client.get(CHANGELIST).status_code == 200
    assert "approve_applications" in client.get(CHANGELIST).content.decode()


def test_cohort_admin_opens_and_closes_cohorts_and_keeps_capacity_above_places_taken(
    client, organiser
):
    draft = make_cohort(state=Cohort.State.DRAFT, name="Next round")
    client.force_login(organiser)
    url = "/admin/cohorts/cohort/"
    response = client.post(
        url, {"action": "open_cohorts", "_selected_action": [draft.pk]}, follow=True
    )
    assert "Opened: Next round." in _messages(response)
    draft.refresh_from_db()
    assert draft.state == Cohort.State.OPEN
    response = client.post(
        url, {"action": "open_cohorts", "_selected_action": [draft.pk]}, follow=True
    )
    assert "Cohort “Next round” is open; it cannot be opened." in _messages(response)
    client.post(url, {"action": "close_cohorts", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.state == Cohort.State.CLOSED

    full = make_cohort(capacity=2)
    Cohort.objects.filter(pk=full.pk).update(places_taken=2)
    page = client.get(f"{url}{full.pk}/change/")
    form_data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    form_data.update(
        {
            "capacity": 1,
            "applications_open_at_0": full.applications_open_at.strftime("%Y-%m-%d"),
            "applications_open_at_1": full.applications_open_at.strftime("%H:%M:%S"),
            "applications_close_at_0": full.applications_close_at.strftime("%Y-%m-%d"),
            "applications_close_at_1": full.applications_close_at.strftime("%H:%M:%S"),
        }
    )
    response = client.post(f"{url}{full.pk}/change/", form_data)
    assert response.status_code == 200
    assert "2 campaigns are accepted already" in response.content.decode()
    full.refresh_from_db()
    assert full.capacity == 2


def test_organisers_see_a_failed_import_in_admin_but_cannot_change_it(client):
    from annotation.models import ImportJob
    from tests.annotation.factories import make_campaign
    from tests.campaigns.programme import make_organiser

    campaign = make_campaign(state="ready")
    job = ImportJob.objects.create(
        campaign=campaign,
        source="file",
        file_name="prompts.csv",
        state=ImportJob.State.FAILED,
        last_error="Line 7: the required field 'prompt' is empty.",
    )
    client.force_login(make_organiser())
    page = client.get(f"/admin/annotation/importjob/{job.pk}/change/")
    assert page.status_code == 200
    assert "Line 7: the required field" in page.content.decode()
    assert client.get("/admin/annotation/record/").status_code == 200
    assert client.get("/admin/annotation/response/").status_code == 200
    assert client.get("/admin/annotation/question/add/").status_code == 403
    assert client.post(f"/admin/annotation/importjob/{job.pk}/delete/").status_code == 403


def test_organisers_find_campaigns_in_admin_with_languages_as_text_and_pause_them(client):
    from campaigns.lifecycle import campaign_close
    from tests.annotation.factories import make_campaign

    open_one = make_campaign(state="open", records=2)
    Campaign.objects.filter(pk=open_one.pk).update(languages=["yo", "en"], title="Yoruba chat")
    closed = make_campaign(state="open")
    campaign_close(campaign=closed, confirmed=True)
    client.force_login(make_organiser(username="olga2"))
    listing = client.get("/admin/campaigns/campaign/", {"q": "Yoruba"}).content.decode()
    assert "Yoruba chat" in listing and "yo, en" in listing and '["yo", "en"]' not in listing
    page = client.get(f"/admin/campaigns/campaign/{open_one.pk}/change/").content.decode()
    assert "yo, en" in page and "members of" not in page
    client.post(
        "/admin/campaigns/campaign/",
        {"action": "pause_campaigns", "_selected_action": [open_one.pk]},
    )
    client.post(
        "/admin/campaigns/campaign/",
        {"action": "reopen_campaigns", "_selected_action": [closed.pk]},
    )
    assert set(Campaign.objects.values_list("state", flat=True)) == {"paused"}
    assert client.get("/admin/campaigns/campaign/add/").status_code == 403
