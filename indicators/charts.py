"""Server-side SVG charts of progress: a bullet chart per indicator, a trend mark, and the
time series of one indicator. The same markup goes into pages and (later) PDF and Word.

Written by hand rather than with matplotlib or Vega-Lite (STYLE.md prefers a library): a
plan dashboard draws dozens of bullet charts per request, and a few lines of SVG cost
microseconds where a plotting library costs tens of milliseconds each; neither library is
installed here, and hand-written SVG needs no font files on the server (text is left to the
viewer's fonts, so Chinese renders wherever the page or PDF has a CJK font). Every chart
carries role="img", an aria-label, <title> and <desc> in the active language.
"""

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.formatting import format_number

from .models.progress import OnTrackStatus, Trend

STATUS_COLOURS = {
    OnTrackStatus.ACHIEVED: "#1a7f37",
    OnTrackStatus.ON_TRACK: "#2f81f7",
    OnTrackStatus.OFF_TRACK: "#cf222e",
    OnTrackStatus.NOT_STARTED: "#8c959f",
}
TRACK, INK, MUTED = "#d0d7de", "#24292f", "#57606a"


def fmt(number):
    """A number for people: grouped, at most 2 decimals, no trailing zeros; "–" if missing."""
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return "–"
    number = round(float(number), 2)
    decimals = 0 if number == int(number) else 2
    text = format_number(number, decimals)
    return text.rstrip("0").rstrip(".") if decimals else text


def _svg(width, height, title, desc, body, css_class):
    title, desc = escape(title), escape(desc)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{title}. {desc}"><title>{title}</title><desc>{desc}</desc>{body}</svg>'
    )


def bullet_description(result):
    """The text alternative of a bullet chart, in the active language."""
    if result is None:
        return _("No progress computed yet.")
    parts = [
        _("Baseline %(b)s, latest %(a)s, target %(t)s")
        % {"b": fmt(result.baseline), "a": fmt(result.actual), "t": fmt(result.target)}
    ]
    if result.percent_of_way is not None:
        parts.append(_("%(p)s%% of the way") % {"p": fmt(result.percent_of_way)})
    parts.append(OnTrackStatus(result.on_track_status).label)
    return ", ".join(str(p) for p in parts) + "."


def bullet_chart(result, *, label="", width=180, height=26):
    """Baseline → latest → target on one axis: a grey track from baseline to target, a bar
    from baseline to the latest value in the status colour, a tick at the target."""
    title = label or _("Progress")
    desc = bullet_description(result)
    if result is None:
        return _svg(width, height, title, desc, "", "bullet-chart")
    points = [x for x in (result.baseline, result.actual, result.target) if x is not None]
    colour = STATUS_COLOURS.get(result.on_track_status, STATUS_COLOURS["not_started"])
    if not points:  # qualitative, yes/no without numbers, values in parts: status only
        body = (
            f'<rect x="2" y="8" width="{width - 4}" height="10" fill="{TRACK}"/>'
            f'<rect x="2" y="8" width="10" height="10" fill="{colour}"/>'
        )
        return _svg(width, height, title, desc, body, "bullet-chart")
    low, high = min(points), max(points)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.05

    def x(value):
        return round(4 + (value - low + pad) / (high - low + 2 * pad) * (width - 8), 1)

    body = []
    if result.baseline is not None and result.target is not None:
        left, right = sorted((x(result.baseline), x(result.target)))
        body.append(
            f'<rect x="{left}" y="7" width="{max(right - left, 1)}" height="12" fill="{TRACK}"/>'
        )
    if result.actual is not None:
        start = x(result.baseline) if result.baseline is not None else 4
        left, right = sorted((start, x(result.actual)))
        body.append(
            f'<rect x="{left}" y="10" width="{max(right - left, 2)}" height="6" fill="{colour}"/>'
        )
    if result.baseline is not None:
        bx = x(result.baseline)
        body.append(f'<line x1="{bx}" x2="{bx}" y1="9" y2="17" stroke="{MUTED}"/>')
    if result.target is not None:
        tx = x(result.target)
        body.append(f'<line x1="{tx}" x2="{tx}" y1="3" y2="23" stroke="{INK}" stroke-width="2"/>')
    return _svg(width, height, title, desc, "".join(body), "bullet-chart")


_ARROWS = {
    Trend.IMPROVING: ("M2 12 L8 4 L14 12 Z", "#1a7f37"),
    Trend.STABLE: ("M2 5 L14 8 L2 11 Z", "#57606a"),
    Trend.WORSENING: ("M2 4 L8 12 L14 4 Z", "#cf222e"),
}


