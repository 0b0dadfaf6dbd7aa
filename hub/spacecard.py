"""The Space README's metadata: who may sign in to a campaign's Space.

Spaces read `hf_oauth: true` to inject OAuth credentials and `hf_oauth_authorized_org` to
restrict Hugging Face sign-in to members of an organisation (hub-docs spaces-oauth.md).
"""

from __future__ import annotations

from huggingface_hub import RepoCard


def readme_with_sign_in(readme: str, *, authorized_org: str | None) -> str:
    """The README with `hf_oauth: true`, and `hf_oauth_authorized_org` set to the
    organisation (or removed when the campaign is public). Other metadata and the body are
    kept. Returns the input unchanged when it already says exactly that."""
    card = RepoCard(readme or "", ignore_metadata_errors=True)
    data = card.data.to_dict()
    wanted = dict(data)
    wanted["hf_oauth"] = True
    if authorized_org:
        wanted["hf_oauth_authorized_org"] = authorized_org
    else:
        wanted.pop("hf_oauth_authorized_org", None)
    if wanted == data:
        return readme
    for key in list(card.data.to_dict()):
        if key not in wanted:
            delattr(card.data, key)
    for key, value in wanted.items():
        setattr(card.data, key, value)
    return str(card)


def readme_metadata(readme: str) -> dict:
    return RepoCard(readme or "", ignore_metadata_errors=True).data.to_dict()
