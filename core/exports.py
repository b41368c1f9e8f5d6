"""Exports of lists: one streaming Excel writer every exporter uses, and the door that serves an
export at once or hands it to a background job.

Writing: XlsxWriter in constant-memory mode flushes each row to a temporary file as soon as the
next one starts, so memory stays flat however many rows there are (benchmarks/exports.py:
within 1.3x of XlsxWriter alone; the openpyxl write-only exporter it replaced was 2.45x).
Columns are declared once, as data (:class:`Col`), with a type: numbers are written as numbers
with a number format, dates as dates, and text always as text — ``write_string`` never makes a
formula, and a text that starts like one (``=1+1``, ``@SUM(A1)``) also gets Excel's quote
prefix, so that editing the cell in Excel or LibreOffice does not turn it into one either (as
:func:`core.excel.append_row` does).

Serving: a list of at most ``settings.EXPORT_INLINE_MAX_ROWS`` rows is written to an anonymous
temporary file and streamed (:func:`export_response`); a larger one becomes a job. Core reads
no app: the app that keeps export jobs (``reports``) registers its starter with
:func:`register_job_starter`, as job kinds register with ``core.jobs``.
"""

import datetime
import decimal
import math
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import xlsxwriter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse

from .excel import XLSX, is_formula_like

# Column types.
TEXT = "text"
INTEGER = "integer"
NUMBER = "number"  # decimals as the column's format says
PERCENT = "percent"  # a number of percent points (42.5 means 42.5 %), shown as such
DATE = "date"
DATETIME = "datetime"
# Any of the above, decided cell by cell (a column mixing numbers and words, e.g. a figure or
# "not available"); a (number, number format) pair carries the cell's own format.
AUTO = "auto"

FORMATS = {
    INTEGER: "#,##0",
    NUMBER: "#,##0.##",
    PERCENT: '0.0"%"',
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
}
OPTIONS = {
    "constant_memory": True,
    # write_string is used for every text; these keep write_row/write from guessing anyway.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}
PROGRESS_EVERY = 2000  # rows between two calls of the progress callback


@dataclass(frozen=True)
class Col:
    """A column of an export: its header (translated when written), its type, an optional
    number format (else the type's) and width."""

    title: object
    type: str = TEXT
    num_format: str | None = None
    width: float | None = None


@dataclass
class Sheet:
    """A sheet: its name, its columns and its rows (an iterable of sequences, one value per
    column, read once: a server-side cursor streams them)."""

    name: object
    columns: list
    rows: Iterable
    counted: bool = True  # whether its rows count towards the progress
    freeze: tuple = (1, 0)  # rows and columns kept in view


def _sheet_name(name, used):
    # Excel: at most 31 characters, none of []:*?/\ and unique.
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name))[:31] or "Sheet"
    base, n = clean, 2
    while clean.lower() in used:
        suffix = f" ({n})"
        clean, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(clean.lower())
    return clean


def _cell_writers(wb, ws, columns):
    """One function per column that writes a value of that column's type (None: nothing)."""
    literal = wb.add_format({"quote_prefix": True})
    write_string, write_number = ws.write_string, ws.write_number
    write_datetime = ws.write_datetime
    writers = []
    for col in columns:
        fmt = (
            wb.add_format({"num_format": col.num_format or FORMATS[col.type]})
            if (col.num_format or col.type not in (TEXT, AUTO))
            else None
        )
        if col.type == TEXT:

            def write(r, c, v, _fmt=fmt):
                if v is None or v == "":
                    return
                if not isinstance(v, str):
                    v = str(v)
                write_string(r, c, v, literal if is_formula_like(v) else _fmt)

        elif col.type in (DATE, DATETIME):

            def write(r, c, v, _fmt=fmt):
                if v is not None:
                    write_datetime(r, c, v, _fmt)

        elif col.type == AUTO:
            write = _auto_writer(wb, ws, literal, fmt)
        else:

            def write(r, c, v, _fmt=fmt):
                if v is None or v == "":
                    return
                if isinstance(v, bool | str):  # a number column holds numbers only
                    raise TypeError(f"not a number: {v!r}")
                if isinstance(v, float) and not math.isfinite(v):
                    return  # no share computed (NaN): Excel has no NaN, the cell stays empty
                write_number(r, c, float(v) if isinstance(v, decimal.Decimal) else v, _fmt)

        writers.append(write)
    return writers


