"""Campaign texts change through several doors (admin, the API, the questions page, the
definitions services): instead of each remembering to, every save of a campaign or of one
of its questions checks, after commit, whether the static page's texts changed
(page_refresh.space_page_texts_changed, which compares digests and coalesces)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _texts_maybe_changed(campaign_id: int | None) -> None:
    if campaign_id is None:
        return

    def check():
        from .page_refresh import space_page_texts_changed

        space_page_texts_changed(campaign_id=campaign_id)

    transaction.on_commit(check)


def _campaign_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        _texts_maybe_changed(instance.pk)


def _question_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _texts_maybe_changed(instance.campaign_id)


def signals_connect() -> None:
    from annotation.models import Question
    from campaigns.models import Campaign

    post_save.connect(_campaign_saved, sender=Campaign, dispatch_uid="space_page_campaign")
    post_save.connect(_question_changed, sender=Question, dispatch_uid="space_page_question")
    post_delete.connect(_question_changed, sender=Question, dispatch_uid="space_page_question_del")
