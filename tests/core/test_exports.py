"""The shared streaming writer (core.exports): real numbers with their formats, dates as
dates, text as text (never a formula), progress, and refusals of values of the wrong type."""

import datetime
import decimal
import io

import openpyxl
import pytest

from core.exports import DATE, DATETIME, INTEGER, NUMBER, PERCENT, Col, Sheet, write_xlsx

COLUMNS = [
    Col("Name"),
    Col("Count", INTEGER),
    Col("Amount", NUMBER),
    Col("Share", PERCENT),
    Col("Issued", DATE),
    Col("At", DATETIME),
]


def _book(sheets, **kwargs):
    out = io.BytesIO()
    written = write_xlsx(out, sheets, **kwargs)
    out.seek(0)
    return written, openpyxl.load_workbook(out)


def test_numbers_are_numbers_with_formats_and_dates_are_dates():
    rows = [
        ["a", 3, decimal.Decimal("1234.50"), 42.5, datetime.date(2026, 1, 31),
         datetime.datetime(2026, 1, 31, 8, 30)],
        ["b", None, None, None, None, None],
    ]  # fmt: skip
    written, wb = _book([Sheet("Data", COLUMNS, iter(rows))])
    assert written == 2
    ws = wb["Data"]
    assert [c.value for c in ws[1]] == ["Name", "Count", "Amount", "Share", "Issued", "At"]
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    name, count, amount, share, issued, at = ws[2]
    assert (count.value, count.data_type, count.number_format) == (3, "n", "#,##0")
    assert (amount.value, amount.data_type) == (1234.5, "n")
    assert amount.number_format == "#,##0.##"
    assert share.value == 42.5 and share.number_format == '0.0"%"'
    assert issued.value == datetime.datetime(2026, 1, 31) and issued.is_date
    assert issued.number_format == "yyyy-mm-dd"
    assert at.value == datetime.datetime(2026, 1, 31, 8, 30) and at.is_date
    assert [c.value for c in ws[3]] == ["b", None, None, None, None, None]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("x")', "\t=1"])
def test_text_that_looks_like_a_formula_stays_text(text):
    _written, wb = _book([Sheet("Data", [Col("Name"), Col("Note")], iter([[text, "plain"]]))])
    cell, plain = wb["Data"]["A2"], wb["Data"]["B2"]
    assert cell.value == text and cell.data_type == "s"
    assert cell.quotePrefix  # Excel keeps it text after an edit too
    assert plain.value == "plain" and not plain.quotePrefix


def test_numbers_in_text_columns_are_written_as_text_and_text_in_number_columns_refused():
    _written, wb = _book([Sheet("Data", [Col("Code")], iter([[7]]))])
    assert wb["Data"]["A2"].value == "7" and wb["Data"]["A2"].data_type == "s"
    for bad in ("12", True):
        with pytest.raises(TypeError, match="not a number"):
            _book([Sheet("Data", [Col("Count", INTEGER)], iter([[bad]]))])


def test_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        _book([Sheet("Data", [Col("A"), Col("B")], iter([["only one"]]))])


def test_progress_is_reported_every_n_rows_and_at_the_end_legend_sheets_do_not_count():
    seen = []
    rows = ([str(i), i] for i in range(25))
    written, wb = _book(
        [
            Sheet("Data", [Col("Name"), Col("N", INTEGER)], rows),
            Sheet("Codes", [Col("Code")], iter([["x"], ["y"]]), counted=False),
        ],
        progress=seen.append,
        every=10,
    )
    assert written == 25 and seen == [10, 20, 25]
    assert wb["Data"].max_row == 26 and wb["Codes"].max_row == 3


def test_sheet_names_are_made_valid_and_unique():
    long = "Recommendations: [all] of them / every body"
    _written, wb = _book([Sheet(long, [Col("A")], iter([])), Sheet(long, [Col("A")], iter([]))])
    first, second = wb.sheetnames
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not any(ch in first for ch in "[]:*?/\\")


def test_auto_columns_decide_cell_by_cell_with_each_cells_format():
    from core.exports import AUTO

    rows = [
        [(43_000_000, '"US$"#,##0'), "=cmd|' /C calc'!A0", 2018],
        [("not available", None), "text", datetime.date(2026, 1, 2)],
        [(float("nan"), "0.0"), None, decimal.Decimal("1.5")],
    ]
    _written, wb = _book([Sheet("Data", [Col("A", AUTO), Col("B", AUTO), Col("C", AUTO)], rows)])
    ws = wb["Data"]
    assert (ws["A2"].value, ws["A2"].data_type, ws["A2"].number_format) == (
        43_000_000, "n", '"US$"#,##0'
    )  # fmt: skip
    assert ws["B2"].data_type == "s" and ws["B2"].quotePrefix
    assert ws["C2"].value == 2018 and ws["C2"].data_type == "n"
    assert ws["A3"].value == "not available" and ws["A3"].data_type == "s"
    assert ws["C3"].is_date and ws["C3"].value == datetime.datetime(2026, 1, 2)
    assert ws["A4"].value is None and ws["C4"].value == 1.5  # NaN: an empty cell
