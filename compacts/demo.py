"""The Funding Compact as published in A/75/79-E/2020/55 (tables 2–5), from the project's own
copy of the extract (compacts/data/funding_compact.json), plus ILLUSTRATIVE entity reports for
UN 6.1 and UN 3.1 from the entities of Table 1 (compacts/data/entities_table1.json).

Every typed figure is read from its published text by compacts.parser (and checked against
the extract's own transcription), then written through the indicators services: baselines and
targets by the framework services, latest values entered, submitted and approved like any
other. The entity reports are chosen so that they roll up to the published values at the
printed precision: UN 6.1 13 of 21 (61.9% -> 62%) in 2018 and 12 of 21 (57.1% -> 57%) in 2019;
UN 3.1 26 of 39 (66.7% -> 67%) in 2017 and 27 of 39 (69.2% -> 69%) in 2018. UNOPS is among
the UN 6.1 reporters without a 2019 report, so the demo officer can enter it.

Idempotent: a second run creates nothing.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from entities import services as entity_services
from entities.choices import EntityType, Role
from entities.models import Entity
from indicators import services as indicator_services
from indicators.choices import Direction, PlanKind, Status, TargetKind, ValueKind
from indicators.demo import enter_new_values

from . import parser, services
from .choices import Derivation, GroupKind

DATA_DIR = Path(__file__).resolve().parent / "data"
PLAN_CODE = "funding-compact"
SYSTEM_ENTITY = "UNSDG"
PARTS = [
    {"code": "pooled", "en": "inter-agency pooled funds", "zh": "机构间集合基金"},
    {"code": "thematic", "en": "single-agency thematic funds", "zh": "单一机构专题基金"},
]
GROUPS = {
    GroupKind.MEMBER_STATES: ("MS", "Member State commitments", "会员国承诺", Decimal("69")),
    GroupKind.UNSDG: ("UN", "UNSDG commitments", "联合国可持续发展集团承诺", Decimal("60")),
}
YEARS = (2016, 2017, 2018, 2019, 2020)
# Who enters and approves the published figures: system users that cannot sign in.
LOADER_OFFICER, LOADER_REVIEWER = "compacts-loader", "compacts-approver"
ILLUSTRATIVE_EN = (
    "Entity reports for UN 6.1 and UN 3.1 are illustrative: invented for demonstration, chosen "
    "so that they roll up to the published system-wide values."
)
ILLUSTRATIVE_ZH = (
    "联合国 6.1 和联合国 3.1 的实体报告为示例数据："
    "为演示而编制，其汇总结果与已公布的全系统数值一致。"
)

# UN 6.1: the first 22 entities of Table 1 report; UNOPS has not reported (2018: not
# available, with its reason; 2019: nothing yet). Of the other 21: 13 yes in 2018, 12 in 2019.
UN61_YES = {2018: 13, 2019: 12}
UN61_REPORTERS = 22
# UN 3.1: all 39 entities; counts of core contributors 2016-2018, 26 increases in 2017 and 27
# in 2018.
UN31_INCREASES = {2017: 26, 2018: 27}


def load_json(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _entity_code(acronym):
    return acronym.split(" (")[0].strip().replace("/", "-")


def table1_entities():
    """Entities of Table 1 in printed order (those entities.demo loaded)."""
    codes = [
        _entity_code(r["acronym"])
        for r in load_json("entities_table1.json")["rows"]
        if r.get("acronym")
    ]
    by_code = Entity.objects.in_bulk(codes, field_name="code")
    return [by_code[c] for c in codes if c in by_code]


def _loader_users():
    User = get_user_model()
    users = []
    for username, role in (
        (LOADER_OFFICER, Role.PROGRAMME_OFFICER),
        (LOADER_REVIEWER, Role.REVIEWER),
    ):
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": "Demo loader", "is_active": True}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        entity_services.membership_grant(user=user, entity=None, role=role, actor=None)
        users.append(user)
    return users


def typed(published, indicator):
    """Typed data for the indicators services from a parsed published figure."""
    footnote = ""
    if published.kind == parser.MISSING or (
        published.kind == parser.TEXT and indicator.value_kind != ValueKind.TEXT
    ):
        return {"is_missing": True, "footnote": published.text or published.raw}
    if published.kind == parser.PARTS:
        codes = [p["code"] for p in indicator.part_labels]
        if None in published.parts:
            footnote = published.raw
        return {"parts": dict(zip(codes, published.parts, strict=True)), "footnote": footnote}
    if published.kind == parser.YES_NO:
        return {"bool_value": published.answer}
    if published.kind == parser.AMOUNT:
        return {"numeric_value": published.value, "currency": published.currency}
    return {"numeric_value": published.value}


def _kind(figure):
    return {
        "percent": ValueKind.PERCENT,
        "usd": ValueKind.CURRENCY,
        "count": ValueKind.NUMBER,
        "count_pair": ValueKind.PARTS,
        "boolean": ValueKind.YES_NO,
    }[figure["kind"]]


def _decimals(item):
    raws = [item[f]["raw"] for f in ("baseline", "target", "latest")]
    return 1 if any("." in r.split("%")[0] and "%" in r for r in raws) else 0


def _period(plan, year, actor=None):
    return indicator_services.period_upsert(
        plan=plan,
        label=str(year),
        actor=actor,
        start_date=date(year, 1, 1),
        end_date=date(year, 12, 31),
    )


def _approved(indicator, period, data):
    """A value to enter, submit and approve (indicators.demo.enter_new_values skips those
    already there)."""
    return {"indicator": indicator, "period": period, "data": data, "status": Status.APPROVED}


@transaction.atomic
def load_funding_compact():
    doc = load_json("funding_compact.json")
    officer, reviewer = _loader_users()
    unsdg = entity_services.entity_upsert(
        code=SYSTEM_ENTITY,
        actor=None,
        name_en="United Nations Sustainable Development Group",
        name_zh="联合国可持续发展集团",
        short_name_zh="可持续发展集团",
        entity_type=EntityType.OTHER,
    )
    plan = indicator_services.plan_upsert(
        entity=unsdg,
        code=PLAN_CODE,
        actor=None,
        kind=PlanKind.COMPACT,
        title_en="Funding Compact: indicators",
        title_zh="供资契约：指标",
        start_year=2017,
        end_year=2023,
    )
    levels = {
        code: indicator_services.level_upsert(
            plan=plan, depth=depth, code=code, actor=None, name_en=en, name_zh=zh
        )
        for depth, (code, en, zh) in enumerate(
            [("group", "Commitment group", "承诺组"), ("commitment", "Commitment", "承诺")], 1
        )
    }
    periods = {year: _period(plan, year) for year in YEARS[1:4]}
    compact = services.compact_upsert(
        code=PLAN_CODE,
        plan=plan,
        actor=None,
        name_en="Funding Compact",
        name_zh="供资契约",
        start_year=2019,
        end_year=2023,
        resolution="72/279",
        source_documents=[
            {
                "symbol": "A/75/79-E/2020/55",
                "title_en": "Implementation of General Assembly resolution 71/243 on the "
                "quadrennial comprehensive policy review (Report of the Secretary-General, 2020)",
                "title_zh": "执行大会关于联合国系统发展方面业务活动"
                "四年度全面政策审查的第 71/243 号决议的情况",
            }
        ],
        illustrative_note_en=ILLUSTRATIVE_EN,
        illustrative_note_zh=ILLUSTRATIVE_ZH,
    )
    groups, commitments, value_rows, baselines, targets = {}, {}, [], [], []
    for order, (kind, (prefix, en, zh, published)) in enumerate(GROUPS.items()):
        node = indicator_services.node_upsert(
            plan=plan,
            code=prefix,
            actor=None,
            level=levels["group"],
            title_en=en,
            title_zh=zh,
            order=order,
        )
        groups[kind] = services.group_upsert(
            compact=compact, kind=kind, node=node, actor=None, order=order,
            published_share_progress=published,
        )  # fmt: skip
    for order, item in enumerate(doc):
        group = groups[GroupKind(item["commitment_group"])]
        number = item["commitment_number"]
        if (group.kind, number) not in commitments:
            prefix = GROUPS[group.kind][0]
            node = indicator_services.node_upsert(
                plan=plan,
                code=f"{prefix}-{number}",
                actor=None,
                level=levels["commitment"],
                parent=group.node,
                title_en=item["commitment_title_en"],
                title_zh=item["commitment_title_zh"],
                order=number,
            )
            table_zh, _sep, table_en = item["table"].partition(" (")
            commitments[(group.kind, number)] = services.commitment_upsert(
                group=group,
                number=number,
                node=node,
                actor=None,
                label_zh=item["commitment_label_zh"],
                title_en=item["commitment_title_en"],
                title_zh=item["commitment_title_zh"],
                table_label_en=table_en.rstrip(")"),
                table_label_zh=table_zh,
            )
        commitment = commitments[(group.kind, number)]
        row = _load_indicator(plan, commitment, item, order, periods, baselines, targets)
        if row:
            value_rows.append(row)
    indicator_services.baselines_set_many(rows=baselines, actor=None)
    indicator_services.targets_set_many(rows=targets, actor=None)
    # Every published value and every entity report, entered and approved at once (the
    # published periods are open until the next step closes them).
    value_rows += _entity_reports(compact)
    enter_new_values(value_rows, officer, reviewer)
    # The published figures are a closed record: the compact's own periods take no entries,
    # so a derived value can never be typed in beside the one computed from entity reports
    # (the indicators services refuse entries in a closed period).
    for period in periods.values():
        indicator_services.period_set_closed(
            period=period,
            closed=True,
            actor=reviewer,
            reason="Published figures: entries closed after loading",
        )
    services.compact_aggregate(compact=compact)
    return compact


def _load_indicator(plan, commitment, item, order, periods, baselines, targets):
    """The indicator and its compact row (its baseline and end target added to `baselines`
    and `targets`); returns its latest value's row (None when the value is derived from the
    entity reports)."""
    kind = _kind(item["baseline"])
    parsed = {f: parser.parse(item[f]["raw"]) for f in ("baseline", "target", "latest")}
    for f in ("baseline", "target"):
        _check_transcription(item, f, parsed[f])
    derivation = {"UN 6.1": Derivation.SHARE_YES, "UN 3.1": Derivation.SHARE_INCREASE}.get(
        item["code"], Derivation.NONE
    )
    indicator = indicator_services.indicator_save(
        plan=plan,
        code=item["code"],
        actor=None,
        data={
            "node": commitment.node,
            "name_en": item["name_en"],
            "name_zh": item["name_zh"],
            # A document symbol reads the same in both languages: the Chinese falls back to it.
            "data_source_en": "A/75/79-E/2020/55",
            "value_kind": kind,
            "currency": "USD" if kind == ValueKind.CURRENCY else "",
            "decimals": _decimals(item),
            "direction": Direction.INCREASE,
            "method_in_development": item["code"] == "UN 6.2",
            "part_labels": PARTS if kind == ValueKind.PARTS else [],
            "order": order,
        },
    )
    baseline = parsed["baseline"]
    baselines.append(
        {
            "indicator": indicator,
            "data": {
                **typed(baseline, indicator),
                "period_start": date(baseline.year, 1, 1),
                "period_end": date(baseline.year, 12, 31),
            },
        }
    )
    targets.append(
        {
            "indicator": indicator,
            "year": parsed["target"].year,
            "data": typed(parsed["target"], indicator),
            "target_kind": TargetKind.END,
        }
    )
    footnotes = item.get("footnotes", [])
    services.compact_indicator_upsert(
        indicator=indicator,
        commitment=commitment,
        actor=None,
        code_raw=item["code_raw"],
        order=order,
        baseline_raw=item["baseline"]["raw"],
        target_raw=item["target"]["raw"],
        latest_raw=item["latest"]["raw"],
        latest_text_en=item["latest"].get("gloss_en", ""),
        footnotes=footnotes,
        derivation=derivation,
        source_code=item["code"] if derivation != Derivation.NONE else "",
        is_illustrative=derivation != Derivation.NONE,
    )
    if derivation != Derivation.NONE:
        return None  # its latest value is derived from the entity reports, never typed in
    latest = parsed["latest"]
    data = typed(latest, indicator)
    notes = [f"{f['marker']}: {f['en']}" for f in footnotes if f.get("applies_to") == "latest"]
    if notes:
        data["footnote"] = " ".join(notes)
    year = latest.year or max(periods)  # "2020 年推出方法 a" carries no year: the report's
    return _approved(indicator, periods[year], data)


def _check_transcription(item, figure, published):
    """The parser and the extract's own transcription agree (a guard on both)."""
    expected = item[figure]
    if expected.get("value") is not None and Decimal(str(expected["value"])) != published.value:
        raise ValueError(f"{item['code']} {figure}: {expected['raw']!r} read as {published}")
    if expected.get("year") != published.year:
        raise ValueError(f"{item['code']} {figure}: year of {expected['raw']!r}")


