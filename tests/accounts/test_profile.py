"""The profile page: Hugging Face handle, organisations and when they were read."""

import pytest

from accounts.models import User
from accounts.services import org_memberships_sync

pytestmark = pytest.mark.django_db

USERINFO = {
    "sub": "60d0c0ffee00000000000a11",
    "preferred_username": "alice",
    "picture": "https://cdn.example.test/avatars/alice.png",
    "orgs": [
        {"preferred_username": "bigscience", "name": "BigScience", "roleInOrg": "admin"},
        {"preferred_username": "openlm", "name": "Open LM", "roleInOrg": "contributor"},
    ],
}


def test_profile_requires_signing_in(client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/me/")


def test_profile_shows_handle_organisations_roles_and_when_they_were_read(client):
    user = User.objects.create_user(username="alice")
    org_memberships_sync(user=user, userinfo=USERINFO)
    client.force_login(user)

    body = client.get("/me/").content.decode()

    assert "Signed in as <strong>alice</strong> on Hugging Face" in body
    assert "<td>BigScience</td><td><code>bigscience</code></td><td>Admin</td>" in body
    assert "<td>Open LM</td><td><code>openlm</code></td><td>Contributor</td>" in body
    read_at = User.objects.get(pk=user.pk).memberships_read_at
    assert f'<time datetime="{read_at.isoformat()}">' in body


def test_profile_of_a_local_account_says_it_is_not_linked(client):
    user = User.objects.create_user(username="organiser", password="a long passphrase 42")
    client.force_login(user)

    body = client.get("/me/").content.decode()

    assert "not linked to Hugging Face" in body
    assert "No organisations are known for you" in body


def test_organisations_no_longer_reported_disappear_from_the_profile(client):
    user = User.objects.create_user(username="alice")
    org_memberships_sync(user=user, userinfo=USERINFO)
    org_memberships_sync(user=user, userinfo={**USERINFO, "orgs": USERINFO["orgs"][:1]})
    client.force_login(user)

    body = client.get("/me/").content.decode()

    assert "BigScience" in body
    assert "Open LM" not in body
