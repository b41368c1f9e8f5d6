"""Values shown per locale: numbers with the locale's separators and the indicator's decimals,
percent with a sign, currency with its code, yes/no and parts in words."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.formatting import format_amount, format_number

from .choices import ValueKind


def number(value, decimals=0):
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return str(value)
    # The UN's editorial style in both languages (12,075 / 12 075): core.formatting.
    return format_number(value, decimals)


def plain(number):
    """A Decimal as plain text without trailing zeros: 12.500000 -> '12.5'."""
    if number is None:
        return None
    return format(Decimal(number).normalize(), "f")


def snapshot(obj, parts=None):
    """The typed columns of a baseline, target or value as JSON-safe data (for audit events
    and the API)."""
    if parts is None:
        parts = getattr(obj, "_prepared_parts", None)
        if parts is None and obj.pk:
            parts = {p.code: p.numeric_value for p in obj.parts.all()}
    return {
        "kind": obj.kind,
        "numeric_value": plain(obj.numeric_value),
        "currency": obj.currency,
        "bool_value": obj.bool_value,
        "text_value": obj.text_value,
        "is_missing": obj.is_missing,
        "footnote": obj.footnote,
        "parts": {code: plain(v) for code, v in (parts or {}).items()},
    }


def display(indicator, data):
    """A value (model instance or snapshot dict) in words for the active language."""
    if data is None:
        return ""
    if not isinstance(data, dict):
        data = snapshot(data)
    if data.get("is_missing"):
        return _("not available")
    kind = indicator.value_kind
    decimals = indicator.decimals
    num = data.get("numeric_value")
    if kind == ValueKind.NUMBER:
        text = number(num, decimals)
        return f"{text} {indicator.unit_label}".strip() if indicator.unit else text
    if kind == ValueKind.PERCENT:
        return f"{number(num, decimals)}%" if num is not None else ""
    if kind == ValueKind.CURRENCY:
        if num is None:
            return ""
        return format_amount(num, data.get("currency") or indicator.currency)
    if kind == ValueKind.YES_NO:
        if data.get("bool_value") is None:
            return ""
        return _("Yes") if data["bool_value"] else _("No")
    if kind == ValueKind.TEXT:
        return data.get("text_value") or ""
    if kind == ValueKind.PARTS:
        parts = data.get("parts") or {}
        return "; ".join(
            f"{indicator.part_label(code)}: {number(v, decimals) if v is not None else '–'}"
            for code, v in parts.items()
        )
    return ""
