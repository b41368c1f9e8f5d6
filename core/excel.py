"""Excel and CSV in and out, shared by every importer and exporter.

Reading: python-calamine loads a whole sheet as one rectangle from A1 to its farthest cell, so a
9 KB file with a single cell at XFD1048576 asks for ~550 GB and aborts the process. Bounding what
calamine hands back (``iter_rows``, ``nrows``) does not bound what it loads, so
:func:`xlsx_check` opens the file as a zip first and refuses it, with a message that names the
limit, unless every member is of a sane size and ratio (zip bombs, huge shared strings) and
every worksheet's declared ``<dimension>`` and its real cells lie within the rows and columns
the import allows. The scan is one regex over a bounded, streamed read of the XML (no parser, so
deep nesting or entity tricks cost nothing); a tag written in any form but the usual one (a tab
or line break before its ``r``, other quotes, another attribute first, a namespace prefix) is
walked tag by tag, as calamine reads it; only then is calamine called.

Writing: :func:`append_row` (and :func:`text_cell`) write every text as text, so a name such as
``=1+1`` or ``@SUM(A1)`` is never a live formula in a file we hand out.
"""

import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may hold. ``max_rows`` counts data rows (the header is extra)."""

    max_rows: int
    max_columns: int
    max_member_bytes: int = 128 * MB  # one part of the zip, uncompressed
    max_total_bytes: int = 256 * MB  # all parts together, uncompressed
    max_ratio: int = 200  # uncompressed / compressed, for parts above 1 MB
    max_members: int = 500

    def column_letter(self):
        return get_column_letter(self.max_columns)


# --- problems ---------------------------------------------------------------------------------


def file_errors(exc):
    """An import job's problem list for an error about the whole file (row 0, no column), from
    a ValidationError's messages or another exception's text."""
    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    return [{"row": 0, "column": "", "message": str(m)} for m in messages]


# --- reading ----------------------------------------------------------------------------------

_CHUNK = 1 * MB
# XML allows white space around "=" and either quote around a value (calamine reads them all).
_DIMENSION = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
# A <row> or <c> start tag (any namespace prefix) and its attributes.
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
# Its ``r`` attribute: column letters and row digits (either may be empty), in either quote.
_REF = re.compile(rb"""\br\s*=\s*(?:"\$?([A-Za-z]{0,3})\$?(\d*)"|'\$?([A-Za-z]{0,3})\$?(\d*)')""")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_RELATIONSHIP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b([^>]*)>")
_WORKSHEET_TYPE = re.compile(rb'\bType="[^"]*/worksheet"')
_TARGET = re.compile(rb'\bTarget="([^"]*)"')


def _column_number(letters):
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _refuse(message):
    raise ValidationError(message, code="limit")


def _too_far(limits, row, column, where):
    if column > limits.max_columns:
        _refuse(
            _(
                "The sheet has a cell at %(cell)s, beyond column %(limit)s: an import reads "
                "columns A to %(limit)s only. Delete the columns after %(limit)s."
            )
            % {"cell": where, "limit": limits.column_letter()}
        )
    if row > limits.max_rows + 1:
        _refuse(
            _(
                "The sheet has a cell at %(cell)s, beyond row %(limit)s: an import reads at "
                "most %(rows)s rows after the header. Delete the rows below or split the file."
            )
            % {"cell": where, "limit": limits.max_rows + 1, "rows": limits.max_rows}
        )


def _ref(match):
    """(column letters, row digits) of a _REF match, as text (either may be empty)."""
    letters, digits = (
        (match.group(1), match.group(2))
        if match.group(1) is not None
        else (
            match.group(3),
            match.group(4),
        )
    )
    return letters.decode(), digits.decode()


def _check_dimension(ref, limits):
    for part in ref.decode("ascii", "replace").split(":"):
        match = _CELL.fullmatch(part.strip())
        if match:
            letters, row = match.groups()
            _too_far(limits, int(row), _column_number(letters), part.strip().upper())


def _read_member(zf, info, limits):
    """The member's bytes, in chunks, counting the real size (a zip header may lie)."""
    with zf.open(info) as member:
        total = 0
        while True:
            chunk = member.read(_CHUNK)
            if not chunk:
                return
            total += len(chunk)
            if total > limits.max_member_bytes:
                _refuse(
                    _("A part of the workbook is larger than %(limit)s MB once unpacked.")
                    % {"limit": limits.max_member_bytes // MB}
                )
            yield chunk


def _greater(limit, alphabet):
    """A regex matching a string of ``alphabet`` characters that sorts (by length, then
    character by character) after ``limit``: a column letter or row number beyond it."""
    first, last = alphabet[0], alphabet[-1]
    options = [f"[{first}-{last}]{{{len(limit) + 1},}}"]
    for i, ch in enumerate(limit):
        nxt = alphabet.index(ch) + 1
        if nxt < len(alphabet):
            rest = len(limit) - i - 1
            options.append(
                f"{re.escape(limit[:i])}[{alphabet[nxt]}-{last}][{first}-{last}]{{{rest}}}"
            )
    return "(?:" + "|".join(options) + ")"


@functools.cache
def _beyond(max_rows, max_columns):
    """One regex for a <c> or <row> start tag whose ``r`` lies beyond the limits."""
    row = _greater(str(max_rows + 1), "0123456789")
    column = _greater(get_column_letter(max_columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return re.compile(
        rf'<(?:c r="(?:{column}[0-9]|[A-Z]{{1,3}}(?:{row}|0)[0-9]*")|row r="(?:{row}|0))'.encode()
    )


@functools.cache
def _scan_regex(max_rows, max_columns):
    """The one regex of _scan_fast. At a <c> or <row> start tag in the form we write (``<c
    r="B7"``, ``<row r="7"``): one whose ``r`` lies beyond the limits, or names row 0 or a row
    with a leading 0 (group ``far_cell`` or ``far_row``). Any other form of the tag (the match
    has neither group): ``r`` not the
    first attribute or after another space than one blank (a tab, a line break), other quotes,
    spaces around "=", letters in lower case, no ``r`` at all, a namespace prefix. Written as
    one tree from "<" so that the usual tags fail after a few characters (about 40% faster
    than the eight counts and two searches it replaces, on a 50,000-row sheet)."""
    row = _greater(str(max_rows + 1), "0123456789")
    column = _greater(get_column_letter(max_columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return re.compile(
        (
            r'<(?:c(?: r="(?:(?P<far_cell>'
            + rf'{column}[0-9]|[A-Z]{{1,3}}(?:{row}|0)[0-9]*")'
            + r'|(?![A-Z]{1,3}[1-9][0-9]*"))| (?!r=")|[\t\r\n/>])'
            + rf'|row(?: r="(?:(?P<far_row>{row}|0)|(?![1-9][0-9]*"))| (?!r=")|[\t\r\n/>])'
            + r"|[A-Za-z_][\w.-]*:(?:row|c)[\s/>])"
        ).encode()
    )


def _scan_fast(data, cut, limits):
    """For a chunk whose every <row> and <c> starts with an ``r`` attribute in the form Excel,
    LibreOffice and openpyxl write it: refuse the first tag beyond the limits, in one pass of
    one regex at C speed. False if the chunk must be walked tag by tag instead (a tag in any
    other form: calamine reads those too, e.g. a tab or a line break before ``r``)."""
    found = _scan_regex(limits.max_rows, limits.max_columns).search(data, 0, cut)
    if found is None:
        return True
    if found.group("far_cell") is None and found.group("far_row") is None:
        return False  # a tag in another form
    tag = data[found.start() : data.find(b">", found.start()) + 1]
    ref = _REF.search(tag)
    if tag.startswith(b"<row"):  # name its first cell, as the user sees it in Excel
        ref = _REF.search(data, found.end(), found.end() + 4096) or ref
    letters, digits = _ref(ref) if ref else ("", "0")
    letters = letters.upper()
    column = _column_number(letters) if letters else 1
    _too_far(limits, int(digits or 0), column, f"{letters or 'A'}{digits}")
    _refuse(_("The workbook's sheet is malformed."))  # a row number such as 0 or 007


def _scan_sheet(zf, info, limits):
    """Refuse the sheet if its declared dimension or any real cell lies beyond the limits.
    Cells without an ``r`` attribute are placed as calamine places them: after the previous
    (at a chunk boundary the count restarts, so such a row is bounded by twice the limit)."""
    row, column = 0, 0
    tail = b""
    first = True
    for chunk in _read_member(zf, info, limits):
        data = tail + chunk
        if first:
            found = _DIMENSION.search(data)  # it comes before the cells
            if found:
                _check_dimension(found.group(1) or found.group(2) or b"", limits)
            first = False
        # Scan up to the last complete tag; keep the rest for the next chunk.
        cut = data.rfind(b"<")
        if cut == -1 or data.find(b">", cut) != -1:
            cut = len(data)
        if _scan_fast(data, cut, limits):
            row, column = row + 1, 0  # only a cell without ``r`` after the boundary needs it
        else:
            for match in _TAG.finditer(data, 0, cut):
                name, attrs = match.groups()
                found = _REF.search(attrs)
                letters, digits = _ref(found) if found else ("", "")
                if name == b"row":
                    row = int(digits) if digits else row + 1
                    column = 0
                elif letters:
                    column = _column_number(letters)
                    if digits:
                        row = int(digits)
                else:
                    column += 1
                if row > limits.max_rows + 1 or column > limits.max_columns:
                    where = f"{get_column_letter(min(column, 16384) or 1)}{row}"
                    _too_far(limits, row, column, where)
        tail = data[cut:]
        if len(tail) > _CHUNK:  # a tag longer than a megabyte is no spreadsheet of ours
            _refuse(_("The workbook's sheet is malformed."))


def _worksheet_names(zf, names, limits):
    """The parts calamine would read as worksheets: those the workbook's relationships name,
    and anything under xl/worksheets/."""
    sheets = {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names:
        data = b"".join(_read_member(zf, zf.getinfo(rels), limits))
        for rel in _RELATIONSHIP.finditer(data):
            target = _TARGET.search(rel.group(1))
            if target and _WORKSHEET_TYPE.search(rel.group(1)):
                path = target.group(1).decode("utf-8", "replace").lstrip("/")
                if not path.startswith("xl/"):
                    path = "xl/" + path
                sheets.add(path)
    return sorted(n for n in sheets if n in names)


def xlsx_check(source, *, limits):
    """Raise ValidationError unless the .xlsx at ``source`` (a path or a binary file object)
    can be handed to calamine without risk: see the module docstring."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ValidationError(_("The file cannot be read as an Excel workbook.")) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            _refuse(
                _("The workbook has more than %(n)s parts; it is not a spreadsheet we can read.")
                % {"n": limits.max_members}
            )
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise ValidationError(_("The file cannot be read as an Excel workbook."))
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > limits.max_member_bytes or total > limits.max_total_bytes:
                _refuse(
                    _("The workbook unpacks to more than %(limit)s MB.")
                    % {"limit": limits.max_total_bytes // MB}
                )
            if info.file_size > MB and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                _refuse(
                    _("The workbook is compressed more than %(ratio)s to 1: refused as unsafe.")
                    % {"ratio": limits.max_ratio}
                )
        try:
            sheets = set(_worksheet_names(zf, names, limits))
            for info in infos:
                if info.filename.endswith("/"):
                    continue
                if info.filename in sheets:
                    _scan_sheet(zf, info, limits)
                else:
                    for _chunk in _read_member(zf, info, limits):
                        pass  # real sizes, not the headers', for what calamine may read
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError) as exc:
            raise ValidationError(_("The file cannot be read as an Excel workbook.")) from exc


def sheet_rows(book, name_or_index, *, limits):
    """At most ``limits.max_rows + 1`` rows (header included) of a checked workbook's sheet,
    from A1 (as ``to_python(skip_empty_area=False)``) so that rows and columns match Excel's."""
    try:
        if isinstance(name_or_index, int):
            sheet = book.get_sheet_by_index(name_or_index)
        else:
            sheet = book.get_sheet_by_name(name_or_index)
        end = sheet.end
        if end is not None and end[0] <= limits.max_rows and end[1] < limits.max_columns:
            # Within the limits (the usual case): calamine builds the rows itself, at C speed.
            return sheet.to_python(skip_empty_area=False)
        # Past a limit (cells far out, perhaps empty): row by row, cut to the limits. calamine
        # yields rows from the sheet's first row but cells from its first used column (the
        # left padding is ours); a version yielding rows from the first used row instead
        # gets its top padding added below.
        top, left = sheet.start or (0, 0)
        rows = []
        for row in sheet.iter_rows():
            if len(rows) > limits.max_rows:
                _too_many(limits)
            rows.append(([""] * left + list(row))[: limits.max_columns])
        if top and len(rows) == sheet.height:
            rows[:0] = [[""] * len(rows[0]) for _i in range(top)]
    except ValidationError:
        raise
    except Exception as exc:  # calamine raises its own error types for broken sheets
        raise ValidationError(_("The file cannot be read as an Excel workbook.")) from exc
    if len(rows) > limits.max_rows + 1:
        _too_many(limits)
    return rows


def _too_many(limits):
    _refuse(_("A file holds at most %(n)s rows after the header.") % {"n": limits.max_rows})


def _csv_text(data):
    """(the text, its csv dialect) of a CSV file (UTF-8, with or without BOM; comma,
    semicolon or tab), or ValidationError for a file that is not CSV text."""
    if b"\x00" in data:
        raise ValidationError(_("The file holds NUL bytes: it is not a CSV text file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The file is not UTF-8 text; save it as CSV UTF-8.")) from exc
    try:
        # Excel writes ";" or tabs in some locales.
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return text, dialect


def csv_rows(data, *, limits):
    """The rows of a CSV file (UTF-8, with or without BOM; comma, semicolon or tab), read no
    further than the limits allow."""
    text, dialect = _csv_text(data)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if len(rows) > limits.max_rows:
                _too_many(limits)
            if len(row) > limits.max_columns and any(c.strip() for c in row[limits.max_columns :]):
                where = f"{get_column_letter(min(len(row), 16384))}{len(rows) + 1}"
                _too_far(limits, len(rows) + 1, len(row), where)
            rows.append(row[: limits.max_columns])
    except csv.Error as exc:
        raise ValidationError(_("The file cannot be read: %(error)s") % {"error": exc}) from exc
    return rows


def rows_frame(rows):
    """Rows of cells (csv_rows, sheet_rows) as one frame, columns numbered from 0, short rows
    filled with ""."""
    import pandas as pd

    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([[*r, *[""] * (width - len(r))] for r in rows], dtype=object)


def csv_frame(data, *, limits):
    """The rows of a CSV file as csv_rows() reads them, as one frame of texts (columns
    numbered from 0, the header its first row, a short row filled with "", a blank line a row
    of ""), read by pandas' C reader: about ten times faster than the csv module at 200,000
    rows. A file the C reader takes otherwise than csv_rows() would (a row wider than the
    first, a quoting it refuses) or that reaches beyond the limits is read by csv_rows()
    instead, which reads it the same way as ever and raises the same errors."""
    import pandas as pd  # not needed by the exporters that import this module

    text, dialect = _csv_text(data)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            sep=dialect.delimiter,
            quotechar=dialect.quotechar,
            quoting=dialect.quoting,
            doublequote=dialect.doublequote,
            escapechar=dialect.escapechar,
            skipinitialspace=dialect.skipinitialspace,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        frame = None
    if frame is None or len(frame) > limits.max_rows + 1 or frame.shape[1] > limits.max_columns:
        return rows_frame(csv_rows(data, limits=limits))
    frame.columns = range(frame.shape[1])
    return frame.astype(object)


# --- writing ----------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def text_cell(ws, value, *, font=None):
    """A write-only cell whose text stays text: openpyxl would otherwise store a string
    starting with "=" as a formula. Numbers, dates and booleans pass through unchanged."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        _as_text(cell, value)
    if font is not None:
        cell.font = font
    return cell


def _as_text(cell, value):
    cell.data_type = "s"
    if is_formula_like(value):
        # Excel and LibreOffice also re-read the cell as a formula after an edit unless the
        # cell says its text is literal.
        cell.quotePrefix = True


def append_row(ws, values, *, font=None):
    """Append ``values`` to ``ws`` (write-only or normal) with every text written as text."""
    if ws.parent.write_only:
        ws.append([text_cell(ws, v, font=font) for v in values])
        return
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            _as_text(cell, cell.value)
        if font is not None:
            cell.font = font
