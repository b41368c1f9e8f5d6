"""core.excel: text written as text (no formula injection) and the reach check's edges."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from core.excel import Limits, _beyond, append_row, xlsx_check
from tests.excel_files import cell, sheet_xml, with_lying_size, xlsx

FORMULA_LIKE = ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")']


@pytest.mark.parametrize("write_only", [True, False])
def test_every_text_is_written_as_text(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("S") if write_only else wb.active
    append_row(ws, [*FORMULA_LIKE, "plain", 3, 2.5, None])
    out = io.BytesIO()
    wb.save(out)
    cells = load_workbook(io.BytesIO(out.getvalue())).worksheets[0][1]
    assert [c.value for c in cells[: len(FORMULA_LIKE)]] == FORMULA_LIKE
    assert {c.data_type for c in cells[: len(FORMULA_LIKE) + 1]} == {"s"}
    assert all(c.quotePrefix for c in cells[: len(FORMULA_LIKE)])
    assert not cells[len(FORMULA_LIKE)].quotePrefix  # plain text needs no prefix
    n = len(FORMULA_LIKE)
    assert [cells[n + 1].data_type, cells[n + 2].data_type] == ["n", "n"]


@pytest.mark.parametrize(
    ("ref", "beyond"),
    [
        ("H1", False),
        ("I1", True),
        ("AA1", True),
        ("A101", False),
        ("A102", True),
        ("H101", False),
        ("A1000", True),
        ("A0", True),
        ("A007", True),
    ],
)
def test_reach_regex_boundaries(ref, beyond):
    """Limits of 100 data rows (row 101 with the header) and 8 columns (A-H)."""
    pattern = _beyond(100, 8)
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    assert bool(pattern.search(f'<c r="{ref}">'.encode())) is beyond
    assert bool(pattern.search(f'<row r="{digits}">'.encode())) is (
        beyond and letters == "A" and ref != "I1"
    )


@pytest.mark.parametrize(("ref", "ok"), [("H101", True), ("I101", False), ("H102", False)])
def test_check_refuses_just_past_the_limits(ref, ok):
    data = xlsx(sheet_xml(f'<row r="{ref[1:]}">{cell(ref, 1)}</row>'))
    limits = Limits(max_rows=100, max_columns=8)
    if ok:
        xlsx_check(io.BytesIO(data), limits=limits)
    else:
        with pytest.raises(ValidationError, match=ref):
            xlsx_check(io.BytesIO(data), limits=limits)


def test_member_larger_than_its_header_says_is_refused():
    data = with_lying_size(xlsx(sheet_xml(f'<row r="1">{cell("A1", "x" * 5000)}</row>')))
    with pytest.raises(ValidationError, match="cannot be read"):
        xlsx_check(io.BytesIO(data), limits=Limits(max_rows=10, max_columns=8))


def test_member_size_limit():
    data = xlsx(sheet_xml(f'<row r="1">{cell("A1", "x" * 5000)}</row>'))
    with pytest.raises(ValidationError, match="unpacks to more than"):
        xlsx_check(
            io.BytesIO(data), limits=Limits(max_rows=10, max_columns=8, max_member_bytes=4000)
        )
