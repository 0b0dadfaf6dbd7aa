"""Celery finds tasks in `<app>.tasks`: each feature's tasks module is imported here."""

from .provisioning.tasks import provisioning_step, provisioning_sweep  # noqa: F401
from .publishing.tasks import publication_run, publication_sweep  # noqa: F401
