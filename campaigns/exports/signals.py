"""An export job's file goes with its row, however the row goes (the campaign deleted in
admin, a cascade): the file is removed once the deletion has committed, so a rolled-back
deletion keeps it."""

from django.db import transaction
from django.db.models.signals import post_delete


def _job_deleted(sender, instance, **kwargs):
    if not instance.file:
        return
    storage, name = instance.file.storage, instance.file.name
    transaction.on_commit(lambda: storage.delete(name))


def signals_connect() -> None:
    from .models import ExportJob

    post_delete.connect(_job_deleted, sender=ExportJob, dispatch_uid="export_job_file")
