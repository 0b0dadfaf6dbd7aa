"""Publications (workflow rows) and each campaign's publishing policy."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from commonset.workflows import Workflow

__all__ = [
    "Publication",
    "PublicationPolicy",
]


class Publication(Workflow):
    """One push of the aggregated dataset to the Hub (or the local hub folder): a workflow
    row (commonset.workflows) with one step."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Retry scheduled"
        SUCCEEDED = "succeeded", "Published"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "On demand"
        SCHEDULE = "schedule", "Schedule"

    FINAL_STATES = (State.SUCCEEDED, State.FAILED)

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="publications"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    include_in_progress = models.BooleanField(
        default=False, help_text="Also publish records that do not have all their responses."
    )
    backend = models.CharField(max_length=20, blank=True)
    repo_id = models.CharField(max_length=200, blank=True)
    commit_id = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=500, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    rows_in_progress = models.PositiveIntegerField(null=True, blank=True)
    responses = models.PositiveIntegerField(null=True, blank=True)
    contributors = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    # Per question: kind, alpha, level, mean agreement ratio (what the card shows).
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(state__in=["pending", "running", "waiting"]),
                name="one_active_publication_per_campaign",
            ),
            models.CheckConstraint(
                condition=~Q(state="succeeded") | ~Q(commit_id=""),
                name="publication_succeeded_has_commit",
            ),
        ]
        indexes = [
            models.Index(
                fields=["state", "next_attempt_at"],
                name="publication_due_idx",
                condition=Q(state__in=["pending", "running", "waiting"]),
            ),
            models.Index(fields=["campaign", "-created_at"], name="publication_campaign_idx"),
        ]

    def __str__(self):
        return f"Publication {self.pk} of {self.campaign_id} ({self.state})"

    @property
    def web_url(self) -> str:
        """The URL when a browser can open it (the Hub's); empty for the local hub folder's
        file:// address, which browsers refuse to open from a web page."""
        return self.url if self.url.startswith(("https://", "http://")) else ""

    @property
    def local_path(self) -> str:
        return self.url.removeprefix("file://") if self.url.startswith("file://") else ""


class PublicationPolicy(models.Model):
    """When a campaign is published on its own, and what goes in. A campaign without a
    row uses the defaults (daily, completed records only)."""

    DEFAULT_EVERY_HOURS = 24

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="publication_policy"
    )
    every_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_EVERY_HOURS,
        help_text="Publish automatically this often while the campaign is open or paused "
        "(0 = only on demand). Nothing is published when nothing changed.",
    )
    include_in_progress = models.BooleanField(
        default=False,
        help_text="Also publish records that do not have all their responses yet "
        "(marked status = in_progress).",
    )
    only_reviewed = models.BooleanField(
        default=False,
        help_text="Publish only responses a lead or reviewer accepted (rejected responses "
        "and blocked annotators' responses are always left out).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "publication policies"

    def __str__(self):
        return f"Publishing policy of {self.campaign_id}"
