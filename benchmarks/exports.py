"""Export of 100,000 recommendations: the shared streaming writer against XlsxWriter alone.

The export (what a job does: read the visible, filtered rows through a server-side cursor,
shape them and write them with core.exports in constant-memory mode) against a floor that
writes the same cells — already in memory — with XlsxWriter's constant-memory mode alone,
one typed call per cell. Aim: within 1.3x. Peak Python memory of the export is printed at two
sizes to show it flat as rows grow.
"""

import tempfile

from benchmarks.util import best_of, peak_memory, report

N = 100_000
SMALL = 25_000


def _export(kind, queryset):
    from core.exports import write_xlsx

    with tempfile.TemporaryFile() as out:
        return write_xlsx(out, kind.sheets(queryset))


def _floor(columns, rows):
    """The same cells, in memory already, written by XlsxWriter alone (typed calls)."""
    import xlsxwriter

    from core.exports import FORMATS, OPTIONS, TEXT

    with tempfile.TemporaryFile() as out:
        wb = xlsxwriter.Workbook(out, OPTIONS)
        ws = wb.add_worksheet("Recommendations")
        header = wb.add_format({"bold": True})
        formats = [wb.add_format({"num_format": FORMATS[c.type]}) if c.type != TEXT else None
                   for c in columns]  # fmt: skip
        for c, col in enumerate(columns):
            ws.write_string(0, c, str(col.title), header)
        kinds = [c.type for c in columns]
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if kinds[c] == TEXT:
                    ws.write_string(r, c, value)
                elif kinds[c] in ("date", "datetime"):
                    ws.write_datetime(r, c, value, formats[c])
                else:
                    ws.write_number(r, c, value, formats[c])
        wb.close()


def run():
    import time

    from benchmarks.oversight import generate
    from oversight.exporters import RECOMMENDATIONS
    from oversight.models import Recommendation

    started = time.perf_counter()
    user = generate(n=N, n_reports=1_000, without_history=True)
    print(f"generated {N:,} recommendations in {time.perf_counter() - started:.1f} s")
    queryset = RECOMMENDATIONS.queryset(user, {})
    sheets = RECOMMENDATIONS.sheets(queryset)
    columns = sheets[0].columns
    rows = [list(r) for r in sheets[0].rows]  # the floor's cells, read once beforehand
    assert len(rows) == N
    cells = N * len(columns)
    floor_s = best_of(lambda: _floor(columns, rows), repeat=2)
    report(f"floor: XlsxWriter alone, {cells:,} cells", floor_s)
    ours_s = best_of(lambda: _export(RECOMMENDATIONS, queryset), repeat=2)
    report(
        f"export: {N:,} recommendations (read + write)",
        ours_s,
        floor_s,
        "XlsxWriter floor",
        extra="aim <= 1.3x",
    )
    rows.clear()  # memory below is measured without the floor's cells
    first = Recommendation.objects.order_by("pk").values_list("pk", flat=True).first()
    for n in (SMALL, N):
        subset = queryset.filter(pk__lt=first + n)
        written, peak = peak_memory(lambda subset=subset: _export(RECOMMENDATIONS, subset))
        print(f"peak Python memory of the export, {written:>7,} rows: {peak / 2**20:6.1f} MiB")
