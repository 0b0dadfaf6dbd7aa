"""Shared by the dashboard and publish benchmarks: Django set-up against PostgreSQL, and a
campaign with N records and k submitted responses each, built with set-based SQL (the
benchmarks measure reading and publishing, not inserting)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def django_setup(database_url: str | None = None) -> None:
    url = database_url or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the budgets are for PostgreSQL).")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuv")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("CELERY_EAGER", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonset.settings")
    import django

    django.setup()
    _plain_static_storage()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _plain_static_storage() -> None:
    """The manifest storage needs collectstatic; the benchmarks serve files as they are."""
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pg = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        pg = "psql not found"
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {pg}"
    )


def build_campaign(
    *,
    records: int,
    responses_per_record: int,
    users: int,
    days: int,
    tag: str,
    cohort=None,
    user_ids: list[int] | None = None,
    languages: tuple[str, ...] = ("en",),
):
    """A fresh open campaign `bench-<tag>-<time>` with one rating question, `records`
    records each answered `responses_per_record` times by distinct users spread over the
    last `days` days. Several campaigns can share a `cohort` and the contiguous `user_ids`
    of an earlier call (`campaign.bench_user_ids`). Returns the Campaign."""
    from django.db import connection, transaction
    from django.utils import timezone

    from annotation.models import Field, Question
    from campaigns.models import Application, Campaign
    from cohorts.models import Cohort, Community

    stamp = f"{tag}-{int(time.time())}"
    now = timezone.now()
    with transaction.atomic():
        cohort = cohort or Cohort.objects.create(
            name=f"Bench {stamp}",
            slug=f"bench-{stamp}",
            applications_open_at=now - timedelta(days=days + 10),
            applications_close_at=now + timedelta(days=10),
            capacity=10,
            state=Cohort.State.OPEN,
        )
        community = Community.objects.create(handle=f"bench-{stamp}")
        from django.contrib.auth import get_user_model

        User = get_user_model()
        lead = User.objects.create(username=f"lead-{stamp}", email=f"lead-{stamp}@example.org")
        application = Application.objects.create(
            cohort=cohort,
            community=community,
            applicant=lead,
            state=Application.State.APPROVED,
            title=f"Bench {stamp}",
            summary="Rate prompts.",
            task_kind="prompt_ranking",
            target_records=max(10, min(records, 1_000_000)),
            submitted_at=now,
            decided_at=now,
            responses_per_record=responses_per_record,
            contact="lead@example.org",
        )
        campaign = Campaign.objects.create(
            application=application,
            cohort=cohort,
            community=community,
            slug=f"bench-{stamp}",
            title=f"Bench campaign {stamp}",
            summary="Rate each prompt from 1 to 5.",
            guidelines="Rate the prompt from 1 (very bad) to 5 (very good).",
            task_kind="prompt_ranking",
            languages=list(languages),
            responses_per_record=responses_per_record,
            target_records=records,
            state=Campaign.State.OPEN,
        )
        Field.objects.create(campaign=campaign, name="prompt", title="Prompt", kind="markdown")
        Question.objects.create(
            campaign=campaign,
            name="quality",
            title="Quality",
            kind="rating",
            options=[{"value": v, "label": str(v)} for v in range(1, 6)],
        )
    with connection.cursor() as cursor:
        if user_ids is None:
            user_ids = _bench_users(cursor, stamp, users)
        users = len(user_ids)
        base = user_ids[0]
        cursor.execute(
            "INSERT INTO annotation_record (campaign_id, external_id, fields, metadata, "
            "suggestions, response_count, overlap, created_at) SELECT %s, 'r' || g, "
            "jsonb_build_object('prompt', 'Write a short poem about the number ' || g), "
            "jsonb_build_object('source', 'bench', 'n', g), '{}'::jsonb, %s, %s, now() "
            "FROM generate_series(1, %s) g",
            [campaign.pk, responses_per_record, responses_per_record, records],
        )
        cursor.execute(
            "INSERT INTO annotation_response (record_id, user_id, status, values, created_at, "
            "updated_at, seconds) SELECT r.id, %s + ((r.rn * 7 + k * 13) %% %s), 'submitted', "
            "jsonb_build_object('quality', 1 + ((r.rn * 3 + k * (1 + r.rn %% 3)) %% 5)), "
            "now() - ((r.rn %% %s) || ' days')::interval, now(), 2 + (r.rn * 11 + k) %% 90 "
            "FROM (SELECT id, "
            "row_number() OVER (ORDER BY id) AS rn FROM annotation_record "
            "WHERE campaign_id = %s) r "
            "CROSS JOIN generate_series(0, %s) k",
            [base, users, days, campaign.pk, responses_per_record - 1],
        )
    # The responses came in by SQL, as an import would: their records' stored
    # disagreement figure follows in one set-based pass.
    from annotation.spread import campaign_spread_refresh

    campaign_spread_refresh(campaign=campaign)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE annotation_record; ANALYZE annotation_response; ANALYZE accounts_user"
        )
    campaign.bench_user_ids = user_ids
    return campaign


def _bench_users(cursor, stamp: str, users: int) -> list[int]:
    """`users` new accounts with contiguous ids (one in 50 hidden from leaderboards)."""
    cursor.execute(
        "INSERT INTO accounts_user (password, is_superuser, username, first_name, "
        "last_name, email, is_staff, is_active, date_joined, hf_username, hf_avatar_url, "
        "hide_from_leaderboards, language, lead_emails_off) SELECT '!', false, %s || g, '', '', "
        "'', false, true, now(), %s || g, '', (g %% 50 = 0), '', '[]'::jsonb "
        "FROM generate_series(1, %s) g RETURNING id",
        [f"u-{stamp}-", f"hf-{stamp}-", users],
    )
    user_ids = sorted(row[0] for row in cursor.fetchall())
    assert user_ids[-1] - user_ids[0] == users - 1, "user ids are expected to be contiguous"
    return user_ids
