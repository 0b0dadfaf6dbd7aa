"""The dataset card (README.md) of a published campaign: YAML metadata the Hub reads
(configs, licence, languages, task categories, size category, pretty_name) and a body
that explains the campaign, its guidelines, each column and its formula, responses per
record, contributors, agreement, and how to cite."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from huggingface_hub import DatasetCard, DatasetCardData

from commonset.markdown import markdown_render

from . import argilla_layout
from .dataset import BuildSummary

DATA_PATH = "data/train-00000-of-00001.parquet"
DATA_GLOB = "data/train-*"

TASK_CATEGORIES = {
    "prompt_ranking": ["text-classification"],
    "preference": ["text-generation"],
    "chat": ["text-generation"],
    "translation": ["translation"],
    "benchmark": ["question-answering"],
    "task_specific": ["text-classification"],
    "other": ["other"],
}

QUESTION_KINDS = {
    "rating": "rating",
    "label": "label (one of)",
    "multi_label": "multi-label",
    "ranking": "ranking",
    "text": "free text",
}


def size_category(rows: int) -> str:
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
        (100_000_000, "10M<n<100M"),
    ]
    for bound, label in bounds:
        if rows < bound:
            return label
    return "100M<n<1B"


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _text(text) -> str:
    """A user's one-line text (a title) in Markdown prose: HTML in it is shown as the
    text it is (an entity is shown as its character), never taken as HTML."""
    return escape(_line(text))


_PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL)


def _markdown_block(text: str, *, quote: bool = False) -> list[str]:
    """A user's Markdown (guidelines, summary) as card lines: the same HTML the site
    shows (commonset/markdown.py: no raw HTML, no images loaded, safe links), put in the
    card as one HTML block, which the Hub shows as it is. A blank line would end the
    block, so line breaks inside code are written as character references."""
    html = _PRE.sub(lambda m: m.group(0).replace("\n", "&#10;"), str(markdown_render(text)))
    lines = ['<div dir="auto">', *html.strip().splitlines(), "</div>"]
    return [f"> {line}" for line in lines] if quote else lines


def _line(text) -> str:
    """One line of text: a title holding CR/LF (the API takes any string) would otherwise
    end the heading, the link or the citation field it is put in."""
    return " ".join(str(text).split())


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _bibkey(campaign) -> str:
    return re.sub(r"[^a-z0-9]+", "_", f"{campaign.community.handle}_{campaign.slug}".lower())


def card_metadata(campaign, summary: BuildSummary) -> DatasetCardData:
    languages = [str(code) for code in (campaign.languages or [])]
    return DatasetCardData(
        pretty_name=_line(campaign.title),
        license=campaign.license or "other",
        language=languages or None,
        task_categories=TASK_CATEGORIES.get(campaign.task_kind, ["other"]),
        size_categories=[size_category(summary.rows)],
        tags=["commonset", "community-annotated", "human-feedback"],
        configs=[
            {
                "config_name": "default",
                "data_files": [{"split": "train", "path": DATA_GLOB}],
            },
            *(
                [
                    {
                        "config_name": argilla_layout.CONFIG_NAME,
                        "data_files": [{"split": "train", "path": argilla_layout.DATA_GLOB}],
                    }
                ]
                if campaign.publish_argilla_layout
                else []
            ),
        ],
        # The campaign's marker: how provisioning knows a dataset of this name is this
        # campaign's (campaigns/provisioning/steps.py repo_is_ours) and never another's.
        commonset_campaign=campaign.slug,
    )


def _review_lines(review: dict) -> list[str]:
    """What review kept: the policy and the counts (dataset.review_figures)."""
    if not review:
        return []
    policy = (
        "only responses a lead or reviewer accepted are published"
        if review.get("policy") == "accepted_only"
        else "every response is published unless a lead or reviewer rejected it"
    )
    return [
        "",
        "## Review",
        "",
        f"Review policy: {policy}; responses of annotators blocked from the campaign are "
        "left out. The figures and the agreement above are computed on what was kept.",
        "",
        "| | |",
        "|---|---|",
        f"| submitted responses | {review.get('submitted', 0):,} |",
        f"| reviewed | {review.get('reviewed', 0):,} |",
        f"| accepted | {review.get('accepted', 0):,} |",
        f"| rejected | {review.get('rejected', 0):,} |",
        f"| of blocked annotators | {review.get('blocked', 0):,} |",
        f"| left out of this dataset | {review.get('excluded', 0):,} |",
        *_gold_lines(review),
    ]


def _gold_lines(review: dict) -> list[str]:
    """Gold accuracy overall, when annotators answered gold records (annotation/gold.py)."""
    total = review.get("gold_total") or 0
    if not total:
        return []
    correct = review.get("gold_correct") or 0
    return [
        "",
        f"Gold accuracy: {correct / total:.1%} ({correct:,} of {total:,} expected answers to "
        "gold records matched). Gold records are checks with known answers, served to "
        "annotators now and then; they and the answers to them are not in this dataset.",
    ]


def card_render(campaign, summary: BuildSummary, *, include_in_progress: bool) -> str:
    data = card_metadata(campaign, summary)
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    page = f"{site}/campaigns/{campaign.slug}/"
    repo_id = campaign.repo_id
    year = timezone.now().year
    title = _line(campaign.title)
    lines = [
        f"# {_text(title)}",
        "",
        *(_markdown_block(campaign.summary) if campaign.summary else []),
        "",
        f"This dataset was built together by the **{campaign.community.handle}** community on "
        f"[Commonset]({site}/), in the campaign [{_text(title)}]({page}) of the cohort "
        f"*{_text(campaign.cohort.name)}*. Each record was shown to annotators signed in to the "
        "site (with their Hugging Face account, or an account its organisers made); every "
        f"record aims at {campaign.responses_per_record} independent responses.",
        "",
        "## Figures",
        "",
        "| | |",
        "|---|---|",
        f"| records published | {summary.rows:,} |",
        f"| completed records ({campaign.responses_per_record} responses) | "
        f"{summary.rows_completed:,} |",
        f"| records still in progress | {summary.rows_in_progress:,} |",
        f"| records in the campaign | {summary.records_total:,} |",
        f"| submitted responses in this dataset | {summary.responses:,} |",
        f"| contributors | {summary.contributors:,} |",
        "",
    ]
    if summary.responses_per_record:
        lines += ["Responses per record:", "", "| responses | records |", "|---|---|"]
        for count, records in sorted(summary.responses_per_record.items(), key=lambda i: int(i[0])):
            lines.append(f"| {count} | {records:,} |")
        lines.append("")
    lines += [
        "## Agreement",
        "",
        "Krippendorff's alpha per question (ordinal for ratings, nominal for labels), over "
        "records with at least two answers; 1 is perfect agreement, 0 is what chance gives. "
        "The mean agreement ratio is the average, over records, of the share of answers "
        "equal to the most common one.",
        "",
        "| question | kind | answers | Krippendorff's alpha | mean agreement ratio |",
        "|---|---|---|---|---|",
    ]
    for q in summary.questions:
        alpha = "n/a" if q["alpha"] is None else f"{q['alpha']:.3f} ({q['alpha_level']})"
        lines.append(
            f"| {_cell(_text(q['title']))} (`{q['name']}`) "
            f"| {QUESTION_KINDS.get(q['kind'], q['kind'])} "
            f"| {q['responses']:,} | {alpha} | {_fmt(q['mean_agreement_ratio'])} |"
        )
    suggested = [q for q in summary.questions if q.get("suggested")]
    if suggested:
        lines += [
            "",
            "## Suggestions",
            "",
            "Some records came with a suggested answer (for example a machine translation or "
            "a model's label), shown pre-filled to the annotators, who kept it or changed it. "
            "For such a question `q`, `q_suggestion` is the suggested answer, "
            "`q_suggestion_agent` who or what made it (e.g. the model's name), "
            "`q_suggestion_score` its score when the import gave one, and "
            "`q_suggestion_kept_ratio` the share of the record's submitted answers that kept "
            "it unchanged (1: every annotator accepted it; 0: every one corrected it).",
            "",
            "| question | answers to suggested records | kept the suggestion unchanged |",
            "|---|---|---|",
        ]
        for q in suggested:
            lines.append(
                f"| {_cell(_text(q['title']))} (`{q['name']}`) | {q['suggestion_responses']:,} "
                f"| {_fmt(q['suggestion_kept_ratio'])} |"
            )
    lines += _review_lines(summary.review)
    lines += ["", "## Guidelines", "", "The annotators followed these guidelines:", ""]
    lines += _markdown_block(campaign.guidelines or "(none were written)", quote=True)
    lines += [
        "",
        "## Columns",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
    ]
    for name, dtype, meaning in summary.columns:
        lines.append(f"| `{name}` | `{_cell(dtype)}` | {_cell(meaning)} |")
    annotators = (
        "Annotators appear under their Hugging Face handle (the campaign's lead chose to "
        "publish them)."
        if campaign.publish_usernames
        else "Annotators appear under a stable pseudonym (`annotator-…`), the same for one "
        "person throughout this dataset and different in other datasets."
    )
    scope = (
        "Records that do not have all their responses yet are included, with `status` "
        "`in_progress`."
        if include_in_progress
        else "Only completed records (with all their responses) are included."
    )
    lines += [
        "",
        "## How it was made",
        "",
        f"- {scope}",
        f"- {annotators} No e-mail address or internal id is published.",
        "- Rating: `avg_rating` is the mean rating; `agreement_ratio` is the share of "
        "answers equal to the most common rating.",
        "- Label: `label` is the majority label, null when the most common labels tie.",
        "- Multi-label: `votes` counts the answers choosing each option; `labels` lists the "
        "options chosen by at least half of the answers.",
        "- Ranking: `mean_rank` is each option's mean position (1 = first); `consensus` "
        "orders the options by mean rank, ties in the question's order.",
        "- Text: `answers` lists every answer.",
        "- Discarded responses (an annotator could not judge the record) are not counted.",
        "",
        "## Use",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("{repo_id}", split="train")',
        "```",
        "",
        "## Citation",
        "",
        "```bibtex",
        f"@misc{{{_bibkey(campaign)}_{year},",
        f"  title = {{{{{title}}}}},",
        f"  author = {{{{{campaign.community.handle} community}}}},",
        f"  year = {{{year}}},",
        "  publisher = {Hugging Face},",
        f"  howpublished = {{\\url{{https://huggingface.co/datasets/{repo_id}}}}},",
        "  note = {Built with Commonset}",
        "}",
        "```",
        "",
        f"Licence: {campaign.license or 'see the repository'}.",
        "",
    ]
    content = f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(lines)
    return str(DatasetCard(content))
