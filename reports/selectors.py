"""Reads that shape a report's frozen dataset. Every progress read takes the pinned snapshot
explicitly (never "the current one"), so a run reads exactly what it pinned; each function is
small so that it can later call the indicators' snapshot-taking selectors instead.

The dataset is plain JSON (str, int, float, bool, None, lists, dicts) in the run's language:
renderers need nothing else, and its canonical form gives the content digest."""

import hashlib
import json

from django.apps import apps
from django.db.models import Prefetch
from django.utils import translation

from core.bilingual import localized
from indicators.choices import ValueKind
from indicators.models import (
    Indicator,
    Level,
    Node,
    NodeRollup,
    ProgressResult,
    ProgressSnapshot,
    Value,
)
from indicators.models.progress import RollupScope

from .models import NarrativeSection

SCHEMA = 1
ROLLUP_FIELDS = [
    "n", "progress", "no_progress", "other", "assessable",
    "achieved", "on_track", "off_track", "not_started",
]  # fmt: skip


def canonical_json(dataset):
    """The one serialisation the digest is taken of: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        dataset, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def content_digest(dataset):
    """SHA-256 of the canonical JSON of a dataset (hex)."""
    return hashlib.sha256(canonical_json(dataset)).hexdigest()


def pinnable_snapshot():
    """The snapshot a new run pins: the current complete one (None before any computation)."""
    return ProgressSnapshot.objects.filter(is_current=True).first()


def _zh(language):
    return language.startswith("zh")


def _text(obj, field, language):
    """The text in the report's language, else the other one (as the pages do)."""
    return localized(obj, field, language)


def snapshot_latest_results(*, snapshot, plan, year):
    """{indicator id: result} of the latest period up to `year` in `snapshot`, one query."""
    rows = (
        ProgressResult.objects.filter(snapshot=snapshot, plan_id=plan.pk, period_year__lte=year)
        .select_related("period", "frame")
        .order_by("indicator_id", "-period__start_date", "-period_id")
        .distinct("indicator_id")
    )
    return {r.indicator_id: r for r in rows}


def snapshot_rollups(*, snapshot, plan, year):
    """({node id: roll-up}, plan roll-up or None) at the end of `year` in `snapshot`."""
    nodes, whole = {}, None
    for r in NodeRollup.objects.filter(snapshot=snapshot, plan_id=plan.pk, year=year):
        if r.scope == RollupScope.NODE:
            nodes[r.node_id] = r
        elif r.scope == RollupScope.PLAN:
            whole = r
    return nodes, whole


def _rollup_dict(rollup):
    if rollup is None:
        return None
    return {f: getattr(rollup, f) for f in ROLLUP_FIELDS}


def _value_texts(value_ids):
    """The words of approved yes/no, text and parts values (numbers come from the snapshot)."""
    values = Value.objects.filter(pk__in=value_ids).prefetch_related("parts")
    out = {}
    for v in values:
        if v.is_missing:
            out[v.pk] = {"missing": True, "footnote": v.footnote}
        elif v.kind == ValueKind.YES_NO:
            out[v.pk] = {"bool": v.bool_value}
        elif v.kind == ValueKind.TEXT:
            out[v.pk] = {"text": v.text_value, "rating": v.rating}
        elif v.kind == ValueKind.PARTS:
            out[v.pk] = {"parts": {p.code: float(p.numeric_value) for p in v.parts.all()}}
    return out


def _tree_order(nodes):
    children = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    ordered = []

    def walk(parent_id, depth):
        for n in sorted(children.get(parent_id, []), key=lambda n: (n.order, n.code)):
            ordered.append((n, depth))
            walk(n.pk, depth + 1)

    walk(None, 0)
    return ordered


def oversight_annex(*, entity, language):
    """Annex III in the form of the accountability report: implementation rates by body, all
    and critical recommendations, for the entity's recommendations (oversight statistics)."""
    if not apps.is_installed("oversight"):
        return {"bodies": []}
    from oversight.models import OversightBody, Recommendation
    from oversight.selectors import round_pct, statistics

    recs = Recommendation.objects.filter(entity=entity)
    bodies = OversightBody.objects.filter(pk__in=recs.values("body_id")).order_by("code")
    with translation.override(language):
        stats = statistics(bodies=bodies, recommendations=recs)
        out = []
        for s in stats:
            rows = []
            for r in s.rows:
                rate = round_pct(r.rate, 1)
                rows.append(
                    {
                        "label": str(r.label),
                        "segment": r.segment,
                        "issued": r.issued,
                        "implemented": r.implemented,
                        "no_longer_applicable": r.no_longer_applicable,
                        "in_progress": r.in_progress,
                        "not_implemented": r.not_implemented,
                        "rate": None if rate is None else float(rate),
                    }
                )
            out.append({"code": s.body.code, "name": _text(s.body, "name", language), "rows": rows})
    return {"bodies": out}


