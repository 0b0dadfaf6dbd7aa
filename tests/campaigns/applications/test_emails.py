"""The e-mails' subjects are plain text: what the title says, not its HTML escaping."""

import pytest
from django.core import mail
from django.utils import timezone

from campaigns.applications import emails
from tests.campaigns.programme import make_application, make_cohort, make_organiser

pytestmark = pytest.mark.django_db


def test_subjects_show_titles_and_cohort_names_as_written():
    make_organiser(email="olga@example.org")
    cohort = make_cohort(name="Q&A <2027>")
    application = make_application(cohort=cohort, title='Questions & answers: "Yorùbá"')
    emails.application_submitted(application_id=application.pk)
    (message,) = mail.outbox
    assert message.subject == 'New application to Q&A <2027>: Questions & answers: "Yorùbá"'


@pytest.mark.parametrize(
    ("backend", "kind", "said"),
    [
        ("local", "static", "local hub folder; no Hugging Face repository or Space is made"),
        (
            "huggingface",
            "static",
            "a dataset repository and a static Space (its page on the Hub) in programme",
        ),
        ("huggingface", "none", "a dataset repository in programme."),
    ],
)
def test_the_approval_email_says_what_is_really_being_set_up(settings, backend, kind, said):
    from campaigns.applications.decisions import campaign_create_from_application

    settings.HUB_BACKEND = backend
    cohort = make_cohort(space_kind=kind)
    application = make_application(
        cohort=cohort, state="approved", decided_at=timezone.now(), decided_by=make_organiser()
    )
    campaign_create_from_application(application=application)
    emails.application_decided(application_id=application.pk)
    body = mail.outbox[-1].body
    assert said in body and "You need not wait" in body
