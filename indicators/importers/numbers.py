"""The numbers of an import, read over whole columns (numpy/pandas) rather than cell by cell:
the cells the fast path cannot read go through `parse_number`, the rule the forms and the API
use, so every message keeps its row, column and wording."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..choices import ValueKind
from ..formatting import plain
from ..models.common import MAX_DECIMALS, PERCENT_MAX, PERCENT_MIN
from ..parsing import _GROUPED, _SPACES, parse_number

# A numeric_value column holds 24 digits, MAX_DECIMALS of them after the point.
NUMBER_LIMIT = Decimal(10) ** (24 - MAX_DECIMALS)


# A number the fast path reads as Decimal reads it: ASCII digits, one point, an exponent of at
# most nine digits (its Decimal exponent fits in int64). Anything else (words, "NaN",
# "Infinity", other digits, underscores, a misplaced comma or sign) goes through parse_number
# for its exact value or message.
_FAST_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,9})?$"


def _number_texts(raw, percent, currency):
    """The cells of a numeric column as the text Decimal reads, over whole columns: parse_number's
    rules (spaces dropped, a comma only as thousands separator, a percent sign on percent rows,
    the indicator's currency before the number) as column operations. Returns the texts, None
    where the fast path does not apply (parse_number then decides)."""
    n = len(raw)
    texts = np.full(n, None, dtype=object)
    kind = np.array([type(v).__name__ for v in raw], dtype=object)
    # Number cells. A float as repr() writes it (numpy's str is the same shortest round-trip
    # form); a whole number as an integer, as parse_number quantizes it (-0.0 and 1e15 and
    # beyond, rare, go the slow way).
    is_float = kind == "float"
    floats = raw[is_float].astype(float)
    whole = np.isfinite(floats) & (floats == np.floor(floats)) & (np.abs(floats) < 1e15)
    whole &= ~((floats == 0) & np.signbit(floats))
    fraction = np.isfinite(floats) & (floats != np.floor(floats))
    float_texts = np.full(len(floats), None, dtype=object)
    float_texts[whole] = floats[whole].astype(np.int64).astype(str).astype(object)
    float_texts[fraction] = floats[fraction].astype(str).astype(object)
    texts[is_float] = float_texts
    is_int = kind == "int"  # a bool is no int here: parse_number refuses it
    texts[is_int] = [str(v) for v in raw[is_int]]
    # Text cells.
    is_str = kind == "str"
    if is_str.any():
        cleaned = pd.Series(raw[is_str], dtype=object).str.replace(_SPACES, "", regex=True)
        cur = pd.Series(currency[is_str], dtype=object).fillna("")
        comma = cleaned.str.contains(",", regex=False).to_numpy()
        grouped = np.ones(len(cleaned), dtype=bool)
        if comma.any():
            bare = [
                c.removeprefix(k) if k else c
                for c, k in zip(cleaned[comma], cur[comma], strict=True)
            ]
            grouped[comma] = pd.Series(bare, dtype=object).str.match(_GROUPED).to_numpy()
            cleaned = cleaned.str.replace(",", "", regex=False)
        pct = percent[is_str] & cleaned.str.endswith("%").to_numpy()
        cleaned[pct] = cleaned[pct].str[:-1]
        has_cur = (cur != "").to_numpy()
        if has_cur.any():
            cleaned[has_cur] = [
                c[len(k) :] if c.upper().startswith(k) else c
                for c, k in zip(cleaned[has_cur], cur[has_cur], strict=True)
            ]
        ok = grouped & cleaned.str.match(_FAST_NUMBER).to_numpy()
        string_texts = np.full(len(cleaned), None, dtype=object)
        string_texts[ok] = cleaned[ok].to_numpy()
        texts[is_str] = string_texts
    return texts


def _numbers(frame, problems, rounded):
    """Numbers of the numeric rows, column by column (_number_texts; a cell the fast path does
    not read goes through parse_number, for its message or its exact value): out of range, too
    long, or with more decimals than the indicator declares (rounded half away from zero, with
    a note). Returns (Decimal or None per row, notes, ok mask)."""
    raw = frame.value.to_numpy(dtype=object)
    percent = (frame.kind == ValueKind.PERCENT).to_numpy()
    currency = frame.currency.fillna("").to_numpy(dtype=object)
    texts = _number_texts(raw, percent, currency)
    fast = pd.notna(texts)
    numbers = np.full(len(raw), None, dtype=object)
    numbers[fast] = [Decimal(t) for t in texts[fast]]
    # Decimal's exponent (minus the decimals written): from the text where it has no exponent
    # part (a regular expression over the column cost three times as much), else Decimal's.
    exponents = np.zeros(len(raw), dtype=np.int64)
    exponents[fast] = [
        (t.find(".") + 1 - len(t) if "." in t else 0)
        if "e" not in t and "E" not in t
        else d.as_tuple().exponent
        for t, d in zip(texts[fast], numbers[fast], strict=True)
    ]
    bad = np.full(len(raw), "", dtype=object)
    for i in np.flatnonzero(~fast):
        try:
            number = parse_number(raw[i], percent=bool(percent[i]), currency=currency[i])
        except ValidationError as exc:
            bad[i] = exc.messages[0]
            continue
        numbers[i] = number
        exponent = number.as_tuple().exponent
        # Clipped: an exponent past int64 ("1e-99…9") still rounds, only its note is the same.
        exponents[i] = min(max(exponent, -(10**9)), 10**9) if isinstance(exponent, int) else 0
    failed = bad != ""
    problems.add_many(frame.row[failed], "value", list(bad[failed]))
    as_float = np.full(len(raw), np.nan)
    as_float[fast] = texts[fast].astype(str).astype(float)
    slow = ~fast & ~failed
    as_float[slow] = [float(n) for n in numbers[slow]]
    too_big = ~failed & (np.abs(as_float) >= float(NUMBER_LIMIT))
    problems.add_many(
        frame.row[too_big],
        "value",
        _("The number is too large (at most %(digits)s digits before the point).")
        % {"digits": 24 - MAX_DECIMALS},
    )
    out_of_range = (
        ~failed & percent & ((as_float < float(PERCENT_MIN)) | (as_float > float(PERCENT_MAX)))
    )
    problems.add_many(frame.row[out_of_range], "value", _("A percent must be between 0 and 100."))
    decimals = frame.decimals.to_numpy(dtype=np.int64)
    notes = np.full(len(raw), "", dtype=object)
    for i in np.flatnonzero(~failed & ~too_big & (-exponents > decimals)):
        exact = numbers[i]
        number = exact.quantize(Decimal(1).scaleb(-int(decimals[i])), ROUND_HALF_UP)
        numbers[i] = number
        notes[i] = rounded % {
            "value": plain(exact),
            "rounded": plain(number),
            "decimals": decimals[i],
        }
    ok = ~(failed | too_big | out_of_range)
    return list(numbers), list(notes), ok
