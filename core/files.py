"""Private files: checked on the way in, stored under random names, streamed out as downloads.

One door for every file people upload or the application writes for them (evidence of values
and of recommendations, report archives):

    with atomic_with_files():
        stored = store_private(upload, folder="evidence/12", allowed_types=EVIDENCE_TYPES)
        Evidence.objects.create(file=stored.name, original_name=stored.original_name, ...)

    private_download_response(evidence.file.name, filename=..., content_type=...)

Files live in the storage named "private" in settings.STORAGES (by default a directory under
MEDIA_ROOT that has no URL; an S3-compatible bucket through django-storages when configured,
shared by web and workers). A file written inside `atomic_with_files` is deleted again when that
block (or an enclosing `atomic_with_files`) rolls back, so no file outlives its row's transaction.
"""

import contextlib
import logging
import os
import threading
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, storages
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

STORAGE_ALIAS = "private"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileType:
    """What a file of one extension must look like: its content type, the bytes it starts
    with (none for text), and for Office files a member its zip must hold."""

    content_type: str
    magic: tuple = ()
    zip_member: str = ""
    text: bool = False


PDF = FileType("application/pdf", (b"%PDF-",))
PNG = FileType("image/png", (b"\x89PNG\r\n\x1a\n",))
JPEG = FileType("image/jpeg", (b"\xff\xd8\xff",))
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (b"PK\x03\x04",),
    zip_member="xl/",
)
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (b"PK\x03\x04",),
    zip_member="word/",
)
CSV = FileType("text/csv", text=True)
TXT = FileType("text/plain", text=True)

# The documents people attach as evidence: PDF, images, Office files, plain text and CSV.
# Nothing a browser would run (HTML, SVG, scripts) is ever accepted, whatever its name.
EVIDENCE_TYPES = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".xlsx": XLSX,
    ".docx": DOCX,
    ".csv": CSV,
    ".txt": TXT,
}

# What browsers sniff as markup (WHATWG MIME Sniffing, "rules for identifying an unknown
# MIME type"), plus SVG and XML: text that starts so is refused even when named .txt or .csv.
_MARKUP_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a ",
    b"<a>",
    b"<style",
    b"<title",
    b"<b>",
    b"<b ",
    b"<body",
    b"<br",
    b"<p>",
    b"<p ",
    b"<!--",
    b"<?xml",
    b"<svg",
)
# Markup that is active wherever it appears in the first block of a text file.
_ACTIVE_MARKUP = (b"<script", b"<svg", b"<html", b"<iframe", b"<object", b"<embed")
_SNIFF_BYTES = 4096


class PrivateFileSystemStorage(FileSystemStorage):
    """A directory with no URL: under MEDIA_ROOT/private unless given a location. The location
    follows MEDIA_ROOT when that setting changes (tests give each test its own)."""

    @cached_property
    def base_location(self):
        if self._location is not None:
            return self._location
        return os.path.join(settings.MEDIA_ROOT, "private")

    @cached_property
    def base_url(self):
        # FileSystemStorage.url() refuses to build a URL when base_url is None.
        return None


def private_storage():
    """The storage of private files (settings.STORAGES["private"]); a callable so that models
    do not bind a storage at import time."""
    try:
        return storages[STORAGE_ALIAS]
    except Exception as exc:  # InvalidStorageError: say what to configure
        raise ImproperlyConfigured(
            f'settings.STORAGES needs a "{STORAGE_ALIAS}" storage for private files.'
        ) from exc


@dataclass(frozen=True)
class StoredFile:
    name: str  # the name in private storage (random; never the user's name)
    original_name: str  # the name to offer on download
    content_type: str
    size: int


def _mb(size):
    return round(size / 1048576, 1)


def _size(content):
    size = getattr(content, "size", None)
    if size is None:
        content.seek(0, os.SEEK_END)
        size = content.tell()
    return size


def _zip_has(content, prefix):
    content.seek(0)
    try:
        with zipfile.ZipFile(content) as archive:
            return any(n.startswith(prefix) for n in archive.namelist()) and (
                "[Content_Types].xml" in archive.namelist()
            )
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        content.seek(0)


