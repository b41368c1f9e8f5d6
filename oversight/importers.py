"""Import of recommendations from Excel (.xlsx, read with python-calamine) or CSV, set-based.

The columns (first row, any order, case-insensitive) are listed in oversight/columns.py and in
the README section. read_frame() reads the file after core.excel's bounded checks into one
pandas frame of texts (indexed by the row number in the file); check() runs every rule over
whole columns at once (a fixed number of queries, whatever the rows) and returns every
problem by row and column, the resolved values to write, and what would change (old → new),
compared in the database (_compare_staged), which keeps a clean file's rows for the write.
No recommendation is written here: services_imports writes a clean result in one transaction.
"""

import datetime
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connection, transaction
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from core.excel import MB, Limits, csv_frame, rows_frame, sheet_rows, xlsx_check
from entities.models import Entity, OrgUnit

from . import permissions as perms
from .choices import CLOSED_STATUSES, Acceptance, Status
from .columns import IMPORT_COLUMNS as COLUMNS  # column -> (required, description)
from .models import OversightBody, OversightReport

MAX_ROWS = 200_000  # default of settings.OVERSIGHT_IMPORT_MAX_ROWS
MAX_COLUMNS = 32  # the 20 columns of the export and room for a few of one's own
PREVIEW_ROWS = 1000  # rows with a change or a problem kept for the preview page
TRUE = {"yes", "y", "true", "1", "是", "x"}
FALSE = {"no", "n", "false", "0", "否", ""}
CLOSED = [str(s) for s in CLOSED_STATUSES]
# The Recommendation columns an import sets, in the order of the staging table and the merge
# (services_imports); the preview compares the same ones, so that what it calls unchanged is
# what the merge leaves alone.
WRITTEN = (
    "report_id",
    "entity_id",
    "org_unit_id",
    "text_en",
    "text_zh",
    "is_critical",
    "priority",
    "issued_on",
    "target_date",
    "acceptance",
    "status",
    "implementation_date",
    "management_response",
)
# The version of a recommendation row as the preview read it (see _compare_staged).
SEEN = "r.xmin::text || ':' || r.ctid::text"
# The checked rows as staged for the preview's comparison and the write (services_imports), one
# column per value, with its SQL type.
STAGING = {
    "row": "integer",
    "body_id": "bigint",
    "reference": "text",
    "report": "text",
    "report_title": "text",
    "report_date": "date",
    "volume": "text",
    "report_id": "bigint",
    "entity_id": "bigint",
    "org_unit_id": "bigint",
    "text_en": "text",
    "text_zh": "text",
    "is_critical": "boolean",
    "priority": "text",
    "issued_on": "date",
    "target_date": "date",
    "acceptance": "text",
    "status": "text",
    "implementation_date": "date",
    "management_response": "text",
}
DATES = ("issued_on", "target_date", "report_date", "implementation_date")
# Longest texts, checked here so that the database never refuses a clean file.
LENGTHS = {"reference": 80, "priority": 40, "report": 80, "report_title": 500, "volume": 20}


def limits():
    """How far an uploaded file may reach (core.excel.Limits)."""
    return Limits(
        max_rows=getattr(settings, "OVERSIGHT_IMPORT_MAX_ROWS", MAX_ROWS),
        max_columns=MAX_COLUMNS,
        # 200,000 rows of 20 columns unpack to about 150 MB of sheet XML.
        max_member_bytes=256 * MB,
        max_total_bytes=512 * MB,
    )


def check_workbook(upload):
    """Refuse, before calamine sees it, an .xlsx reaching beyond the limits or unpacking into
    more than it should (core.excel.xlsx_check)."""
    xlsx_check(upload, limits=limits())


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _texts(values):
    """A column of cells (a numpy object array) as stripped texts: cells that are not text
    (numbers and dates from a workbook) go through _cell. A plain comprehension: pandas'
    .str.strip() costs ten times more per cell here."""
    return np.array(
        [v.strip() if type(v) is str else _cell(v) for v in values], dtype=object
    ).reshape(len(values))


