from django.conf import settings
from django.db import models


class Field(models.Model):
    """What a record shows: one named piece of its content."""

    class Kind(models.TextChoices):
        TEXT = "text"
        MARKDOWN = "markdown"
        CHAT = "chat", "chat transcript"

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="fields"
    )
    name = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="uniq_field_name_per_campaign"
            )
        ]

    def __str__(self):
        return self.title


class Question(models.Model):
    """What annotators answer about each record.

    `options` holds the choices: for a rating, [{"value": 1, "label": "Poor"}, …]; for a
    label, multi-label or ranking, [{"value": "yes", "label": "Yes"}, …]; empty for text.
    """

    class Kind(models.TextChoices):
        RATING = "rating"
        LABEL = "label"
        MULTI_LABEL = "multi_label", "multi-label"
        RANKING = "ranking"
        TEXT = "text"

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="questions"
    )
    name = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    required = models.BooleanField(default=True)
    options = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="uniq_question_name_per_campaign"
            )
        ]

    def __str__(self):
        return self.title


class Record(models.Model):
    """One item to annotate."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="records"
    )
    external_id = models.CharField(max_length=200)
    fields = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict, blank=True)
    suggestions = models.JSONField(default=dict, blank=True)
    # Submitted responses so far, kept with the response in one transaction so that
    # assignment and dashboards never count rows.
    response_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "external_id"], name="uniq_record_external_id"
            )
        ]

    def __str__(self):
        return f"{self.campaign_id}:{self.external_id}"


class Response(models.Model):
    """One user's answers to one record."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted"
        DISCARDED = "discarded"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responses"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    values = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "user"], name="one_response_per_user_record"),
        ]

    def __str__(self):
        return f"{self.user_id} on {self.record_id} ({self.status})"
