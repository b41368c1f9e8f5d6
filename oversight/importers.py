"""Import of recommendations from Excel (.xlsx, read with python-calamine) or CSV.

The columns (first row, any order, case-insensitive) are listed in COLUMNS and in the README
section. Nothing is written until every row is clean: parse_upload() reads the file,
validate_rows() checks every row and returns row-level errors, and only a clean result goes
to services.recommendations_import().
"""

import datetime
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from core.excel import MB, Limits, csv_rows, sheet_rows, xlsx_check
from entities.models import Entity, OrgUnit

from . import permissions as perms
from .choices import Acceptance, Status
from .columns import IMPORT_COLUMNS as COLUMNS  # column -> (required, description)
from .columns import RECORD_FIELDS
from .models import OversightBody, OversightReport, Recommendation

MAX_ROWS = 20000
MAX_COLUMNS = 32  # the 20 columns of the export and room for a few of one's own
TRUE = {"yes", "y", "true", "1", "是", "x"}
FALSE = {"no", "n", "false", "0", "否", ""}


@dataclass
class ImportResult:
    rows: list = field(default_factory=list)  # dicts ready for the service
    preview: list = field(default_factory=list)  # (row number, reference, errors) for pages
    errors: list = field(default_factory=list)  # {"row", "column", "message"}

    @property
    def is_clean(self):
        return not self.errors and bool(self.rows)


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


def limits():
    """How far an uploaded file may reach (core.excel.Limits)."""
    return Limits(
        max_rows=getattr(settings, "OVERSIGHT_IMPORT_MAX_ROWS", MAX_ROWS), max_columns=MAX_COLUMNS
    )


def check_workbook(upload):
    """Refuse, before calamine sees it, an .xlsx reaching beyond the limits or unpacking into
    more than it should (core.excel.xlsx_check)."""
    xlsx_check(upload, limits=limits())


def parse_upload(upload):
    """The file's rows as dicts keyed by lower-case column name. Raises ValidationError for a
    file that cannot be read or reaches beyond the limits; an .xlsx is checked as a zip before
    calamine reads it (core.excel.xlsx_check)."""
    name = (upload.name or "").lower()
    max_bytes = getattr(settings, "OVERSIGHT_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)s MB.") % {"limit": max_bytes // MB}
        )
    bounds = limits()
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)s MB.") % {"limit": max_bytes // MB}
        )
    if name.endswith(".xlsx"):
        xlsx_check(io.BytesIO(data), limits=bounds)
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as exc:  # calamine raises its own error types for corrupt workbooks
            raise ValidationError(_("The file cannot be read as an Excel workbook.")) from exc
        table = sheet_rows(book, 0, limits=bounds)
    elif name.endswith(".csv"):
        table = csv_rows(data, limits=bounds)
    else:
        raise ValidationError(_("Upload an .xlsx or .csv file."))
    if not table:
        raise ValidationError(_("The file is empty."))
    header = [_cell(h).lower() for h in table[0]]
    missing = [c for c, (required, _d) in COLUMNS.items() if required and c not in header]
    if missing:
        raise ValidationError(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    rows = []
    for values in table[1:]:
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h})
    if not rows:
        raise ValidationError(_("The file has no rows."))
    if len(rows) > bounds.max_rows:
        raise ValidationError(_("At most %(n)s rows per file.") % {"n": bounds.max_rows})
    return rows


def _date(value):
    return datetime.date.fromisoformat(value[:10]) if value else None


