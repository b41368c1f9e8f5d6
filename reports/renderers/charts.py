"""The chart of the report, as SVG: statuses of the indicators under each pillar and goal
(stacked horizontal bars). The PDF embeds the SVG, Word a PNG rasterised from the same SVG.
Colours and status labels are the pages' (indicators/charts.py)."""

from django.utils.html import escape
from django.utils.translation import gettext as _

from indicators.charts import STATUS_COLOURS
from indicators.models.progress import OnTrackStatus

from .common import chart_rows

FONT = "Noto Sans CJK SC, DejaVu Sans, sans-serif"
ORDER = [
    OnTrackStatus.ACHIEVED,
    OnTrackStatus.ON_TRACK,
    OnTrackStatus.OFF_TRACK,
    OnTrackStatus.NOT_STARTED,
]


def status_chart_svg(dataset, title):
    rows = chart_rows(dataset)
    width, label_w, bar_h, gap, top = 640, 70, 18, 8, 40
    height = top + len(rows) * (bar_h + gap) + 30
    most = max([sum(c.values()) for _label, c in rows] + [1])
    scale = (width - label_w - 20) / most
    body = [
        f'<text x="0" y="16" font-family="{FONT}" font-size="14" fill="#24292f">'
        f"{escape(title)}</text>"
    ]
    x = 0
    for status in ORDER:  # legend
        body.append(
            f'<rect x="{x}" y="24" width="10" height="10" fill="{STATUS_COLOURS[status]}"/>'
            f'<text x="{x + 14}" y="33" font-family="{FONT}" font-size="10" fill="#24292f">'
            f"{escape(str(status.label))}</text>"
        )
        x += 150
    for i, (label, counts) in enumerate(rows):
        y = top + 8 + i * (bar_h + gap)
        body.append(
            f'<text x="0" y="{y + 13}" font-family="{FONT}" font-size="11" fill="#24292f">'
            f"{escape(label)}</text>"
        )
        x = label_w
        for status in ORDER:
            n = counts[status.value]
            if n:
                w = n * scale
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                    f'fill="{STATUS_COLOURS[status]}"><title>{escape(label)}: '
                    f"{escape(str(status.label))} {n}</title></rect>"
                )
                x += w
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{OnTrackStatus(k).label} {v}" for k, v in c.items())
        for label, c in rows
    ) or _("No indicator has been assessed yet.")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )
