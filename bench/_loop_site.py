"""The site that bench/loop.py measures: its environment (PostgreSQL and Redis as in
production), its database, the seeded campaign and the assignment invariants checked after
a run. The fault drills (tests/faults/) and the import benchmark use these too."""

import os

DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/commonset_bench_loop"
)
# The sites under test run as in production, with Redis (cache, throttle counts, Celery's
# broker: tasks queue without running, no worker is started). Without it the cache would be
# files and Celery eager, which is the embedded default, not what the loop budget is about.
# The system compared with --compare takes the next database number.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def redis_url_next(url: str) -> str:
    base, number = url.rsplit("/", 1)
    return f"{base}/{int(number) + 1}"


def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def server_env(db_url: str = DB_URL, redis_url: str | None = None) -> dict:
    env = dict(os.environ)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(
        DATABASE_URL=db_url,
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        LOG_LEVEL="WARNING",
        DB_CONN_MAX_AGE="600",
    )
    return env


def recreate_database(db_url: str = DB_URL) -> None:
    import psycopg

    base, name = db_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ.update(server_env())
    os.environ["DJANGO_SETTINGS_MODULE"] = "commonset.settings"
    import django

    django.setup()


def make_campaign(records: int, annotators: int) -> tuple[str, list[tuple[str, str]]]:
    """A campaign of `records` records x 2 responses and its annotators, as
    (slug, [(username, API token)])."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from accounts.services import api_token_create
    from annotation.models import Field, Question, Record
    from annotation.slots import slots_create
    from campaigns.models import Application, Campaign
    from cohorts.models import Cohort, Community

    now = timezone.now()
    lead = User.objects.create_user("bench-lead", password=None)
    cohort = Cohort.objects.create(
        name="Bench",
        slug="bench",
        applications_open_at=now - timedelta(days=1),
        applications_close_at=now + timedelta(days=1),
        capacity=1,
        state="open",
    )
    community = Community.objects.create(handle="bench-org")
    application = Application.objects.create(
        cohort=cohort,
        community=community,
        applicant=lead,
        state="approved",
        title="Bench",
        summary="Bench",
        task_kind="prompt_ranking",
        target_records=max(10, records),
        responses_per_record=2,
        contact="bench@example.org",
        submitted_at=now,
        decided_at=now,
    )
    campaign = Campaign.objects.create(
        application=application,
        cohort=cohort,
        community=community,
        slug="bench",
        title="Bench",
        task_kind="prompt_ranking",
        responses_per_record=2,
        state="open",
    )
    Field.objects.create(campaign=campaign, name="prompt", title="Prompt", kind="markdown")
    Question.objects.create(
        campaign=campaign,
        name="quality",
        title="Quality",
        kind="rating",
        options=[{"value": v, "label": str(v)} for v in range(1, 6)],
    )
    made = Record.objects.bulk_create(
        [
            Record(
                campaign=campaign,
                external_id=f"r{i}",
                fields={"prompt": f"Prompt number {i}: write a short poem about the sea."},
                overlap=2,
            )
            for i in range(records)
        ],
        batch_size=5000,
    )
    slots_create(campaign=campaign, record_ids=[r.pk for r in made], overlap=2)
    tokens = []
    for i in range(annotators):
        user = User.objects.create_user(f"bench-annotator-{i}", password=None)
        issued = api_token_create(user=user, name="bench", scope="annotate")
        tokens.append((user.username, issued.raw))
    return campaign.slug, tokens


def check_invariants(cursor, slug: str) -> list[str]:
    """The assignment invariants of DESIGN.md, checked through any DB-API cursor (Django's,
    or psycopg's on a database this process has no settings for)."""
    problems = []
    cursor.execute(
        """SELECT count(*) FROM annotation_record r
           WHERE r.campaign_id = (SELECT id FROM campaigns_campaign WHERE slug=%s)
           AND (SELECT count(*) FROM annotation_response x
                WHERE x.record_id = r.id AND x.status='submitted') > 2""",
        [slug],
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} records with more than 2 submitted responses")
    cursor.execute(
        """SELECT count(*) FROM annotation_record r
           WHERE r.campaign_id = (SELECT id FROM campaigns_campaign WHERE slug=%s)
           AND r.response_count <> (SELECT count(*) FROM annotation_response x
                WHERE x.record_id = r.id AND x.status='submitted')""",
        [slug],
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} records whose response_count disagrees with their responses")
    cursor.execute(
        """SELECT count(*) FROM (SELECT record_id, user_id FROM annotation_response
           GROUP BY 1, 2 HAVING count(*) > 1) d"""
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} duplicate (record, user) responses")
    cursor.execute(
        """SELECT count(*) FROM (SELECT record_id, count(*) FROM annotation_slot
           WHERE filled GROUP BY 1 HAVING count(*) > 2) d"""
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} records with more than 2 filled slots")
    cursor.execute(
        """SELECT count(*) FROM (SELECT holder_id, campaign_id FROM annotation_slot
           WHERE NOT filled AND holder_id IS NOT NULL AND expires_at > now()
           GROUP BY 1, 2 HAVING count(*) > 1) d"""
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} users holding two live leases")
    return problems
