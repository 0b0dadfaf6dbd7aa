"""An uploaded file kept between the import page's two steps: the lead chooses a file, sees
its columns and first rows, then maps them. The file waits in the media storage under
`imports/staged/`; the page carries a signed token naming it, its campaign and its lead,
valid for `STAGE_MAX_AGE_SECONDS`. Starting the import copies it into the job and removes
it; files left behind are removed when a later file is staged, once older than that."""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign

from .errors import ImportRejected
from .limits import import_max_bytes
from .mapping import format_from_name

STAGE_DIR = "imports/staged"
STAGE_MAX_AGE_SECONDS = 24 * 3600
_SALT = "commonset.imports.staged-upload"


@dataclass(frozen=True)
class StagedUpload:
    token: str
    name: str  # in the storage
    file_name: str  # as the lead named it
    file_format: str

    @property
    def path(self) -> Path:
        return Path(default_storage.path(self.name))

    def open(self) -> File:
        """The file, named as the lead named it, for `import_start(upload=...)`."""
        handle = default_storage.open(self.name, "rb")
        return File(handle, name=self.file_name)


def upload_stage(*, user, campaign: Campaign, upload: UploadedFile) -> StagedUpload:
    """Keep an uploaded file for the mapping step (refusing what import_start would)."""
    if campaign.state == Campaign.State.CLOSED:
        raise ImportRejected(_("This campaign is closed."))
    file_format = format_from_name(upload.name)
    if upload.size > import_max_bytes():
        raise ImportRejected(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": f"{upload.size:,}", "limit": f"{import_max_bytes():,}"}
        )
    staged_uploads_sweep()
    file_name = os.path.basename(upload.name)[:200]
    name = default_storage.save(f"{STAGE_DIR}/{uuid.uuid4().hex}/{file_name}", upload)
    token = signing.dumps({"n": name, "f": file_name, "c": campaign.pk, "u": user.pk}, salt=_SALT)
    return StagedUpload(token, name, file_name, file_format)


def staged_upload_get(*, user, campaign: Campaign, token: str) -> StagedUpload:
    """The file a token names, for this lead and campaign only."""
    gone = ImportRejected(_("The chosen file is no longer here; choose it again."))
    try:
        data = signing.loads(token or "", salt=_SALT, max_age=STAGE_MAX_AGE_SECONDS)
    except signing.BadSignature as exc:
        raise gone from exc
    if data.get("c") != campaign.pk or data.get("u") != user.pk:
        raise gone
    name = str(data.get("n", ""))
    if not name.startswith(f"{STAGE_DIR}/") or ".." in name or not default_storage.exists(name):
        raise gone
    file_name = str(data.get("f", ""))
    return StagedUpload(token, name, file_name, format_from_name(file_name))


def staged_upload_discard(staged: StagedUpload) -> None:
    _remove(staged.name)


def _remove(name: str) -> None:
    """A staged file and its folder (one folder per staged file)."""
    default_storage.delete(name)
    with contextlib.suppress(OSError):
        os.rmdir(default_storage.path(os.path.dirname(name)))


def staged_uploads_sweep() -> int:
    """Remove staged files older than STAGE_MAX_AGE_SECONDS; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=STAGE_MAX_AGE_SECONDS)
    try:
        folders, _files = default_storage.listdir(STAGE_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    for folder in folders:
        for file_name in default_storage.listdir(f"{STAGE_DIR}/{folder}")[1]:
            name = f"{STAGE_DIR}/{folder}/{file_name}"
            if default_storage.get_modified_time(name) < cutoff:
                _remove(name)
                removed += 1
    return removed
