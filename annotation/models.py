"""Fields and questions, records, slots (assignment), responses, skips and import jobs.

Assignment invariants live in the database:
- a record has exactly `overlap` slots (unique (record, number), 1 <= number); a slot is
  held by at most one user at a time (its `holder` column), and one user holds at most one
  slot of a record (unique (record, holder));
- `Record.response_count` counts submitted responses, is updated with them in one
  transaction, and a check keeps it <= `Record.overlap` (the campaign's
  responses_per_record, denormalised) even against a bug;
- one response per (record, user).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from campaigns.validators import validate_language_code


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
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    # The language of this field's text when it is not the campaign's first one (e.g. the
    # English source beside an Arabic target): its `lang` and `dir` in pages.
    language = models.CharField(
        max_length=12,
        blank=True,
        validators=[validate_language_code],
        help_text="ISO 639 code of this field's text; empty for the campaign's first language.",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="uniq_field_name_per_campaign"
            )
        ]

    def __str__(self):
        return self.title

    def language_in(self, campaign) -> str:
        """The language code of this field's text in `campaign` ("" when none is known)."""
        return self.language or next(iter(campaign.languages or []), "")


class QuestionQuerySet(models.QuerySet):
    def asked(self):
        """The questions annotators answer (archived ones are not asked any more)."""
        return self.filter(archived=False)

    def published(self):
        return self.filter(models.Q(archived=False) | models.Q(published_when_archived=True))


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
    # A question that has answers is archived rather than deleted: annotators no longer see
    # it, its answers stay, and the lead chooses whether publications keep its column.
    archived = models.BooleanField(default=False)
    published_when_archived = models.BooleanField(
        default=True, help_text="Whether publications keep an archived question's answers."
    )
    # The column of an import that holds suggestions (pre-filled answers) for it: the
    # import mapping's default, and part of the campaign's definition file.
    suggestion_column = models.CharField(max_length=200, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="uniq_question_name_per_campaign"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def option_values(self) -> list:
        return [option["value"] for option in self.options or []]


class RecordQuerySet(models.QuerySet):
    def data(self):
        """Records that are the dataset: not gold (annotation/gold.py)."""
        return self.filter(gold__isnull=True)

    def open_in(self, campaign):
        """Records of the campaign that still need submitted responses (gold ones never do)."""
        return self.filter(campaign=campaign, response_count__lt=F("overlap")).data()

    def completed_in(self, campaign):
        return self.filter(campaign=campaign, response_count__gte=F("overlap")).data()

    def unanswered_by(self, user):
        """Records the user has neither answered (submitted or discarded) nor skipped."""
        return self.exclude(responses__user=user).exclude(skips__user=user)


class Record(models.Model):
    """One item to annotate."""

    # No separate index: unique (campaign, external_id) serves lookups by campaign.
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="records", db_index=False
    )
    external_id = models.CharField(max_length=200)
    fields = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict, blank=True)
    # {question name: {"value": …, "agent": "model name" | None, "score": float | None}}
    suggestions = models.JSONField(default=dict, blank=True)
    # Submitted responses so far, kept with the response in one transaction so that
    # assignment and dashboards never count rows.
    response_count = models.PositiveIntegerField(default=0)
    # A gold record (annotation/gold.py): {question name: expected answer}. It has no
    # slots, never counts and is never published; null for every other record.
    gold = models.JSONField(null=True, blank=True, default=None)
    # The campaign's responses_per_record when the record's slots were made.
    overlap = models.PositiveSmallIntegerField(default=2)
    # Disagreement among the counted responses on the campaign's disagreement question,
    # kept with them (annotation/spread.py says how). PostgreSQL indexes it as (campaign,
    # spread DESC NULLS LAST, id) for the review queue and the records browser, and the
    # values in `fields` with pg_trgm (record_text.py, migration 0015; SQLite has no such
    # index).
    spread = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "external_id"], name="uniq_record_external_id"
            ),
            models.CheckConstraint(
                condition=Q(response_count__lte=F("overlap")),
                name="record_responses_within_overlap",
            ),
            models.CheckConstraint(condition=Q(overlap__gte=1), name="record_overlap_positive"),
            # A gold record never counts responses (its answers are checked, not kept).
            models.CheckConstraint(
                condition=Q(gold__isnull=True) | Q(response_count=0),
                name="gold_record_counts_no_response",
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}:{self.external_id}"


class SlotQuerySet(models.QuerySet):
    def free(self, now=None):
        """Slots nobody holds: never leased, released, or whose lease ran out."""
        now = now or timezone.now()
        return self.filter(filled=False).filter(Q(holder__isnull=True) | Q(expires_at__lte=now))

    def leased_to(self, user, now=None):
        now = now or timezone.now()
        return self.filter(holder=user, filled=False, expires_at__gt=now)


