"""The importer reads its numeric cells column by column (importers._numbers); a cell must give
exactly what parse_number, the rule of the page and the API, gives it: the same Decimal (value
and written decimals), the same refusal in the same words, the same rounding note and range
checks. Boundary cells: thousands separators, signs, exponent forms, NaN/inf text, very large
numbers, percent signs, currencies, spaces."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from django.core.exceptions import ValidationError

from indicators.formatting import plain
from indicators.importers import NUMBER_LIMIT, Problems, _numbers
from indicators.parsing import parse_number

ROUNDED = "%(value)s rounded to %(rounded)s (%(decimals)s)"
CELLS = [
    # calamine's number cells
    0.0, -0.0, 3.0, 1.5, -2.25, 0.1 + 0.2, 1e-05, 1.5e-07, 123456789012.345, 1e15, -1e15,
    1e16, 9.99e17, 1e18, 1e30, float("nan"), float("inf"), float("-inf"), 7, -7, 10**20,
    True, False, date(2026, 1, 1),
    # text cells
    "12", "+12", "-12", "--12", "+-1", "12.", ".5", "-.5", ".", "-", "+", "1.2.3", "0012.50",
    "1,234", "1,234.5", "-1,234.50", "+1,234", "12,5", "1,23", "1,2345", ",123", "1,,234",
    "1,234,567.891", "1 234", "1\u00a0234,5", "1\u202f234.5", "1\u2009234", " 12 ",
    "1e3", "1E3", "1.5e-2", "-2.5E+3", "1e", "e3", "1e3.5", "1e999999999", "1e-999999999",
    "1e9999999999", "1e-9999999999",
    "NaN", "nan", "-nan", "sNaN", "inf", "Inf", "-inf", "Infinity", "-Infinity",
    "99999999999999999999.99", "99999999999999999999", "100000000000000000000", "-1e20",
    "123456789012345678901234567890.123",
    "50%", "50 %", "100%", "100.0001%", "-0.5%", "%", "50%%", "1,000%", "12%5",
    "USD 12", "usd12", "USD1,234.5", "USD-3", "US 12", "EUR 12", "12 USD", "USDUSD12",
    "\u0661\u0662", "1_000", "0x10", "12abc", "abc", "\u200b12", "１２",
]  # fmt: skip
KINDS = [("number", ""), ("percent", ""), ("currency", "USD")]


def _expected(raw, kind, currency, decimals):
    """What the cell path gives: parse_number, then the importer's range and rounding rules."""
    try:
        number = parse_number(raw, percent=kind == "percent", currency=currency)
    except ValidationError as exc:
        return ("refused", exc.messages[0])
    if abs(float(number)) >= float(NUMBER_LIMIT):
        return ("too large", None)
    if kind == "percent" and not 0 <= float(number) <= 100:
        return ("percent range", None)
    exponent = number.as_tuple().exponent
    note = ""
    if -exponent > decimals:
        exact = number
        number = number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
        note = ROUNDED % {"value": plain(exact), "rounded": plain(number), "decimals": decimals}
    return ("ok", (str(number), note))


@pytest.mark.parametrize("decimals", [0, 2, 6])
@pytest.mark.parametrize(("kind", "currency"), KINDS)
def test_the_column_path_gives_what_parse_number_gives_cell_by_cell(kind, currency, decimals):
    frame = pd.DataFrame(
        {
            "row": range(2, len(CELLS) + 2),
            "value": pd.Series(CELLS, dtype=object),
            "kind": kind,
            "currency": currency,
            "decimals": decimals,
        }
    )
    problems = Problems()
    numbers, notes, ok = _numbers(frame, problems, ROUNDED)
    found = {}
    for row, _column, message in problems.found:
        found.setdefault(row, []).append(message)
    for i, raw in enumerate(CELLS):
        status, detail = _expected(raw, kind, currency, decimals)
        row = i + 2
        if status == "ok":
            assert ok[i], (raw, found.get(row))
            # The same Decimal, written with the same decimals (str keeps the exponent).
            assert (str(numbers[i]), notes[i]) == detail, raw
        else:
            assert not ok[i], raw
            if status == "refused":
                assert found[row] == [detail], raw
            elif status == "too large":
                assert found[row][0].startswith("The number is too large"), raw
            else:
                assert found[row] == ["A percent must be between 0 and 100."], raw


