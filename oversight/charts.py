"""Server-side SVG charts of the implementation statistics.

Written by hand: a grouped bar chart is a few dozen lines of SVG, and neither vl-convert nor
matplotlib is among the project's dependencies. The same SVG can go into pages, PDF and Word.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

COLOURS = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a"]
BAR, GAP, HEIGHT, TOP, LEFT = 22, 18, 120, 20, 34


def rate_chart(stats, max_rows=2):
    """Cumulative implementation rate per period, one bar per row (all, critical...)."""
    rows = [r for r in stats.rows if r.periods][:max_rows]
    if not rows or not stats.period_labels:
        return ""
    n_periods = len(stats.period_labels)
    group = len(rows) * BAR + GAP
    width = LEFT + n_periods * group + 10
    title = escape(_("Cumulative implementation rate by period"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT + TOP + 40}" '
        f'width="{width * 2}" height="{(HEIGHT + TOP + 40) * 2}" '
        f'style="max-width:100%;height:auto" '
        f'role="img" class="rate-chart" aria-label="{title}">'
    ]
    for tick in (0, 50, 100):
        y = TOP + HEIGHT - tick * HEIGHT / 100
        parts.append(
            f'<line x1="{LEFT}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{tick}%</text>'
        )
    for p, label in enumerate(stats.period_labels):
        x0 = LEFT + p * group + GAP / 2
        for i, row in enumerate(rows):
            value = row.periods[p].rate
            if value is None:
                continue
            h = float(value) * HEIGHT / 100
            x = x0 + i * BAR
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + HEIGHT - h:.1f}" width="{BAR - 2}" height="{h:.1f}" '
                f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(row.label)} {escape(label)}: '
                f"{float(value):.1f}%</title></rect>"
                f'<text x="{x + (BAR - 2) / 2:.1f}" y="{TOP + HEIGHT - h - 3:.1f}" font-size="8" '
                f'text-anchor="middle">{float(value):.0f}</text>'
            )
        parts.append(
            f'<text x="{x0 + len(rows) * BAR / 2:.1f}" y="{TOP + HEIGHT + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for i, row in enumerate(rows):
        x = LEFT + i * 150
        parts.append(
            f'<rect x="{x}" y="{TOP + HEIGHT + 24}" width="10" height="10" '
            f'fill="{COLOURS[i % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="{TOP + HEIGHT + 33}" font-size="10">{escape(row.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
