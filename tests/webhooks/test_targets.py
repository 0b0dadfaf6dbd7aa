"""Forbidden targets are refused at registration and again at delivery time."""

import pytest

from tests.annotation.factories import make_campaign
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.sending import attempt_send
from webhooks.services import WebhookError, webhook_endpoint_create
from webhooks.targets import TargetRefused, target_check

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://10.0.0.1/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://0.0.0.0/hook", "private or reserved"),
        ("https://100.64.0.1/hook", "private or reserved"),
        ("https://[::ffff:10.0.0.1]/hook", "private"),
        ("ftp://example.org/hook", "https://"),
    ],
)
def test_forbidden_targets_are_refused_even_with_loopback_allowed(url, reason):
    with pytest.raises(TargetRefused) as refused:
        target_check(url)
    assert reason in refused.value.message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://[::1]/hook", "loopback"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://localhost/hook", "loopback"),  # a name resolving to 127.0.0.1
        ("http://93.184.215.14/hook", "Only https://"),
    ],
)
def test_loopback_and_plain_http_are_refused_without_the_setting(settings, url, reason):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(TargetRefused) as refused:
        target_check(url)
    assert reason in refused.value.message


def test_loopback_is_allowed_with_the_setting(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    target = target_check("http://localhost:8123/hook?x=1")
    assert target.address in ("127.0.0.1", "::1")
    assert (target.host, target.port, target.path) == ("localhost", 8123, "/hook?x=1")


def test_a_name_resolving_to_loopback_is_refused(settings, monkeypatch):
    """DNS is asked at registration: a public-looking name that points inside is refused."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    monkeypatch.setattr("webhooks.targets._resolve", lambda host, port: ["127.0.0.1"])
    with pytest.raises(TargetRefused, match="loopback"):
        target_check("https://hooks.example.org/in")


def test_registration_refuses_with_the_reason(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    campaign = make_campaign()
    with pytest.raises(WebhookError) as refused:
        webhook_endpoint_create(
            campaign=campaign, url="https://169.254.169.254/", events=["campaign.opened"]
        )
    assert refused.value.field == "url"
    assert "metadata" in refused.value.message
    assert not WebhookEndpoint.objects.exists()


def test_delivery_resolves_and_checks_the_address_again(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A name that resolved to a public address at registration and to an inside one at
    delivery (DNS rebinding) is not contacted: the delivery fails with the reason."""
    from campaigns.lifecycle import campaign_pause

    answers = {"hooks.example.org": ["93.184.215.14"]}
    monkeypatch.setattr("webhooks.targets._resolve", lambda host, port: answers[host])
    campaign = make_campaign(records=1)
    endpoint, _secret = webhook_endpoint_create(
        campaign=campaign, url="https://hooks.example.org/in", events=["campaign.paused"]
    )
    campaign.refresh_from_db()
    answers["hooks.example.org"] = ["10.0.0.7"]
    connected = []
    monkeypatch.setattr("webhooks.sending._pool", lambda target: connected.append(target))
    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=campaign)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert connected == []
    assert delivery.state == "failed"
    assert "10.0.0.7 is a private or reserved address" in delivery.last_error


def test_delivery_connects_to_the_checked_address(monkeypatch):
    """The connection goes to the address that was checked, naming the host for TLS."""
    monkeypatch.setattr("webhooks.targets._resolve", lambda host, port: ["93.184.215.14"])
    pools = []

    class Refuse(Exception):
        pass

    def pool(target):
        pools.append(target)
        raise Refuse

    monkeypatch.setattr("webhooks.sending._pool", pool)
    with pytest.raises(Refuse):
        attempt_send("https://hooks.example.org:8443/in?a=1", {}, b"{}")
    (target,) = pools
    assert (target.address, target.host, target.port, target.path) == (
        "93.184.215.14",
        "hooks.example.org",
        8443,
        "/in?a=1",
    )


def test_a_refused_target_fails_the_delivery_without_retrying(
    settings, receiver, django_capture_on_commit_callbacks
):
    from campaigns.lifecycle import campaign_pause

    campaign = make_campaign(records=1)
    endpoint, _secret = webhook_endpoint_create(
        campaign=campaign, url=receiver.url, events=["campaign.paused"]
    )
    campaign.refresh_from_db()
    settings.WEBHOOKS_ALLOW_LOOPBACK = False  # the deployment changed its mind
    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=campaign)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == "failed"
    assert "Only https:// URLs" in delivery.last_error
    assert receiver.received == []
