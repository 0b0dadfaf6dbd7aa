"""The e-mails' subjects are plain text: what the title says, not its HTML escaping."""

import pytest
from django.core import mail

from campaigns.applications import emails
from tests.campaigns.programme import make_application, make_cohort, make_organiser

pytestmark = pytest.mark.django_db


def test_subjects_show_titles_and_cohort_names_as_written():
    make_organiser(email="olga@example.org")
    cohort = make_cohort(name="Q&A <2027>")
    application = make_application(cohort=cohort, title="Questions & answers: \"Yorùbá\"")
    emails.application_submitted(application_id=application.pk)
    (message,) = mail.outbox
    assert message.subject == 'New application to Q&A <2027>: Questions & answers: "Yorùbá"'