def _report_plan(entity, source_code, value_kind):
    plan = indicator_services.plan_upsert(
        entity=entity,
        code=PLAN_CODE,
        actor=None,
        kind=PlanKind.COMPACT_REPORT,
        title_en="Funding Compact: entity reports",
        title_zh="供资契约：实体报告",
        start_year=2016,
        end_year=2023,
        is_illustrative=True,
        note_en=ILLUSTRATIVE_EN,
        note_zh=ILLUSTRATIVE_ZH,
    )
    level = indicator_services.level_upsert(
        plan=plan, depth=1, code="commitment", actor=None, name_en="Commitment", name_zh="承诺"
    )
    prefix, number = source_code.split(" ")[1].split(".")[0], source_code
    node = indicator_services.node_upsert(
        plan=plan,
        code=f"UN-{prefix}",
        actor=None,
        level=level,
        title_en=f"UNSDG commitment {prefix}",
        title_zh=f"联合国可持续发展集团承诺 {prefix}",
    )
    names = {
        "UN 6.1": (
            "Structured funding dialogue held in the governing body in the past year",
            "过去一年在理事机构中举行了结构性供资对话",
        ),
        "UN 3.1": ("Number of contributors of voluntary core resources", "自愿核心资源捐助方数目"),
    }[source_code]
    indicator = indicator_services.indicator_save(
        plan=plan,
        code=number,
        actor=None,
        data={
            "node": node,
            "name_en": names[0],
            "name_zh": names[1],
            "data_source_en": "Illustrative",
            "data_source_zh": "示例",
            "value_kind": value_kind,
            "direction": Direction.INCREASE,
            "is_illustrative": True,
        },
    )
    return indicator


