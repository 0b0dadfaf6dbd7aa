"""`commonset`: the command line of Commonset's API. Every command prints JSON (lists one
item a line), so scripts can read it; errors go to stderr with a non-zero exit status."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
import requests
import yaml
from tqdm import tqdm

from .api import EXPORT_USE_JOB, ApiError, Client


def _print(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def _load(data: str | None, file: Path | None) -> dict:
    """A JSON object given inline (--data) or a JSON/YAML file (--file)."""
    if file is not None:
        return yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    if data:
        return json.loads(data)
    raise click.UsageError("Give --data JSON or --file PATH.")


def _api_errors(command):
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ApiError as error:
            body = error.body if isinstance(error.body, dict | list) else str(error.body)
            click.echo(json.dumps({"status": error.status, "error": body}), err=True)
            sys.exit(1)
        except requests.RequestException as error:
            click.echo(json.dumps({"error": f"cannot reach the site: {error}"}), err=True)
            sys.exit(1)

    return wrapper


@click.group()
@click.option("--url", envvar="COMMONSET_URL", required=True, help="The site (COMMONSET_URL).")
@click.option(
    "--token", envvar="COMMONSET_TOKEN", default="", help="An API token (COMMONSET_TOKEN)."
)
@click.pass_context
def main(ctx: click.Context, url: str, token: str) -> None:
    """Script Commonset: campaigns, records, annotation, publications and exports."""
    ctx.obj = Client(url, token)


campaign_option = click.option(
    "--campaign", "slug", envvar="COMMONSET_CAMPAIGN", required=True, help="The campaign's slug."
)
data_options = [
    click.option("--data", default=None, help="A JSON object."),
    click.option("--file", type=click.Path(exists=True, path_type=Path), default=None),
]


def with_data(command):
    for option in reversed(data_options):
        command = option(command)
    return command


# -- cohorts and applications -------------------------------------------------------------


@main.group()
def cohorts() -> None:
    """Cohorts (organisers)."""


@cohorts.command("create")
@with_data
@click.pass_obj
@_api_errors
def cohorts_create(client: Client, data: str | None, file: Path | None) -> None:
    _print(client.cohort_create(_load(data, file)))


@cohorts.command("open")
@click.argument("slug")
@click.pass_obj
@_api_errors
def cohorts_open(client: Client, slug: str) -> None:
    _print(client.cohort_open(slug))


@main.group()
def applications() -> None:
    """Applications: applicants create and submit them, organisers approve them."""


@applications.command("create")
@with_data
@click.pass_obj
@_api_errors
def applications_create(client: Client, data: str | None, file: Path | None) -> None:
    _print(client.application_create(_load(data, file)))


@applications.command("submit")
@click.argument("application_id", type=int)
@click.pass_obj
@_api_errors
def applications_submit(client: Client, application_id: int) -> None:
    _print(client.application_submit(application_id))


@applications.command("approve")
@click.argument("application_id", type=int)
@click.option("--note", default="")
@click.pass_obj
@_api_errors
def applications_approve(client: Client, application_id: int, note: str) -> None:
    _print(client.application_approve(application_id, note))


# -- campaigns ----------------------------------------------------------------------------


@main.group()
def campaigns() -> None:
    """Campaigns you may see."""


@campaigns.command("list")
@click.pass_obj
@_api_errors
def campaigns_list(client: Client) -> None:
    """Every campaign, one JSON object a line (all pages)."""
    for campaign in client.campaigns():
        _print(campaign)


@main.group()
def campaign() -> None:
    """One campaign (its leads)."""


@campaign.command("apply")
@click.argument("definition", type=click.Path(exists=True, path_type=Path))
@campaign_option
@click.pass_obj
@_api_errors
def campaign_apply(client: Client, definition: Path, slug: str) -> None:
    """Apply a definition file (YAML, or JSON for a .json file) to the campaign."""
    text = definition.read_bytes()
    _print(client.campaign_definition_put(slug, text, yaml=definition.suffix != ".json"))


@campaign.command("get")
@campaign_option
@click.pass_obj
@_api_errors
def campaign_get(client: Client, slug: str) -> None:
    """The campaign's definition, as YAML."""
    click.echo(yaml.safe_dump(client.campaign_definition_get(slug), allow_unicode=True), nl=False)


