"""The Celery application. Configuration lives in settings.py under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonset.settings")

app = Celery("commonset")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code so every deployment runs the same periodic work.
app.conf.beat_schedule = {
    "api-tokens-purge-expired": {
        "task": "accounts.tasks.api_tokens_purge_expired",
        "schedule": 60 * 60 * 24,
    },
}
