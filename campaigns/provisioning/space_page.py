"""The static Space's page: README.md (the Space's metadata, with the campaign's marker)
and index.html, rendered from templates/hub/space_static/ with a snapshot of the figures
the public dashboard shows. For a public campaign the page's script refreshes those
figures from the site's public dashboard API (which answers CORS for it); an
organisation-only campaign's page carries no script and no API address at all.

Nothing here talks to the Hub but `space_page_push`, which commits only when the files
differ from what the Space already has.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import yaml
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .steps import README_MARKER

SHORT_DESCRIPTION_MAX = 60  # the Hub's limit for a Space's short_description


@dataclass(frozen=True)
class SpacePage:
    files: dict[str, bytes]
    digest: str
    texts_digest: str


def _questions(campaign) -> list[dict]:
    return [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "kind": q.get_kind_display(),
            "options": [str(o.get("label", o.get("value", ""))) for o in (q.options or [])],
        }
        for q in campaign.questions.all().order_by("position", "pk")
    ]


def campaign_texts_digest(campaign, questions: list[dict] | None = None) -> str:
    """What the page shows of the campaign's own texts: when this changes, the page is
    refreshed (page_refresh.py)."""
    questions = _questions(campaign) if questions is None else questions
    texts = [campaign.title, campaign.summary, campaign.guidelines, questions]
    return hashlib.sha256(json.dumps(texts, sort_keys=True).encode()).hexdigest()


def _readme(campaign, site: str) -> str:
    summary = " ".join((campaign.summary or campaign.title).split())
    short = summary if len(summary) <= SHORT_DESCRIPTION_MAX else summary[:57].rstrip() + "..."
    metadata = {
        "title": campaign.title[:60],
        "emoji": "🤝",
        "colorFrom": "blue",
        "colorTo": "green",
        "sdk": "static",
        "pinned": False,
        "short_description": short,
        README_MARKER: campaign.slug,
    }
    front = yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False)
    page = f"{site}/campaigns/{campaign.slug}/"
    return (
        f"---\n{front}---\n\n{summary}\n\n"
        f"This Space is the page of a Commonset campaign; annotation happens at {page}\n"
    )


def space_page_context(campaign) -> dict:
    from campaigns.dashboards.selectors import campaign_dashboard
    from hub.backend import get_backend

    site = settings.SITE_URL.rstrip("/")
    figures = campaign_dashboard(campaign).as_dict()
    live = not campaign.hub_private
    last = figures.get("last_publication") or {}
    languages = list(campaign.languages or [])
    live_url = site + reverse("api-campaign-dashboard", args=[campaign.slug]) if live else ""
    return {
        "campaign": campaign,
        "lang": languages[0] if len(languages) == 1 else "",
        "questions": _questions(campaign),
        "figures": figures,
        "published": bool(last.get("url")) and last.get("state") == "succeeded",
        "contribute_url": site + reverse("annotation:annotate", args=[campaign.slug]),
        "campaign_url": f"{site}/campaigns/{campaign.slug}/",
        "dataset_url": get_backend().repo_url(campaign.repo_id, repo_type="dataset"),
        "live_url": live_url,
        # For the script: a JSON string literal, with "</" escaped so it cannot end it.
        "live_url_json": json.dumps(live_url).replace("</", "<\\/"),
    }


def space_page_files(campaign) -> SpacePage:
    # The page on the Hub is for everyone, in the site's default language: never in the
    # language of whichever request happened to trigger it (eager tasks run in-request).
    with translation.override(settings.LANGUAGE_CODE):
        context = space_page_context(campaign)
        site = settings.SITE_URL.rstrip("/")
        files = {
            "README.md": _readme(campaign, site).encode(),
            "index.html": render_to_string("hub/space_static/index.html", context).encode(),
        }
    digest = hashlib.sha256(b"\0".join(files[k] for k in sorted(files))).hexdigest()
    return SpacePage(
        files=files,
        digest=digest,
        texts_digest=campaign_texts_digest(campaign, context["questions"]),
    )


def space_page_push(backend, space_id: str, files: dict[str, bytes], *, message: str) -> bool:
    """Commit `files` in one commit unless the Space already has exactly them; True when
    a commit was made."""
    unchanged = all(
        backend.repo_file_get(space_id, path, repo_type="space") == content.decode()
        for path, content in files.items()
    )
    if unchanged:
        return False
    backend.space_files_commit(space_id, files, message=message)
    return True
