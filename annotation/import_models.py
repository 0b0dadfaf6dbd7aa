"""The import job's row (annotation/imports runs it): a workflow of one step that brings
records in from a file, a Hub dataset or an Argilla export, batch by batch. Imported by
models.py, which registers the model."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from commonset.workflows import Workflow


class ImportJob(Workflow):
    """Records coming in from a file or a Hub dataset, batch by batch: a workflow row
    (commonset.workflows) with one step.

    `rows_done` counts rows committed; a retry resumes after them. Each batch and the
    progress that counts it commit together, so a batch is all-or-nothing.
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", "uploaded file"
        HUB = "hub", "Hugging Face dataset"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSONL = "jsonl", "JSON lines"
        PARQUET = "parquet", "Parquet"

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        WAITING = "waiting", "Retry scheduled"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    format = models.CharField(max_length=8, choices=Format.choices, blank=True)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    hub_repo = models.CharField(max_length=200, blank=True)
    hub_config = models.CharField(max_length=100, blank=True)
    hub_split = models.CharField(max_length=100, blank=True, default="train")
    hub_revision = models.CharField(max_length=100, blank=True)
    mapping = models.JSONField(
        default=dict,
        help_text='{"external_id": col, "fields": {field: col}, "metadata": [col, …], '
        '"suggestions": {question: col}}',
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    records_created = models.PositiveIntegerField(default=0)
    records_updated = models.PositiveIntegerField(default=0)
    error_row = models.PositiveIntegerField(
        null=True, blank=True, help_text="Line (CSV, JSONL) or row (parquet, Hub) of the error."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(state__in=["pending", "running", "waiting"]),
                name="one_active_import_per_campaign",
            )
        ]

    def __str__(self):
        return f"import {self.pk} into {self.campaign_id} ({self.state})"

    @property
    def percent(self) -> int | None:
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.rows_total:
            return None
        return min(100, int(100 * self.rows_done / self.rows_total))

    @property
    def source_label(self) -> str:
        if self.source == self.Source.HUB:
            split = self.hub_split or "train"
            config = f" ({self.hub_config})" if self.hub_config else ""
            return f"{self.hub_repo}{config} [{split}]"
        return self.file_name
