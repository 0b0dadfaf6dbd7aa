"""Records and their submitted responses, aggregated per DESIGN.md ("Aggregation") and
written to one parquet file in batches: memory stays flat in the number of records.

Columns (typed; `q` is a question's name, `f` a field's name):

- `id` (string): the record's external id; `f` (string) for each field; `metadata` (JSON
  string); `status`: `completed` or `in_progress`; `num_responses` (int64).
- rating: `q_responses` list<{annotator, value:int64}>, `q_avg_rating` (float64),
  `q_num_responses` (int64), `q_agreement_ratio` (float64).
- label: `q_responses` list<{annotator, value:string}>, `q_label` (string, null on a tie),
  `q_num_responses`, `q_agreement_ratio`.
- multi-label: `q_responses` list<{annotator, value:list<string>}>, `q_votes`
  {option: int64}, `q_labels` list<string> (chosen by at least half), `q_num_responses`.
- ranking: `q_responses` list<{annotator, value:list<string>}>, `q_mean_rank`
  {option: float64}, `q_consensus` list<string>, `q_num_responses`.
- text: `q_responses` list<{annotator, value:string}>, `q_answers` list<string>,
  `q_num_responses`.
- a question some record has a suggestion for (imported, pre-filled for annotators) also
  has `q_suggestion` (typed like an answer), `q_suggestion_agent` (string),
  `q_suggestion_score` (float64) and `q_suggestion_kept_ratio` (float64: the share of the
  record's submitted answers that kept it unchanged).

Annotators are a stable pseudonym per campaign (HMAC of the campaign and user ids), or
their Hugging Face handle when the campaign's lead turned that on; never an e-mail or an
internal id.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from annotation.aggregation import AlphaAccumulator

from .batch_table import batch_table
from .batches import BATCH_SIZE, record_batches
from .suggestion_columns import suggested_questions, suggestion_columns

ANNOTATOR = pa.string()


def pseudonym(campaign_id: int, user_id: int) -> str:
    secret = getattr(settings, "PUBLISH_PSEUDONYM_SECRET", "") or settings.SECRET_KEY
    digest = hmac.new(
        secret.encode(), f"commonset:{campaign_id}:{user_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"annotator-{digest[:12]}"


@dataclass
class QuestionSpec:
    name: str
    title: str
    kind: str
    options: list
    description: str = ""
    suggested: bool = False  # some record of the campaign has a suggestion for it

    @property
    def labels(self) -> list[str]:
        return [str(v) for v in self.options]


@dataclass
class QuestionTotals:
    """Per-question figures for the card, accumulated over batches in constant memory
    (alpha from answer-pattern counts: see agreement.py)."""

    spec: QuestionSpec
    responses: int = 0
    agreement_sum: float = 0.0
    agreement_n: int = 0
    agreement: AlphaAccumulator | None = None
    suggestion_kept: int = 0  # responses that kept the record's suggestion unchanged
    suggestion_responses: int = 0  # responses to records with a suggestion for it

    def __post_init__(self):
        level = {"rating": "ordinal", "label": "nominal"}.get(self.spec.kind)
        if level:
            domain = self.spec.options if self.spec.kind == "rating" else self.spec.labels
            self.agreement = AlphaAccumulator(domain, level)

    def summary(self) -> dict:
        alpha = self.agreement.alpha() if self.agreement else None
        level = self.agreement.level if self.agreement else None
        return {
            "name": self.spec.name,
            "title": self.spec.title,
            "kind": self.spec.kind,
            "responses": self.responses,
            "alpha": None if alpha is None else round(alpha, 4),
            "alpha_level": level,
            "mean_agreement_ratio": (
                round(self.agreement_sum / self.agreement_n, 4) if self.agreement_n else None
            ),
            "suggested": self.spec.suggested,
            "suggestion_responses": self.suggestion_responses,
            "suggestion_kept_ratio": (
                round(self.suggestion_kept / self.suggestion_responses, 4)
                if self.suggestion_responses
                else None
            ),
        }


@dataclass
class BuildSummary:
    rows: int = 0
    rows_completed: int = 0
    rows_in_progress: int = 0
    responses: int = 0
    contributors: int = 0
    records_total: int = 0
    size_bytes: int = 0
    columns: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    responses_per_record: dict = field(default_factory=dict)  # "n" -> records
    # What review left out (review_figures): policy, submitted, reviewed, accepted,
    # rejected, blocked, excluded.
    review: dict = field(default_factory=dict)


def review_figures(campaign, only_reviewed: bool) -> dict:
    """How many of the campaign's submitted responses were reviewed, accepted, rejected,
    are of blocked annotators, and were left out of the dataset (one aggregate), and the
    annotators' accuracy on gold records (annotation/gold.py; their answers are never data)."""
    from django.db.models import Count, Q

    from annotation.gold import gold_accuracy_overall
    from annotation.models import Response
    from campaigns.models import CampaignBlock

    from .batches import kept_responses

    blocked = CampaignBlock.objects.filter(campaign=campaign).values("user_id")
    Status = Response.ReviewStatus
    figures = Response.objects.filter(
        record__campaign=campaign, status=Response.Status.SUBMITTED, gold=False
    ).aggregate(
        submitted=Count("id"),
        reviewed=Count("id", filter=~Q(review_status=Status.PENDING)),
        accepted=Count("id", filter=Q(review_status=Status.ACCEPTED)),
        rejected=Count("id", filter=Q(review_status=Status.REJECTED)),
        blocked=Count("id", filter=Q(user__in=blocked)),
    )
    kept = kept_responses(campaign, only_reviewed).count()
    figures["excluded"] = figures["submitted"] - kept
    figures["policy"] = "accepted_only" if only_reviewed else "all_but_rejected"
    correct, total = gold_accuracy_overall(campaign)
    if total:  # only when annotators answered gold records
        figures["gold_correct"], figures["gold_total"] = correct, total
    return figures