@campaign.command("state")
@click.argument("action", type=click.Choice(["open", "pause", "reopen", "close"]))
@campaign_option
@click.option("--confirm", is_flag=True, help="Needed to close.")
@click.pass_obj
@_api_errors
def campaign_state(client: Client, action: str, slug: str, confirm: bool) -> None:
    _print(client.campaign_state(slug, action, confirm=confirm))


# -- records, annotation ------------------------------------------------------------------


@main.group()
def records() -> None:
    """Records of a campaign (its leads)."""


@records.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@campaign_option
@click.option("--format", "fmt", default="", help="csv, jsonl or parquet; default: by name.")
@click.option("--no-wait", is_flag=True, help="Print the job without waiting for it.")
@click.pass_obj
@_api_errors
def records_import(client: Client, path: Path, slug: str, fmt: str, no_wait: bool) -> None:
    """Upload a file of records and follow the import job with a progress bar."""
    job = client.import_start(slug, path, format=fmt)
    if not no_wait:
        with tqdm(total=job.get("rows_total") or None, unit="rows", file=sys.stderr) as bar:

            def progress(current) -> None:
                if current.get("rows_total") and bar.total != current["rows_total"]:
                    bar.total = current["rows_total"]
                bar.update((current.get("rows_done") or 0) - bar.n)

            job = client.import_wait(slug, job, on_progress=progress)
    _print(job)
    if job["state"] == "failed":
        sys.exit(1)


@records.command("list")
@campaign_option
@click.option("--q", default=None, help="Text searched in the record's fields.")
@click.option("--status", default=None, help="e.g. unanswered, in_progress, completed.")
@click.option("--annotator", default=None, help="Records this handle responded to.")
@click.option("--meta-key", default=None)
@click.option("--meta-value", default=None)
@click.option("--min-disagreement", type=float, default=None)
@click.option("--question", default=None, help="The question disagreement is read on.")
@click.option("--has-comments/--no-comments", default=None)
@click.option("--completed/--incomplete", default=None)
@click.option("--external-id", default=None)
@click.option("--sort", default=None)
@click.pass_obj
@_api_errors
def records_list(client: Client, slug: str, **filters) -> None:
    """The records browser (leads and reviewers): one record a line, all pages."""
    for record in client.records_browse(slug, **filters):
        _print(record)


@main.command("next")
@campaign_option
@click.pass_obj
@_api_errors
def next_record(client: Client, slug: str) -> None:
    """The record handed to me (`null` when nothing is left for me now)."""
    _print(client.next_record(slug))


@main.command("submit")
@campaign_option
@click.option("--record", "record_id", type=int, required=True)
@click.option("--values", required=True, help="Answers as JSON, e.g. '{\"quality\": 3}'.")
@click.pass_obj
@_api_errors
def submit(client: Client, slug: str, record_id: int, values: str) -> None:
    """Submit my answers to a record of the campaign."""
    _print(client.response_submit(record_id, json.loads(values)))


# -- review ----------------------------------------------------------------------------


@main.group()
def review() -> None:
    """Review responses (leads and reviewers)."""


@review.command("queue")
@campaign_option
@click.option("--question", default="", help="Disagreement read on this question.")
@click.pass_obj
@_api_errors
def review_queue(client: Client, slug: str, question: str) -> None:
    """Responses waiting for review, most disagreement first: one a line."""
    for item in client.review_queue(slug, question=question):
        _print(item)


def _review_command(decision: str, help_text: str):
    @review.command(decision, help=help_text)
    @click.argument("response_id", type=int)
    @click.option("--comment", default="", help="Shown to the annotator.")
    @click.pass_obj
    @_api_errors
    def command(client: Client, response_id: int, comment: str) -> None:
        _print(client.response_review(response_id, decision, comment=comment))

    return command


