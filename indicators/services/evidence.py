"""Evidence files of values: checked and stored by the shared private-file helper (core.files)."""

from django.conf import settings

from audit.services import event_record
from core.files import EVIDENCE_TYPES, atomic_with_files, store_private

from .. import permissions
from ..choices import Action
from ..models import (
    Evidence,
)
from ._common import (
    _context,
    _refuse,
)


def evidence_max_bytes():
    """The largest evidence file accepted, in bytes (INDICATORS_EVIDENCE_MAX_BYTES)."""
    return getattr(settings, "INDICATORS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


@atomic_with_files()
def evidence_attach(*, value, actor, upload):
    """Attach an evidence file to a value (checked by extension, content and size; stored
    privately under a random name, removed again if the transaction rolls back)."""
    _refuse(
        permissions.decide(
            actor, Action.ATTACH, indicator=value.indicator, status=value.status, value=value
        )
    )
    stored = store_private(
        upload,
        folder=f"evidence/{value.pk}",
        allowed_types=EVIDENCE_TYPES,
        max_bytes=evidence_max_bytes(),
    )
    evidence = Evidence(
        value=value,
        file=stored.name,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by=actor,
    )
    evidence.full_clean(exclude=["value", "uploaded_by"])
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
