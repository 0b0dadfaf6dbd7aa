from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cohorts.errors import ProgrammeConflict
from hub.metadata import LICENSE_CHOICES

from .validators import (
    RESPONSES_PER_RECORD_MAX,
    RESPONSES_PER_RECORD_MIN,
    TARGET_RECORDS_MAX,
    TARGET_RECORDS_MIN,
    validate_hub_dataset_id,
    validate_language_codes,
)


class TaskKind(models.TextChoices):
    PROMPT_RANKING = "prompt_ranking", _("Prompt ranking")
    PREFERENCE = "preference", _("Preference data")
    CHAT = "chat", _("Chat dataset for a language")
    TRANSLATION = "translation", _("Translation validation")
    BENCHMARK = "benchmark", _("Domain benchmark")
    TASK_SPECIFIC = "task_specific", _("Task-specific dataset")
    OTHER = "other", _("Other")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone may contribute")
    ORGANISATION = "organisation", _("Only members of one organisation")


class Application(models.Model):
    """A community's proposal to run a campaign in a cohort."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    UNDECIDED_STATES = (State.DRAFT, State.SUBMITTED)
    DECIDED_STATES = (State.APPROVED, State.REJECTED)

    # The one place that says which state changes exist: action -> (from states, to state).
    # `None` as target: the action keeps the state (an edit).
    TRANSITIONS = {
        "update": (UNDECIDED_STATES, None),
        "submit": ((State.DRAFT,), State.SUBMITTED),
        "withdraw": (UNDECIDED_STATES, State.WITHDRAWN),
        "approve": ((State.SUBMITTED,), State.APPROVED),
        "reject": ((State.SUBMITTED,), State.REJECTED),
    }
    _REFUSALS = {
        State.DRAFT: _("it is still a draft: it must be submitted first"),
        State.SUBMITTED: _("it is already submitted"),
        State.APPROVED: _("it was already approved"),
        State.REJECTED: _("it was already rejected"),
        State.WITHDRAWN: _("it was withdrawn by the applicant"),
    }
    _REFUSED = {
        "update": _("“%(title)s” cannot be edited: %(reason)s."),
        "submit": _("“%(title)s” cannot be submitted: %(reason)s."),
        "withdraw": _("“%(title)s” cannot be withdrawn: %(reason)s."),
        "approve": _("“%(title)s” cannot be approved: %(reason)s."),
        "reject": _("“%(title)s” cannot be rejected: %(reason)s."),
    }

    cohort = models.ForeignKey(
        "cohorts.Cohort", on_delete=models.PROTECT, related_name="applications"
    )
    community = models.ForeignKey(
        "cohorts.Community", on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    co_leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="co_led_applications"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    task_kind = models.CharField(max_length=20, choices=TaskKind.choices)
    languages = models.JSONField(
        default=list, help_text="ISO 639 codes.", validators=[validate_language_codes]
    )
    source_dataset = models.CharField(
        max_length=200, blank=True, validators=[validate_hub_dataset_id]
    )
    target_records = models.PositiveIntegerField(
        validators=[MinValueValidator(TARGET_RECORDS_MIN), MaxValueValidator(TARGET_RECORDS_MAX)]
    )
    responses_per_record = models.PositiveSmallIntegerField(
        default=2,
        validators=[
            MinValueValidator(RESPONSES_PER_RECORD_MIN),
            MaxValueValidator(RESPONSES_PER_RECORD_MAX),
        ],
    )
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    visibility_org = models.CharField(max_length=96, blank=True)
    hub_namespace = models.CharField(
        max_length=96,
        blank=True,
        help_text="Where the campaign is hosted on the Hub: empty for the cohort's namespace, "
        "or one of the applicant's organisations where the site's service account can write.",
    )
    guidelines = models.TextField(blank=True)
    contact = models.CharField(max_length=200)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decided_applications",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "community"],
                condition=Q(state__in=["draft", "submitted"]),
                name="one_undecided_application_per_community_cohort",
            ),
            models.CheckConstraint(
                condition=Q(responses_per_record__gte=1), name="application_overlap_positive"
            ),
            models.CheckConstraint(
                condition=Q(visibility="public") | ~Q(visibility_org=""),
                name="application_org_visibility_names_org",
            ),
            models.CheckConstraint(
                condition=Q(
                    target_records__gte=TARGET_RECORDS_MIN, target_records__lte=TARGET_RECORDS_MAX
                ),
                name="application_target_records_in_bounds",
            ),
            models.CheckConstraint(
                condition=Q(responses_per_record__lte=RESPONSES_PER_RECORD_MAX),
                name="application_overlap_in_bounds",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["approved", "rejected"], decided_at__isnull=False)
                | (~Q(state__in=["approved", "rejected"]) & Q(decided_at__isnull=True)),
                name="application_decided_iff_decision_time",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(state="withdrawn") | Q(submitted_at__isnull=False),
                name="application_submitted_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.community})"

    @property
    def is_undecided(self) -> bool:
        return self.state in self.UNDECIDED_STATES

    @property
    def hosting_namespace(self) -> str:
        """Where its campaign is (or would be) hosted on the Hub."""
        return self.hub_namespace or self.cohort.namespace

    def can(self, action: str) -> bool:
        return self.state in self.TRANSITIONS[action][0]

    def transition_target(self, action: str) -> str:
        """The state `action` leads to, or ProgrammeConflict saying why it may not happen."""
        sources, target = self.TRANSITIONS[action]
        if self.state not in sources:
            raise ProgrammeConflict(
                self._REFUSED[action] % {"title": self.title, "reason": self._REFUSALS[self.state]}
            )
        return self.state if target is None else target

    def languages_display(self) -> str:
        from .validators import language_name

        return ", ".join(f"{language_name(c) or c} ({c})" for c in self.languages)


class CampaignQuerySet(models.QuerySet):
    def public(self):
        return self.filter(visibility=Visibility.PUBLIC)


class Campaign(models.Model):
    """What an approved application becomes: the work annotators do and its result."""

    class State(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        READY = "ready", _("Ready")
        OPEN = "open", _("Open")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="campaign"
    )
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.PROTECT, related_name="campaigns")
    community = models.ForeignKey(
        "cohorts.Community", on_delete=models.PROTECT, related_name="campaigns"
    )
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    guidelines = models.TextField(blank=True)
    task_kind = models.CharField(max_length=20, choices=TaskKind.choices)
    # ISO 639 codes; the first is the default language of its records and answers.
    languages = models.JSONField(
        default=list, help_text="ISO 639 codes.", validators=[validate_language_codes]
    )
    source_dataset = models.CharField(max_length=200, blank=True)
    target_records = models.PositiveIntegerField(default=0)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    visibility_org = models.CharField(max_length=96, blank=True)
    responses_per_record = models.PositiveSmallIntegerField(default=2)
    hub_namespace = models.CharField(
        max_length=96,
        blank=True,
        help_text="The Hub namespace its dataset and Space are named in; fixed at approval "
        "(repositories are never moved).",
    )
    lease_seconds = models.PositiveIntegerField(default=15 * 60)
    draft_hold_seconds = models.PositiveIntegerField(
        default=2 * 3600,
        help_text="How long, from its first save, a draft may keep its record reserved "
        "(each save extends the reservation by lease_seconds, up to this; 0: not at all).",
    )
    # Serve one gold record (annotation/gold.py) in this many of an annotator's requests
    # for the next record; 0: never.
    gold_every = models.PositiveIntegerField(
        default=0,
        help_text="Serve each annotator one gold record in this many records (0: never).",
    )
    state = models.CharField(max_length=14, choices=State.choices, default=State.PROVISIONING)
    state_message = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was last closed (its lead may reopen it a while)."
    )
    publish_usernames = models.BooleanField(
        default=False, help_text="Publish Hugging Face handles instead of pseudonyms."
    )
    publish_argilla_layout = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Publications also write Argilla's layout (.argilla/settings.json and the "
        "records as Argilla exports them, config `argilla`), so Argilla can load the dataset.",
    )
    license = models.CharField(
        max_length=40,
        default="cc-by-4.0",
        choices=LICENSE_CHOICES,
        help_text="The published dataset's licence, one of the identifiers the Hub accepts.",
    )
    # Per-annotator quality (issue 14): an annotator is flagged when a figure crosses one
    # of these (applied when the table is read, so changing them re-flags at once).
    quality_max_straight_line = models.FloatField(
        default=0.8,
        db_default=0.8,
        help_text="Flag above this share of identical answers in a row (0-1).",
    )
    quality_min_agreement = models.FloatField(
        default=0.5,
        db_default=0.5,
        help_text="Flag below this agreement with other annotators (0-1).",
    )
    quality_min_seconds = models.FloatField(
        default=3.0, db_default=3.0, help_text="Flag below this median time per record (seconds)."
    )
    quality_max_rejected = models.FloatField(
        default=0.3, db_default=0.3, help_text="Flag above this share of rejected responses (0-1)."
    )
    quality_min_gold = models.FloatField(
        default=0.7, db_default=0.7, help_text="Flag below this gold accuracy (0-1)."
    )
    # Kept by webhooks/ (signals on its endpoints): the event types the campaign's active
    # endpoints subscribe to, so that emitting an event nobody wants costs no query.
    webhook_events = models.JSONField(default=list, blank=True, editable=False)
    # When its leads were told that every record has all its responses (sent once).
    completion_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(responses_per_record__gte=1), name="campaign_overlap_positive"
            ),
            models.CheckConstraint(
                condition=Q(lease_seconds__gte=30), name="campaign_lease_at_least_30s"
            ),
            models.CheckConstraint(
                condition=Q(visibility="public") | ~Q(visibility_org=""),
                name="campaign_org_visibility_names_org",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.hub_namespace:
            application = self.application if self.application_id else None
            self.hub_namespace = (application and application.hub_namespace) or (
                self.cohort.namespace
            )
        super().save(*args, **kwargs)

    @property
    def hub_private(self) -> bool:
        """Its repositories on the Hub are private: an organisation-only campaign's data
        and Space are for members only. Passed explicitly at creation (the Hub's default is
        public), and never changed afterwards by this site."""
        return self.visibility == Visibility.ORGANISATION

    @property
    def repo_id(self) -> str:
        return f"{self.hub_namespace}/{self.slug}"


class CampaignReviewer(models.Model):
    """A campaign role between annotator and lead, named by a lead: reviewers see the
    records browser and the review queue, accept or reject responses and comment."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewing"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="uniq_campaign_reviewer")
        ]

    def __str__(self):
        return f"{self.user_id} reviews {self.campaign_id}"


class CampaignBlock(models.Model):
    """An annotator blocked from a campaign: the campaign answers 404 to them, their
    responses leave the dataset and their slots return to the pool. Unblocking deletes
    the row (annotation/review.py annotator_unblock)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="blocks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_blocks"
    )
    reason = models.TextField(blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="uniq_campaign_block")
        ]
        indexes = [models.Index(fields=["user", "campaign"], name="campaign_block_user")]

    def __str__(self):
        return f"{self.user_id} blocked from {self.campaign_id}"


from .dashboards.models import CampaignStats  # noqa: E402, F401  (registers the models)
from .exports.models import ExportJob  # noqa: E402, F401  (registers the model)
from .provisioning.models import Provisioning  # noqa: E402, F401  (registers the model)
from .publishing.models import Publication  # noqa: E402, F401  (registers the models)
