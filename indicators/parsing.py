"""Reading a value typed by a person (a form field or an Excel cell) into typed data for the
services. The page, the API's text input and the importer share these rules and messages."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import NUMERIC_KINDS, ValueKind

YES = {"yes", "y", "true", "1", "是", "x"}
NO = {"no", "n", "false", "0", "否"}
# Spaces (incl. no-break and thin) are written by people and by locales; they carry no value.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
# A comma is accepted only as a thousands separator (1,234,567.8): "12,5" could be a decimal
# comma, and guessing would store a number ten or a thousand times off.
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?%?$")


def parse_number(raw, *, percent=False, currency=""):
    """A Decimal from a cell or a field; raises ValidationError in words."""
    if isinstance(raw, (bool, date, datetime)):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw})
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw})
        # repr() gives the shortest string that round-trips: 45.5, not 45.49999...
        number = Decimal(repr(raw))
        # A whole number is written without decimals; one past the context's 28 digits (1e30,
        # far beyond a value's 24) cannot be quantized and stays as it is, for the range check.
        whole = number == number.to_integral() and number.adjusted() < 28
        return number.quantize(Decimal(1)) if whole else number
    text = str(raw).strip()
    cleaned = _SPACES.sub("", text)
    if "," in cleaned:
        if not _GROUPED.match(cleaned.removeprefix(currency) if currency else cleaned):
            raise ValidationError(
                _("“%(value)s” is not a number (use a point for decimals).") % {"value": text}
            )
        cleaned = cleaned.replace(",", "")
    if percent and cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if currency and cleaned.upper().startswith(currency):
        cleaned = cleaned[len(currency) :]
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not number.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text})
    return number


def parse_yes_no(raw):
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in YES or text == _("Yes").lower():
        return True
    if text in NO or text == _("No").lower():
        return False
    raise ValidationError(_("Answer yes or no (not “%(value)s”).") % {"value": raw})


def parse_parts(indicator, raw):
    """'pooled=59; thematic=27' (codes or labels, '=' or ':') -> {code: Decimal}."""
    by_name = {}
    for part in indicator.part_labels:
        for key in ("code", "en", "zh"):
            if part.get(key):
                by_name[str(part[key]).strip().lower()] = part["code"]
    result = {}
    for chunk in re.split(r"[;；\n]", str(raw)):
        if not chunk.strip():
            continue
        pieces = re.split(r"[=:：]", chunk, maxsplit=1)
        if len(pieces) != 2:
            raise ValidationError(
                _("Write each part as name=number, separated by semicolons (“%(value)s”).")
                % {"value": chunk.strip()}
            )
        name, number = pieces[0].strip(), pieces[1]
        code = by_name.get(name.lower())
        if code is None:
            raise ValidationError(_("Unknown part “%(name)s”.") % {"name": name})
        result[code] = parse_number(number)
    return result


def parse_value(indicator, raw, *, footnote="", source=""):
    """Typed data for the services from what a person wrote, or None when nothing was
    written. An empty value with a footnote is a missing value."""
    footnote = (footnote or "").strip() if isinstance(footnote, str) else str(footnote or "")
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    data = {"footnote": footnote, "source": (source or "").strip()}
    if empty:
        if footnote:
            return {**data, "is_missing": True}
        return None
    kind = indicator.value_kind
    if kind in NUMERIC_KINDS:
        data["numeric_value"] = parse_number(
            raw, percent=kind == ValueKind.PERCENT, currency=indicator.currency
        )
        if kind == ValueKind.CURRENCY:
            data["currency"] = indicator.currency
    elif kind == ValueKind.YES_NO:
        data["bool_value"] = parse_yes_no(raw)
    elif kind == ValueKind.TEXT:
        data["text_value"] = str(raw).strip()
    elif kind == ValueKind.PARTS:
        data["parts"] = parse_parts(indicator, raw)
    return data


def unparse_value(indicator, obj):
    """The text a person would type for a stored value (form initial data and Excel cells)."""
    if obj is None or obj.is_missing:
        return ""
    kind = indicator.value_kind
    if kind in NUMERIC_KINDS:
        return "" if obj.numeric_value is None else format(obj.numeric_value.normalize(), "f")
    if kind == ValueKind.YES_NO:
        return "" if obj.bool_value is None else ("yes" if obj.bool_value else "no")
    if kind == ValueKind.TEXT:
        return obj.text_value
    if kind == ValueKind.PARTS:
        return "; ".join(
            f"{p.code}={format(p.numeric_value.normalize(), 'f')}" for p in obj.parts.all()
        )
    return ""
