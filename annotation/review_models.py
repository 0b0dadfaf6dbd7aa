"""Review history and record comments (issue 14). Imported by models.py, which registers
them; the review use cases are in review.py."""

from django.conf import settings
from django.db import models

from .models import Record, Response, ReviewStatus


class Review(models.Model):
    """One decision of a lead or reviewer on a response: the response's history."""

    class Decision(models.TextChoices):
        ACCEPT = "accept"
        REJECT = "reject"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=6, choices=Decision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.decision} of response {self.response_id}"

    @property
    def status(self) -> str:
        return (
            ReviewStatus.ACCEPTED
            if self.decision == self.Decision.ACCEPT
            else (ReviewStatus.REJECTED)
        )


class RecordComment(models.Model):
    """A note on a record by a lead, a reviewer or one of its annotators."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"comment {self.pk} on {self.record_id}"
