"""Load a small demo through the same services people use: an open cohort, a community,
an approved campaign rating ~200 prompts from 1 to 5, an organiser and an annotator.

Safe to run again: what exists is reused, nothing is duplicated, passwords are only
generated (and printed) when an account is created, as the last lines of the output.

With the console e-mail backend (the embedded default), the e-mails the demo sends (the
application's, the approval's) are written to files under var/mail/ instead of the terminal,
so that `make run` prints a short summary and then the passwords.
"""

import contextlib
import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgMembership, User
from accounts.selectors import ORGANISERS_GROUP
from annotation.imports import import_start
from campaigns.applications.decisions import application_approve
from campaigns.applications.services import (
    ApplicationContent,
    application_create,
    application_submit,
)
from campaigns.lifecycle import campaign_open
from campaigns.models import Application, Campaign, TaskKind
from cohorts.models import Cohort
from cohorts.services import cohort_open

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
FILE_EMAIL = "django.core.mail.backends.filebased.EmailBackend"
DEMO_COHORT = "demo-cohort"
DEMO_ORG = "commonset-demo"
DEMO_RECORDS = 200
TOPICS = [
    "photosynthesis", "the French revolution", "binary search", "sourdough bread",
    "plate tectonics", "the Pythagorean theorem", "jazz improvisation", "vaccines",
    "compound interest", "black holes",
]  # fmt: skip
ASKS = [
    "Explain {} to a ten-year-old.",
    "Write a short poem about {}.",
    "What are three common misconceptions about {}?",
    "Summarise the history of {} in one paragraph.",
    "Give me a quiz with five questions on {}.",
]


class Command(BaseCommand):
    help = "Create or reuse the demo cohort, campaign, records and accounts."

    def handle(self, *args, **options):
        with _mail_to_files() as mail_folder:
            before = _files_in(mail_folder)
            self._load()
            written = len(_files_in(mail_folder) - before)
        if written:
            self.stdout.write(
                f"The demo's e-mails were written to {mail_folder}/ ({written} "
                f"file{'s' if written != 1 else ''}), not to this terminal."
            )
        # Last, so that the passwords are the end of what `make run` prints.
        for line in self.created_accounts:
            self.stdout.write(self.style.WARNING(line))

    def _load(self) -> None:
        self.created_accounts: list[str] = []
        organiser = self._user("organiser", staff=True)
        self._user("annotator", staff=False)
        cohort = self._cohort(organiser)
        campaign = self._campaign(cohort, organiser)
        if not campaign.records.exists():
            self._records(campaign, organiser)
        campaign.refresh_from_db()
        if campaign.state == Campaign.State.READY:
            campaign = campaign_open(campaign=campaign)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: campaign “{campaign.title}” ({campaign.state}, "
                f"{campaign.records.count()} records) at /campaigns/{campaign.slug}/"
            )
        )

    def _user(self, username: str, *, staff: bool) -> User:
        user = User.objects.filter(username=username).first()
        if user is not None:
            self.stdout.write(
                f"Account “{username}” exists; its password is unchanged "
                f"(reset it with: manage.py changepassword {username})."
            )
            return user
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username, password=password, email=f"{username}@localhost", is_staff=staff
        )
        if staff:
            user.groups.add(Group.objects.get(name=ORGANISERS_GROUP))
        self.created_accounts.append(
            f"Created {'organiser' if staff else 'annotator'} account “{username}” "
            f"with password: {password}  (shown once)"
        )
        return user

    def _cohort(self, organiser: User) -> Cohort:
        now = timezone.now()
        cohort, _ = Cohort.objects.get_or_create(
            slug=DEMO_COHORT,
            defaults={
                "name": "Demo cohort",
                "description": "A cohort to try Commonset with: apply, review, annotate.",
                "applications_open_at": now - timezone.timedelta(days=1),
                "applications_close_at": now + timezone.timedelta(days=60),
                "capacity": 10,
            },
        )
        if cohort.state == Cohort.State.DRAFT:
            cohort = cohort_open(actor=organiser, cohort=cohort)
        return cohort

    def _campaign(self, cohort: Cohort, organiser: User) -> Campaign:
        existing = Campaign.objects.filter(cohort=cohort, community__handle=DEMO_ORG).first()
        if existing is not None:
            return existing
        # The organiser leads the demo community, as if Hugging Face had said so at sign-in.
        OrgMembership.objects.get_or_create(
            user=organiser,
            org_handle=DEMO_ORG,
            defaults={"org_display_name": "Commonset demo", "role": OrgMembership.Role.ADMIN},
        )
        with transaction.atomic():
            application = Application.objects.filter(
                cohort=cohort, community__handle=DEMO_ORG
            ).first() or application_create(
                actor=organiser,
                cohort=cohort,
                community_handle=DEMO_ORG,
                content=ApplicationContent(
                    title="Demo prompt ranking",
                    summary="Rate the quality of prompts from 1 (very bad) to 5 (very good).",
                    task_kind=TaskKind.PROMPT_RANKING,
                    languages=["en"],
                    target_records=DEMO_RECORDS,
                    responses_per_record=2,
                    contact="organiser@localhost",
                    guidelines=(
                        "Rate how clear, useful and answerable each prompt is. "
                        "5 = a prompt you would love to see answered well."
                    ),
                ),
            )
            if application.state == Application.State.DRAFT:
                application = application_submit(actor=organiser, application=application)
            return application_approve(
                actor=organiser, application=application, note="Approved for the demo."
            )

    def _records(self, campaign: Campaign, organiser: User) -> None:
        lines = []
        for n in range(DEMO_RECORDS):
            topic = TOPICS[n % len(TOPICS)]
            ask = ASKS[(n // len(TOPICS)) % len(ASKS)]
            lines.append(json.dumps({"id": f"demo-{n:03d}", "prompt": ask.format(topic)}))
        upload = SimpleUploadedFile(
            "demo.jsonl", ("\n".join(lines) + "\n").encode(), "application/x-ndjson"
        )
        job = import_start(
            user=organiser,
            campaign=campaign,
            mapping={"external_id": "id", "fields": {"prompt": "prompt"}},
            upload=upload,
        )
        job.refresh_from_db()
        self.stdout.write(f"Imported demo records: {job.state}.")


@contextlib.contextmanager
def _mail_to_files():
    """While the demo loads, e-mails meant for the console go to files under var/mail/
    (yields that folder; None when another backend is configured, which is left alone)."""
    if settings.EMAIL_BACKEND != CONSOLE_EMAIL:
        yield None
        return
    folder = Path(settings.VAR_DIR) / "mail"
    had_path = hasattr(settings, "EMAIL_FILE_PATH")
    saved_path = getattr(settings, "EMAIL_FILE_PATH", None)
    settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH = FILE_EMAIL, str(folder)
    try:
        yield folder
    finally:
        settings.EMAIL_BACKEND = CONSOLE_EMAIL
        if had_path:
            settings.EMAIL_FILE_PATH = saved_path
        else:
            del settings.EMAIL_FILE_PATH


def _files_in(folder: Path | None) -> set[Path]:
    return set(folder.iterdir()) if folder is not None and folder.is_dir() else set()
