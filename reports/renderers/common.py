"""What every format says, built once from the dataset: the labels in the run's language, each
value as the UN prints it, and the document as a list of blocks (masthead, headings, numbered
paragraphs, chart, tables, notes) that Word and PDF lay out the same way."""

from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from core import editorial
from indicators.choices import ValueKind
from indicators.models.progress import CompactClass, OnTrackStatus, Trend

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


@dataclass
class Block:
    kind: str  # masthead, heading, para, summary, chart, table, notes
    text: str = ""
    level: int = 1
    number: int | None = None
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    numeric: list = field(default_factory=list)  # per column: right-aligned
    data: dict = field(default_factory=dict)


def lang_of(dataset):
    return dataset["language"]


def status_label(code):
    return str(OnTrackStatus(code).label) if code else ""


def class_label(code):
    return str(CompactClass(code).label) if code else ""


def trend_label(code):
    return str(Trend(code).label) if code else ""


def value_text(row, which, language):
    """Baseline, target or latest value of an indicator row as a table prints it."""
    number = row.get(which)
    kind, decimals = row["kind"], row["decimals"] or 0
    if which == "actual" and row.get("value"):
        v = row["value"]
        if v.get("missing"):
            return _("not available")
        if "bool" in v:
            return _("Yes") if v["bool"] else _("No")
        if "text" in v:
            return v["text"]
        if "parts" in v:
            return "; ".join(
                f"{code}: {editorial.number(n, decimals, language)}"
                for code, n in sorted(v["parts"].items())
            )
    if number is None:
        return "–"
    if kind == ValueKind.PERCENT:
        return editorial.percent(number, decimals, language)
    if kind == ValueKind.CURRENCY:
        return f"{row['currency']} {editorial.number(number, decimals, language)}".strip()
    if kind == ValueKind.YES_NO:
        return _("Yes") if number else _("No")
    text = editorial.number(number, decimals, language)
    return f"{text} {row['unit']}".strip() if row.get("unit") else text


def numeric_format(row):
    """An Excel number format for the indicator's values (the cell keeps the real number)."""
    decimals = row["decimals"] or 0
    base = "#,##0" + ("." + "0" * decimals if decimals else "")
    if row["kind"] == ValueKind.PERCENT:
        return base + '"%"'
    return base


def indicator_columns():
    return [
        _("Code"),
        _("Indicator"),
        _("Baseline"),
        _("Target"),
        _("Latest approved value"),
        _("Status"),
        _("Classification"),
        _("Trend"),
    ]


def indicator_table_rows(dataset, node_code=None):
    language = lang_of(dataset)
    rows = []
    for r in dataset["indicators"]:
        if node_code is not None and r["node"] != node_code:
            continue
        baseline = value_text(r, "baseline", language)
        if r.get("baseline_year") and baseline != "–":
            baseline = f"{baseline} ({r['baseline_year']})"
        target = value_text(r, "target", language)
        if r.get("target_year") and target != "–":
            target = f"{target} ({r['target_year']})"
        actual = value_text(r, "actual", language)
        if r.get("period") and actual != "–":
            actual = f"{actual} ({r['period']})"
        rows.append(
            [
                r["code"],
                r["name"],
                baseline,
                target,
                actual,
                status_label(r["status"]),
                class_label(r["class"]),
                trend_label(r["trend"]),
            ]
        )
    return rows


def rollup_sentence(title, rollup, language):
    if not rollup or not rollup["n"]:
        return _("No indicator under %(title)s has been assessed yet.") % {"title": title}
    return _(
        "Of the %(n)s indicators under %(title)s, %(achieved)s have been achieved, "
        "%(on_track)s are on track, %(off_track)s are off track and %(not_started)s have "
        "not started or have no data; %(share)s show progress."
    ) % {
        "n": rollup["n"],
        "title": title,
        "achieved": rollup["achieved"],
        "on_track": rollup["on_track"],
        "off_track": rollup["off_track"],
        "not_started": rollup["not_started"],
        "share": editorial.percent(
            100 * rollup["progress"] / rollup["n"], 0, language, in_text=True
        ),
    }


