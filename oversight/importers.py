"""Import of recommendations from Excel (.xlsx, read with python-calamine) or CSV, set-based.

The columns (first row, any order, case-insensitive) are listed in oversight/columns.py and in
the README section. read_frame() reads the file after core.excel's bounded checks into one
pandas frame of texts (indexed by the row number in the file); check() runs every rule over
whole columns at once (a fixed number of queries, whatever the rows) and returns every
problem by row and column, the resolved values to write, and what would change (old → new).
Nothing is written here: services_imports writes a clean result in one transaction.
"""

import datetime
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connection
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
# The version of a recommendation row as the preview read it (see _existing).
SEEN = "r.xmin::text || ':' || r.ctid::text"
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


def check(frame, actor, *, preview=True):
    """Every rule over the whole file at once (see the module docstring). Queries: bodies,
    visible entities, their units, the reports named, and (``preview``) the recommendations
    the file matches, to say what changes — a fixed number, whatever the rows. The write
    checks again without the preview: its merge decides what changes by itself."""
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
    old = _existing(rows[body_known & (col["reference"] != "")])
    action, changes = _compare(rows, old)
    seen = old.set_index(_key(old["body_id"].astype("Int64"), old["reference"]).to_numpy())
    rows["seen"] = _key(rows["body_id"], rows["reference"]).map(seen["seen"])
    result.summary = {
        "create": int((action == "create").sum()),
        "update": int((action == "update").sum()),
        "unchanged": int((action == "unchanged").sum()),
    }
    result.preview = _preview(frame, rows, action, changes, old, result.errors, entities)
    if not result.errors:
        result.rows = rows
    return result


def _existing(rows):
    """The recommendations the file names (body, reference) with the values an import sets,
    in one query (the references as one array parameter)."""
    columns = ["id", "body_id", "reference", *WRITTEN, "review_state"]
    if rows.empty:
        return pd.DataFrame(columns=[*columns, "seen"])
    with connection.cursor() as cursor:
        # A join with the references unnested: one index probe per reference. "seen" names
        # the row version read (any later write of the row makes a new one): the write
        # compares it to tell whether the recommendations changed since this preview.
        cursor.execute(
            f"SELECT {', '.join('r.' + c for c in columns)}, {SEEN} "
            "FROM oversight_recommendation r "
            "JOIN unnest(%s::bigint[], %s::text[]) AS f(body_id, reference) "
            "ON r.body_id = f.body_id AND r.reference = f.reference",
            [[int(b) for b in rows["body_id"]], list(rows["reference"])],
        )
        old = pd.DataFrame(cursor.fetchall(), columns=[*columns, "seen"])
    return old.drop_duplicates("id")  # a reference given twice (reported) is one row


def _comparable(column, name):
    """Values of one WRITTEN column as texts, the same for the file and the database."""
    if name.endswith("_id"):
        ids = column.astype("Int64")
        return ids.astype(str).where(ids.notna(), "")
    if name == "is_critical":
        return column.astype(bool).map({True: "1", False: "0"})
    if name in DATES:
        return column.map(lambda d: d.isoformat() if isinstance(d, datetime.date) else (d or ""))
    return column.fillna("").astype(str)


def _compare(rows, old):
    """Per file row: "create", "update" or "unchanged", and for updates the changed columns
    (a frame of booleans, one column per WRITTEN field)."""
    key = _key(rows["body_id"], rows["reference"])
    matched = old.set_index(_key(old["body_id"].astype("Int64"), old["reference"]).to_numpy())
    found = key.isin(matched.index)
    changes = pd.DataFrame(False, index=rows.index, columns=list(WRITTEN))
    if found.any():
        before = matched.loc[key[found].to_numpy()]
        before.index = rows.index[found.to_numpy()]
        for name in WRITTEN:
            new = _comparable(rows.loc[found, name], name)
            was = _comparable(before[name], name)
            changes.loc[found, name] = (new != was).to_numpy()
        # The import closes what the body records as closed, and opens what it reopens.
        closing = rows.loc[found, "status"].isin(CLOSED).to_numpy()
        state = before["review_state"].to_numpy()
        after = np.where(closing, "closed", np.where(state == "closed", "open", state))
        changes.loc[found, "status"] = changes.loc[found, "status"].to_numpy() | (after != state)
    action = pd.Series("create", index=rows.index, dtype=object)
    action[found] = np.where(changes[found].any(axis=1), "update", "unchanged")
    return action, changes


def _preview(frame, rows, action, changes, old, errors, entities):
    """The rows worth showing (a problem or a change), the first PREVIEW_ROWS of them, each
    with its problems and, for an update, its changed columns old → new."""
    by_row = {}
    for e in errors:
        by_row.setdefault(e["row"], {}).setdefault(e["column"], e["message"])
    # A file with problems: its problems (changes are moot until it is clean).
    show = rows.index.isin(list(by_row)) if by_row else (action != "unchanged").to_numpy()
    picked = rows.index[show][:PREVIEW_ROWS]
    if not len(picked):
        return []
    shown = rows.loc[picked]
    names = _names(shown, old, entities)
    key = _key(shown["body_id"], shown["reference"]).to_numpy()
    olds = old.set_index(_key(old["body_id"].astype("Int64"), old["reference"]).to_numpy())
    # Only the rows shown (at most PREVIEW_ROWS): the whole file's would cost seconds.
    olds = olds.loc[olds.index.isin(key), list(WRITTEN)].to_dict("index") if len(olds) else {}
    labels = {"create": _("create"), "update": _("update"), "unchanged": _("unchanged")}
    cells = frame.loc[picked, ["reference", "body", "entity"]].to_dict("records")
    news = shown[list(WRITTEN)].to_dict("records")
    changed = changes.loc[picked].to_dict("records")
    acts = action[picked].to_numpy()
    statuses = shown["status"].to_numpy()
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
        if acts[i] == "update":
            was = olds[key[i]]
            for name in WRITTEN:
                if changed[i][name]:
                    entry["changes"][name.removesuffix("_id")] = [
                        names(name, was[name]),
                        names(name, news[i][name], symbol=shown.at[row, "report"]),
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
