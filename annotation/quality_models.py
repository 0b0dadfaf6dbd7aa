"""The stored per-annotator quality table (issue 14): one row per campaign × annotator,
computed in one set-based pass by annotation/quality.py and read by the lead's page and
API. Flags are not stored: thresholds change, so they are applied when the table is read.
Imported by models.py, which registers the model."""

from django.conf import settings
from django.db import models


class AnnotatorQuality(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    responses = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejected_share = models.FloatField(default=0.0)
    median_seconds = models.FloatField(null=True)
    # Share of the annotator's responses (after their first, in submit order) whose answers
    # to the non-text questions equal those of the response before.
    straight_line = models.FloatField(null=True)
    # Mean agreement with the other annotators of the same records, per question kind
    # (null: nothing to compare), and the lowest of them (sorting, the flag).
    agreement_label = models.FloatField(null=True)
    agreement_rating = models.FloatField(null=True)
    agreement_multi_label = models.FloatField(null=True)
    agreement_ranking = models.FloatField(null=True)
    agreement = models.FloatField(null=True)
    compared = models.PositiveIntegerField(default=0)  # answer pairs compared
    # Gold records (annotation/gold.py): expected answers given and matched, and the share.
    gold_total = models.PositiveIntegerField(default=0, db_default=0)
    gold_correct = models.PositiveIntegerField(default=0, db_default=0)
    gold_accuracy = models.FloatField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="uniq_quality_per_annotator")
        ]

    def __str__(self):
        return f"quality of {self.user_id} in {self.campaign_id}"
