"""The annotator's pages: annotate (plain form posts and the JSON path the script uses),
nothing-left, my contributions and changing an answer."""

import pytest

from annotation.models import Record, Response
from tests.annotation.factories import ALL_KIND_QUESTIONS, make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotator(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_annotate_page_shows_a_record_with_keyboard_hints(client, annotator):
    campaign = make_campaign(records=2)
    page = client.get(f"/annotate/{campaign.slug}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Prompt number 0" in body
    assert "<kbd>1</kbd>" in body and "Skip <kbd>S</kbd>" in body and "Keyboard shortcuts" in body


def test_suggestions_are_prefilled_and_marked(client, annotator):
    campaign = make_campaign(records=1)
    Record.objects.filter(campaign=campaign).update(suggestions={"quality": 4})
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert "suggested" in body
    assert 'value="4" checked' in body


def test_plain_form_post_submits_and_shows_the_next_record(client, annotator):
    campaign = make_campaign(records=2, overlap=1)
    first = Record.objects.filter(campaign=campaign).order_by("id").first()
    client.get(f"/annotate/{campaign.slug}/")
    response = client.post(
        f"/annotate/{campaign.slug}/records/{first.pk}/", {"action": "submit", "q-quality": "5"}
    )
    assert response.status_code == 302 and response["Location"] == f"/annotate/{campaign.slug}/"
    assert Response.objects.get(record=first, user=annotator).values == {"quality": 5}
    assert "Prompt number 1" in client.get(response["Location"]).content.decode()


def test_invalid_answer_re_renders_with_the_message(client, annotator):
    campaign = make_campaign(records=1)
    record = Record.objects.get(campaign=campaign)
    response = client.post(f"/annotate/{campaign.slug}/records/{record.pk}/", {"action": "submit"})
    assert response.status_code == 400
    assert "This question needs an answer." in response.content.decode()


def test_script_path_returns_the_next_record_as_json(client, annotator):
    campaign = make_campaign(records=2, overlap=1)
    first = Record.objects.filter(campaign=campaign).order_by("id").first()
    client.get(f"/annotate/{campaign.slug}/")  # shows (and reserves) the first record
    response = client.post(
        f"/annotate/{campaign.slug}/records/{first.pk}/",
        {"action": "submit", "q-quality": "2"},
        HTTP_ACCEPT="application/json",
    )
    data = response.json()
    assert data["state"] == "record" and "Prompt number 1" in data["html"]


def test_all_question_kinds_post_as_a_form(client, annotator):
    campaign = make_campaign(records=1, questions=ALL_KIND_QUESTIONS)
    record = Record.objects.get(campaign=campaign)
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert 'name="q-order"' in body and 'type="checkbox"' in body
    response = client.post(
        f"/annotate/{campaign.slug}/records/{record.pk}/",
        {
            "action": "submit",
            "q-quality": "3",
            "q-topic": "code",
            "q-flags": ["creative", "unsafe"],
            "q-order": ["b", "c", "a"],
            "q-note": "ok",
        },
    )
    assert response.status_code == 302
    assert Response.objects.get(record=record).values == {
        "quality": 3,
        "topic": "code",
        "flags": ["creative", "unsafe"],
        "order": ["b", "c", "a"],
        "note": "ok",
    }


def test_skip_then_nothing_left_offers_it_again_and_all_done_once_answered(client, annotator):
    campaign = make_campaign(records=1)
    record = Record.objects.get(campaign=campaign)
    client.get(f"/annotate/{campaign.slug}/")
    client.post(f"/annotate/{campaign.slug}/records/{record.pk}/", {"action": "skip"})
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert "You skipped 1 record — look at it again?" in body and "All done" not in body
    client.post(f"/annotate/{campaign.slug}/skipped/restore/")
    client.get(f"/annotate/{campaign.slug}/")
    client.post(
        f"/annotate/{campaign.slug}/records/{record.pk}/", {"action": "submit", "q-quality": "3"}
    )
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert "All done" in body and "You have answered 1 record." in body


def test_nothing_left_says_all_taken_for_now(client, annotator):
    from annotation.services import lease_next_record

    campaign = make_campaign(records=1, overlap=1)
    lease_next_record(user=UserFactory(), campaign=campaign)
    body = client.get(f"/annotate/{campaign.slug}/").content.decode()
    assert "All taken for now" in body and "try again" in body


def test_my_contributions_and_changing_an_answer(client, annotator):
    campaign = make_campaign(records=1)
    record = Record.objects.get(campaign=campaign)
    client.get(f"/annotate/{campaign.slug}/")
    client.post(f"/annotate/{campaign.slug}/records/{record.pk}/", {"q-quality": "2"})
    mine = client.get(f"/annotate/{campaign.slug}/mine/").content.decode()
    assert "r0" in mine and "Change" in mine
    edit = client.get(f"/annotate/{campaign.slug}/mine/{record.pk}/")
    assert edit.status_code == 200 and 'value="2" checked' in edit.content.decode()
    response = client.post(
        f"/annotate/{campaign.slug}/records/{record.pk}/",
        {"action": "submit", "q-quality": "4", "next": "mine"},
    )
    assert response["Location"] == f"/annotate/{campaign.slug}/mine/"
    assert Response.objects.get(record=record).values == {"quality": 4}
    record.refresh_from_db()
    assert record.response_count == 1


def test_organisation_campaign_pages_are_404_to_outsiders(client, annotator):
    campaign = make_campaign(records=1, visibility="organisation", org="acme")
    record = Record.objects.get(campaign=campaign)
    assert client.get(f"/annotate/{campaign.slug}/").status_code == 404
    assert client.get(f"/annotate/{campaign.slug}/mine/").status_code == 404
    post = client.post(f"/annotate/{campaign.slug}/records/{record.pk}/", {"q-quality": "1"})
    assert post.status_code == 404
    skip = client.post(f"/annotate/{campaign.slug}/records/{record.pk}/", {"action": "skip"})
    assert skip.status_code == 404
    assert not Response.objects.exists() and not record.skips.exists()
    assert client.get(f"/campaigns/{campaign.slug}/").status_code == 404


def test_annotate_requires_sign_in(client):
    from urllib.parse import parse_qs, urlsplit

    from django.conf import settings
    from django.shortcuts import resolve_url

    from annotation.models import Slot

    campaign = make_campaign(records=1)
    response = client.get(f"/annotate/{campaign.slug}/")
    assert response.status_code == 302
    # To sign-in, coming back here afterwards; nothing was reserved for nobody.
    location = urlsplit(response["Location"])
    assert location.path == resolve_url(settings.LOGIN_URL) == "/accounts/login/"
    assert parse_qs(location.query)["next"] == [f"/annotate/{campaign.slug}/"]
    assert not Slot.objects.filter(holder__isnull=False).exists()
    assert client.get(response["Location"]).status_code == 200


def test_answering_a_record_not_reserved_for_you_says_so_and_keeps_nothing(client, annotator):
    campaign = make_campaign(records=2, overlap=1)
    later = Record.objects.filter(campaign=campaign).order_by("id").last()
    url = f"/annotate/{campaign.slug}/records/{later.pk}/"
    page = client.post(url, {"action": "submit", "q-quality": "2"}, follow=True)
    assert "not reserved for you" in page.content.decode()  # on the next record's page
    script = client.post(
        url, {"action": "submit", "q-quality": "2"}, HTTP_ACCEPT="application/json"
    )
    assert script.status_code == 409 and "not reserved for you" in script.json()["detail"]
    assert not Response.objects.exists()


def test_my_contributions_show_question_titles_option_labels_and_the_record_text(client, annotator):
    campaign = make_campaign(records=1, questions=ALL_KIND_QUESTIONS)
    record = Record.objects.get(campaign=campaign)
    client.get(f"/annotate/{campaign.slug}/")
    client.post(
        f"/annotate/{campaign.slug}/records/{record.pk}/",
        {
            "action": "submit",
            "q-quality": "4",
            "q-topic": "code",
            "q-flags": ["unsafe"],
            "q-order": ["b", "c", "a"],
            "q-note": "ok",
        },
    )
    mine = client.get(f"/annotate/{campaign.slug}/mine/").content.decode()
    assert "<strong>Topic</strong>: Code" in mine  # the label, not `topic: code`
    assert "<strong>Flags</strong>: Unsafe" in mine
    assert "<strong>Order</strong>: B, C, A" in mine
    assert "Prompt number 0" in mine  # what was answered
