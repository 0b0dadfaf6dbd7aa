from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from campaigns.models import Application, Campaign
from cohorts.models import Cohort
from tests.campaigns.programme import organisers_group

# The import runs on commit, as it does for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _organisers_group():
    # Transactional tests flush the database after themselves, data migrations included.
    organisers_group()


def run_demo() -> str:
    out = StringIO()
    call_command("demo_load", stdout=out)
    return out.getvalue()


def test_demo_loads_an_open_campaign_and_prints_passwords_once(client):
    first = run_demo()
    assert first.count("with password:") == 2
    campaign = Campaign.objects.get()
    assert campaign.state == Campaign.State.OPEN
    assert campaign.records.count() == 200
    rating = campaign.questions.get(kind="rating")
    assert [o["value"] for o in rating.options] == [1, 2, 3, 4, 5]
    assert Cohort.objects.get().state == Cohort.State.OPEN
    assert User.objects.get(username="organiser").is_staff

    # The printed password signs the annotator in.
    password = next(
        line.split("password: ")[1].split()[0]
        for line in first.splitlines()
        if "“annotator”" in line and "password:" in line
    )
    assert client.login(username="annotator", password=password)

    second = run_demo()
    assert "with password:" not in second
    assert Campaign.objects.count() == 1 and Application.objects.count() == 1
    assert campaign.records.count() == 200 and User.objects.count() == 2


def test_the_demo_writes_its_e_mails_to_files_and_ends_with_the_passwords(
    capsys, settings, tmp_path
):
    # What `make run` does: the console e-mail backend (the embedded default), the output on
    # the terminal. The e-mails go to var/mail/ instead; the passwords end the output.
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.VAR_DIR = tmp_path
    call_command("demo_load")
    out = capsys.readouterr().out.strip().splitlines()

    assert not [line for line in out if line.startswith(("Subject:", "From:", "To:"))], out
    assert out[-2].startswith("Created organiser account “organiser” with password: ")
    assert out[-1].startswith("Created annotator account “annotator” with password: ")
    assert out[-3].startswith(f"The demo's e-mails were written to {tmp_path / 'mail'}/")
    mails = "".join(p.read_text() for p in (tmp_path / "mail").iterdir())
    assert mails.count("Subject: ") >= 2  # the application's and the approval's, at least
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