def test_numbers_refused_and_rounded_in_one_column_keep_their_rows():
    cells = ["1,234.567", "12,5", 45.55, "abc", "-0.005", "1e2"]
    frame = pd.DataFrame(
        {
            "row": [10, 11, 12, 13, 14, 15],
            "value": pd.Series(cells, dtype=object),
            "kind": "number",
            "currency": "",
            "decimals": 2,
        }
    )
    problems = Problems()
    numbers, notes, ok = _numbers(frame, problems, ROUNDED)
    assert list(ok) == [True, False, True, False, True, True]
    assert sorted(problems.found) == [
        (11, "value", "“12,5” is not a number (use a point for decimals)."),
        (13, "value", "“abc” is not a number."),
    ]
    # Half away from zero: 1234.567 -> 1234.57, -0.005 -> -0.01; 45.55 and 1E+2 stay.
    assert [str(n) if n is not None else None for n in numbers] == [
        "1234.57",
        None,
        "45.55",
        None,
        "-0.01",
        "1E+2",
    ]
    assert notes[0] == ROUNDED % {"value": "1234.567", "rounded": "1234.57", "decimals": 2}
    assert notes[4] == ROUNDED % {"value": "-0.005", "rounded": "-0.01", "decimals": 2}
    assert notes[2] == notes[5] == ""


@pytest.mark.django_db
def test_a_workbook_of_boundary_numbers_is_checked_and_written_as_the_form_would(
    officer, period, plan, settings
):
    """Through the whole import: a number cell past 28 digits is refused as too large (it made
    the preview fail before), spaces, thousands separators, a percent sign and an exponent are
    read, and a blank value with a footnote is a missing value."""
    from indicators import services
    from indicators.choices import ImportStatus, ValueKind
    from indicators.models import Value
    from tests.indicators.factories import IndicatorFactory
    from tests.indicators.test_excel import upload

    from .test_import_bulk import rows_workbook

    settings.INDICATORS_IMPORT_INLINE_MAX_BYTES = 10**9
    settings.INDICATORS_IMPORT_INLINE_ROWS = 10**9
    for code, kind in [("N1", ValueKind.NUMBER), ("N2", ValueKind.NUMBER),
                       ("N3", ValueKind.NUMBER), ("P1", ValueKind.PERCENT),
                       ("N4", ValueKind.NUMBER)]:  # fmt: skip
        IndicatorFactory(plan=plan, code=code, value_kind=kind, decimals=2)
    rows = [("N1", 1e30, ""), ("N2", "1\u00a0234,5", ""), ("N3", "NaN", "")]
    job = services.import_job_create(
        period=period, upload=upload(rows_workbook(rows)), actor=officer
    )
    assert job.status == ImportStatus.INVALID
    assert [(e["row"], e["message"]) for e in job.errors] == [
        (2, "The number is too large (at most 18 digits before the point)."),
        (3, "“1\u00a0234,5” is not a number (use a point for decimals)."),
        (4, "“NaN” is not a number."),
    ]
    rows = [("N1", " -1,234.565 ", ""), ("N2", "2.5E1", ""), ("N3", "   ", "not yet"),
            ("P1", "12.5 %", ""), ("N4", 7.0, "")]  # fmt: skip
    job = services.import_job_create(
        period=period, upload=upload(rows_workbook(rows)), actor=officer
    )
    assert job.status == ImportStatus.READY, job.errors
    assert job.changes[0]["note"] == (
        "-1234.565 rounded to -1234.57 (the indicator declares 2 decimals)."
    )
    services.import_commit(job=job, actor=officer)
    stored = {v.indicator.code: v for v in Value.objects.select_related("indicator")}
    assert stored["N1"].numeric_value == Decimal("-1234.57")
    assert stored["N2"].numeric_value == Decimal("25")
    assert stored["N3"].is_missing and stored["N3"].footnote == "not yet"
    assert stored["P1"].numeric_value == Decimal("12.5")
    assert stored["N4"].numeric_value == Decimal("7")
