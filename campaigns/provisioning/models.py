"""The provisioning workflow of one campaign: a row the steps re-read, not a message.

Each step claims the row (state running, heartbeat, attempts + 1), does its Hub calls
outside any transaction, then records the outcome and schedules the next step on commit.
The columns and helpers every workflow shares (state, attempts, `seq`, heartbeat, next
attempt, last error; claim, retry, sweep) are `commonset.workflows`'; this row adds the
steps and what they found.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commonset.workflows import Workflow

__all__ = ["Provisioning"]


class Provisioning(Workflow):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "A step is running"
        WAITING = "waiting", "Waiting (retry or next check scheduled)"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (no Hub configured)"

    class Step(models.TextChoices):
        DATASET = "dataset", "Create the dataset repository"
        BUCKET = "bucket", "Create the storage bucket"
        SPACE = "space", "Duplicate the Space template"
        CONFIGURE = "configure", "Apply secrets, variables, hardware and storage"
        SIGN_IN = "sign_in", "Set who may sign in to the Space"
        WAIT = "wait", "Wait for the Space to run"
        DONE = "done", "Done"

    FINAL_STATES = (State.SUCCEEDED, State.FAILED, State.SKIPPED)

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="provisioning"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.DATASET)
    # Per step: {"state", "attempts", "delays": [seconds], "result", "started_at", "finished_at"}
    steps = models.JSONField(default=dict, blank=True)
    stage = models.CharField(max_length=24, blank=True, help_text="The Space's runtime stage.")
    polls = models.PositiveIntegerField(default=0)
    restarted = models.BooleanField(default=False)
    restart_on_error = models.BooleanField(
        default=False, help_text="Set by a retry: restart a Space found in an error stage once."
    )
    space_existed = models.BooleanField(default=False)
    space_id = models.CharField(max_length=200, blank=True)
    dataset_id = models.CharField(max_length=200, blank=True)
    bucket_id = models.CharField(max_length=200, blank=True)
    space_url = models.URLField(max_length=500, blank=True)
    dataset_url = models.CharField(max_length=500, blank=True)
    # Names only: secret values are never stored.
    secret_names = models.JSONField(default=list, blank=True)
    variable_names = models.JSONField(default=list, blank=True)
    hardware = models.CharField(max_length=40, blank=True)
    authorized_org = models.CharField(max_length=96, blank=True)
    message = models.CharField(max_length=500, blank=True)
    # Which Space this run made: the cohort's Space kind, read when provisioning starts or
    # is retried (an organiser may switch a cohort to "static" after a 402).
    space_kind = models.CharField(max_length=10, blank=True)
    # The static Space's page (campaigns/provisioning/page.py): a digest of the files last
    # committed and of the campaign texts they show, when it was last refreshed, and when
    # the next coalesced refresh is due (null: none scheduled).
    page_digest = models.CharField(max_length=64, blank=True)
    page_texts_digest = models.CharField(max_length=64, blank=True)
    page_refreshed_at = models.DateTimeField(null=True, blank=True)
    page_due_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "provisioning"
        verbose_name_plural = "provisioning"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["state", "next_attempt_at"],
                name="provisioning_due_idx",
                condition=Q(state__in=["pending", "running", "waiting"]),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="succeeded") | Q(step="done"),
                name="provisioning_succeeded_is_done",
            ),
        ]

    def __str__(self):
        return f"Provisioning of {self.campaign_id}: {self.step} ({self.state})"

    # --- plain words for the campaign page ---------------------------------------------
    STEP_ORDER = [
        Step.DATASET,
        Step.BUCKET,
        Step.SPACE,
        Step.CONFIGURE,
        Step.SIGN_IN,
        Step.WAIT,
    ]
    PLAIN_STEPS = {
        Step.DATASET: _("Dataset repository for the published data"),
        Step.BUCKET: _("Storage for the Space (a bucket mounted at /data)"),
        Step.SPACE: _("The campaign's Space, copied from the cohort's template"),
        Step.CONFIGURE: _("Space settings: secrets, variables, hardware, storage"),
        Step.SIGN_IN: _("Who may sign in to the Space"),
        Step.WAIT: _("The Space starting up"),
    }

    # Which steps each Space kind runs (cohorts.models.SpaceKind); the others are recorded
    # as skipped with the reason below.
    FLOWS = {
        "argilla": [Step.DATASET, Step.BUCKET, Step.SPACE, Step.CONFIGURE, Step.SIGN_IN, Step.WAIT],
        "static": [Step.DATASET, Step.SPACE, Step.WAIT],
        "none": [Step.DATASET],
    }
    SKIP_REASONS = {
        "static": {
            Step.BUCKET: "Not needed: a static page stores nothing.",
            Step.CONFIGURE: "Not needed: a static page has no secrets, variables or hardware.",
            Step.SIGN_IN: "Not needed: nobody signs in to a static page; annotators sign in "
            "on this site.",
        },
        "none": dict.fromkeys(
            [Step.BUCKET, Step.SPACE, Step.CONFIGURE, Step.SIGN_IN, Step.WAIT],
            "Not needed: this cohort gives its campaigns no Space (Space kind “none”); "
            "annotation happens on this site.",
        ),
    }
    STATIC_STEPS = {
        Step.SPACE: _("The campaign's page on the Hub (a free static Space)"),
        Step.WAIT: _("The page being served"),
    }

    @property
    def kind(self) -> str:
        return self.space_kind or "argilla"  # rows from before kinds ran the Argilla steps

    @property
    def kind_label(self) -> str:
        from cohorts.models import SpaceKind

        return SpaceKind(self.kind).label if self.kind in SpaceKind.values else self.kind

    def flow(self) -> list[str]:
        return self.FLOWS.get(self.kind, self.FLOWS["argilla"])

    def skip_reason(self, step: str) -> str:
        return self.SKIP_REASONS.get(self.kind, {}).get(step, "")

    def step_label(self, step: str) -> str:
        if self.kind == "static" and step in self.STATIC_STEPS:
            return self.STATIC_STEPS[step]
        return self.PLAIN_STEPS[step]

    def step_state(self, step: str) -> str:
        return (self.steps.get(step) or {}).get("state", "pending")

    def progress(self) -> list[dict]:
        """One entry per step for a checklist: label and done / current / failed / todo /
        skipped (with why)."""
        rows = []
        flow = self.flow()
        for step in self.STEP_ORDER:
            recorded = self.step_state(step)
            if recorded in ("done", "skipped"):
                status = recorded
            elif step not in flow:
                status = "skipped"
            elif step == self.step and self.state == self.State.FAILED:
                status = "failed"
            elif step == self.step and self.is_active:
                status = "current"
            else:
                status = "todo"
            entry = self.steps.get(step) or {}
            rows.append(
                {
                    "step": step,
                    "label": self.step_label(step),
                    "status": status,
                    "note": entry.get("result", "") if status == "skipped" else "",
                    "attempts": entry.get("attempts", 0),
                    "last_error": entry.get("last_error", ""),
                }
            )
        return rows

    def percent(self) -> int:
        if self.state in (self.State.SUCCEEDED, self.State.SKIPPED):
            return 100
        done = sum(1 for row in self.progress() if row["status"] in ("done", "skipped"))
        return int(100 * done / len(self.STEP_ORDER))

    def headline(self) -> str:
        if self.state == self.State.SUCCEEDED and self.kind == "none":
            return _("Your campaign's dataset repository is ready (this cohort gives no Space).")
        if self.state == self.State.SUCCEEDED and self.kind == "static":
            return _("Your campaign's page on the Hub and its dataset repository are ready.")
        if self.state == self.State.SUCCEEDED:
            return _("Your campaign's Space and dataset are ready.")
        if self.state == self.State.SKIPPED:
            return _("Provisioning was skipped: no Hugging Face Hub is configured on this site.")
        if self.state == self.State.FAILED:
            return _("Setting up your campaign's Space and dataset has stopped on an error.")
        if self.step == self.Step.WAIT:
            stage = (self.stage or "starting").replace("_", " ").lower()
            if self.kind == "static":
                return _("Your campaign's page is being published on the Hub (now: %(stage)s).") % {
                    "stage": stage
                }
            return _("Your Space is being built and started (now: %(stage)s).") % {"stage": stage}
        if self.attempts and self.last_error:
            return _("Setting up your campaign is taking longer than usual; it is retrying.")
        return _("Your campaign's Space and dataset are being set up.")
