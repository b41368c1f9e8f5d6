"""Word through python-docx: real heading styles, a table of contents (a TOC field Word fills
on opening), numbered paragraphs, tables with repeated header rows, the chart as a PNG
rasterised from the PDF's SVG, and the notes. python-docx has no footnote API: the note
markers are superscript numbers and the notes close the document."""

import io
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .charts import status_chart_svg
from .common import outline


def render_docx(dataset, digest):
    with translation.override(dataset["language"]):
        return _render(dataset, digest)


def _fonts(document, language):
    latin = "Times New Roman"
    east_asian = "Noto Serif CJK SC" if language.startswith("zh") else latin
    for name in ["Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption"]:
        style = document.styles[name]
        style.font.name = latin
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east_asian)
    document.styles["Normal"].font.size = Pt(10.5)


def _toc(document):
    paragraph = document.add_paragraph()
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-3" \\h \\z \\u'
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = _("Table of contents: update the field to fill it in.")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, placeholder, end):
        run._r.append(element)


def _repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _render(dataset, digest):
    language = dataset["language"]
    document = Document()
    _fonts(document, language)
    doc = dataset["document"]
    props = document.core_properties
    props.title = doc["title"]
    props.subject = doc["symbol"]
    props.language = "zh-Hans" if language.startswith("zh") else "en"
    props.comments = f"snapshot {dataset['source']['snapshot']}; sha256 {digest}"
    props.identifier = digest
    # Fixed dates (the document's): the same dataset gives the same content.
    props.created = props.modified = datetime.fromisoformat(doc["date"])
    props.last_printed = props.created
    props.author = props.last_modified_by = doc["entity"]
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.header.paragraphs[0].text = doc["symbol"]
    section.header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    blocks = outline(dataset, digest)
    chart_title = next((b.text for b in blocks if b.kind == "chart"), "")
    notes = []
    for b in blocks:
        if b.kind == "masthead":
            m = b.data
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = p.add_run(m["symbol"])
            run.bold, run.font.size = True, Pt(16)
            p = document.add_paragraph(f"{m['distribution']}\n{m['date']}")
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p = document.add_paragraph()
            run = p.add_run(m["body"])
            run.bold, run.font.size = True, Pt(13)
            for line in m["lines"]:
                document.add_paragraph(line)
            document.add_heading(m["title"], level=0)
            p = document.add_paragraph()
            p.add_run(m["subtitle"]).italic = True
            _toc(document)
        elif b.kind == "heading":
            document.add_heading(b.text, level=min(b.level, 3))
        elif b.kind == "summary":
            document.add_paragraph(b.text, style="Intense Quote")
        elif b.kind == "para":
            p = document.add_paragraph()
            p.paragraph_format.left_indent = Cm(1.2)
            p.paragraph_format.first_line_indent = Cm(-1.2)
            p.add_run(f"{b.number}.\t{b.text}")
            if b.data.get("footnote"):
                notes.append(b.data["footnote"])
                p.add_run(str(len(notes))).font.superscript = True
        elif b.kind == "chart":
            import cairosvg

            png = cairosvg.svg2png(
                bytestring=status_chart_svg(dataset, chart_title).encode(), scale=2
            )
            document.add_picture(io.BytesIO(png), width=Cm(16))
            document.add_paragraph(b.text, style="Caption")
        elif b.kind == "table":
            document.add_paragraph(b.text, style="Caption")
            table = document.add_table(rows=1, cols=len(b.columns))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, b.columns, strict=True):
                cell.text = str(text)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            _repeat_header(table.rows[0])
            for row in b.rows:
                cells = table.add_row().cells
                for i, (cell, value) in enumerate(zip(cells, row, strict=True)):
                    cell.text = "" if value is None else str(value)
                    if b.numeric and b.numeric[i]:
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif b.kind == "notes":
            document.add_heading(_("Notes"), level=1)
            for i, note in enumerate(notes, start=1):
                document.add_paragraph(f"{i}. {note}")
            for note in b.data["notes"]:
                if note not in notes:
                    document.add_paragraph(note)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
