"""The sign-in, sign-out and related allauth pages, rendered in the site layout."""

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

HF_LOGIN_URL = "/accounts/oidc/huggingface/login/"


def in_layout(body: str) -> bool:
    return 'class="site-header"' in body and '<main id="main"' in body


def test_login_page_offers_hugging_face_and_a_labelled_local_form(client):
    response = client.get("/accounts/login/", {"next": "/cohorts/"})

    assert response.status_code == 200
    body = response.content.decode()
    assert in_layout(body)
    assert "<title>Sign in · Commonset</title>" in body
    assert f'<form method="post" action="{HF_LOGIN_URL}"' in body
    assert "Sign in with Hugging Face" in body
    assert '<input type="hidden" name="next" value="/cohorts/">' in body
    assert '<label for="id_login">' in body and '<label for="id_password">' in body


def test_login_page_hides_hugging_face_when_no_oauth_app_is_configured(client, settings):
    settings.HF_OAUTH_CLIENT_ID = ""

    body = client.get("/accounts/login/").content.decode()

    assert "Sign in with Hugging Face" not in body
    assert '<label for="id_login">' in body


def test_local_account_signs_in_with_username_and_password(client):
    User.objects.create_user(username="organiser", password="a long passphrase 42")

    response = client.post(
        "/accounts/login/",
        {"login": "organiser", "password": "a long passphrase 42", "next": "/cohorts/"},
    )

    assert response.status_code == 302 and response["Location"] == "/cohorts/"
    assert client.get("/me/").status_code == 200


def test_wrong_password_is_reported_on_the_form(client):
    User.objects.create_user(username="organiser", password="a long passphrase 42")

    response = client.post("/accounts/login/", {"login": "organiser", "password": "nope"})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body and "not correct" in body
    assert "_auth_user_id" not in client.session


def test_sign_out_asks_for_confirmation_in_the_layout_then_signs_out():
    user = User.objects.create_user(username="organiser", password="a long passphrase 42")
    client = Client()
    client.force_login(user)

    page = client.get("/accounts/logout/")
    body = page.content.decode()
    assert page.status_code == 200 and in_layout(body)
    assert '<form method="post" action="/accounts/logout/">' in body

    client.post("/accounts/logout/")
    assert client.get("/me/").status_code == 302  # signed out: the profile asks to sign in


def test_opening_the_hugging_face_login_url_asks_to_continue_rather_than_failing(client, hub):
    page = client.get(HF_LOGIN_URL, {"next": "/cohorts/"})
    body = page.content.decode()
    assert page.status_code == 200 and in_layout(body)
    assert "Continue to Hugging Face" in body

    # The page's form posts back to the same URL, which then goes on to the Hub.
    response = client.post(f"{HF_LOGIN_URL}?next=/cohorts/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{hub.url}/oauth/authorize?")


def test_local_sign_up_is_closed_and_points_to_hugging_face(client):
    body = client.get("/accounts/signup/").content.decode()

    assert in_layout(body)
    assert "Sign-up closed" in body and "Sign in with Hugging Face" in body


def test_without_hugging_face_and_sign_up_closed_a_newcomer_is_told_to_ask_an_organiser(
    client, settings
):
    settings.HF_OAUTH_CLIENT_ID = ""
    settings.ACCOUNT_ALLOW_LOCAL_SIGNUP = False

    body = client.get("/accounts/login/").content.decode()

    assert "Signing in with Hugging Face is not set up on this site." in body
    assert "ask an organiser for an account" in body
    assert 'href="/accounts/signup/"' not in body  # it would only say "closed"
    assert "Local accounts are for organisers and development" not in body
    closed = client.get("/accounts/signup/").content.decode()
    assert "ask an organiser for an account" in closed
    assert "Sign in with Hugging Face" not in closed


def test_without_hugging_face_and_sign_up_open_a_newcomer_is_sent_to_sign_up(client, settings):
    settings.HF_OAUTH_CLIENT_ID = ""
    settings.ACCOUNT_ALLOW_LOCAL_SIGNUP = True

    body = client.get("/accounts/login/").content.decode()

    assert '<a class="button" href="/accounts/signup/">Create an account</a>' in body
    assert "ask an organiser" not in body
    assert client.get("/accounts/signup/").status_code == 200


def test_with_hugging_face_the_local_form_says_who_it_is_for(client):
    body = client.get("/accounts/login/").content.decode()
    assert "Local accounts are for organisers and development; annotators and leads" in body
    assert "not set up on this site" not in body


def test_the_password_help_follows_its_box_and_remember_me_is_a_labelled_checkbox(client):
    body = client.get("/accounts/login/").content.decode()
    label = body.index('<label for="id_password">')
    box = body.index('<input type="password" name="password"')
    forgot = body.index("Forgot your password?")
    assert label < box < forgot
    assert (
        '<label class="checkbox" for="id_remember"><input type="checkbox" name="remember" '
        'id="id_remember"> Remember me</label>'
    ) in body