def _paragraphs(text):
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def oversight_rows(dataset):
    language = lang_of(dataset)
    rows = []
    for body in dataset["oversight"]["bodies"]:
        for r in body["rows"]:
            rows.append(
                [
                    body["name"],
                    r["label"],
                    *(
                        editorial.number(r[k], 0, language)
                        for k in (
                            "issued",
                            "implemented",
                            "no_longer_applicable",
                            "in_progress",
                            "not_implemented",
                        )
                    ),
                    editorial.percent(r["rate"], 1, language) if r["rate"] is not None else "–",
                ]
            )
    return rows


def oversight_columns():
    return [
        _("Oversight body"),
        _("Recommendations"),
        _("Issued"),
        _("Implemented"),
        _("No longer applicable"),
        _("In progress"),
        _("Not implemented"),
        _("Implementation rate"),
    ]


def masthead(dataset):
    doc, language = dataset["document"], lang_of(dataset)
    lines = []
    if doc["session"]:
        session = doc["session"]
        if doc["session_start"]:
            session = f"{session}, {editorial.date(doc['session_start'], language)}"
        lines.append(session)
    if doc["agenda_item"]:
        lines.append(_("Item %(item)s of the provisional agenda") % {"item": doc["agenda_item"]})
    return {
        "symbol": doc["symbol"],
        "distribution": _("Distribution: %(d)s") % {"d": _(doc["distribution"])},
        "date": editorial.date(doc["date"], language),
        "body": doc["body"],
        "lines": lines,
        "title": doc["title"],
        "subtitle": _("Report of the Executive Director on %(plan)s, %(year)s")
        % {"plan": doc["plan"], "year": doc["year"]},
    }


def source_note(dataset, digest):
    language = lang_of(dataset)
    return _(
        "Figures from progress snapshot %(snapshot)s as of %(as_of)s; content digest "
        "(SHA-256) %(digest)s."
    ) % {
        "snapshot": dataset["source"]["snapshot"],
        "as_of": editorial.date(dataset["source"]["as_of"], language),
        "digest": digest,
    }


def outline(dataset, digest):
    """The document as blocks, in the run's language."""
    with translation.override(lang_of(dataset)):
        return _outline(dataset, digest)


def _outline(dataset, digest):
    doc, language = dataset["document"], lang_of(dataset)
    blocks = [Block("masthead", data=masthead(dataset))]
    notes = [source_note(dataset, digest)]
    if doc["plan_illustrative"]:
        notes.append(
            _("The indicators, baselines, targets and values of this framework are illustrative.")
        )
    blocks.append(Block("heading", _("Summary"), level=1))
    summary = _paragraphs(dataset["summary"]) or [_("The summary has not been written yet.")]
    for p in summary:
        blocks.append(Block("summary", p))
    counter = 0

    def para(text, footnote=None):
        nonlocal counter
        counter += 1
        blocks.append(Block("para", text, number=counter, data={"footnote": footnote}))

    section = 0

    def heading(text, level=1):
        nonlocal section
        if level == 1:
            text = f"{ROMAN[section]}. {text}"
            section += 1
        blocks.append(Block("heading", text, level=level))

    heading(_("Introduction"))
    para(
        _(
            "The present report sets out the progress made in %(year)s against the results "
            "framework of %(plan)s (%(start)s–%(end)s), as reported to the %(body)s."
        )
        % {
            "year": doc["year"],
            "plan": doc["plan"],
            "start": doc["plan_years"][0],
            "end": doc["plan_years"][1],
            "body": doc["body"] or _("Executive Board"),
        }
    )
    para(
        rollup_sentence(doc["plan"], dataset["plan_rollup"], language),
        footnote=" ".join(notes),
    )
    heading(_("Progress by pillar, goal and principle"))
    blocks.append(Block("chart", _("Status of indicators by result"), data={"key": "status"}))
    for node in dataset["nodes"]:
        if node["depth"] > 1:
            continue
        title = f"{node['code']}. {node['title']}"
        heading(title, level=2 if node["depth"] == 0 else 3)
        para(rollup_sentence(node["title"], node["rollup"], language))
        for p in _paragraphs(node["commentary"]):
            para(p)
    heading(_("Annexes"))
    blocks.append(Block("heading", _("Annex I. Results framework"), level=2))
    blocks.append(
        Block(
            "table",
            _("Indicators with baseline, target and latest approved value"),
            columns=indicator_columns(),
            rows=indicator_table_rows(dataset),
            data={"key": "indicators"},
        )
    )
    blocks.append(Block("heading", _("Annex II. Funding compact"), level=2))
    compact = dataset["compact"]["compact"] if dataset["compact"]["available"] else None
    if compact and compact["groups"]:
        blocks.append(Block("summary", compact_intro(compact)))
        for group in compact["groups"]:
            blocks.append(Block("heading", group["title"], level=3))
            blocks.append(Block("para", compact_rollup_sentence(group, lang_of(dataset))))
            blocks.append(
                Block(
                    "table",
                    _("Funding compact: %(group)s") % {"group": group["title"]},
                    columns=compact_columns(),
                    rows=compact_rows(group),
                    data={"key": f"compact-{group['kind']}"},
                )
            )
    else:
        blocks.append(
            Block("summary", _("The funding compact annex is not available in this report."))
        )
    blocks.append(
        Block("heading", _("Annex III. Implementation of oversight recommendations"), level=2)
    )
    blocks.append(
        Block(
            "table",
            _("Implementation rates by oversight body, all and critical recommendations"),
            columns=oversight_columns(),
            rows=oversight_rows(dataset)
            or [[_("No recommendations recorded."), "", "", "", "", "", "", ""]],
            numeric=[False, False, True, True, True, True, True, True],
        )
    )
    blocks.append(Block("notes", data={"notes": notes}))
    return blocks