def _auto_writer(wb, ws, literal, column_format):
    """A writer deciding by each value's type; (number, format) pairs get that format."""
    formats = {}
    dates = wb.add_format({"num_format": FORMATS[DATE]})

    def number_format(num_format):
        if num_format not in formats:
            formats[num_format] = wb.add_format({"num_format": num_format})
        return formats[num_format]

    def write(r, c, v):
        fmt = column_format
        if isinstance(v, tuple):
            v, num_format = v
            fmt = number_format(num_format) if num_format else column_format
        if v is None or v == "":
            return
        if isinstance(v, int | float | decimal.Decimal) and not isinstance(v, bool):
            if isinstance(v, float) and not math.isfinite(v):
                return
            ws.write_number(r, c, float(v) if isinstance(v, decimal.Decimal) else v, fmt)
        elif isinstance(v, datetime.date):
            ws.write_datetime(r, c, v, dates)
        else:
            v = str(v)
            ws.write_string(r, c, v, literal if is_formula_like(v) else None)

    return write


def write_xlsx(target, sheets, *, progress=None, every=PROGRESS_EVERY):
    """Write ``sheets`` to ``target`` (a path or a binary file) in constant memory: a bold,
    frozen header row, then every row. ``progress(rows)`` is called every ``every`` rows of
    counted sheets, and once at the end. Returns the number of counted rows written."""
    wb = xlsxwriter.Workbook(target, OPTIONS)
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True})
    used = set()
    done = 0
    try:
        for sheet in sheets:
            ws = wb.add_worksheet(_sheet_name(sheet.name, used))
            columns = list(sheet.columns)
            for c, col in enumerate(columns):
                width = col.width or (12 if col.type != TEXT else 18)
                ws.set_column(c, c, width)
                ws.write_string(0, c, str(col.title), header)
            ws.freeze_panes(*sheet.freeze)
            writers = list(enumerate(_cell_writers(wb, ws, columns)))
            r = 0
            for r, row in enumerate(sheet.rows, start=1):
                for (c, write), value in zip(writers, row, strict=True):
                    write(r, c, value)
                if sheet.counted and progress is not None and r % every == 0:
                    progress(done + r)
            if sheet.counted:
                done += r
    finally:
        wb.close()
    if progress is not None:
        progress(done)
    return done


def xlsx_tempfile(sheets, **kwargs):
    """The workbook written to an anonymous temporary file (gone once closed), rewound."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (returned open; closed by the caller)
    try:
        write_xlsx(handle, sheets, **kwargs)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def xlsx_download(sheets, *, filename):
    """Stream the workbook as a download, from a temporary file: memory stays flat."""
    response = FileResponse(
        xlsx_tempfile(sheets), as_attachment=True, filename=filename, content_type=XLSX
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- kinds of export and the door between streaming at once and a job -------------------------


@dataclass(frozen=True)
class ExportKind:
    """A list that can be exported, declared by the app that shows it.

    ``queryset(user, params)``: the rows the user may see, filtered by the page's query
    parameters through the list's own FilterSet (raises ValidationError for bad filters).
    ``sheets(queryset)``: the sheets of the file (the first holds the rows). ``can_view(user)``:
    whether the user may see the list at all. ``whole_entities(user)``: the entities whose
    every row of the list the user sees (None: all) — who else may open a finished export job
    of someone else's. ``entity_path``: the lookup of a row's entity."""

    name: str
    title: object
    filename: str
    queryset: Callable
    sheets: Callable
    can_view: Callable
    whole_entities: Callable
    entity_path: str
    extra: dict = field(default_factory=dict)


_KINDS = {}
_starter = {}


def register_kind(kind):
    _KINDS[kind.name] = kind
    return kind


def kinds():
    return dict(_KINDS)


def get_kind(name):
    return _KINDS.get(name)


def register_job_starter(start):
    """``start(*, kind, params, actor)`` creates an export job and returns an object with
    ``get_absolute_url()`` (its page); registered by the app keeping the jobs."""
    _starter["start"] = start


def start_job(*, kind, params, actor):
    start = _starter.get("start")
    if start is None:
        raise ImproperlyConfigured("No app keeps export jobs (INSTALLED_APPS lacks reports).")
    return start(kind=kind, params=params, actor=actor)


def inline_max_rows():
    return settings.EXPORT_INLINE_MAX_ROWS


def params_dict(querydict):
    """A page's query parameters as a JSON-able {name: [values]} (page and format dropped)."""
    return {
        k: list(v)
        for k, v in querydict.lists()
        if k not in ("page", "format", "csrfmiddlewaretoken") and any(v)
    }


