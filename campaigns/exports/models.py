"""Export jobs: a campaign's export written in the background to a file in storage, then
downloaded until it expires (a workflow row, commonset.workflows, with one step)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from commonset.workflows import Workflow

__all__ = ["ExportJob"]


class ExportJob(Workflow):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Retry scheduled"
        SUCCEEDED = "succeeded", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired (file removed)"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSONL = "jsonl", "JSON lines"  # the labels of ImportJob.Format: one enum in the API
        PARQUET = "parquet", "Parquet"

    FINAL_STATES = (State.SUCCEEDED, State.FAILED, State.EXPIRED)

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="export_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    format = models.CharField(max_length=8, choices=Format.choices)
    # What the requester could export when asking (campaigns/exports/selectors.py): a lead
    # gets the live data; anyone else the latest publication's selection.
    as_lead = models.BooleanField(default=False)
    include_in_progress = models.BooleanField(default=False)
    records_total = models.PositiveIntegerField(null=True, blank=True)
    records_done = models.PositiveIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["state", "next_attempt_at"],
                name="export_job_due_idx",
                condition=Q(state__in=["pending", "running", "waiting"]),
            ),
            models.Index(
                fields=["state", "expires_at"],
                name="export_job_expiry_idx",
                condition=Q(state="succeeded"),
            ),
            models.Index(
                fields=["campaign", "requested_by", "-created_at"], name="export_job_owner_idx"
            ),
        ]
        constraints = [
            # One queued or running export per person, campaign, format and view: two
            # simultaneous requests must not write the same file twice (jobs.py).
            models.UniqueConstraint(
                fields=["campaign", "requested_by", "format", "as_lead"],
                condition=Q(state__in=["pending", "running", "waiting"]),
                name="export_job_one_active",
            ),
        ]

    def __str__(self):
        return f"Export {self.pk} of {self.campaign_id} ({self.format}, {self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.records_total:
            return 0
        return min(99, self.records_done * 100 // self.records_total)
