"""Figure X, server-rendered: per commitment group, the share of indicators making progress,
making no progress, and other / no data, as one stacked bar with its text alternative.

Hand-written SVG, like indicators/charts.py (same reasons: a few lines of markup, no plotting
library installed, text left to the viewer's fonts so that Chinese renders)."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.formatting import format_number

from .selectors import CLASS_LABELS

COLOURS = {"progress": "#1a7f37", "no_progress": "#cf222e", "other": "#8c959f"}


def description(table):
    """The chart in words: '6 indicators: progress 6 (100%), no progress 0 (0%), ...'."""
    total = table.total
    pieces = []
    for key, label in CLASS_LABELS.items():
        count = table.counts[key]
        share = round(count * 100 / total) if total else 0
        pieces.append(f"{label} {format_number(count)} ({format_number(share)}%)")
    return _("%(n)s indicators: %(pieces)s.") % {
        "n": format_number(total),
        "pieces": ", ".join(pieces),
    }


def figure_x(table, *, width=420, height=56):
    title = _("Progress of the indicators: %(group)s") % {"group": table.group.get_kind_display()}
    desc = description(table)
    body, x = [], 0.0
    total = table.total or 1
    for key in CLASS_LABELS:
        w = (width - 4) * table.counts[key] / total
        if w:
            body.append(
                f'<rect x="{2 + x:.1f}" y="6" width="{w:.1f}" height="24" '
                f'fill="{COLOURS[key]}" data-class="{key}"/>'
            )
            label = f"{round(table.counts[key] * 100 / total)}%"
            if w > 30:
                body.append(
                    f'<text x="{2 + x + w / 2:.1f}" y="23" fill="#fff" font-size="12" '
                    f'text-anchor="middle">{label}</text>'
                )
        x += w
    lx = 2
    for key, label in CLASS_LABELS.items():
        body.append(f'<rect x="{lx}" y="40" width="10" height="10" fill="{COLOURS[key]}"/>')
        body.append(
            f'<text x="{lx + 14}" y="49" font-size="11" fill="#24292f">{escape(label)}</text>'
        )
        lx += 140
    title, desc = escape(title), escape(desc)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="figure-x" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{title}. {desc}"><title>{title}</title><desc>{desc}</desc>'
        f"{''.join(body)}</svg>"
    )