def validate_rows(rows, actor):
    """Check every row; resolve codes with a fixed number of queries. Returns ImportResult."""
    result = ImportResult()
    bodies = {b.code: b for b in OversightBody.objects.all()}
    # Entities are few (tens): read them all, so codes match whatever their case.
    entities = {e.code.lower(): e for e in Entity.objects.visible_to(actor)}
    wanted = {entities[c].pk for c in {r.get("entity", "").lower() for r in rows} if c in entities}
    units = {(u.entity_id, u.code.lower()): u for u in OrgUnit.objects.filter(entity_id__in=wanted)}
    reports = {
        (r.body_id, r.symbol): r
        for r in OversightReport.objects.filter(symbol__in={row.get("report", "") for row in rows})
    }
    existing = {
        (body_id, ref): pk
        for pk, body_id, ref in Recommendation.objects.filter(
            reference__in={r.get("reference", "") for r in rows}
        ).values_list("pk", "body_id", "reference")
    }
    seen = set()
    new_reports = {}
    for n, raw in enumerate(rows, start=2):  # row 1 is the header
        errors = {}

        def err(column, message, errors=errors):
            errors.setdefault(column, message)

        for column, (required, _d) in COLUMNS.items():
            if required and not raw.get(column):
                err(column, _("This column is required."))
        body = bodies.get(raw.get("body", "").lower())
        if raw.get("body") and body is None:
            err("body", _("Unknown oversight body."))
        elif body is not None and not perms.can_create_in_body(actor, body):
            err("body", _("You are not an auditor of this body."))
        entity = entities.get(raw.get("entity", "").lower())
        if raw.get("entity") and entity is None:
            err("entity", _("Unknown entity."))
        values = {}
        for column in ("issued_on", "target_date", "report_date", "implementation_date"):
            try:
                values[column] = _date(raw.get(column, ""))
            except ValueError:
                err(column, _("Write the date as YYYY-MM-DD."))
        critical = raw.get("critical", "").lower()
        if critical not in TRUE | FALSE:
            err("critical", _("Write yes or no."))
        acceptance = raw.get("acceptance") or Acceptance.ACCEPTED
        if acceptance not in Acceptance.values:
            err("acceptance", _("Unknown acceptance."))
        status = raw.get("status") or Status.IN_PROGRESS
        if status not in Status.values:
            err("status", _("Unknown status."))
        org_unit = None
        if raw.get("org_unit") and entity is not None:
            org_unit = units.get((entity.pk, raw["org_unit"].lower()))
            if org_unit is None:
                err("org_unit", _("Unknown unit for this entity."))
        report = None
        if body is not None and raw.get("report"):
            key = (body.pk, raw["report"])
            report = reports.get(key) or new_reports.get(key)
            if report is None:
                if raw.get("report_title") and values.get("report_date"):
                    report = OversightReport(
                        body=body,
                        symbol=raw["report"],
                        title_en=raw["report_title"],
                        issued_on=values["report_date"],
                        volume=raw.get("volume", ""),
                        entity=entity,
                    )
                    new_reports[key] = report
                else:
                    err("report", _("Unknown report: give report_title and report_date."))
        if body is not None and raw.get("reference"):
            key = (body.pk, raw["reference"])
            if key in seen:
                err("reference", _("This reference appears twice in the file."))
            seen.add(key)
        if not errors:
            rec = Recommendation(
                body=body,
                report=report if report.pk else None,
                entity=entity,
                org_unit=org_unit,
                reference=raw["reference"],
                text_en=raw.get("text_en", ""),
                text_zh=raw.get("text_zh", ""),
                is_critical=critical in TRUE,
                priority=raw.get("priority", ""),
                issued_on=values["issued_on"],
                target_date=values["target_date"],
                acceptance=acceptance,
                status=status,
                implementation_date=values["implementation_date"],
                management_response=raw.get("management_response", ""),
            )
            existing_pk = existing.get((body.pk, rec.reference))
            if existing_pk:
                # An update: constraints are checked against the other rows, not this one.
                rec.pk, rec._state.adding = existing_pk, False
            try:
                rec.full_clean(exclude=["report"])
            except ValidationError as exc:
                for column, messages in exc.message_dict.items():
                    err(column if column in COLUMNS else "reference", " ".join(messages))
        for column, message in errors.items():
            result.errors.append({"row": n, "column": column, "message": str(message)})
        result.preview.append(
            {
                "row": n,
                "reference": raw.get("reference", ""),
                "body": raw.get("body", ""),
                "entity": raw.get("entity", ""),
                "status": status,
                "action": _("update")
                if (body and (body.pk, raw.get("reference")) in existing)
                else _("create"),
                "errors": {k: str(v) for k, v in errors.items()},
            }
        )
        if not errors:
            fields = {f: getattr(rec, f) for f in RECORD_FIELDS}
            result.rows.append(
                {"body": body, "reference": rec.reference, "report": report, **fields}
            )
    return result
