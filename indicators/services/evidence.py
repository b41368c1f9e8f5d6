"""Evidence files: checked by extension, content and size; stored privately."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import event_record

from .. import permissions
from ..choices import Action
from ..models import (
    Evidence,
)
from ._common import (
    _context,
    _refuse,
)

EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".png": ("image/png", (b"\x89PNG",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".csv": ("text/csv", ()),
    ".txt": ("text/plain", ()),
}


def evidence_max_bytes():
    """The largest evidence file accepted, in bytes (INDICATORS_EVIDENCE_MAX_BYTES)."""
    return getattr(settings, "INDICATORS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


def _check_upload(upload):
    import os

    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in EVIDENCE_TYPES:
        raise ValidationError(
            {
                "file": _("Files of this type are not accepted. Use one of: %(types)s.")
                % {"types": ", ".join(sorted(EVIDENCE_TYPES))}
            }
        )
    limit = evidence_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)}
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    content_type, magics = EVIDENCE_TYPES[ext]
    head = upload.read(8)
    upload.seek(0)
    if magics and not any(head.startswith(m) for m in magics):
        raise ValidationError({"file": _("The file's content does not match its extension.")})
    if not magics and b"\x00" in upload.read(4096):
        raise ValidationError({"file": _("The file's content does not match its extension.")})
    upload.seek(0)
    return name, content_type


@transaction.atomic
def evidence_attach(*, value, actor, upload):
    """Attach an evidence file to a value (stored privately; streamed after a check)."""
    _refuse(
        permissions.decide(
            actor, Action.ATTACH, indicator=value.indicator, status=value.status, value=value
        )
    )
    name, content_type = _check_upload(upload)
    evidence = Evidence(
        value=value,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    evidence.full_clean(exclude=["value", "uploaded_by", "file"])
    # The file is written before the row commits; a rollback after this point leaves an
    # unreferenced file in private storage, never a row pointing at a missing file.
    evidence.file.save(name, upload, save=False)
    with _context(actor):
        evidence.save()
    event_record(
        actor=actor,
        action="value.evidence_attached",
        target=value,
        entity=value.indicator.plan.entity,
        payload={"file": evidence.original_name, "size": evidence.size},
    )
    return evidence