def _entity_reports(compact):
    """The entity reports' plans (their periods written at once), and the rows of their
    values."""
    entities = table1_entities()
    # UN 6.1: yes/no per entity and year, by the first 22 entities.
    un61 = [(e, _report_plan(e, "UN 6.1", ValueKind.YES_NO)) for e in entities[:UN61_REPORTERS]]
    un31 = [(e, _report_plan(e, "UN 3.1", ValueKind.NUMBER)) for e in entities]
    plans = {i.plan_id: i.plan for _e, i in un61 + un31}
    periods = indicator_services.periods_upsert_many(
        rows=[
            {
                "plan": plan,
                "label": str(year),
                "start_date": date(year, 1, 1),
                "end_date": date(year, 12, 31),
            }
            for plan in plans.values()
            for year in YEARS
        ],
        actor=None,
    )

    def approved(indicator, year, data):
        return _approved(indicator, periods[(indicator.plan_id, str(year))], data)

    rows = []
    others = [e for e, _i in un61 if e.code != "UNOPS"]
    for entity, indicator in un61:
        if entity.code == "UNOPS":
            footnote = "No Executive Board session on funding in 2018 (illustrative)."
            rows.append(approved(indicator, 2018, {"is_missing": True, "footnote": footnote}))
            continue
        rank = others.index(entity)
        for year, yes in UN61_YES.items():
            rows.append(approved(indicator, year, {"bool_value": rank < yes}))
    # UN 3.1: counts of core contributors; entity i increases in 2017 iff i < 26, in 2018 iff
    # i >= 12 (27 of 39), else it stays level.
    for i, (_entity, indicator) in enumerate(un31):
        counts = {2016: 20 + i}
        counts[2017] = counts[2016] + (1 + i % 3 if i < UN31_INCREASES[2017] else 0)
        up_2018 = i >= len(entities) - UN31_INCREASES[2018]
        counts[2018] = counts[2017] + (2 if up_2018 else 0)
        for year, count in counts.items():
            rows.append(approved(indicator, year, {"numeric_value": Decimal(count)}))
    return rows


# The demo loader (load_demo) runs each app's demo.load() after those it names here.
DEMO_AFTER = ("entities", "indicators")


def load():
    """The Funding Compact as published, with its illustrative entity reports rolled up, then
    progress computed again so that the compact's classes are in the current snapshot."""
    from indicators.services.progress import progress_compute_full

    load_funding_compact()
    progress_compute_full()
