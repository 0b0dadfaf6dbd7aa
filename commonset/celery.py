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
    # Re-sends lost provisioning steps and revives those whose worker died (settings.py
    # documents PROVISIONING_SWEEP_SECONDS; read here from the environment because the
    # Django settings are not loaded yet when this module is imported).
    "provisioning-sweep": {
        "task": "campaigns.provisioning.sweep",
        "schedule": float(os.environ.get("PROVISIONING_SWEEP_SECONDS", "60")),
    },
    # Imports: resumes jobs whose worker stopped sending heartbeats (annotation/imports/jobs.py).
    "imports-sweep": {
        "task": "annotation.tasks.imports_sweep_task",
        "schedule": 60,
    },
    # Publications: re-sends lost runs, revives dead ones, and requests the scheduled
    # publication of open/paused campaigns that changed (campaigns/publishing/services.py).
    "publication-sweep": {
        "task": "campaigns.publishing.sweep",
        "schedule": float(os.environ.get("PUBLICATION_SWEEP_SECONDS", "300")),
    },
    # Export jobs: re-sends lost runs, revives dead ones, removes expired files
    # (campaigns/exports/jobs.py).
    "export-sweep": {
        "task": "campaigns.exports.sweep",
        "schedule": 60,
    },
    # Webhook deliveries: re-sends lost messages, runs due retries (webhooks/services.py).
    "webhook-sweep": {
        "task": "webhooks.sweep",
        "schedule": 60,
    },
}