class Slot(models.Model):
    """One of a record's `overlap` places for a submitted response.

    A lease is a slot with a holder and an expiry; a filled slot carries its submitted
    response. Claiming locks the slot row itself (SELECT … FOR UPDATE SKIP LOCKED), so the
    condition "free" is re-checked on the row's latest version: two annotators can never
    get the same slot.
    """

    # Indexes: unique (record, number) serves lookups by record; the claim-order index
    # and the one-open-lease constraint serve campaign and holder (imports write millions
    # of slots, so no index is spent on what those already cover).
    # Denormalised from the record (whose foreign key the database checks), so no second
    # constraint check per slot at import; deleting a campaign still cascades (Django).
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    record = models.ForeignKey(
        Record, on_delete=models.CASCADE, related_name="slots", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    # When the holder claimed it (written by the claim; kept once filled), so that a
    # submit stores Response.seconds in the statement it already runs (issue 14).
    leased_at = models.DateTimeField(null=True, blank=True)
    filled = models.BooleanField(default=False)
    # The record's submitted responses, copied here so that claiming walks one index in
    # assignment order (most answered records first, then the oldest).
    record_responses = models.PositiveSmallIntegerField(default=0)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["record_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="uniq_slot_number"),
            # Holder first: on statistics taken before anyone held a slot (right after an
            # import) PostgreSQL may look up "my slots" through this index; holder first,
            # that reads my held slots, not every held slot of every campaign.
            models.UniqueConstraint(
                fields=["holder", "record"],
                condition=Q(holder__isnull=False),
                name="one_slot_per_user_per_record",
            ),
            # One open lease per user and campaign: asking twice gives the same record.
            models.UniqueConstraint(
                fields=["holder", "campaign"],
                condition=Q(filled=False, holder__isnull=False),
                name="one_open_lease_per_user_per_campaign",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="slot_number_positive"),
            models.CheckConstraint(
                condition=Q(filled=False) | Q(holder__isnull=False),
                name="filled_slot_has_holder",
            ),
        ]
        indexes = [
            models.Index(
                F("campaign"),
                F("record_responses").desc(),
                F("record"),
                F("number"),
                condition=Q(filled=False),
                name="slot_claim_order",
            ),
        ]

    def __str__(self):
        return f"slot {self.number} of {self.record_id}"


class ResponseQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=Response.Status.SUBMITTED)

    def drafts(self):
        return self.filter(status=Response.Status.DRAFT)


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "pending review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Response(models.Model):
    """One user's answers to one record.

    A draft is saved but not submitted: it keeps its author's lease alive for a while
    (Campaign.draft_hold_seconds), does not count toward the record's responses and is
    never published; submitting turns the same row into a submitted response."""

    ReviewStatus = ReviewStatus

    class Status(models.TextChoices):
        SUBMITTED = "submitted"
        DISCARDED = "discarded"
        DRAFT = "draft"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responses"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    values = models.JSONField(default=dict, blank=True)
    # {question name: bool} per question the record had a suggestion for: whether the
    # submitted answer kept it unchanged. Null when the record had no suggestion.
    kept_suggestion = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Review (annotation/review.py). `counted`: the response fills one of its record's
    # slots and counts in Record.response_count; a rejected response, a blocked
    # annotator's and a discard do not. Database defaults, so the loop's hand-written
    # INSERT needs no change.
    counted = models.BooleanField(default=True, db_default=True)
    review_status = models.CharField(
        max_length=10,
        choices=ReviewStatus.choices,
        default=ReviewStatus.PENDING,
        db_default=ReviewStatus.PENDING,
    )
    review_comment = models.TextField(blank=True, default="", db_default="")
    # Seconds from the lease (Slot.leased_at) to the submit, stored by the submit's own
    # INSERT / UPDATE; null for responses older than the column or submitted without a
    # lease of their own (per-annotator quality, annotation/quality.py).
    seconds = models.FloatField(null=True, blank=True)
    # An answer to a gold record (annotation/gold.py): never counted, checked against the
    # record's expected answers.
    gold = models.BooleanField(default=False, db_default=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "user"], name="one_response_per_user_record"),
            models.CheckConstraint(
                condition=Q(gold=False) | Q(counted=False), name="gold_response_not_counted"
            ),
        ]
        indexes = [models.Index(fields=["user", "record"], name="response_user_record")]

    def __str__(self):
        return f"{self.user_id} on {self.record_id} ({self.status})"


class Skip(models.Model):
    """A record the user passed on; it is not offered to them again until they ask for
    their skipped records back (annotation.drafts.skips_restore)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="skips")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "record"], name="one_skip_per_user_record")
        ]

    def __str__(self):
        return f"{self.user_id} skipped {self.record_id}"


from .import_models import ImportJob  # noqa: E402, F401  (registers the model)
from .quality_models import AnnotatorQuality  # noqa: E402, F401  (registers the model)
from .review_models import RecordComment, Review  # noqa: E402, F401  (registers the models)