def compact_intro(compact):
    text = _("%(name)s, %(start)s–%(end)s: the tables of the compact as reported, by group of "
             "commitments.") % {"name": compact["name"], "start": compact["start_year"],
                                "end": compact["end_year"]}  # fmt: skip
    if compact["illustrative_note"]:
        text = f"{text} {compact['illustrative_note']}"
    return text


def compact_rollup_sentence(group, language):
    """The roll-up of a group of commitments, as under Figure X of the compact."""
    text = _("%(progress)s of %(total)s indicators made progress (%(share)s).") % {
        "progress": group["counts"]["progress"],
        "total": group["total"],
        "share": "–"
        if group["share_progress"] is None
        else editorial.percent(group["share_progress"], 1, language),
    }
    if group["published_share"] is not None:
        text += " " + _("Published: %(share)s.") % {
            "share": editorial.percent(group["published_share"], 0, language)
        }
    return text


def compact_columns():
    return [_("Commitment"), _("Indicator"), _("Baseline"), _("Target"), _("Latest value"),
            _("Class"), _("Trend")]  # fmt: skip


def _with_year(text, year):
    return f"{text} ({year})" if year and text not in ("", "–") else text


def compact_rows(group):
    """One row per compact indicator of a group: figures as printed in the run's language."""
    rows = []
    for commitment in group["commitments"]:
        label = f"{commitment['label']} {commitment['title']}".strip()
        for ind in commitment["indicators"]:
            markers = "".join(f["marker"] for f in ind["footnotes"])
            rows.append(
                [
                    label,
                    f"{ind['code']}. {ind['name']}",
                    _with_year(ind["baseline"], ind["baseline_year"]),
                    _with_year(ind["target"], ind["target_year"]),
                    _with_year(ind["latest"], ind["latest_year"])
                    + (f" {markers}" if markers else ""),
                    ind["class_label"],
                    ind["trend_label"] or "—",
                ]
            )
    return rows


def chart_rows(dataset):
    """(label, {status: count}) for every pillar and goal with a roll-up."""
    rows = []
    for node in dataset["nodes"]:
        if node["depth"] > 1 or not node["rollup"]:
            continue
        r = node["rollup"]
        rows.append(
            (
                node["code"],
                {
                    "achieved": r["achieved"],
                    "on_track": r["on_track"],
                    "off_track": r["off_track"],
                    "not_started": r["not_started"],
                },
            )
        )
    return rows