def question_specs(campaign) -> list[QuestionSpec]:
    suggested = suggested_questions(campaign)
    return [
        QuestionSpec(
            name=q.name,
            title=q.title,
            kind=q.kind,
            options=q.option_values,
            description=q.description,
            suggested=q.name in suggested,
        )
        for q in campaign.questions.published()
    ]


def field_names(campaign) -> list[str]:
    return [f.name for f in campaign.fields.all()]


def _responses_type(value_type: pa.DataType) -> pa.DataType:
    return pa.list_(pa.struct([("annotator", ANNOTATOR), ("value", value_type)]))


def _struct_of(options: list[str], value_type: pa.DataType) -> pa.DataType:
    if not options:
        return pa.struct([("_", value_type)])
    return pa.struct([(option, value_type) for option in options])


def question_columns(spec: QuestionSpec) -> list[tuple[str, pa.DataType, str]]:
    """(column, type, meaning) for one question: the schema and the card share it."""
    return _answer_columns(spec) + suggestion_columns(spec)


def _answer_columns(spec: QuestionSpec) -> list[tuple[str, pa.DataType, str]]:
    n = spec.name
    count = (f"{n}_num_responses", pa.int64(), "number of submitted answers")
    if spec.kind == "rating":
        return [
            (f"{n}_responses", _responses_type(pa.int64()), "raw answers (annotator, value)"),
            (f"{n}_avg_rating", pa.float64(), "mean of the ratings"),
            count,
            (
                f"{n}_agreement_ratio",
                pa.float64(),
                "share of answers equal to the most common rating",
            ),
        ]
    if spec.kind == "label":
        return [
            (f"{n}_responses", _responses_type(pa.string()), "raw answers (annotator, value)"),
            (f"{n}_label", pa.string(), "majority label; null when the top labels tie"),
            count,
            (
                f"{n}_agreement_ratio",
                pa.float64(),
                "share of answers equal to the most common label",
            ),
        ]
    if spec.kind == "multi_label":
        return [
            (
                f"{n}_responses",
                _responses_type(pa.list_(pa.string())),
                "raw answers (annotator, labels chosen)",
            ),
            (f"{n}_votes", _struct_of(spec.labels, pa.int64()), "answers choosing each option"),
            (f"{n}_labels", pa.list_(pa.string()), "options chosen by at least half the answers"),
            count,
        ]
    if spec.kind == "ranking":
        return [
            (
                f"{n}_responses",
                _responses_type(pa.list_(pa.string())),
                "raw answers (annotator, options from first to last)",
            ),
            (
                f"{n}_mean_rank",
                _struct_of(spec.labels, pa.float64()),
                "mean rank of each option (1 = first)",
            ),
            (
                f"{n}_consensus",
                pa.list_(pa.string()),
                "options ordered by mean rank (ties keep the question's order)",
            ),
            count,
        ]
    return [
        (f"{n}_responses", _responses_type(pa.string()), "raw answers (annotator, text)"),
        (f"{n}_answers", pa.list_(pa.string()), "every answer given"),
        count,
    ]


