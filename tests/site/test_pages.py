import pytest


@pytest.mark.django_db
def test_home_page_renders_navigation(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/api/v1/docs/"' in body
    assert "Sign in" in body


@pytest.mark.django_db
def test_healthz_answers_ok(client):
    assert client.get("/healthz").json() == {"status": "ok"}