def export_filename(kind, today=None):
    today = today or datetime.date.today()
    return f"{kind.filename}-{today.isoformat()}.xlsx"


def export_response(request, kind, params=None):
    """Serve an export of ``kind`` with the page's filters (its query string, or ``params``
    when the page reads its query with defaults of its own): the file at once for a small
    list, a job for a larger one (POST only: starting a job changes something), redirected to
    its page with its progress. The caller has checked that the user may see the list; the
    rows are the user's own visible ones."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.http import HttpResponse, HttpResponseRedirect
    from django.utils.translation import gettext as _

    params = params_dict(request.GET) if params is None else params
    try:
        queryset = kind.queryset(request.user, params)
    except ValidationError as exc:
        text = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return HttpResponse(
            _("The filters cannot be read: %(errors)s") % {"errors": text},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = queryset.count()
    if rows <= inline_max_rows():
        return xlsx_download(kind.sheets(queryset), filename=export_filename(kind))
    if request.method != "POST":
        return HttpResponse(
            _(
                "This list has %(n)s rows, more than the %(max)s exported at once. Use the "
                "“Export to Excel” button of the list: the file is then prepared in the "
                "background and kept in the report archive."
            )
            % {"n": rows, "max": inline_max_rows()},
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    run = start_job(kind=kind, params=params, actor=request.user)
    messages.info(
        request,
        _("The export of %(n)s rows is being prepared; it will be kept in the report archive.")
        % {"n": rows},
    )
    return HttpResponseRedirect(run.get_absolute_url(), status=303)


def api_export_action(kind, description):
    """The ``export`` action of an API list (GET <list>/export/ with the list's filters): the
    filtered rows of ``kind`` as Excel (api_export_response), documented as such; e.g.
    ``export = api_export_action(exporters.VALUES, "The filtered values as Excel.")``."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiResponse, extend_schema
    from rest_framework.decorators import action

    from .excel import XLSX

    def export(self, request):
        return api_export_response(kind, self.filter_queryset(self.get_queryset()))

    export.__doc__ = description
    responses = {
        (200, XLSX): OpenApiResponse(response=OpenApiTypes.BINARY),
        409: OpenApiResponse(description="Too many rows: start a job (POST /exports/)."),
    }
    return extend_schema(responses=responses)(
        action(detail=False, methods=["get"], url_path="export")(export)
    )


def api_export_response(kind, queryset):
    """GET of an API list's export: the file when the list is small; else HTTP 409 saying to
    start it as a job (POST /api/v1/exports/, which answers 202 with its status URL)."""
    from django.utils.translation import gettext as _
    from rest_framework import status
    from rest_framework.exceptions import APIException

    rows = queryset.count()
    if rows > inline_max_rows():
        error = APIException(
            _(
                "This list has %(n)s rows, more than the %(max)s exported at once: start the "
                "export as a job with POST /api/v1/exports/ (kind “%(kind)s” and the same "
                "filters); it answers 202 with a status URL."
            )
            % {"n": rows, "max": inline_max_rows(), "kind": kind.name}
        )
        error.status_code = status.HTTP_409_CONFLICT
        raise error
    return xlsx_download(kind.sheets(queryset), filename=export_filename(kind))