def _too_large(max_bytes):
    return ValidationError(
        _("The file is too large; the limit is %(limit)s MB.") % {"limit": max_bytes // MB}
    )


def read_frame(upload):
    """The file's data rows as a frame of texts, columns named by the lower-case header,
    indexed by the row number in the file (the header is row 1); rows with no cell are left
    out. Raises ValidationError for a file that cannot be read, lacks a required column or
    reaches beyond the limits (size, rows, columns; an .xlsx is checked as a zip first)."""
    name = (upload.name or "").lower()
    max_bytes = getattr(settings, "OVERSIGHT_IMPORT_MAX_BYTES", 100 * MB)
    if upload.size is not None and upload.size > max_bytes:
        raise _too_large(max_bytes)
    bounds = limits()
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if name.endswith(".xlsx"):
        xlsx_check(io.BytesIO(data), limits=bounds)
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as exc:  # calamine raises its own error types for corrupt workbooks
            raise ValidationError(_("The file cannot be read as an Excel workbook.")) from exc
        table = rows_frame(sheet_rows(book, 0, limits=bounds))
    elif name.endswith(".csv"):
        table = csv_frame(data, limits=bounds)  # pandas' C reader (core.excel)
    else:
        raise ValidationError(_("Upload an .xlsx or .csv file."))
    if table.empty:
        raise ValidationError(_("The file is empty."))
    header = [_cell(h).lower() for h in table.iloc[0]]
    missing = [c for c, (required, _d) in COLUMNS.items() if required and c not in header]
    if missing:
        raise ValidationError(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    width = table.shape[1]
    raw = table.iloc[1:]
    columns = [_texts(raw[i].to_numpy(dtype=object)) for i in range(width)]
    filled = np.zeros(len(raw), dtype=bool)
    for values in columns:
        filled |= values != ""
    rows = np.arange(2, 2 + len(raw))[filled]  # the row numbers in the file
    if not len(rows):
        raise ValidationError(_("The file has no rows."))
    if len(rows) > bounds.max_rows:
        raise ValidationError(_("At most %(n)s rows per file.") % {"n": bounds.max_rows})
    # A column named twice: the last one counts (as a dict built left to right would).
    named = {h: i for i, h in enumerate(header) if h}
    frame = pd.DataFrame(
        {h: columns[i][filled] for h, i in named.items()}, index=pd.Index(rows), dtype=object
    )
    for column in COLUMNS:
        if column not in frame:
            frame[column] = ""  # an optional column the file leaves out
    frame.attrs["header"] = list(named)
    return frame


def parse_upload(upload):
    """The file's rows as dicts keyed by its lower-case column names (see read_frame)."""
    frame = read_frame(upload)
    return frame[frame.attrs["header"]].to_dict("records")


@dataclass
class Checked:
    """What check() found: problems, and for a clean file the rows to write and the preview."""

    rows: pd.DataFrame | None = None  # resolved values, one row per file row (clean only)
    errors: list = field(default_factory=list)  # {"row", "column", "message"}, in file order
    preview: list = field(default_factory=list)  # rows with a change or a problem
    summary: dict = field(default_factory=dict)  # {"create", "update", "unchanged"}
    total: int = 0

    @property
    def is_clean(self):
        return not self.errors and self.total > 0

    @property
    def to_write(self):
        return self.summary.get("create", 0) + self.summary.get("update", 0)


class _Problems:
    """Problems found column by column; one message per (row, column), the first found."""

    def __init__(self, index):
        self.index = index
        self.found = []

    def add(self, mask, column, message):
        """``message``: one text, or a Series of texts aligned with the rows."""
        mask = np.asarray(mask, dtype=bool)
        rows = self.index[mask]
        if len(rows):
            if isinstance(message, pd.Series):
                message = message.to_numpy()[mask]
            self.found.append((rows, column, message))

    def rows(self):
        bad = np.zeros(len(self.index), dtype=bool)
        for rows, _c, _m in self.found:
            bad |= self.index.isin(rows)
        return bad

    def listed(self):
        if not self.found:
            return []
        parts = [
            pd.DataFrame({"row": rows, "column": column, "message": message, "order": k})
            for k, (rows, column, message) in enumerate(self.found)
        ]
        table = pd.concat(parts).sort_values(["row", "order"], kind="stable")
        table = table.drop_duplicates(["row", "column"])
        return [
            {"row": int(r), "column": c, "message": str(m)}
            for r, c, m in zip(table["row"], table["column"], table["message"], strict=True)
        ]


def _key(*columns):
    """One text key per row from several columns (ids as integers, texts as they are)."""
    parts = [
        c.astype("Int64").astype(str) if pd.api.types.is_numeric_dtype(c) else c for c in columns
    ]
    key = parts[0].astype(str)
    for part in parts[1:]:
        key = key + "\x1f" + part.astype(str)
    return key


def _dates(column):
    """(parsed dates with NaT where empty or unreadable, texts YYYY-MM-DD or '', bad mask)."""
    text = column.str.slice(0, 10)
    parsed = pd.to_datetime(text.where(text != ""), format="%Y-%m-%d", errors="coerce")
    bad = (text != "") & parsed.isna()
    return parsed, text.where(~bad, ""), bad


def _length_message(limit, length):
    return MaxLengthValidator(limit).message % {"limit_value": limit, "show_value": length}


def check(frame, actor, *, preview=True, keep=None):
    """Every rule over the whole file at once (see the module docstring). Queries: bodies,
    visible entities, their units, the reports named, and (``preview``) one COPY of the
    checked rows and a comparison with the recommendations they name in SQL, to say what
    changes (_compare_staged) — a fixed number, whatever the rows. ``keep``: the name of the
    UNLOGGED table in which a clean file's compared rows stay for its write. The write checks
    again without the preview: its merge decides what changes by itself."""
    index = frame.index
    problems = _Problems(index)
    col = {c: frame[c] for c in COLUMNS}
    for column, (required, _d) in COLUMNS.items():
        if required:
            problems.add(col[column] == "", column, _("This column is required."))

    bodies = {b.code.lower(): b for b in OversightBody.objects.all()}
    allowed = {b.pk for b in bodies.values() if perms.can_create_in_body(actor, b)}
    body_id = col["body"].str.lower().map({c: b.pk for c, b in bodies.items()})
    body_known = body_id.notna()
    problems.add((col["body"] != "") & ~body_known, "body", _("Unknown oversight body."))
    problems.add(
        body_known & ~body_id.isin(allowed), "body", _("You are not an auditor of this body.")
    )

    # Entities are few (tens): read them all, so codes match whatever their case.
    entities = {e.code.lower(): e for e in Entity.objects.visible_to(actor)}
    entity_id = col["entity"].str.lower().map({c: e.pk for c, e in entities.items()})
    problems.add((col["entity"] != "") & entity_id.isna(), "entity", _("Unknown entity."))

    dates = {}
    for column in DATES:
        parsed, text, bad = _dates(col[column])
        dates[column] = (parsed, text)
        problems.add(bad, column, _("Write the date as YYYY-MM-DD."))
    critical = col["critical"].str.lower()
    problems.add(~critical.isin(TRUE | FALSE), "critical", _("Write yes or no."))
    acceptance = col["acceptance"].where(col["acceptance"] != "", str(Acceptance.ACCEPTED))
    problems.add(~acceptance.isin(Acceptance.values), "acceptance", _("Unknown acceptance."))
    status = col["status"].where(col["status"] != "", str(Status.IN_PROGRESS))
    problems.add(~status.isin(Status.values), "status", _("Unknown status."))

    wanted = {int(i) for i in entity_id.dropna().unique()}
    units = OrgUnit.objects.filter(entity_id__in=wanted).values_list("entity_id", "code", "pk")
    unit_ids = {f"{e}\x1f{code.lower()}": pk for e, code, pk in units}
    named_unit = (col["org_unit"] != "") & entity_id.notna()
    org_unit_id = _key(entity_id, col["org_unit"].str.lower()).map(unit_ids).where(named_unit)
    problems.add(named_unit & org_unit_id.isna(), "org_unit", _("Unknown unit for this entity."))

    symbols = set(col["report"].unique()) - {""}
    report_ids = {
        f"{b}\x1f{s}": pk
        for pk, b, s in OversightReport.objects.filter(symbol__in=symbols).values_list(
            "pk", "body_id", "symbol"
        )
    }
    report_key = _key(body_id, col["report"])
    report_id = report_key.map(report_ids).where(body_known & (col["report"] != ""))
    # A report not yet recorded is created from the first row that gives its title and date.
    defines = (
        body_known
        & (col["report"] != "")
        & report_id.isna()
        & (col["report_title"] != "")
        & dates["report_date"][0].notna()
    )
    defined = set(report_key[defines])
    new_report = body_known & (col["report"] != "") & report_id.isna() & report_key.isin(defined)
    problems.add(
        body_known & (col["report"] != "") & report_id.isna() & ~new_report,
        "report",
        _("Unknown report: give report_title and report_date."),
    )
    duplicate = (
        body_known
        & (col["reference"] != "")
        & pd.DataFrame({"b": body_id, "r": col["reference"]}).duplicated(keep="first")
    )
    problems.add(duplicate, "reference", _("This reference appears twice in the file."))
    for column, limit in LENGTHS.items():
        lengths = col[column].str.len()
        too_long = lengths > limit
        if too_long.any():
            messages = lengths.where(too_long, 0).map(
                lambda n, limit=limit: _length_message(limit, int(n)) if n else ""
            )
            problems.add(too_long, column, messages)

    # The model's own rules (Recommendation.clean), for rows whose cells all read.
    fine = ~problems.rows()
    issued, target, implemented = (dates[c][0] for c in DATES if c != "report_date")
    closed = status.isin(CLOSED)
    problems.add(
        fine & (col["text_en"] == "") & (col["text_zh"] == ""),
        "text_en",
        _("Give the text in English or Chinese."),
    )
    problems.add(
        fine & (target < issued),
        "target_date",
        _("The target date cannot be before the issue date."),
    )
    problems.add(
        fine & (implemented < issued),
        "implementation_date",
        _("The implementation date cannot be before the issue date."),
    )
    problems.add(
        fine & closed & implemented.isna(),
        "implementation_date",
        _("A closed recommendation needs the date it closed."),
    )
    problems.add(
        fine & ~closed & implemented.notna(),
        "implementation_date",
        _("Only a closed recommendation has an implementation date."),
    )
    for body in bodies.values():
        scale = body.priority_scale or []
        if scale:
            off = fine & (body_id == body.pk) & (col["priority"] != "")
            off &= ~col["priority"].isin(scale)
            problems.add(
                off,
                "priority",
                _("Use one of the body's priorities: %(scale)s.") % {"scale": ", ".join(scale)},
            )

    result = Checked(total=len(frame), errors=problems.listed())
    rows = pd.DataFrame(
        {
            "row": index,
            "body_id": body_id.astype("Int64"),
            "reference": col["reference"],
            "report": col["report"],
            "report_title": col["report_title"].where(defines, ""),
            "report_date": dates["report_date"][1].where(defines, ""),
            "volume": col["volume"].where(defines, ""),
            "report_id": report_id.astype("Int64"),
            "entity_id": entity_id.astype("Int64"),
            "org_unit_id": org_unit_id.astype("Int64"),
            "text_en": col["text_en"],
            "text_zh": col["text_zh"],
            "is_critical": critical.isin(TRUE),
            "priority": col["priority"],
            "issued_on": dates["issued_on"][1],
            "target_date": dates["target_date"][1],
            "acceptance": acceptance,
            "status": status,
            "implementation_date": dates["implementation_date"][1],
            "management_response": col["management_response"],
        },
        index=index,
    )
    if not preview:
        result.rows = None if result.errors else rows
        return result
    shown_rows = sorted({e["row"] for e in result.errors})[:PREVIEW_ROWS]
    result.summary, shown = _compare_staged(
        rows, keep=None if result.errors else keep, errors=shown_rows
    )
    result.preview = _preview(frame, rows, shown, result.errors, entities)
    if not result.errors:
        result.rows = rows
    return result


def _new_values():
    """{column: the SQL of the value the write gives it} from a staged row ``s``: an empty
    text arrives as NULL and is written as ""; a report the file creates has no id yet."""
    return {c: f"COALESCE(s.{c}, '')" if STAGING[c] == "text" else f"s.{c}" for c in WRITTEN}


def _compare_staged(rows, *, keep=None, errors=()):
    """Compare the checked rows with the recommendations they name, in the database: one
    COPY of the rows into a temporary table, then one statement that joins them with the
    recommendations by (body, reference) and writes, per row, the recommendation's id, the
    row version read ("seen": the write compares it to tell whether anything changed since),
    the action (c create, u update, n unchanged) and a mask of the WRITTEN columns that
    change — into ``keep`` (an UNLOGGED table kept for the write) or a temporary table. Then
    the counts, and the rows to show with their old values: the rows ``errors`` (their
    numbers) of a file with problems, else the first PREVIEW_ROWS that change. Five queries,
    whatever the rows; no Python per row.

    Returns (summary {"create", "update", "unchanged"}, a frame of the shown rows indexed by
    row: "action", "changed" (mask), the old WRITTEN values)."""
    from core.bulk import staging_table
    from core.copy import copy_in

    closed = ", ".join(f"'{s}'" for s in CLOSED)  # choice values, not user input
    new = _new_values()
    # The review state an import leaves (services_imports.recommendations_merge): closed when
    # the body records the recommendation closed, reopened when it no longer does.
    review = (
        f"CASE WHEN s.status IN ({closed}) THEN 'closed' "
        "WHEN r.review_state = 'closed' THEN 'open' ELSE r.review_state END"
    )
    differs = [f"({new[c]} IS DISTINCT FROM r.{c})" for c in WRITTEN]
    status = WRITTEN.index("status")
    differs[status] = f"({differs[status]} OR {review} IS DISTINCT FROM r.review_state)"
    mask = " | ".join(f"(CASE WHEN {d} THEN {1 << k} ELSE 0 END)" for k, d in enumerate(differs))
    target = keep or "ovs_import_compared"
    create = (
        f"DROP TABLE IF EXISTS {keep}; CREATE UNLOGGED TABLE {keep}"
        if keep
        else f"DROP TABLE IF EXISTS pg_temp.{target}; CREATE TEMPORARY TABLE {target} "
        "ON COMMIT DROP"
    )
    staged = "ovs_import_check"
    with transaction.atomic(), connection.cursor() as cursor:
        staging_table(staged, STAGING)
        # core.copy's CSV: an empty cell arrives as NULL, as the write wants it.
        copy_in(staged, list(STAGING), rows.reindex(columns=list(STAGING)))
        cursor.execute(
            f"{create} AS SELECT s.*, r.id AS recommendation_id, {SEEN} AS seen, "
            f"CASE WHEN r.id IS NULL THEN 'c' WHEN ({mask}) <> 0 THEN 'u' ELSE 'n' END "
            f"AS action, CASE WHEN r.id IS NULL THEN 0 ELSE {mask} END AS changed "
            f"FROM {staged} s LEFT JOIN oversight_recommendation r "
            "ON r.body_id = s.body_id AND r.reference = s.reference"
        )
        cursor.execute(
            "SELECT count(*) FILTER (WHERE action = 'c'), count(*) FILTER (WHERE action = 'u'), "
            f"count(*) FILTER (WHERE action = 'n') FROM {target}"
        )
        created, updated, unchanged = cursor.fetchone()
        which = "t.row = ANY(%s)" if errors else "t.action <> 'n'"
        cursor.execute(
            f"SELECT t.row, t.action, t.changed, {', '.join(f'r.{c}' for c in WRITTEN)} "
            f"FROM {target} t LEFT JOIN oversight_recommendation r ON r.id = t.recommendation_id "
            f"WHERE {which} ORDER BY t.row LIMIT {PREVIEW_ROWS}",
            [list(errors)] if errors else [],
        )
        shown = pd.DataFrame(cursor.fetchall(), columns=["row", "action", "changed", *WRITTEN])
    summary = {"create": created, "update": updated, "unchanged": unchanged}
    return summary, shown.set_index("row")


def _preview(frame, rows, shown, errors, entities):
    """The rows worth showing (``shown``, from _compare_staged: a problem, or else a change),
    each with its problems and, for an update, its changed columns old → new."""
    by_row = {}
    for e in errors:
        by_row.setdefault(e["row"], {}).setdefault(e["column"], e["message"])
    picked = shown.index
    if not len(picked):
        return []
    new_rows = rows.loc[picked]
    names = _names(new_rows, shown, entities)
    labels = {"c": _("create"), "u": _("update"), "n": _("unchanged")}
    cells = frame.loc[picked, ["reference", "body", "entity"]].to_dict("records")
    news = new_rows[list(WRITTEN)].to_dict("records")
    olds = shown[list(WRITTEN)].to_dict("records")
    acts = shown["action"].to_numpy()
    masks = shown["changed"].to_numpy()
    statuses = new_rows["status"].to_numpy()
    out = []
    for i, row in enumerate(picked):
        entry = {
            "row": int(row),
            **cells[i],
            "status": statuses[i],
            "action": str(labels[acts[i]]),
            "errors": by_row.get(int(row), {}),
            "changes": {},
        }
        if acts[i] == "u":
            for k, name in enumerate(WRITTEN):
                if int(masks[i]) & (1 << k):
                    entry["changes"][name.removesuffix("_id")] = [
                        names(name, olds[i][name]),
                        names(name, news[i][name], symbol=new_rows.at[row, "report"]),
                    ]
        out.append(entry)
    return out


def _names(rows, old, entities):
    """A function giving a WRITTEN value in words (codes, symbols, dates) for the preview."""
    entity_codes = {e.pk: e.code for e in entities.values()}
    unit_ids = set(rows["org_unit_id"].dropna()) | set(old["org_unit_id"].dropna())
    units = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "code"))
    report_ids = set(rows["report_id"].dropna()) | set(old["report_id"].dropna())
    reports = dict(OversightReport.objects.filter(pk__in=report_ids).values_list("pk", "symbol"))

    def name(column, value, symbol=None):
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            if column == "report_id" and symbol is not None:
                return symbol  # a report this file creates
            return ""
        if column == "entity_id":
            return entity_codes.get(int(value), str(value))
        if column == "org_unit_id":
            return units.get(int(value), str(value))
        if column == "report_id":
            return reports.get(int(value), str(value))
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        return str(value)

    return name
