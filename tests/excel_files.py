# ruff: noqa: E501  (the XML of a workbook reads best one part per line)
"""Malformed and hostile workbooks, built byte by byte with zipfile (never downloaded)."""

import io
import zipfile

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)  # fmt: skip
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def workbook_xml(sheet="Values"):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">'
        f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def workbook_rels(shared_strings=False):
    extra = (
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared_strings
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f"{extra}</Relationships>"
    )


def cell(ref, value):
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet_xml(rows_xml, dimension=None):
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}<sheetData>{rows_xml}</sheetData></worksheet>'


def header_row(titles):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return (
        '<row r="1">' + "".join(cell(f"{letters[i]}1", t) for i, t in enumerate(titles)) + "</row>"
    )


def xlsx(sheet, *, sheet_name="Values", shared_strings=None, extra=(), compression=None):
    """A workbook zip whose first sheet's XML is ``sheet`` (str or bytes)."""
    out = io.BytesIO()
    compression = zipfile.ZIP_DEFLATED if compression is None else compression
    with zipfile.ZipFile(out, "w", compression) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook_xml(sheet_name))
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels(shared_strings is not None))
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
        for name, data in extra:
            zf.writestr(name, data)
    return out.getvalue()


def with_lying_size(data, member="xl/worksheets/sheet1.xml", size=10):
    """The same zip, but the member's headers claim it unpacks to ``size`` bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    info = src.getinfo(member)
    raw = bytearray(data)
    real = info.file_size.to_bytes(4, "little")
    fake = size.to_bytes(4, "little")
    # Local header (offset 22) and central directory entry (offset 24) both carry the size.
    local = info.header_offset
    assert raw[local + 22 : local + 26] == real
    raw[local + 22 : local + 26] = fake
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:
        name_len = int.from_bytes(raw[pos + 28 : pos + 30], "little")
        if raw[pos + 46 : pos + 46 + name_len] == member.encode():
            assert raw[pos + 24 : pos + 28] == real
            raw[pos + 24 : pos + 28] = fake
        pos = raw.find(b"PK\x01\x02", pos + 4)
    return bytes(raw)


def hostile(header):
    """(name, file bytes, file name) for every attack the imports must refuse cleanly.
    ``header`` is the list of column titles the import expects."""
    head = header_row(header)
    far = sheet_xml(head + '<row r="1048576">' + cell("XFD1048576", 1) + "</row>")
    tall = sheet_xml(head + '<row r="1048576">' + cell("H1048576", 1) + "</row>")
    wide = sheet_xml(head + '<row r="2">' + cell("XFD2", 1) + "</row>")
    declared = sheet_xml(head, dimension="A1:XFD1048576")
    no_refs = sheet_xml(head + "<row>" + "<c><v>1</v></c>" * 20000 + "</row>")
    far_row_no_refs = sheet_xml(head + '<row r="1048576"><c><v>1</v></c></row>')
    prefixed = (
        f'<x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c>'
        '</x:row><x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    zero_row = sheet_xml(head + '<row r="0"><c r="A0"><v>1</v></c></row>')
    bomb = xlsx(sheet_xml(head), extra=[("xl/media/zeros.bin", b"\0" * (40 * 1024 * 1024))])
    huge_strings = xlsx(
        sheet_xml(head + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'),
        shared_strings=(
            f'<sst xmlns="{NS}" count="1" uniqueCount="1"><si><t>{"A" * (30 * 1024 * 1024)}</t></si></sst>'
        ),
    )
    deep = sheet_xml(
        head + '<row r="2"><c r="A2"><v>' + "<a>" * 100000 + "</a>" * 100000 + "</v></c></row>"
    )
    lying = with_lying_size(
        xlsx(sheet_xml(head + '<row r="2">' + cell("A2", "x" * 5000) + "</row>"))
    )
    return [
        ("far cell XFD1048576", xlsx(far), "x.xlsx"),
        ("tall cell H1048576", xlsx(tall), "x.xlsx"),
        ("wide cell XFD2", xlsx(wide), "x.xlsx"),
        ("declared dimension only", xlsx(declared), "x.xlsx"),
        ("20000 cells without refs", xlsx(no_refs), "x.xlsx"),
        ("far row, cell without ref", xlsx(far_row_no_refs), "x.xlsx"),
        ("namespace-prefixed far cell", xlsx(prefixed), "x.xlsx"),
        ("row number 0", xlsx(zero_row), "x.xlsx"),
        ("zip bomb", bomb, "x.xlsx"),
        ("huge shared strings", huge_strings, "x.xlsx"),
        ("deep XML nesting", xlsx(deep), "x.xlsx"),
        ("zip header lies about the size", lying, "x.xlsx"),
        ("PNG renamed .xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "x.xlsx"),
        ("HTML renamed .xlsx", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "x.xlsx"),
        ("zip header, then garbage", b"PK\x03\x04" + b"\xff" * 200, "x.xlsx"),
        ("a zip without a workbook", _plain_zip(), "x.xlsx"),
    ]  # fmt: skip


def _plain_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "hello")
    return out.getvalue()
