"""Helpers shared by the indicators services."""

from decimal import Decimal

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import permissions
from ..choices import ValueKind
from ..fields import TYPED_FIELDS  # noqa: F401  (the services import it from here too)
from ..models import (
    Part,
)

# Foreign keys are checked by the database; validating them in Python costs a query per row.
FK_FIELDS = ["indicator", "period", "entered_by", "submitted_by", "reviewed_by"]


class StaleVersion(Exception):
    """A write made on an older version of a value than the one stored. Carries the current
    value, so the caller can show it (the API answers HTTP 409)."""

    def __init__(self, value):
        self.value = value
        super().__init__(
            _("This value was changed by someone else meanwhile (now version %(v)s).")
            % {"v": value.version}
        )


def _context(actor):
    """pghistory context: the row-history triggers record who acted, also outside requests."""
    return pghistory.context(user=getattr(actor, "pk", None), service=True)


def _refuse(allowed_reason):
    allowed, reason = allowed_reason
    if not allowed:
        raise PermissionDenied(str(reason))


def _check_maintainer(actor, plan):
    if actor is not None and not permissions.can_maintain(actor, plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))


def _save(obj, **kwargs):
    obj.full_clean(**kwargs)
    obj.save()
    return obj


def _changed(obj, fields):
    return {k: v for k, v in fields.items() if getattr(obj, k) != v}


def _apply_typed(obj, indicator, data):
    for field in TYPED_FIELDS:
        default = False if field == "is_missing" else (None if field.endswith("value") else "")
        if field == "text_value":
            default = ""
        setattr(obj, field, data.get(field, default))
    if obj.text_value is None:
        obj.text_value = ""
    obj.kind = indicator.value_kind
    return _check_parts(indicator, data.get("parts"), obj.is_missing, footnote=obj.footnote)


def _check_parts(indicator, parts, is_missing, footnote=""):
    """Parts as {code: Decimal}: every part of the indicator, each a number; none otherwise.
    A part may be None (not available, printed "46 和-a") when the value's footnote says why."""
    parts = dict(parts or {})
    if indicator.value_kind != ValueKind.PARTS or is_missing:
        if parts:
            raise ValidationError({"parts": _("This value has no parts.")})
        return {}
    codes = [p["code"] for p in indicator.part_labels]
    unknown = [c for c in parts if c not in codes]
    if unknown:
        raise ValidationError(
            {"parts": _("Unknown part: %(parts)s.") % {"parts": ", ".join(unknown)}}
        )
    missing = [indicator.part_label(c) for c in codes if parts.get(c) is None]
    if missing and (len(missing) == len(codes) or not (footnote or "").strip()):
        raise ValidationError(
            {"parts": _("Enter a number for: %(parts)s.") % {"parts": ", ".join(missing)}}
        )
    for code in codes:
        value = parts.get(code)
        if value is None:
            continue
        if not isinstance(value, Decimal):
            raise ValidationError({"parts": _("Each part must be a number.")})
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > indicator.decimals:
            raise ValidationError(
                {
                    "parts": _("Use at most %(decimals)s decimal places for this indicator.")
                    % {"decimals": indicator.decimals}
                }
            )
    return {code: parts.get(code) for code in codes}


def _write_parts(owner_field, owners_parts):
    """Replace the parts of each owner: [(owner, {code: Decimal})]."""
    owners = [owner for owner, _parts in owners_parts]
    if not owners:
        return
    Part.objects.filter(**{f"{owner_field}__in": owners}).delete()
    Part.objects.bulk_create(
        [
            Part(**{owner_field: owner}, code=code, numeric_value=num, order=i)
            for owner, parts in owners_parts
            for i, (code, num) in enumerate(parts.items())
        ],
        batch_size=2000,
    )


def recompute_progress_after_commit_many(indicator_ids):
    """recompute_progress_after_commit for many indicators: one mark for all of them."""
    from ..tasks import recompute_indicator_progress
    from .progress.switch import progress_mark

    ids = sorted({int(i) for i in indicator_ids})
    if not ids:
        return
    progress_mark(ids)
    for indicator_id in ids:
        transaction.on_commit(
            lambda i=indicator_id: recompute_indicator_progress.delay(i), robust=True
        )


def recompute_progress_after_commit(indicator_id):
    """Progress changes when an approved value appears or goes, and when what it is judged
    against changes (baseline, targets, direction, method): mark the indicator in this
    transaction (so the mark commits with the change), and recompute it once the transaction
    has committed (robust: a broker hiccup must not undo the change; then the next run —
    another approval's, the sweep's every few minutes, the nightly one — drains the mark)."""
    from ..tasks import recompute_indicator_progress
    from .progress.switch import progress_mark

    progress_mark([indicator_id])
    transaction.on_commit(lambda: recompute_indicator_progress.delay(indicator_id), robust=True)