def _looks_like_markup(head):
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    if text.startswith(_MARKUP_STARTS):
        return True
    lowered = head.lower()
    return any(tag in lowered for tag in _ACTIVE_MARKUP)


def check_file(content, *, filename, allowed_types, max_bytes):
    """Check a file by its extension, its size and its content (leading bytes; Office files
    must be real zips of the right kind; text must not be binary or markup). Returns
    (original_name, content_type, size); raises ValidationError({"file": ...}) otherwise."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    ext = os.path.splitext(name)[1].lower()
    kind = allowed_types.get(ext)
    if kind is None:
        raise ValidationError(
            {
                "file": _("Files of this type are not accepted. Use one of: %(types)s.")
                % {"types": ", ".join(sorted(allowed_types))}
            }
        )
    size = _size(content)
    if size > max_bytes:
        raise ValidationError(
            {
                "file": _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {"size": _mb(size), "limit": _mb(max_bytes)}
            }
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    content.seek(0)
    head = content.read(_SNIFF_BYTES)
    content.seek(0)
    mismatch = ValidationError({"file": _("The file's content does not match its extension.")})
    if kind.magic and not head.startswith(kind.magic):
        raise mismatch
    if kind.zip_member and not _zip_has(content, kind.zip_member):
        raise mismatch
    if kind.text and (b"\x00" in head or _looks_like_markup(head)):
        raise mismatch
    return name[:255], kind.content_type, size


# --- files written in a transaction are removed if it rolls back ----------------------------

_guards = threading.local()


def _open_guards():
    if not hasattr(_guards, "stack"):
        _guards.stack = []
    return _guards.stack


@contextlib.contextmanager
def atomic_with_files(using=None):
    """`transaction.atomic()` that also deletes the private files written inside it when it
    rolls back. Nested in another `atomic_with_files`, its files are handed to the outer one,
    which deletes them if *it* rolls back. Use it as a decorator or a `with` block."""
    written = []
    stack = _open_guards()
    stack.append(written)
    try:
        with transaction.atomic(using=using):
            yield
    except BaseException:
        for name in written:
            try:
                private_storage().delete(name)
            except Exception:  # the transaction's own error is the one to report
                logger.exception("could not remove private file %s after a rollback", name)
        raise
    finally:
        stack.pop()
    if stack:
        stack[-1].extend(written)


def store_private(content, *, folder, allowed_types, filename=None, max_bytes=None):
    """Check `content` (an upload, a File, or bytes with `filename`) and write it to private
    storage under `folder` with a random name. Returns a StoredFile. When a row will refer to
    the file, call it inside `atomic_with_files` (not a plain `transaction.atomic`), so that a
    rollback takes the file away again; outside it the caller owns the file's removal."""
    if isinstance(content, bytes | bytearray):
        content = ContentFile(bytes(content), name=filename)
    elif not isinstance(content, File):
        content = File(content, name=filename)
    filename = filename or content.name
    if max_bytes is None:
        max_bytes = settings.PRIVATE_FILES_MAX_BYTES
    original_name, content_type, size = check_file(
        content, filename=filename, allowed_types=allowed_types, max_bytes=max_bytes
    )
    stack = _open_guards()
    ext = os.path.splitext(original_name)[1].lower()
    # The user's name is kept in the row, never in the path.
    name = private_storage().save(f"{folder.strip('/')}/{uuid.uuid4().hex}{ext}", content)
    if stack:
        stack[-1].append(name)
    return StoredFile(name=name, original_name=original_name, content_type=content_type, size=size)


def open_private(name, mode="rb"):
    """Open a private file for reading (raises FileNotFoundError when it is gone)."""
    return private_storage().open(name, mode)


def delete_private(name):
    """Remove a private file; a missing file is not an error."""
    if name:
        private_storage().delete(name)


def private_download_response(name, *, filename, content_type):
    """Stream a private file as a download. The caller has already checked that the user may
    have it. Never rendered by the browser: always an attachment, no type sniffing, and a
    sandbox should anything still open it."""
    try:
        handle = open_private(name)
    except FileNotFoundError as exc:
        raise Http404(_("The file is no longer available.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
