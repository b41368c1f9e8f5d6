"""Small real files of each kind evidence may be, and files pretending to be one."""

import io

import docx
import openpyxl

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
CSV = b"code,value\nA1,12.5\n"
TXT = "Minutes of the review meeting — 会议纪要\n".encode()


def xlsx():
    book = openpyxl.Workbook()
    book.active["A1"] = "evidence"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_bytes():
    document = docx.Document()
    document.add_paragraph("evidence")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def allowed():
    """(file name, content, content type) of every accepted kind."""
    return [
        ("report.pdf", PDF, "application/pdf"),
        ("chart.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.JPEG", JPEG, "image/jpeg"),
        (
            "table.xlsx",
            xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "note.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("data.csv", CSV, "text/csv"),
        ("minutes.txt", TXT, "text/plain"),
    ]


def refused():
    """(file name, content, the words of the refusal) of files that must be refused."""
    mismatch = "does not match its extension"
    return [
        ("page.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>", mismatch),
        ("page.txt", b"\xef\xbb\xbf  <html><body>hi</body></html>", mismatch),
        ("note.txt", b"Hello\n<script>alert(1)</script>\n", mismatch),
        ("image.csv", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', mismatch),
        ("data.csv", b'<?xml version="1.0"?><svg/>', mismatch),
        ("binary.txt", b"text\x00with a nul byte", mismatch),
        ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00", mismatch),
        ("fake.png", PDF, mismatch),
        ("zip.docx", xlsx(), mismatch),  # a workbook is a zip too, but not a Word document
        ("broken.xlsx", b"PK\x03\x04 not really a zip", mismatch),
        ("program.exe", b"MZ\x90\x00", "Files of this type are not accepted"),
        ("page.html", b"<html></html>", "Files of this type are not accepted"),
        ("image.svg", b"<svg/>", "Files of this type are not accepted"),
        ("noextension", PDF, "Files of this type are not accepted"),
        ("empty.txt", b"", "file is empty."),  # DRF says "The submitted file is empty."
    ]