_review_command("accept", "Accept a response.")
_review_command("reject", "Reject a response: its slot returns to the pool.")


@main.group()
def annotators() -> None:
    """Annotators of a campaign (its leads)."""


@annotators.command("block")
@click.argument("username")
@campaign_option
@click.option("--reason", default="")
@click.pass_obj
@_api_errors
def annotators_block(client: Client, username: str, slug: str, reason: str) -> None:
    """Block an annotator: their leases end, their responses stop counting."""
    _print(client.annotator_block(slug, username, reason=reason))


@annotators.command("unblock")
@click.argument("username")
@campaign_option
@click.pass_obj
@_api_errors
def annotators_unblock(client: Client, username: str, slug: str) -> None:
    _print(client.annotator_unblock(slug, username))


# -- webhooks ------------------------------------------------------------------------------


@main.group()
def webhooks() -> None:
    """Webhook endpoints: a campaign's (its leads) or site-wide (organisers)."""


@webhooks.command("create")
@click.argument("url")
@click.option("--campaign", "slug", default="", help="The campaign; none: site-wide.")
@click.option("--event", "events", multiple=True, required=True, help="Repeat for each.")
@click.option("--description", default="")
@click.pass_obj
@_api_errors
def webhooks_create(
    client: Client, url: str, slug: str, events: tuple[str, ...], description: str
) -> None:
    """Register an endpoint; prints it with its signing secret (shown this once)."""
    _print(client.webhook_create(url, list(events), slug=slug, description=description))


# -- publishing, exports ------------------------------------------------------------------


@main.command("publish")
@campaign_option
@click.option("--include-in-progress/--completed-only", default=None)
@click.option("--wait", is_flag=True, help="Wait until it succeeded or failed.")
@click.pass_obj
@_api_errors
def publish(client: Client, slug: str, include_in_progress: bool | None, wait: bool) -> None:
    """Publish the campaign's dataset now (its leads)."""
    publication = client.publication_request(slug, include_in_progress=include_in_progress)
    if wait:
        publication = client.publication_wait(slug, publication)
    _print(publication)
    if publication["state"] == "failed":
        sys.exit(1)


@main.group()
def responses() -> None:
    """Responses of a campaign."""


@responses.command("export")
@campaign_option
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default="csv")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None)
@click.option(
    "--background",
    is_flag=True,
    help="Always have the site write the file first (an export job); by default only "
    "when the site says the campaign is too large to stream.",
)
@click.pass_obj
@_api_errors
def responses_export(
    client: Client, slug: str, fmt: str, output: Path | None, background: bool
) -> None:
    """Download the export (records with their responses), to a file or stdout. Large
    campaigns go through an export job, its progress shown on stderr."""
    out = output.open("wb") if output is not None else sys.stdout.buffer
    try:
        written = None if background else _export_direct(client, slug, fmt, out)
        if written is None:
            written = client.export_job_download(_export_job(client, slug, fmt), out)
    finally:
        if output is not None:
            out.close()
    if output is not None:
        _print({"path": str(output), "bytes": written})


def _export_direct(client: Client, slug: str, fmt: str, out) -> int | None:
    """The streamed download; None when the site asks for an export job instead."""
    try:
        return client.export(slug, out, format=fmt)
    except ApiError as error:
        body = error.body if isinstance(error.body, dict) else {}
        if error.status == 409 and body.get("code") == EXPORT_USE_JOB:
            return None
        raise


def _export_job(client: Client, slug: str, fmt: str):
    job = client.export_job_start(slug, format=fmt)
    with tqdm(total=job.get("records_total") or None, unit="records", file=sys.stderr) as bar:

        def progress(current) -> None:
            if current.get("records_total") and bar.total != current["records_total"]:
                bar.total = current["records_total"]
            bar.update((current.get("records_done") or 0) - bar.n)

        job = client.export_job_wait(slug, job, on_progress=progress)
    if job["state"] != "succeeded":
        click.echo(json.dumps({"error": "export failed", "job": job}), err=True)
        sys.exit(1)
    return job


if __name__ == "__main__":
    main()
