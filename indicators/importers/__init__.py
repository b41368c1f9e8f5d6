"""Reading a filled-in template back and checking it: every problem by row and column, and
what a commit would change (old → new). Reading and checking only: the job's state, the
writing and the audit event belong to services.imports.

python-calamine reads the workbook (about 13x faster than openpyxl's read-only mode here), after
core.excel.xlsx_check has made sure the file cannot make it allocate without bound. The rows
then go into one pandas frame and every check runs over the whole file at once (column masks,
one merge with the indicators, one with the stored values), so a bad row anywhere — the first,
the last, the 10,000th — is reported with all the others and nothing is written.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import override
from python_calamine import CalamineWorkbook

from core.excel import Limits, sheet_rows, xlsx_check

from .. import permissions
from ..choices import NUMERIC_KINDS, Action, Status, ValueKind
from ..exporters import COLUMNS, META_SHEET, SHEET, column_titles
from ..fields import TYPED_FIELDS
from ..formatting import display, plain
from ..models import Indicator, Part, Value
from ..parsing import parse_parts, parse_yes_no
from .numbers import NUMBER_LIMIT, _numbers  # noqa: F401 (NUMBER_LIMIT: for callers)

MAX_ERRORS_KEPT = 1000
MAX_CHANGES_KEPT = 1000
COL = {key: i for i, key in enumerate(COLUMNS)}


def _code(raw):
    if raw is None or raw == "":
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _empty_cells(column):
    """Element by element: True where a cell is empty (None, NaN or empty text; read_frame has
    stripped the text, so a cell of spaces is empty too)."""
    cells = column.to_numpy(dtype=object)
    return pd.isna(cells) | (cells == "")


def limits():
    """How far a workbook may reach: the template's columns, and a settable number of rows
    (INDICATORS_IMPORT_MAX_ROWS)."""
    return Limits(max_rows=settings.INDICATORS_IMPORT_MAX_ROWS, max_columns=len(COLUMNS))


def check_file(source):
    """Refuse, before calamine sees it, a workbook that would reach beyond the limits or
    unpack into more than it should (core.excel.xlsx_check)."""
    xlsx_check(source, limits=limits())


def read_rows(path, *, checked=False):
    """The data rows of the Values sheet (header excluded, from row 2) and the About sheet's
    period label. Raises ValidationError when the file is not our template or is too large.
    checked=True: this very file already passed check_file (its upload, or its preview) and is
    not scanned again."""
    bounds = limits()
    if not checked:
        check_file(str(path))
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ValidationError(_("The file cannot be read as an Excel workbook.")) from exc
    if SHEET not in wb.sheet_names:
        raise ValidationError(
            _("The workbook has no sheet named “%(sheet)s”; download the template again.")
            % {"sheet": SHEET}
        )
    period_label = None
    if META_SHEET in wb.sheet_names:
        for row in sheet_rows(wb, META_SHEET, limits=bounds):
            if len(row) > 1 and str(row[1]).strip() and row[0] and str(row[0]) in _labels("Period"):
                period_label = _code(row[1])
    rows = sheet_rows(wb, SHEET, limits=bounds)
    if not rows or len([c for c in rows[0] if c not in (None, "")]) < len(COLUMNS):
        raise ValidationError(
            _("The first row must hold the template's %(n)s column titles.") % {"n": len(COLUMNS)}
        )
    return period_label, rows[1:]


def read_frame(path, *, checked=False):
    """(period label, one frame of the data rows): columns "row" (Excel's row number), then
    the template's columns, cells as calamine read them (text stripped)."""
    period_label, rows = read_rows(path, checked=checked)
    width = len(COLUMNS)
    if any(len(r) != width for r in rows):
        rows = [(r[:width] if len(r) >= width else [*r, *[""] * (width - len(r))]) for r in rows]
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    for key in ("code", "value", "footnote"):
        # Only the text cells (most number cells are floats, left as they are).
        cells = frame[key].to_numpy(dtype=object, copy=True)
        text = np.array([type(c) is str for c in cells], dtype=bool)
        if text.any():
            cells[text] = [c.strip() for c in cells[text]]
            frame[key] = pd.Series(cells, index=frame.index, dtype=object)
    frame.insert(0, "row", np.arange(2, len(frame) + 2, dtype=np.int64))
    return period_label, frame


def _labels(english):
    """A header written in any of our languages."""
    labels = set()
    for lang in ("en", "zh-hans"):
        with override(lang):
            labels.add(str(_(english)))
    return labels


class Problems:
    """Problems by row and column: all counted, the first MAX_ERRORS_KEPT (by row) kept."""

    def __init__(self):
        self.found = []

    @property
    def count(self):
        return len(self.found)

    def add(self, row, column, message):
        self.found.append((int(row), column, str(message)))

    def add_many(self, rows, column, messages):
        """One problem per row of `rows`; `messages` one text for all, or one per row."""
        if isinstance(messages, str):
            messages = [messages] * len(rows)
        self.found.extend((int(r), column, str(m)) for r, m in zip(rows, messages, strict=True))

    @property
    def items(self):
        titles = column_titles()
        ordered = sorted(self.found, key=lambda p: (p[0], COL.get(p[1], -1)))
        return [
            {"row": row, "column": str(titles[column]) if column else "", "message": message}
            for row, column, message in ordered[:MAX_ERRORS_KEPT]
        ]


class Indicators(dict):
    """The period's indicators by id, as model instances only when asked for (a row of parts,
    a permission, the preview's words): building 50,000 of them cost seconds."""

    def __init__(self, ids):
        super().__init__()
        self.ids = {int(i) for i in ids}

    def __missing__(self, pk):
        self.load([pk])
        return dict.__getitem__(self, pk)

    def load(self, ids):
        wanted = [int(i) for i in ids if int(i) not in self]
        if wanted:
            self.update(Indicator.objects.select_related("plan").in_bulk(wanted))


@dataclass
class Checked:
    """What checking a workbook found: its problems, the rows a commit would write (one per
    changed value: the new typed columns, and the stored ones before), and counts."""

    problems: Problems
    total: int = 0
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    unchanged: int = 0
    indicators: dict = field(default_factory=dict)  # id -> Indicator (Indicators)

    def change_list(self):
        """The first MAX_CHANGES_KEPT changes as shown in the preview: row, code, old → new in
        words, and a note (a number rounded to the indicator's decimals)."""
        out = []
        shown = self.changes.head(MAX_CHANGES_KEPT)
        self.indicators.load(shown.indicator_id)
        for row in shown.itertuples(index=False):
            indicator = self.indicators[row.indicator_id]
            out.append(
                {
                    "row": int(row.row),
                    "code": row.code,
                    "old": str(display(indicator, old_snapshot(row))) if old_snapshot(row) else "",
                    "new": str(display(indicator, new_snapshot(row))),
                    "note": row.note,
                }
            )
        return out


def new_snapshot(row):
    """The new typed columns of a change as formatting.snapshot gives them (audit payloads,
    the preview's words)."""
    return {
        "kind": row.kind,
        "numeric_value": row.new_numeric,
        "currency": row.currency,
        "bool_value": row.bool_value,
        "text_value": row.text_value,
        "is_missing": bool(row.is_missing),
        "footnote": row.footnote,
        "parts": {code: plain(v) for code, v in (row.parts or {}).items()},
    }


OLD_NAMES = {
    "numeric_value": "old_numeric",
    "currency": "old_currency",
    "bool_value": "old_bool",
    "text_value": "old_text",
    "is_missing": "old_missing",
    "footnote": "old_footnote",
    "source": "source",
}
_OLD_TYPED = [OLD_NAMES[f] for f in TYPED_FIELDS]


def _stored(period):
    """The period's stored values, one row per indicator: value_id, status, version, source and
    the typed columns as old_* (numbers as plain text, parts as {code: text}). Two queries,
    whatever the number of values."""
    parts = {}
    for indicator_id, code, number in (
        Part.objects.filter(value__period=period)
        .order_by("value_id", "order", "code")
        .values_list("value__indicator_id", "code", "numeric_value")
    ):
        parts.setdefault(indicator_id, {})[code] = plain(number)
    rows = list(
        Value.objects.filter(period=period).values_list(
            "indicator_id", "id", "status", "version", "kind", *TYPED_FIELDS
        )
    )
    # TYPED_FIELDS in its order; source is not in the template (it stays as stored).
    frame = pd.DataFrame(
        rows,
        columns=["indicator_id", "value_id", "status", "version", "old_kind", *_OLD_TYPED],
        dtype=object,
    )
    frame["old_numeric"] = frame.old_numeric.map(plain)
    frame["old_parts"] = [parts.get(i, {}) for i in frame.indicator_id]
    frame["indicator_id"] = frame.indicator_id.astype(np.int64)
    return frame


def _differs(new, old):
    """Element by element: True where the two columns differ (None equals None)."""
    new = pd.Series(new, dtype=object).where(pd.notna(new), "\x00").to_numpy()
    old = pd.Series(old, dtype=object).where(pd.notna(old), "\x00").to_numpy()
    return new != old


def old_snapshot(row):
    """The stored typed columns of a change as formatting.snapshot gives them."""
    if row.value_id is None or row.value_id != row.value_id:
        return None
    return {
        "kind": row.old_kind,
        "numeric_value": row.old_numeric,
        "currency": row.old_currency,
        "bool_value": row.old_bool,
        "text_value": row.old_text,
        "is_missing": bool(row.old_missing),
        "footnote": row.old_footnote,
        "parts": row.old_parts or {},
    }


def _other_kinds(frame, indicators, problems):
    """Yes/no, text and parts rows, parsed one by one (each has its own words)."""
    from ..services._common import _check_parts

    bools, texts, parts, ok = [], [], [], []
    for row, indicator_id, kind, raw, footnote in zip(
        frame.row, frame.indicator_id, frame.kind, frame.value, frame.footnote, strict=True
    ):
        b, t, p = None, "", None
        try:
            if kind == ValueKind.YES_NO:
                b = parse_yes_no(raw)
            elif kind == ValueKind.TEXT:
                t = str(raw).strip()
            elif kind == ValueKind.PARTS:
                indicator = indicators[indicator_id]
                p = _check_parts(indicator, parse_parts(indicator, raw), False, footnote)
            ok.append(True)
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            problems.add(row, "value", next(iter(messages.values()))[0])
            ok.append(False)
        bools.append(b)
        texts.append(t)
        parts.append(p)
    return bools, texts, parts, np.array(ok, dtype=bool)


def check_workbook(job, on_progress=None, *, path=None, checked=False):
    """Read the job's workbook and check every row against the period's indicators and the
    values stored now (read by the caller's transaction: a commit locks them first).
    checked: see read_rows. Returns a Checked."""
    period = job.period
    problems = Problems()
    try:
        period_label, frame = read_frame(path or job.file.path, checked=checked)
    except ValidationError as exc:
        problems.add(0, None, exc.messages[0])
        return Checked(problems)
    total = len(frame)
    if on_progress:
        on_progress(total, 30)
    if period_label is not None and period_label != period.label:
        problems.add(
            0,
            None,
            _("This workbook is for period %(file)s, not %(period)s.")
            % {"file": period_label, "period": period.label},
        )
    if period.is_closed:
        problems.add(0, None, _("The reporting period is closed."))
        return Checked(problems, total)

    # Blank rows are skipped; a row needs its code, once, of an active indicator.
    blank = frame[COLUMNS].isin(["", None]).all(axis=1)
    frame = frame[~blank].copy()
    frame = frame[["row", "code", "value", "footnote"]]
    frame["code"] = frame["code"].map(_code)
    no_code = frame.code == ""
    problems.add_many(frame.row[no_code], "code", _("Enter the indicator code."))
    frame = frame[~no_code]
    first_row = frame.groupby("code").row.transform("first")
    again = frame.row != first_row
    problems.add_many(
        frame.row[again],
        "code",
        [
            _("Indicator %(code)s appears again (first on row %(row)s).")
            % {"code": code, "row": first}
            for code, first in zip(frame.code[again], first_row[again], strict=True)
        ],
    )
    frame = frame[~again]
    known = pd.DataFrame(
        list(
            Indicator.objects.filter(plan=period.plan, is_active=True)
            .order_by()
            .values_list("code", "id", "value_kind", "decimals", "currency", "org_unit_id")
        ),
        columns=["code", "indicator_id", "kind", "decimals", "currency", "org_unit_id"],
    )
    indicators = Indicators(known.indicator_id)
    frame = frame.merge(known, on="code", how="left")
    unknown = frame.indicator_id.isna()
    problems.add_many(
        frame.row[unknown],
        "code",
        [_("Unknown indicator code “%(code)s”.") % {"code": c} for c in frame.code[unknown]],
    )
    frame = frame[~unknown].copy()
    frame["indicator_id"] = frame.indicator_id.astype(np.int64)
    frame["decimals"] = frame.decimals.astype(np.int64)

    # A row with neither value nor footnote leaves the value as it is; an empty value with a
    # footnote is a missing value.
    frame["footnote"] = [
        "" if empty else str(f).strip()
        for f, empty in zip(frame.footnote, _empty_cells(frame.footnote), strict=True)
    ]
    no_footnote = (frame.footnote == "").to_numpy()
    empty_value = _empty_cells(frame.value)
    frame = frame[~(empty_value & no_footnote)].copy()
    frame["is_missing"] = empty_value[~(empty_value & no_footnote)]
    if on_progress:
        on_progress(total, 45)

    n = len(frame)
    frame["numeric_value"] = pd.Series([None] * n, index=frame.index, dtype=object)
    frame["bool_value"] = pd.Series([None] * n, index=frame.index, dtype=object)
    frame["text_value"] = ""
    frame["parts"] = pd.Series([None] * n, index=frame.index, dtype=object)
    frame["note"] = ""
    frame["indicator_currency"] = frame.currency  # what the row is checked against
    frame["currency"] = np.where(
        (frame.kind == ValueKind.CURRENCY) & ~frame.is_missing, frame.currency, ""
    )
    good = pd.Series(True, index=frame.index)
    numeric = frame.kind.isin(list(NUMERIC_KINDS)) & ~frame.is_missing
    if numeric.any():
        rows = frame[numeric]
        currencies = dict(zip(known.indicator_id, known.currency, strict=True))
        numbers, notes, ok = _numbers(
            rows.assign(currency=rows.indicator_id.map(currencies)),
            problems,
            _("%(value)s rounded to %(rounded)s (the indicator declares %(decimals)s decimals)."),
        )
        frame.loc[numeric, "numeric_value"] = pd.Series(numbers, index=rows.index, dtype=object)
        frame.loc[numeric, "note"] = notes
        good[numeric] = ok
    other = ~frame.kind.isin(list(NUMERIC_KINDS)) & ~frame.is_missing
    if other.any():
        indicators.load(frame.indicator_id[other & (frame.kind == ValueKind.PARTS)])
        bools, texts, parts, ok = _other_kinds(frame[other], indicators, problems)
        idx = frame.index[other]
        frame.loc[idx, "bool_value"] = pd.Series(bools, index=idx, dtype=object)
        frame.loc[idx, "text_value"] = texts
        frame.loc[idx, "parts"] = pd.Series(parts, index=idx, dtype=object)
        good[other] = ok
    frame = frame[good]
    if on_progress:
        on_progress(total, 70)

    # Against what is stored: unchanged rows are no change (and no error, even on a locked
    # value); a change must be allowed in the value's status and to this user.
    frame = frame.merge(_stored(period), on="indicator_id", how="left")
    exists = frame.value_id.notna()
    frame["status"] = frame.status.where(exists, Status.DRAFT)
    frame["source"] = frame.source.where(exists, "")
    frame["new_numeric"] = frame.numeric_value.map(plain)
    changed = ~exists.to_numpy()
    for new, old in (
        ("kind", "old_kind"),
        ("new_numeric", "old_numeric"),
        ("currency", "old_currency"),
        ("bool_value", "old_bool"),
        ("text_value", "old_text"),
        ("is_missing", "old_missing"),
        ("footnote", "old_footnote"),
    ):
        changed |= _differs(frame[new], frame[old])
    # Parts: compared where either side has some (a row of another kind has none).
    has_parts = frame.parts.notna().to_numpy() | np.array(
        [isinstance(q, dict) and bool(q) for q in frame.old_parts], dtype=bool
    )
    changed[has_parts] |= np.array(
        [
            {c: plain(v) for c, v in (p or {}).items()} != (q if isinstance(q, dict) else {})
            for p, q in zip(frame.parts[has_parts], frame.old_parts[has_parts], strict=True)
        ],
        dtype=bool,
    )
    unchanged = int((~changed).sum())
    frame = frame[changed]
    locked = {
        Status.APPROVED: _(
            "The value for this period is approved and locked; a reviewer must reopen it."
        ),
        Status.SUBMITTED: _("The value is submitted and awaits review; it cannot be changed now."),
    }
    refused = frame.status.isin(list(locked))
    problems.add_many(frame.row[refused], "value", [locked[s] for s in frame.status[refused]])
    frame = frame[~refused]
    actor = job.created_by
    decisions = {}
    reasons = []
    for indicator_id, org_unit, status in zip(
        frame.indicator_id, frame.org_unit_id, frame.status, strict=True
    ):
        key = (None if pd.isna(org_unit) else int(org_unit), status)
        if key not in decisions:
            decisions[key] = permissions.decide(
                actor, Action.EDIT, indicator=indicators[indicator_id], status=status, period=period
            )
        allowed, reason = decisions[key]
        reasons.append("" if allowed else str(reason))
    reasons = np.array(reasons, dtype=object)
    denied = reasons != ""
    problems.add_many(frame.row[denied], "value", list(reasons[denied]))
    frame = frame[~denied].reset_index(drop=True)
    if on_progress:
        on_progress(total, 90)
    return Checked(problems, total, frame, unchanged, indicators)


def error_list(problems):
    """The problems as stored on the job: the first MAX_ERRORS_KEPT, then a count of the rest."""
    errors = problems.items
    if problems.count > len(errors):
        errors = [
            *errors,
            {
                "row": 0,
                "column": "",
                "message": str(
                    _("… and %(n)s more problems.") % {"n": problems.count - len(errors)}
                ),
            },
        ]
    return errors
