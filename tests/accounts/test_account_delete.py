"""Deleting an account (issue 16, item 10): from the profile and from Django admin, through
one service. Personal data goes, tokens and sessions die, leases go back to the pool, and
the person's responses stay, published under the same pseudonym as before.

Before the fix, deleting anyone who had answered failed: Slot.holder is SET_NULL against
the check `filled_slot_has_holder` (IntegrityError, a 500 in admin)."""

import pyarrow.parquet as pq
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, OrgMembership, User
from accounts.services import api_token_create, deleted_username, user_delete
from annotation.models import Record, Response, Slot
from annotation.services import lease_next_record
from campaigns.dashboards.selectors import leaderboard
from campaigns.models import Campaign
from campaigns.publishing import services as publishing
from tests.campaigns.publishing.publishing_support import answer, make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = "data/train-00000-of-00001.parquet"


def _published_names(settings, campaign) -> set[str]:
    publication, created = publishing.publication_request(
        campaign=campaign, include_in_progress=True
    )
    assert created
    publishing.publication_run(publication_id=publication.pk)
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    table = pq.read_table(folder / DATA).to_pylist()
    return {r["annotator"] for row in table for r in row["quality_responses"]}


@pytest.fixture
def annotator():
    """Someone who answered one record, holds a lease on another, has a token, an
    organisation, a Hugging Face link and an e-mail address."""
    user = UserFactory(orgs=["acme"], hf_username="ann-hf", first_name="Ann")
    SocialAccount.objects.create(user=user, provider="huggingface", uid="hf-ann")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def answered(annotator):
    campaign = make_campaign(records=3, overlap=2)
    other = UserFactory()
    first = Record.objects.filter(campaign=campaign).order_by("id").first()
    answer(annotator, first, quality=4)
    answer(other, first, quality=2)
    lease = lease_next_record(user=annotator, campaign=campaign)
    assert Slot.objects.leased_to(annotator).filter(record=lease.record).exists()
    return campaign, other, lease.record


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_deleting_a_user_row_who_answered_is_what_used_to_fail(annotator, answered):
    # Why there is a service: the row cannot go (and must not: responses cascade).
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=annotator.pk).delete()


def test_a_person_deletes_their_account_from_the_profile(settings, client, annotator, answered):
    settings.HUB_BACKEND = "local"
    campaign, other, leased = answered
    issued = api_token_create(user=annotator, name="script")
    assert bearer(issued.raw).get("/api/v1/me").status_code == 200
    before = _published_names(settings, campaign)
    other_browser = type(client)()
    other_browser.force_login(annotator)

    client.force_login(annotator)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:delete") in page
    page = client.get(reverse("accounts:delete")).content.decode()
    assert "What goes" in page and "What stays" in page and annotator.username in page

    response = client.post(reverse("accounts:delete"), {"confirm_username": annotator.username})
    assert response.status_code == 302 and response["Location"] == reverse("home")

    # Signed out here and in the other browser; the token is refused at once.
    for browser in (client, other_browser):
        assert browser.get(reverse("accounts:profile"))["Location"].startswith(
            reverse("account_login")
        )
    assert bearer(issued.raw).get("/api/v1/me").status_code == 401
    assert not ApiToken.objects.filter(user=annotator).exists()

    # Personal data gone.
    user = User.objects.get(pk=annotator.pk)
    assert user.username == deleted_username(annotator.pk)
    assert (user.email, user.first_name, user.hf_username, user.hf_avatar_url) == ("", "", "", "")
    assert not user.is_active and not user.has_usable_password() and user.deleted_at
    assert not OrgMembership.objects.filter(user=user).exists()
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(user=user).exists()

    # The open lease went back to the pool; the answer stays.
    assert not Slot.objects.filter(holder=user, filled=False).exists()
    assert Slot.objects.free().filter(record=leased).count() == 2
    assert Response.objects.filter(user=user).count() == 1
    assert Slot.objects.filter(holder=user, filled=True).count() == 1

    # Published under the same pseudonym as before, never by name, off leaderboards.
    assert _published_names(settings, campaign) == before
    Campaign.objects.filter(pk=campaign.pk).update(publish_usernames=True)
    campaign.refresh_from_db()
    names = _published_names(settings, campaign)
    assert names == before and "ann-hf" not in names
    assert [leader.handle for leader in leaderboard(campaign.pk)] == [other.display_handle]


