from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CohortQuerySet(models.QuerySet):
    def accepting_applications(self, now=None):
        now = now or timezone.now()
        return self.filter(
            state=Cohort.State.OPEN,
            applications_open_at__lte=now,
            applications_close_at__gt=now,
        )


class Cohort(models.Model):
    """A round of the programme: an application window, a number of places, and perks."""

    class State(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        CLOSED = "closed"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    applications_open_at = models.DateTimeField()
    applications_close_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(help_text="How many campaigns can be accepted.")
    space_template = models.CharField(max_length=200, default="argilla/argilla-template-space")
    space_hardware = models.CharField(max_length=40, default="cpu-upgrade")
    storage_description = models.CharField(
        max_length=200,
        default="A storage bucket mounted at /data",
        help_text="What members get as persistent storage, in words.",
    )
    community_channel_url = models.URLField(
        blank=True, help_text="Shown only to leads of accepted campaigns and organisers."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-applications_open_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applications_close_at__gt=models.F("applications_open_at")),
                name="cohort_window_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="cohort_capacity_positive"),
        ]

    def __str__(self):
        return self.name


class Community(models.Model):
    """The group behind campaigns: a Hugging Face organisation, or a user's own namespace."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation"
        USER = "user"

    handle = models.CharField(max_length=96, unique=True, help_text="Hugging Face namespace.")
    display_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ORGANISATION)
    avatar_url = models.URLField(blank=True, max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["handle"]
        verbose_name_plural = "communities"

    def __str__(self):
        return self.display_name or self.handle