BASE_COLUMNS = [
    ("id", pa.string(), "the record's id in the campaign"),
    ("status", pa.string(), "completed (all responses in) or in_progress"),
    ("num_responses", pa.int64(), "submitted responses to the record"),
]


def columns_for(fields: list[str], specs: list[QuestionSpec]) -> list[tuple[str, pa.DataType, str]]:
    columns = list(BASE_COLUMNS[:1])
    columns += [(name, pa.string(), "record field") for name in fields]
    columns.append(("metadata", pa.string(), "the record's metadata as a JSON object"))
    columns += BASE_COLUMNS[1:]
    for spec in specs:
        columns += question_columns(spec)
    return columns


class Annotators:
    """Published names of annotators: pseudonyms, or HF handles when the lead chose so."""

    def __init__(self, campaign):
        self.campaign_id = campaign.pk
        self.usernames = bool(campaign.publish_usernames)
        self.names: dict[int, str] = {}

    def prepare(self, user_ids) -> None:
        missing = {uid for uid in user_ids if uid not in self.names}
        if not missing:
            return
        handles: dict[int, str] = {}
        if self.usernames:
            from django.contrib.auth import get_user_model

            handles = dict(
                get_user_model()
                .objects.filter(pk__in=missing, deleted_at__isnull=True)
                .exclude(hf_username="")
                .values_list("pk", "hf_username")
            )
        for uid in missing:
            self.names[uid] = handles.get(uid) or pseudonym(self.campaign_id, uid)

    def __getitem__(self, user_id: int) -> str:
        return self.names[user_id]


@contextmanager
def no_cyclic_gc():
    """Batches make many short-lived objects without cycles (freed by reference counting),
    and each of Python's cyclic collections they trigger walks the whole heap: about a third
    of the writer's CPU time. Off while it runs; on again after (as it was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_parquet(
    *,
    campaign,
    path: Path,
    include_in_progress: bool = False,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    only_reviewed: bool = False,
) -> BuildSummary:
    """Write the campaign's dataset to `path`, `batch_size` records at a time."""
    from annotation.models import Record

    fields = field_names(campaign)
    specs = question_specs(campaign)
    columns = columns_for(fields, specs)
    schema = pa.schema([pa.field(name, dtype) for name, dtype, _ in columns])
    totals = [QuestionTotals(spec=spec) for spec in specs]
    annotators = Annotators(campaign)
    contributors: set[int] = set()
    summary = BuildSummary(columns=[(n, str(t), m) for n, t, m in columns])
    summary.records_total = Record.objects.filter(campaign=campaign).data().count()
    with no_cyclic_gc(), pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        batches = record_batches(
            campaign, fields, specs, include_in_progress, batch_size, only_reviewed
        )
        for batch in batches:
            batch_users = {uid for row in batch for uid in row.users}
            contributors |= batch_users
            annotators.prepare(batch_users)
            table = batch_table(
                batch,
                fields=fields,
                specs=specs,
                totals=totals,
                names=annotators.names,
                summary=summary,
                schema=schema,
            )
            writer.write_table(table)
            if on_batch is not None:
                on_batch(summary.rows)
    summary.contributors = len(contributors)
    summary.questions = [total.summary() for total in totals]
    summary.size_bytes = Path(path).stat().st_size
    summary.review = review_figures(campaign, only_reviewed)
    return summary