def trend_mark(trend):
    """A small arrow: up improving, right stable, down worsening; nothing without a trend."""
    if not trend:
        return _svg(16, 16, _("Trend"), _("No earlier approved value to compare."), "", "trend")
    path, colour = _ARROWS[trend]
    return _svg(
        16, 16, _("Trend"), Trend(trend).label, f'<path d="{path}" fill="{colour}"/>', "trend"
    )


def time_series(series, *, title, width=640, height=260):
    """Baseline, targets (hollow diamonds, dashed) and approved values (dots, solid line)
    per year, from selectors_progress.indicator_series()."""
    baseline = series["baseline"]
    targets = [(year, value) for year, value, _kind in series["targets"] if value is not None]
    values = [(year, value) for year, value, _label in series["values"] if value is not None]
    points = ([baseline] if baseline and baseline[1] is not None else []) + targets + values
    lines = []
    if baseline and baseline[1] is not None:
        lines.append(_("Baseline %(y)s: %(v)s") % {"y": baseline[0], "v": fmt(baseline[1])})
    lines += [_("Target %(y)s: %(v)s") % {"y": y, "v": fmt(v)} for y, v in targets]
    lines += [_("Approved %(y)s: %(v)s") % {"y": y, "v": fmt(v)} for y, v in values]
    desc = "; ".join(str(line) for line in lines) or _("No figures to draw.")
    if not points:
        return _svg(width, height, title, desc, "", "series-chart")
    left, right, top, bottom = 56, 16, 16, 44
    years = [p[0] for p in points]
    y0, y1 = min(years), max(years)
    if y0 == y1:
        y0, y1 = y0 - 1, y1 + 1
    low, high = min(0.0, *(p[1] for p in points)), max(p[1] for p in points)
    if high == low:
        high = low + 1
    high += (high - low) * 0.08

    def px(year):
        return round(left + (year - y0) / (y1 - y0) * (width - left - right), 1)

    def py(value):
        return round(height - bottom - (value - low) / (high - low) * (height - top - bottom), 1)

    body = [
        f'<line x1="{left}" x2="{width - right}" y1="{py(low)}" y2="{py(low)}" stroke="{MUTED}"/>',
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{py(low)}" stroke="{MUTED}"/>',
    ]
    for year in range(y0, y1 + 1):
        body.append(
            f'<text x="{px(year)}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle" fill="{MUTED}">{year}</text>'
        )
    for i in range(5):
        value = low + (high - low) * i / 4
        body.append(
            f'<text x="{left - 6}" y="{py(value) + 4}" font-size="11" text-anchor="end" '
            f'fill="{MUTED}">{escape(fmt(value))}</text>'
        )
    if targets:
        start = [baseline] if baseline and baseline[1] is not None else []
        path = " ".join(f"{px(y)},{py(v)}" for y, v in start + targets)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{MUTED}" stroke-dasharray="4 3"/>'
        )
        for y, v in targets:
            cx, cy = px(y), py(v)
            body.append(
                f'<path d="M{cx} {cy - 6} L{cx + 6} {cy} L{cx} {cy + 6} L{cx - 6} {cy} Z" '
                f'fill="#fff" stroke="{INK}"/>'
            )
    if baseline and baseline[1] is not None:
        body.append(
            f'<rect x="{px(baseline[0]) - 5}" y="{py(baseline[1]) - 5}" width="10" height="10" '
            f'fill="{MUTED}"/>'
        )
    if values:
        start = [baseline] if baseline and baseline[1] is not None else []
        path = " ".join(f"{px(y)},{py(v)}" for y, v in start + values)
        body.append(f'<polyline points="{path}" fill="none" stroke="#2f81f7" stroke-width="2"/>')
        for y, v in values:
            body.append(f'<circle cx="{px(y)}" cy="{py(v)}" r="5" fill="#2f81f7"/>')
    legend = (
        (MUTED, _("Baseline"), "rect"),
        (INK, _("Target"), "diamond"),
        ("#2f81f7", _("Approved value"), "circle"),
    )
    for i, (colour, text, _shape) in enumerate(legend):
        lx = left + i * 150
        body.append(
            f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{height - 5}" font-size="11" fill="{INK}">'
            f"{escape(text)}</text>"
        )
    return _svg(width, height, title, desc, "".join(body), "series-chart")
