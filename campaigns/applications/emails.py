"""E-mails about applications: plain text and HTML, rendered from templates, each in its
recipient's interface language (the site's default when they chose none).

Sent after the deciding transaction commits; a mail server that fails is logged and does
not undo the decision.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import ORGANISERS_GROUP, user_language
from campaigns.models import Application

logger = logging.getLogger(__name__)


def organiser_recipients() -> list[User]:
    """Active organisers with an e-mail address, one per address."""
    users = (
        User.objects.filter(is_active=True, is_staff=True, groups__name=ORGANISERS_GROUP)
        .exclude(email="")
        .order_by("email", "pk")
        .distinct()
    )
    return _one_per_address(users)


def _one_per_address(users) -> list[User]:
    """The first user of each e-mail address, in order; users without one left out."""
    by_address: dict[str, User] = {}
    for user in users:
        if user.email:
            by_address.setdefault(user.email, user)
    return list(by_address.values())


def _message(template: str, context: Callable[[], dict], to: User) -> EmailMultiAlternatives:
    """The e-mail to `to`, its context built and rendered in their language."""
    with translation.override(user_language(to) or settings.LANGUAGE_CODE):
        values = context()
        subject = " ".join(render_to_string(f"{template}_subject.txt", values).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{template}.txt", values),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to.email],
        )
        message.attach_alternative(render_to_string(f"{template}.html", values), "text/html")
    return message


def _send(messages: list[EmailMultiAlternatives], what: str) -> int:
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:
        logger.exception("could not send %s e-mails", what)
        return 0


def _application(application_id: int) -> Application:
    return Application.objects.select_related("cohort", "community", "applicant", "decided_by").get(
        pk=application_id
    )


def application_submitted(*, application_id: int) -> int:
    """Tell every organiser that an application is waiting for review."""
    application = _application(application_id)
    context = {
        "application": application,
        "review_url": settings.SITE_URL
        + reverse("admin:campaigns_application_change", args=[application.pk]),
    }
    messages = [
        _message("campaigns/emails/application_submitted", lambda: context, to)
        for to in organiser_recipients()
    ]
    return _send(messages, "submission")


def campaign_hub_home(campaign) -> str:
    """What is being set up for the campaign on the Hub, in words, as it really is."""
    if settings.HUB_BACKEND == "local":
        return _(
            "its dataset will be published to this site's local hub folder; no Hugging Face "
            "repository or Space is made"
        )
    namespace = {"namespace": campaign.hub_namespace}
    kind = campaign.cohort.space_kind
    if kind == "static":
        return (
            _("a dataset repository and a static Space (its page on the Hub) in %(namespace)s")
            % namespace
        )
    if kind == "argilla":
        return _("a dataset repository and an Argilla Space in %(namespace)s") % namespace
    return _("a dataset repository in %(namespace)s") % namespace


def application_decided(*, application_id: int) -> int:
    """Tell the applicant and co-leads the organisers' decision, with their note."""
    application = _application(application_id)
    campaign = getattr(application, "campaign", None)

    def context() -> dict:
        return {
            "application": application,
            "campaign": campaign,
            "approved": application.state == Application.State.APPROVED,
            "hub_home": campaign_hub_home(campaign) if campaign else "",
            "application_url": settings.SITE_URL
            + reverse("applications:detail", args=[application.pk]),
        }

    leads = [application.applicant, *application.co_leads.all()]
    messages = [
        _message("campaigns/emails/application_decided", context, to)
        for to in _one_per_address(leads)
    ]
    return _send(messages, "decision")
