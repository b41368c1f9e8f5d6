"""The pure renderers: a dataset in, bytes out, read back with standard readers. No database."""

import io
import zipfile

import openpyxl
import pytest
from docx import Document
from pypdf import PdfReader

from core import editorial
from reports.renderers import render
from tests.reports.datasets import INDICATORS, sample_dataset

DIGEST = "0123456789abcdef" * 4
CODES = [row[0] for row in INDICATORS]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_excel_holds_every_indicator_as_real_numbers(language):
    data = render("xlsx", sample_dataset(language), DIGEST)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheets = wb.sheetnames
    assert len(sheets) == 5
    ws = wb[sheets[1]]
    assert ws.freeze_panes == "C2"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == CODES
    by_code = {r[0]: r for r in rows}
    assert by_code["D1.1-a"][3] == 72.0 and isinstance(by_code["D1.1-a"][7], float)
    assert by_code["D1.2-a"][7] == 1234567  # a number, not "1,234,567"
    assert ws.cell(row=2, column=8).number_format == '#,##0.0"%"'
    assert by_code["M4.2-a"][7] is None  # no value: an empty cell, not "–"
    assert ws.cell(row=1, column=1).font.bold
    about = wb[sheets[0]]
    assert DIGEST in [c.value for c in about["B"]]
    names = [r[1] for r in rows]
    if language == "zh-hans":
        assert "合作伙伴满意度" in names
    else:
        assert "Partners' satisfaction" in names


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_word_has_headings_toc_numbered_paragraphs_tables_and_chart(language):
    data = render("docx", sample_dataset(language), DIGEST)
    doc = Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert any(h.startswith("I. ") for h in headings) and len(headings) >= 6
    texts = [p.text for p in doc.paragraphs]
    assert any(t.startswith("1.\t") for t in texts) and any(t.startswith("2.\t") for t in texts)
    table_codes = [row.cells[0].text for t in doc.tables for row in t.rows]
    assert set(CODES) <= set(table_codes)
    assert doc.core_properties.identifier == DIGEST
    assert "snapshot 7" in doc.core_properties.comments
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "TOC \\o" in xml
    assert any(n.startswith("word/media/") for n in zipfile.ZipFile(io.BytesIO(data)).namelist())
    if language == "zh-hans":
        assert any("有效交付" in h for h in headings)
        assert "项目署扩大了合作伙伴的执行能力。" in "".join(texts)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pdf_text_bookmarks_and_variant(language):
    data = render("pdf", sample_dataset(language), DIGEST)
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    for code in CODES:
        assert code in text
    assert "DP/OPS/2027/2" in text and DIGEST in text.replace("\n", "")
    assert reader.outline  # bookmarks from the headings
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root  # tagged
    if language == "zh-hans":
        assert "执行主任的年度报告" in text and "合作伙伴满意度" in text
        assert root["/Lang"] == "zh-Hans"
    else:
        assert "1,234,567" in text and "14,000" in text and "per cent" in text


def test_archival_pdf_declares_pdfa():
    data = render("pdf", sample_dataset("en"), DIGEST, archival=True)
    reader = PdfReader(io.BytesIO(data))
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "pdfaid" in metadata


def test_same_dataset_same_excel_and_word_content():
    """The renderers read no clock: the same dataset gives the same cells and paragraphs."""
    a, b = (render("xlsx", sample_dataset(), DIGEST) for _ in range(2))
    read = [
        [list(ws.iter_rows(values_only=True)) for ws in openpyxl.load_workbook(io.BytesIO(x))]
        for x in (a, b)
    ]
    assert read[0] == read[1]
    w1, w2 = (Document(io.BytesIO(render("docx", sample_dataset(), DIGEST))) for _ in range(2))
    assert [p.text for p in w1.paragraphs] == [p.text for p in w2.paragraphs]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        render("odt", sample_dataset(), DIGEST)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234567.456, 2, "1,234,567.46"),
        (0.5, 0, "1"),  # half up, as the UN rounds (not banker's)
        (2.5, 0, "3"),
        (-0.04, 1, "0.0"),  # never "-0.0"
        (999.95, 1, "1,000.0"),
        (None, 0, ""),
        (float("nan"), 0, ""),
    ],
)
def test_editorial_numbers(value, decimals, expected):
    assert editorial.number(value, decimals) == expected


def test_editorial_percent_amount_and_date_per_language():
    assert editorial.percent(45.5, 1) == "45.5%"
    assert editorial.percent(45.5, 1, in_text=True) == "45.5 per cent"
    assert editorial.percent(45.5, 1, "zh-hans", in_text=True) == "45.5%"
    assert editorial.amount(999_999) == "$999,999"
    assert editorial.amount(1_000_000) == "$1 million"
    assert editorial.amount(12_340_000) == "$12.3 million"
    assert editorial.amount(2_500_000_000) == "$2.5 billion"
    assert editorial.amount(9_999, "USD", "zh-hans") == "9,999美元"
    assert editorial.amount(10_000, "USD", "zh-hans") == "1万美元"
    assert editorial.amount(123_000_000, "USD", "zh-hans") == "1.2亿美元"
    assert editorial.amount(5000, "EUR") == "EUR 5,000"
    assert editorial.date("2027-03-05") == "5 March 2027"
    assert editorial.date("2027-03-05", "zh-hans") == "2027年3月5日"
