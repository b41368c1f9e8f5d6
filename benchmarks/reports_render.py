"""Executive Board reports: the annual report of the demo plan in Excel, Word and PDF (time and
peak memory), and an Excel export of 100,000 indicator rows against a floor that writes the same
cells with XlsxWriter alone (aim: within 1.3×, memory flat as rows grow).
"""

import io
import os
import time
from datetime import date

from benchmarks.util import peak_memory, report

ROWS = int(os.environ.get("REPORTS_BENCH_ROWS", "100000"))


def _annual_report():
    from entities.demo import load_entities, load_users
    from indicators.demo import load_unops_plan
    from indicators.services.progress import progress_compute_full
    from reports import services
    from reports.demo import load_demo_report
    from reports.renderers import render

    load_entities()
    load_users()
    load_unops_plan()
    progress_compute_full(as_of=date(2027, 1, 15))
    report_ = load_demo_report()
    for language in ("en", "zh-hans"):
        started = time.perf_counter()
        run = services.report_run_start(
            actor=report_.created_by,
            report=report_,
            language=language,
            formats=["xlsx", "docx", "pdf"],
            enqueue=False,
        )
        freeze_s = time.perf_counter() - started
        report(f"annual report {language}: pin and freeze", freeze_s)
        total = 0.0
        for fmt in run.formats:
            started = time.perf_counter()
            data = render(fmt, run.dataset, run.digest)
            seconds = time.perf_counter() - started
            # traced separately: tracemalloc slows what it watches
            _data, peak = peak_memory(lambda f=fmt, r=run: render(f, r.dataset, r.digest))
            total += seconds
            report(
                f"annual report {language}: {fmt}",
                seconds,
                extra=f"{len(data) / 1024:.0f} KiB, peak {peak / 1048576:.1f} MiB",
            )
        report(f"annual report {language}: three formats", total)


def _dataset(rows):
    return {
        "language": "en",
        "document": {
            "symbol": "DP/OPS/2027/2", "distribution": "General", "date": "2027-04-01",
            "body": "Executive Board", "session": "", "agenda_item": "", "title": "Bench",
            "entity": "Bench", "plan": "Bench plan", "year": 2026,
        },
        "source": {"snapshot": 1, "as_of": "2027-01-15"},
        "nodes": [],
        "indicators": [
            {
                "code": f"B{i:06d}", "name": f"Indicator {i}", "node": "G1",
                "kind": "percent" if i % 10 == 0 else "number", "unit": "", "currency": "",
                "decimals": 1, "baseline": i * 0.5, "baseline_year": 2025, "target": i * 2.0,
                "target_year": 2029, "actual": i * 1.5, "value": None, "period": "2026",
                "percent_of_way": 50.0, "status": "on_track", "class": "progress",
                "trend": "improving",
            }
            for i in range(rows)
        ],
        "oversight": {"bodies": []},
        "compact": {"available": False, "compact": None},
    }  # fmt: skip


def _floor(dataset):
    """The same indicator cells, with XlsxWriter alone: no labels, no per-cell decisions."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    number = wb.add_format({"num_format": "#,##0.0", "font_name": "Calibri"})
    text = wb.add_format({"text_wrap": True, "valign": "top", "font_name": "Calibri"})
    ws = wb.add_worksheet("Indicators")
    ws.write_row(0, 0, ["c"] * 13, wb.add_format({"bold": True}))
    ws.freeze_panes(1, 2)
    for i, r in enumerate(dataset["indicators"], start=1):
        ws.write_string(i, 0, r["code"], text)
        ws.write_string(i, 1, r["name"], text)
        ws.write_string(i, 2, r["node"], text)
        ws.write_number(i, 3, r["baseline"], number)
        ws.write_number(i, 4, r["baseline_year"])
        ws.write_number(i, 5, r["target"], number)
        ws.write_number(i, 6, r["target_year"])
        ws.write_number(i, 7, r["actual"], number)
        ws.write_string(i, 8, r["period"], text)
        ws.write_number(i, 9, r["percent_of_way"], number)
        ws.write_string(i, 10, "On track", text)
        ws.write_string(i, 11, "Progress", text)
        ws.write_string(i, 12, "Improving", text)
    wb.close()
    return out.getvalue()


def _excel_export():
    from reports.renderers.xlsx import render_xlsx

    peaks = {}
    for rows in (ROWS // 4, ROWS):
        dataset = _dataset(rows)
        started = time.perf_counter()
        _floor(dataset)
        floor_s = time.perf_counter() - started
        started = time.perf_counter()
        render_xlsx(dataset, "0" * 64)
        seconds = time.perf_counter() - started
        _data, peak = peak_memory(lambda dataset=dataset: render_xlsx(dataset, "0" * 64))
        peaks[rows] = peak
        report(
            f"excel export: {rows} rows",
            seconds,
            floor_s,
            "xlsxwriter alone",
            extra=f"peak {peak / 1048576:.1f} MiB",
        )
    small, large = sorted(peaks)
    print(f"peak memory {large} rows / {small} rows: {peaks[large] / peaks[small]:.2f}x")


def run():
    if os.environ.get("REPORTS_BENCH_PART", "all") in ("all", "annual"):
        _annual_report()
    if os.environ.get("REPORTS_BENCH_PART", "all") in ("all", "excel"):
        _excel_export()