def test_the_name_is_published_until_the_account_is_deleted(settings, annotator, answered):
    settings.HUB_BACKEND = "local"
    campaign, _other, _ = answered
    Campaign.objects.filter(pk=campaign.pk).update(publish_usernames=True)
    campaign.refresh_from_db()
    assert "ann-hf" in _published_names(settings, campaign)
    user_delete(user=annotator)
    assert "ann-hf" not in _published_names(settings, campaign)


def test_a_wrong_username_deletes_nothing(client, annotator):
    client.force_login(annotator)
    response = client.post(reverse("accounts:delete"), {"confirm_username": "someone"})
    assert response.status_code == 400
    assert "That is not your username" in response.content.decode()
    user = User.objects.get(pk=annotator.pk)
    assert user.is_active and user.username == annotator.username and user.deleted_at is None
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_deleting_twice_changes_nothing_more(annotator):
    assert user_delete(user=annotator) is True
    deleted = User.objects.get(pk=annotator.pk)
    assert user_delete(user=annotator) is False
    assert User.objects.get(pk=annotator.pk).deleted_at == deleted.deleted_at


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", password=None))
    return client


def test_an_organiser_deletes_accounts_with_the_admin_action(superuser_client, annotator, answered):
    changelist = reverse("admin:accounts_user_changelist")
    form = {"action": "delete_accounts", "_selected_action": [annotator.pk]}
    confirm = superuser_client.post(changelist, form)
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert annotator.username in body and "What stays" in body
    assert User.objects.get(pk=annotator.pk).deleted_at is None  # not before confirming

    response = superuser_client.post(changelist, {**form, "confirm": "yes"}, follow=True)
    assert "1 account(s) deleted" in response.content.decode()
    user = User.objects.get(pk=annotator.pk)
    assert user.deleted_at and user.username == deleted_username(annotator.pk)
    assert Response.objects.filter(user=user).count() == 1
    # The bulk delete that would remove rows is not offered.
    assert "delete_selected" not in superuser_client.get(changelist).content.decode()


def test_admins_own_delete_goes_through_the_service(superuser_client, annotator, answered):
    url = reverse("admin:accounts_user_delete", args=[annotator.pk])
    page = superuser_client.get(url).content.decode()
    assert "their responses stay under their pseudonym" in page
    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    user = User.objects.get(pk=annotator.pk)
    assert user.deleted_at and not user.is_active and user.email == ""
    assert Response.objects.filter(user=user).count() == 1


def test_organisers_delete_accounts_but_not_staff_ones(client, annotator, answered):
    from tests.campaigns.programme import make_organiser

    organiser, colleague = make_organiser(), make_organiser()
    client.force_login(organiser)
    changelist = reverse("admin:accounts_user_changelist")
    response = client.post(
        changelist,
        {"action": "delete_accounts", "_selected_action": [annotator.pk], "confirm": "yes"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=annotator.pk).deleted_at is not None

    refused = client.post(
        changelist,
        {"action": "delete_accounts", "_selected_action": [colleague.pk], "confirm": "yes"},
        follow=True,
    )
    assert "Only superusers delete staff accounts" in refused.content.decode()
    assert client.get(reverse("admin:accounts_user_delete", args=[colleague.pk])).status_code == 403
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.deleted_at is None
    # Organisers view accounts; they do not edit them.
    change = client.post(reverse("admin:accounts_user_change", args=[colleague.pk]), {})
    assert change.status_code == 403
