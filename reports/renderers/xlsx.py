"""Excel: a sheet per part (document, indicators, results by goal, Annex II, Annex III), styled
headers, frozen panes, real numbers with number formats (never numbers as text)."""

import io
from datetime import datetime

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from core import editorial
from indicators.models.progress import CompactClass, OnTrackStatus, Trend

from .common import class_label, numeric_format, oversight_columns, status_label, trend_label


def render_xlsx(dataset, digest):
    with translation.override(dataset["language"]):
        return _render(dataset, digest)


def _render(dataset, digest):
    out = io.BytesIO()
    doc = dataset["document"]
    # constant_memory: each row is flushed to a temporary file when the next starts, so memory
    # stays flat however many indicators the plan has (rows are written in order).
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False})
    # A fixed creation date (the document's): the same dataset gives the same workbook.
    wb.set_properties(
        {
            "title": doc["title"],
            "subject": doc["symbol"],
            "comments": f"snapshot {dataset['source']['snapshot']}; sha256 {digest}",
            "created": datetime.fromisoformat(doc["date"]),
        }
    )
    font = "Noto Sans CJK SC" if dataset["language"].startswith("zh") else "Calibri"
    header = wb.add_format(
        {"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "text_wrap": True,
         "valign": "top", "border": 1, "font_name": font}
    )  # fmt: skip
    text = wb.add_format({"text_wrap": True, "valign": "top", "font_name": font})
    bold = wb.add_format({"bold": True, "font_name": font})
    formats = {}

    def number_format(fmt):
        if fmt not in formats:
            formats[fmt] = wb.add_format({"num_format": fmt, "valign": "top", "font_name": font})
        return formats[fmt]

    # Document
    ws = wb.add_worksheet(_("Document")[:31])
    about = [
        (_("Document symbol"), doc["symbol"]),
        (_("Title"), doc["title"]),
        (_("Entity"), doc["entity"]),
        (_("Executive Board"), doc["body"]),
        (_("Session"), doc["session"]),
        (_("Agenda item"), doc["agenda_item"]),
        (_("Date"), editorial.date(doc["date"], dataset["language"])),
        (_("Plan"), doc["plan"]),
        (_("Year"), doc["year"]),
        (_("Progress snapshot"), dataset["source"]["snapshot"]),
        (_("As of"), editorial.date(dataset["source"]["as_of"], dataset["language"])),
        (_("Content digest (SHA-256)"), digest),
    ]
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 90)
    for i, (label, value) in enumerate(about):
        ws.write(i, 0, label, bold)
        ws.write(i, 1, value, text)

    # Indicators
    ws = wb.add_worksheet(_("Indicators")[:31])
    columns = [
        _("Code"), _("Indicator"), _("Result"), _("Baseline"), _("Baseline year"), _("Target"),
        _("Target year"), _("Latest approved value"), _("Period"), _("Percent of the way"),
        _("Status"), _("Classification"), _("Trend"),
    ]  # fmt: skip
    ws.write_row(0, 0, columns, header)
    ws.freeze_panes(1, 2)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 12, 14)
    pct = number_format('0.0"%"')
    year = number_format("0")
    # Labels and formats looked up once, not once a row: a plan may have 100,000 indicators.
    statuses = {c: status_label(c) for c in OnTrackStatus.values}
    classes = {c: class_label(c) for c in CompactClass.values}
    trends = {c: trend_label(c) for c in Trend.values}
    trends[None] = trends[""] = ""
    by_kind = {}
    for i, r in enumerate(dataset["indicators"], start=1):
        key = (r["kind"], r["decimals"])
        fmt = by_kind.get(key)
        if fmt is None:
            fmt = by_kind[key] = number_format(numeric_format(r))
        ws.write_string(i, 0, r["code"], text)
        ws.write_string(i, 1, r["name"], text)
        ws.write_string(i, 2, r["node"], text)
        for col, key in ((3, "baseline"), (5, "target")):
            _cell(ws, i, col, r[key], fmt)
        _cell(ws, i, 4, r["baseline_year"], year)
        _cell(ws, i, 6, r["target_year"], year)
        value = r.get("value")
        if value and not value.get("parts") and ("bool" in value or "text" in value):
            word = value.get("text") or (_("Yes") if value.get("bool") else _("No"))
            ws.write_string(i, 7, word, text)
        elif value and value.get("missing"):
            ws.write_string(i, 7, _("not available"), text)
        else:
            _cell(ws, i, 7, r["actual"], fmt)
        ws.write_string(i, 8, r["period"] or "", text)
        _cell(ws, i, 9, r["percent_of_way"], pct)
        ws.write_string(i, 10, statuses[r["status"]], text)
        ws.write_string(i, 11, classes[r["class"]], text)
        ws.write_string(i, 12, trends[r["trend"]], text)
    ws.autofilter(0, 0, len(dataset["indicators"]), len(columns) - 1)

    # Results by pillar and goal
    ws = wb.add_worksheet(_("By result")[:31])
    columns = [
        _("Code"), _("Result"), _("Level"), _("Indicators"), _("Achieved"), _("On track"),
        _("Off track"), _("Not started / no data"), _("Progress"), _("No progress"),
    ]  # fmt: skip
    ws.write_row(0, 0, columns, header)
    ws.freeze_panes(1, 2)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 9, 12)
    integer = number_format("#,##0")
    for i, node in enumerate(dataset["nodes"], start=1):
        ws.write_string(i, 0, node["code"], text)
        ws.write_string(i, 1, "    " * node["depth"] + node["title"], text)
        ws.write_string(i, 2, node["level"], text)
        r = node["rollup"] or {}
        for col, key in enumerate(
            ["n", "achieved", "on_track", "off_track", "not_started", "progress", "no_progress"],
            start=3,
        ):
            _cell(ws, i, col, r.get(key), integer)

    # Annex II
    ws = wb.add_worksheet(_("Funding compact")[:31])
    compact = dataset["compact"]["compact"] if dataset["compact"]["available"] else None
    if compact and compact["groups"]:
        columns = [_("Group"), _("Commitment"), _("Indicator code"), _("Indicator"),
                   _("Baseline"), _("Baseline year"), _("Target"), _("Target year"),
                   _("Latest value"), _("Latest year"), _("Computed from entity reports"),
                   _("Class"), _("Trend"), _("Footnotes")]  # fmt: skip
        ws.write_row(0, 0, columns, header)
        ws.freeze_panes(1, 4)
        ws.set_column(0, 1, 24)
        ws.set_column(3, 3, 50)
        ws.set_column(4, 13, 14)
        i = 0
        for group in compact["groups"]:
            for commitment in group["commitments"]:
                label = f"{commitment['label']} {commitment['title']}".strip()
                for ind in commitment["indicators"]:
                    i += 1
                    ws.write_string(i, 0, group["title"], text)
                    ws.write_string(i, 1, label, text)
                    ws.write_string(i, 2, ind["code"], text)
                    ws.write_string(i, 3, ind["name"], text)
                    for col, key in ((4, "baseline"), (6, "target"), (8, "latest")):
                        ws.write_string(i, col, ind[key], text)
                        _cell(ws, i, col + 1, ind[f"{key}_year"], number_format("0"))
                    ws.write_string(i, 10, _("Yes") if ind["computed"] else "", text)
                    ws.write_string(i, 11, ind["class_label"], text)
                    ws.write_string(i, 12, ind["trend_label"], text)
                    notes = " ".join(f"{f['marker']}: {f['text']}" for f in ind["footnotes"])
                    ws.write_string(i, 13, notes, text)
        # The roll-up per group, as under Figure X.
        i += 2
        ws.write_row(i, 0, [_("Group"), _("Indicators"), _("Progress"), _("No progress"),
                            _("Other / no data"), _("Share making progress"),
                            _("Published share")], header)  # fmt: skip
        share = number_format('0.0"%"')
        for group in compact["groups"]:
            i += 1
            ws.write_string(i, 0, group["title"], text)
            _cell(ws, i, 1, group["total"], number_format("#,##0"))
            for col, key in enumerate(("progress", "no_progress", "other"), start=2):
                _cell(ws, i, col, group["counts"][key], number_format("#,##0"))
            _cell(ws, i, 5, group["share_progress"], share)
            _cell(ws, i, 6, group["published_share"], share)
    else:
        ws.write_string(0, 0, _("The funding compact annex is not available in this report."), text)

    # Annex III
    ws = wb.add_worksheet(_("Oversight")[:31])
    ws.write_row(0, 0, oversight_columns(), header)
    ws.freeze_panes(1, 2)
    ws.set_column(0, 1, 30)
    ws.set_column(2, 7, 14)
    i = 0
    for body in dataset["oversight"]["bodies"]:
        for r in body["rows"]:
            i += 1
            ws.write_string(i, 0, body["name"], text)
            ws.write_string(i, 1, r["label"], text)
            for col, key in enumerate(
                ["issued", "implemented", "no_longer_applicable", "in_progress",
                 "not_implemented"],
                start=2,
            ):  # fmt: skip
                ws.write_number(i, col, r[key], integer)
            _cell(ws, i, 7, r["rate"], pct)
    wb.close()
    return out.getvalue()


def _cell(ws, row, col, value, fmt):
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, value, fmt)
