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


def _check_8_by_100(data, ref, ok):
    """The workbook passes the check for 100 rows of 8 columns, or is refused naming `ref`."""
    limits = Limits(max_rows=100, max_columns=8)
    if ok:
        xlsx_check(io.BytesIO(data), limits=limits)
    else:
        with pytest.raises(ValidationError, match=ref):
            xlsx_check(io.BytesIO(data), limits=limits)


@pytest.mark.parametrize(("ref", "ok"), [("H101", True), ("I101", False), ("H102", False)])
def test_check_refuses_just_past_the_limits(ref, ok):
    data = xlsx(sheet_xml(f'<row r="{ref[1:]}">{cell(ref, 1)}</row>'))
    _check_8_by_100(data, ref, ok)


# A cell or row written in a form other than ours, each of which calamine reads (the tag of
# the far cell, then of a row; the "{r}" is its reference).
FORMS = {
    "tab before r": '<c\tr="{r}"><v>1</v></c>',
    "line break before r": '<c\nr="{r}"><v>1</v></c>',
    "CR LF before r": '<c\r\nr="{r}"><v>1</v></c>',
    "single quotes": "<c r='{r}'><v>1</v></c>",
    "spaces around =": '<c r = "{r}"><v>1</v></c>',
    "lower case": '<c r="{r_lower}"><v>1</v></c>',
    "another attribute first": '<c s="0" r="{r}"><v>1</v></c>',
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("ref", "ok"), [("H101", True), ("Z5000", False), ("B5000", False)])
def test_check_reads_every_form_of_a_cell_as_calamine_does(form, ref, ok):
    """A tab or a line break before ``r`` once passed the check unseen (the fast scan took
    the chunk for ours and its regex did not match), and calamine placed the cell anyway."""
    from python_calamine import CalamineWorkbook

    tag = FORMS[form].format(r=ref, r_lower=ref.lower())
    # In row 1: only the cell's own reference says how far it lies.
    data = xlsx(sheet_xml(f'<row r="1">{cell("A1", 1)}{tag}</row>'))
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    column = ord(ref[0]) - ord("A")
    assert sheet.end == (int(ref[1:]) - 1, column)  # where calamine puts it
    _check_8_by_100(data, ref, ok)


def test_a_dimension_in_single_quotes_is_checked():
    data = xlsx(
        sheet_xml(f'<row r="1">{cell("A1", 1)}</row>').replace(
            "<sheetData>", "<dimension ref = 'A1:C5000'/><sheetData>"
        )
    )
    with pytest.raises(ValidationError, match="C5000"):
        xlsx_check(io.BytesIO(data), limits=Limits(max_rows=100, max_columns=8))


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


def _calamine(ws_cells):
    from python_calamine import CalamineWorkbook

    wb = Workbook()
    for ref, value in ws_cells.items():
        wb.active[ref] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))


# Data from C3: the header in row 3, a value in row 4, a cell in E5.
OFF_A1 = {"C3": "code", "D3": "value", "C4": "A", "D4": 1, "E5": "x"}
FROM_A1 = [
    ["", "", "", "", ""],
    ["", "", "", "", ""],
    ["", "", "code", "value", ""],
    ["", "", "A", 1.0, ""],
    ["", "", "", "", "x"],
]


def test_sheet_rows_fast_path_counts_rows_and_columns_from_a1():
    """Within the limits calamine builds the rows (to_python): a sheet whose data starts at C3
    still gives rows and columns as Excel numbers them, so row numbers in messages match."""
    from core.excel import sheet_rows

    book = _calamine(OFF_A1)
    assert sheet_rows(book, 0, limits=Limits(max_rows=10, max_columns=8)) == FROM_A1
    # at the limits exactly (4 data rows after the header row 1, 5 columns): still the fast path
    assert sheet_rows(book, 0, limits=Limits(max_rows=4, max_columns=5)) == FROM_A1
    with pytest.raises(ValidationError, match="at most 3 rows"):
        sheet_rows(book, 0, limits=Limits(max_rows=3, max_columns=8))


def test_sheet_rows_past_the_column_limit_gives_the_same_rows_cut():
    """A cell past the column limit takes the row-by-row path: the same rows from A1, cut to
    the limit (it once added the top empty rows twice, shifting every row number by two)."""
    from core.excel import sheet_rows

    rows = sheet_rows(_calamine(OFF_A1), 0, limits=Limits(max_rows=10, max_columns=4))
    assert rows == [row[:4] for row in FROM_A1]
    with pytest.raises(ValidationError, match="at most 3 rows"):
        sheet_rows(_calamine(OFF_A1), 0, limits=Limits(max_rows=3, max_columns=4))


CSV_SAMPLES = {
    "plain": b"a,b,c\n1,2,3\n",
    "bom, semicolons, crlf": "\ufeffa;b;c\r\n1;2;3\r\n".encode(),
    "tabs": b"a\tb\tc\nx\ty\tz\n",
    "quotes, commas and newlines inside": b'a,b,c\n"x, y","say ""hi""","two\nlines"\n4,5,6\n',
    "short rows and blank lines": b"a,b,c\n1\n\n2,3\n\n\n4,5,6\n",
    "spaces kept": b"a,b\n  x  , y\n",
    "Chinese": "机构,编号\n联合国,甲\n".encode(),
    "text that pandas would read as a number or NA": b"a,b,c\n007,NA,1e3\nnull,,N/A\n",
}


@pytest.mark.parametrize("data", CSV_SAMPLES.values(), ids=CSV_SAMPLES)
def test_csv_frame_reads_what_csv_rows_reads(data):
    from core.excel import csv_frame, csv_rows

    limits = Limits(max_rows=100, max_columns=8)
    rows = csv_rows(data, limits=limits)
    width = max(len(r) for r in rows)
    expected = [r + [""] * (width - len(r)) for r in rows]
    assert csv_frame(data, limits=limits).values.tolist() == expected


def test_csv_frame_reads_a_row_wider_than_the_first_as_csv_rows_does():
    from core.excel import csv_frame

    frame = csv_frame(b"a,b\n1,2,3\n4\n", limits=Limits(max_rows=10, max_columns=8))
    assert frame.values.tolist() == [["a", "b", ""], ["1", "2", "3"], ["4", "", ""]]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"a\n" + b"1\n" * 4, "at most 3 rows"),
        (b"a,b,c,d,e\n1,2,3,4,5\n", "E1"),
        (b"a\x00b\n", "NUL"),
        ("a\nü\n".encode("latin-1"), "UTF-8"),
    ],
)
def test_csv_frame_refuses_what_csv_rows_refuses(data, message):
    from core.excel import csv_frame

    with pytest.raises(ValidationError, match=message):
        csv_frame(data, limits=Limits(max_rows=3, max_columns=4))


def test_csv_frame_takes_the_header_and_the_maximum_of_rows():
    from core.excel import csv_frame

    frame = csv_frame(b"a\n" + b"1\n" * 3, limits=Limits(max_rows=3, max_columns=4))
    assert len(frame) == 4
