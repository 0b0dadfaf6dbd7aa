import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_token_created_on_profile_is_shown_once_and_stored_hashed(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:token-create"), {"name": "import script"})
    # Redirected after the POST: reloading the page it shows creates no second token.
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    response = client.get(response["Location"])
    raw = response.context["new_token"].raw
    assert raw.startswith("cs_") and raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=user)
    assert raw not in (token.digest, token.prefix) and len(token.digest) == 64

    # The list shows the token by name, never its value again.
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "import script" in page and raw not in page


def test_profile_token_form_reports_missing_name(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:token-create"), {"name": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_several_tokens_and_revoking_one_leaves_the_other_working(client):
    user = UserFactory()
    first = api_token_create(user=user, name="one")
    second = api_token_create(user=user, name="two")
    client.force_login(user)
    client.post(reverse("accounts:token-revoke", args=[first.token.pk]))

    assert bearer(first.raw).get("/api/v1/me").status_code == 401
    assert bearer(second.raw).get("/api/v1/me").json()["username"] == user.username


def test_user_cannot_revoke_someone_elses_token(client):
    owner = UserFactory()
    issued = api_token_create(user=owner, name="mine")
    client.force_login(UserFactory())
    client.post(reverse("accounts:token-revoke", args=[issued.token.pk]))
    assert bearer(issued.raw).get("/api/v1/me").status_code == 200


def test_me_lists_organisations_with_read_time():
    user = UserFactory(orgs=[("acme", "admin"), "beta"])
    issued = api_token_create(user=user, name="t")
    body = bearer(issued.raw).get("/api/v1/me").json()
    assert body["username"] == user.username
    assert [(o["handle"], o["role"]) for o in body["organisations"]] == [
        ("acme", "admin"),
        ("beta", "read"),
    ]
    assert body["memberships_read_at"] is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer cs_",
        "Bearer cs_abc_def",
        "Bearer cs_0123456789ab_wrong",
        "Bearer",
    ],
)
def test_malformed_or_unknown_token_answers_401_json(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    assert response["WWW-Authenticate"] == "Bearer"


def test_expired_token_answers_401_saying_so():
    user = UserFactory()
    issued = api_token_create(
        user=user, name="old", expires_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    response = bearer(issued.raw).get("/api/v1/me")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_anonymous_me_is_refused():
    assert APIClient().get("/api/v1/me").status_code in (401, 403)


def test_tokens_api_creates_lists_and_revokes():
    user = UserFactory()
    client = bearer(api_token_create(user=user, name="admin script", scope="admin").raw)
    # A token cannot mint tokens: revoking a leaked one must end its access.
    refused = client.post("/api/v1/tokens/", {"name": "ci"}, format="json")
    assert refused.status_code == 403 and "signed-in session" in refused.json()["detail"]
    assert ApiToken.objects.filter(user=user).count() == 1
    session = APIClient()
    session.force_login(user)
    created = session.post("/api/v1/tokens/", {"name": "ci"}, format="json")
    assert created.status_code == 201
    assert "no-store" in created["Cache-Control"]
    new_raw = created.json()["token"]
    assert bearer(new_raw).get("/api/v1/me").status_code == 200
    names = [t["name"] for t in client.get("/api/v1/tokens/").json()]
    assert sorted(names) == ["admin script", "ci"]
    assert "token" not in client.get("/api/v1/tokens/").json()[0]
    assert client.delete(f"/api/v1/tokens/{created.json()['id']}/").status_code == 204
    assert bearer(new_raw).get("/api/v1/me").status_code == 401


def test_tokens_api_rejects_past_expiry_with_field_error():
    user = UserFactory()
    client = APIClient()
    client.force_login(user)
    past = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    response = client.post("/api/v1/tokens/", {"name": "x", "expires_at": past}, format="json")
    assert response.status_code == 400
    assert "expires_at" in response.json()


def test_schema_and_docs_are_served_without_signing_in(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    # The docs page loads its JavaScript from this site, not from a CDN.
    assert b"cdn." not in docs.content and b"/static/" in docs.content
