from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CohortQuerySet(models.QuerySet):
    def accepting_applications(self, now=None):
        now = now or timezone.now()
        return self.filter(
            state=Cohort.State.OPEN,
            applications_open_at__lte=now,
            applications_close_at__gt=now,
        )

    def published(self):
        """Cohorts anyone may see: drafts are for organisers only."""
        return self.exclude(state=Cohort.State.DRAFT)

    def open_first(self, now=None):
        """Accepting applications first (closing soonest first), then announced ones, then
        the rest, newest first."""
        now = now or timezone.now()
        rank = models.Case(
            models.When(
                state=Cohort.State.OPEN,
                applications_open_at__lte=now,
                applications_close_at__gt=now,
                then=models.Value(0),
            ),
            models.When(
                state=Cohort.State.OPEN, applications_open_at__gt=now, then=models.Value(1)
            ),
            default=models.Value(2),
        )
        return self.alias(listing_rank=rank).order_by(
            "listing_rank", "applications_close_at", "-applications_open_at"
        )


class SpaceKind(models.TextChoices):
    """What Space each campaign of a cohort gets on the Hub."""

    STATIC = "static", _("Static page (free everywhere)")
    ARGILLA = "argilla", _("Argilla Space (Docker: needs a paid plan or a grant)")
    NONE = "none", _("No Space")


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
    places_taken = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Approved applications; kept by the approval service under a row lock.",
    )
    hub_namespace = models.CharField(
        max_length=96,
        blank=True,
        help_text="The Hugging Face organisation where this cohort's campaigns live (the "
        "site's service account must be able to write there). Empty: the HUB_NAMESPACE "
        "setting.",
    )
    space_kind = models.CharField(
        max_length=10,
        choices=SpaceKind.choices,
        default=SpaceKind.STATIC,
        help_text="Static pages are free; an Argilla Space is a Docker Space, which the Hub "
        "lets only namespaces with a paid plan create.",
    )
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
                violation_error_message="Applications must close after they open.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="cohort_capacity_positive",
                violation_error_message="A cohort has at least one place.",
            ),
            models.CheckConstraint(
                condition=Q(places_taken__lte=models.F("capacity")),
                name="cohort_places_taken_within_capacity",
            ),
        ]

    # The one place that says which state changes exist: action -> (from states, to state).
    TRANSITIONS = {
        "open": ((State.DRAFT, State.CLOSED), State.OPEN),
        "close": ((State.OPEN,), State.CLOSED),
    }

    def __str__(self):
        return self.name

    def transition_target(self, action: str) -> str:
        """The state `action` leads to, or ProgrammeConflict saying why it may not happen."""
        from .errors import ProgrammeConflict

        sources, target = self.TRANSITIONS[action]
        if self.state not in sources:
            raise ProgrammeConflict(
                f"Cohort “{self.name}” is {self.get_state_display().lower()}; it cannot be "
                f"{'opened' if action == 'open' else 'closed'}."
            )
        return target

    @property
    def namespace(self) -> str:
        """Where its campaigns are hosted unless an application names another namespace."""
        return self.hub_namespace or settings.HUB_NAMESPACE

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_taken >= self.capacity

    def window_phase(self, now=None) -> str:
        """'upcoming', 'accepting' or 'ended' for an open cohort; 'closed' or 'draft' else."""
        if self.state != self.State.OPEN:
            return self.state
        now = now or timezone.now()
        if now < self.applications_open_at:
            return "upcoming"
        if now < self.applications_close_at:
            return "accepting"
        return "ended"

    def is_accepting(self, now=None) -> bool:
        return self.window_phase(now) == "accepting"


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
