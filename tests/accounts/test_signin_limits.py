"""One sign-in policy for every door (Django admin and the site's page): failures counted
per client and account, shared by every process, and over the limit a 429 with Retry-After
even for the right password; other clients, and so the real person, are not locked out."""

import subprocess
import sys

import pytest
from django.test import Client

from tests.campaigns.programme import make_organiser

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def _admin_login(client, password, username="olga"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def _site_login(client, password, username="olga"):
    return client.post("/accounts/login/", {"login": username, "password": password})


def test_admin_sign_in_is_limited_and_the_right_password_waits_too(settings):
    settings.SIGNIN_MAX_FAILURES = 5
    make_organiser(username="olga", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [_admin_login(attacker, f"guess-{i}").status_code for i in range(7)]
    assert statuses[:5] == [200] * 5  # the form again, "enter a correct username…"
    assert statuses[5:] == [429, 429]
    refused = _admin_login(attacker, PASSWORD)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts" in refused.content.decode()
    # The organiser, from their own connection, signs in as usual.
    organiser = Client(REMOTE_ADDR="198.51.100.7")
    assert _admin_login(organiser, PASSWORD).status_code == 302


def test_both_doors_share_one_count(settings):
    settings.SIGNIN_MAX_FAILURES = 4
    make_organiser(username="olga", password=PASSWORD)
    client = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(2):
        assert _admin_login(client, "nope").status_code == 200
    for _ in range(2):
        assert _site_login(client, "nope").status_code == 200
    assert _site_login(client, PASSWORD).status_code == 429
    assert _admin_login(client, PASSWORD).status_code == 429


def test_one_client_trying_many_accounts_is_stopped(settings):
    settings.SIGNIN_MAX_FAILURES_PER_CLIENT = 6
    client = Client(REMOTE_ADDR="203.0.113.11")
    statuses = [_site_login(client, "x", username=f"user{i}").status_code for i in range(8)]
    assert statuses[:6] == [200] * 6 and statuses[6:] == [429, 429]


def test_the_count_is_shared_by_every_process(settings):
    # Another Python process, as another gunicorn worker would be, sees this one's count.
    settings.SIGNIN_MAX_FAILURES = 3
    client = Client(REMOTE_ADDR="203.0.113.12")
    for _ in range(3):
        _site_login(client, "nope")
    code = (
        "import django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'commonset.settings');"
        "django.setup();"
        "from django.test import RequestFactory;"
        "from accounts.signin_limits import signin_wait_seconds;"
        "request = RequestFactory().post('/accounts/login/', REMOTE_ADDR='203.0.113.12');"
        "print(signin_wait_seconds(request, 'olga'))"
    )
    env_out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "SIGNIN_MAX_FAILURES": "3"},
    )
    assert int(env_out.stdout.strip().splitlines()[-1]) > 0, env_out.stderr