def compact_annex(*, entity, year, language):
    """The funding-compact annex from `compacts.selectors.report_annex(entity=, year=,
    language=)`: {"available": True, "compact": {...}} — or not available (no compacts app,
    or no compact had started by `year`), with a note the renderers print."""
    if not apps.is_installed("compacts"):
        return {"available": False, "compact": None}
    try:
        from compacts.selectors import report_annex
    except ImportError:
        return {"available": False, "compact": None}
    annex = report_annex(entity=entity, year=year, language=language)
    return {"available": annex is not None, "compact": annex}


def report_dataset(*, report, snapshot, language):
    """Everything a run renders, read from `snapshot` and the report's narrative, as JSON in
    `language`. Same inputs, same dataset: the content digest depends on nothing else (no
    timestamps of the run, no database ids of rows the run does not own)."""
    with translation.override(language):
        return _report_dataset(report=report, snapshot=snapshot, language=language)


def _report_dataset(*, report, snapshot, language):
    plan, entity = report.plan, report.entity
    session = report.session
    body = entity.governing_body
    levels = {lv.pk: lv for lv in Level.objects.filter(plan=plan)}
    nodes = list(Node.objects.filter(plan=plan))
    indicators = list(
        Indicator.objects.filter(plan=plan, is_active=True)
        .select_related("node")
        .prefetch_related(Prefetch("node__level"))
        .order_by("order", "code")
    )
    results = snapshot_latest_results(snapshot=snapshot, plan=plan, year=report.year)
    node_rollups, plan_rollup = snapshot_rollups(snapshot=snapshot, plan=plan, year=report.year)
    texts = _value_texts([r.value_id for r in results.values() if r.value_id])
    sections = {s.key: s for s in NarrativeSection.objects.filter(report=report)}

    def narrative(key):
        s = sections.get(key)
        return _text(s, "text", language) if s else ""

    node_rows = []
    for node, depth in _tree_order(nodes):
        node_rows.append(
            {
                "key": f"node-{node.code}",
                "code": node.code,
                "title": _text(node, "title", language),
                "level": _text(levels[node.level_id], "name", language),
                "depth": depth,
                "parent": next((n.code for n in nodes if n.pk == node.parent_id), None),
                "commentary": narrative(f"node-{node.pk}"),
                "rollup": _rollup_dict(node_rollups.get(node.pk)),
            }
        )
    indicator_rows = []
    for ind in indicators:
        r = results.get(ind.pk)
        indicator_rows.append(
            {
                "code": ind.code,
                "name": _text(ind, "name", language),
                "node": ind.node.code,
                "kind": ind.value_kind,
                "unit": ind.unit_in(language),
                "currency": ind.currency,
                "decimals": ind.decimals,
                "direction": ind.direction,
                "illustrative": ind.is_illustrative,
                "baseline": r.baseline if r else None,
                "baseline_year": r.baseline_year if r else None,
                "target": r.target if r else None,
                "target_year": r.target_year if r else None,
                "actual": r.actual if r else None,
                "value": texts.get(r.value_id) if r and r.value_id else None,
                "period": r.period.label if r else None,
                "percent_of_way": r.percent_of_way if r else None,
                "status": r.on_track_status if r else "not_started",
                "class": r.compact_class if r else "other",
                "trend": (r.trend or None) if r else None,
            }
        )
    return {
        "schema": SCHEMA,
        "language": language,
        "definition": report.definition,
        "document": {
            "symbol": report.symbol,
            "distribution": report.distribution,
            "date": report.document_date.isoformat(),
            "body": _text(body, "name", language) if body else "",
            "session": (_text(session, "title", language) or session.get_kind_display())
            if session
            else "",
            "session_kind": session.kind if session else "",
            "session_year": session.year if session else None,
            "session_start": session.start_date.isoformat() if session else None,
            "session_end": session.end_date.isoformat() if session else None,
            "agenda_item": report.agenda_item,
            "title": _text(report, "title", language),
            "entity_code": entity.code,
            "entity": _text(entity, "name", language),
            "plan": _text(plan, "title", language),
            "plan_years": [plan.start_year, plan.end_year],
            "plan_illustrative": plan.is_illustrative,
            "plan_note": _text(plan, "note", language),
            "year": report.year,
        },
        "source": {"snapshot": snapshot.pk, "as_of": snapshot.as_of.isoformat()},
        "summary": narrative(NarrativeSection.SUMMARY),
        "nodes": node_rows,
        "indicators": indicator_rows,
        "plan_rollup": _rollup_dict(plan_rollup),
        "oversight": oversight_annex(entity=entity, language=language),
        "compact": compact_annex(entity=entity, year=report.year, language=language),
    }
