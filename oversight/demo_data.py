"""The illustrative recommendation data of the oversight demo: the Annex III periods and the
per-period counts they must reproduce, and the deterministic builders that turn those counts into
reports and recommendations. Split from oversight/demo.py (STYLE.md: modules under ~600 lines);
`oversight.demo.load_recommendations` drives it and oversight.demo re-exports its constants.
"""

import datetime

from .choices import Acceptance, ReviewState, Status
from .models import OversightReport, Recommendation

D = datetime.date

# Annex III periods. The OIOS table has no 2019 column; footnote a says 2020a and 2021a end on
# 30 June. Reading 2020a as 1 January 2019 - 30 June 2020 and 2021a as 1 July 2020 - 30 June 2021
# makes the 2020a and 2021a columns reproduce the para. 90(a) snapshots (10,003 and 11,139).
OIOS_PERIODS = [
    ("2010-2017", D(2010, 1, 1), D(2017, 12, 31)),
    ("2018", D(2018, 1, 1), D(2018, 12, 31)),
    ("2020a", D(2019, 1, 1), D(2020, 6, 30)),
    ("2021a", D(2020, 7, 1), D(2021, 6, 30)),
]
BOA_PERIODS = [
    ("2010/11", D(2010, 1, 1), D(2011, 12, 31)),
    ("2012/13", D(2012, 1, 1), D(2013, 12, 31)),
    *[(str(y), D(y, 1, 1), D(y, 12, 31)) for y in range(2014, 2021)],
]
JIU_WINDOWS = [
    ("2010-2019", D(2010, 1, 1), D(2019, 12, 31)),
    ("2011-2020", D(2011, 1, 1), D(2020, 12, 31)),
]

# OIOS, per period of Annex III: issued by the end of the period (cumulative), implemented and
# no longer applicable recorded in it. Printed: implemented per period, issued 12,075 (1,202),
# NLA 722 (49), in progress 936 (14), para. 90(a) prior 11,179 issued at June 2020. Not
# printed (illustrative choices, made so that the printed rates 88/87 and 98/97 also come out):
# issued at end-2017 and end-2018, and when the NLA were recorded.
OIOS_PLAN = {
    False: {  # not critical = all minus critical
        "issued_cum": [8836 - 1130, 10148 - 1164, 11179 - 1195, 12075 - 1202],
        "implemented": [7276 - 1087, 953 - 17, 1052 - 20, 1136 - 15],
        "nla": [480, 95, 98, 0],
    },
    True: {
        "issued_cum": [1130, 1164, 1195, 1202],
        "implemented": [1087, 17, 20, 15],
        "nla": [20, 5, 24, 0],
    },
}

# Board of Auditors, Annex III: implemented per period, NLA and in progress, per volume.
BOA_PLAN = {
    "I": {
        "issued": 662,
        "implemented": [42, 37, 5, 6, 17, 31, 13, 49, 96],
        "nla": 77,
        "title_en": "Financial report and audited financial statements and report of the Board "
        "of Auditors: United Nations",
        "title_zh": "财务报告和已审计财务报表以及审计委员会的报告：联合国",
    },
    "II": {
        "issued": 735,
        "implemented": [179, 95, 76, 45, 39, 34, 57, 24, 42],
        "nla": 55,
        "title_en": "Financial report and audited financial statements and report of the Board "
        "of Auditors: United Nations peacekeeping operations",
        "title_zh": "财务报告和已审计财务报表以及审计委员会的报告：联合国维持和平行动",
    },
}

# JIU, para. 92 (as at 8 November 2021): no counts are printed. Illustrative counts by year of
# issue chosen so that 2011-2020 gives 62.2% accepted and 85.5% of accepted implemented, and
# 2010-2019 gives 66.8% and 85.9%: (issued, accepted, implemented) per year.
JIU_PLAN = {
    2010: (50, 48, 46),
    2011: (50, 32, 27),
    2012: (50, 32, 27),
    2013: (50, 32, 27),
    2014: (50, 32, 27),
    2015: (50, 32, 27),
    2016: (50, 32, 27),
    2017: (50, 32, 27),
    2018: (50, 31, 26),
    2019: (50, 31, 26),
    2020: (48, 24, 24),
}
JIU_AS_OF = D(2021, 11, 8)

TOPICS = [
    ("procurement planning", "采购规划"),
    ("travel management", "差旅管理"),
    ("ICT security", "信息和通信技术安全"),
    ("asset management", "资产管理"),
    ("enterprise risk management", "企业风险管理"),
    ("recruitment timelines", "征聘时限"),
    ("fuel management", "燃料管理"),
    ("business continuity", "业务连续性"),
    ("implementing partners", "执行伙伴"),
    ("cash management", "现金管理"),
    ("results-based management", "成果管理制"),
    ("delegation of authority", "授权"),
    ("vendor performance", "供应商业绩"),
    ("construction projects", "建设项目"),
    ("inventory controls", "库存控制"),
    ("staff training records", "工作人员培训记录"),
]
ACTIONS = [
    ("should strengthen controls over", "应加强对{}的控制"),
    ("should issue guidance on", "应发布关于{}的指导"),
    ("should review and update its procedures for", "应审查并更新{}程序"),
    ("should establish performance indicators for", "应为{}制定业绩指标"),
    ("should assign clear responsibility for", "应明确{}的责任"),
    ("should monitor compliance with policies on", "应监测{}政策的遵守情况"),
]


def _rand_date(rng, start, end):
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _text(rng, unit_en, unit_zh):
    topic_en, topic_zh = rng.choice(TOPICS)
    verb_en, verb_zh = rng.choice(ACTIONS)
    return (
        f"Illustrative: {unit_en} {verb_en} {topic_en}.",
        f"示例：{unit_zh}" + verb_zh.format(topic_zh) + "。",
    )


# Illustrative recommendations -------------------------------------------------------------


def _issued_per_bucket(total, closed_cum, n):
    """Issued counts per bucket: an even spread, raised where needed so that by the end of
    every bucket at least as many were issued as were closed."""
    issued_cum = []
    for i in range(n):
        even = round(total * (i + 1) / n)
        issued_cum.append(min(total, max(even, closed_cum[i], issued_cum[-1] if i else 0)))
    issued_cum[-1] = total
    return [issued_cum[0]] + [issued_cum[i] - issued_cum[i - 1] for i in range(1, n)]


def _plan_segment(rng, issue_dates, closures, periods):
    """Pair the k-th issued recommendation with the k-th closure. Since closures up to any
    period never exceed recommendations issued up to it, every closure falls on or after its
    recommendation's issue date. Returns (issued_on, status, implementation_date) tuples."""
    rows = []
    for k, issued_on in enumerate(issue_dates):
        if k < len(closures):
            status, p = closures[k]
            start, end = periods[p][1], periods[p][2]
            rows.append((issued_on, status, _rand_date(rng, max(start, issued_on), end)))
        else:
            rows.append((issued_on, Status.IN_PROGRESS, None))
    assert len(rows) == len(issue_dates) and len(closures) <= len(issue_dates)
    return rows


def _build(body, entity, units, report_specs, segments, rng, ref_prefix, acceptance=None):
    """Create reports (one per spec) and their recommendations, skipping what exists.

    report_specs: list of (symbol, title_en, title_zh, issued_on, volume)
    segments: list of (report_symbol, is_critical, issued_on, status, implementation_date,
              acceptance)
    """
    existing_reports = dict(OversightReport.objects.filter(body=body).values_list("symbol", "pk"))
    new_reports = [
        OversightReport(
            body=body,
            symbol=symbol,
            title_en=title_en,
            title_zh=title_zh,
            issued_on=issued_on,
            volume=volume,
            entity=entity,
            is_illustrative=True,
        )
        for symbol, title_en, title_zh, issued_on, volume in report_specs
        if symbol not in existing_reports
    ]
    for report in OversightReport.objects.bulk_create(new_reports):
        existing_reports[report.symbol] = report.pk
    existing_refs = set(
        Recommendation.objects.filter(body=body).values_list("reference", flat=True)
    )
    recs = []
    for n, (symbol, critical, issued_on, status, impl, accepted) in enumerate(segments, 1):
        reference = f"{ref_prefix}-{n:05d}"
        if reference in existing_refs:
            continue
        unit_id, unit_en, unit_zh = units[n % len(units)]
        text_en, text_zh = _text(rng, unit_en, unit_zh)
        closed = status != Status.IN_PROGRESS and status != Status.NOT_IMPLEMENTED
        if closed:
            target = _rand_date(rng, issued_on + datetime.timedelta(days=90), impl)
            target = max(target, issued_on)
        else:
            target = _rand_date(rng, issued_on + datetime.timedelta(days=180), D(2027, 6, 30))
        priority = ""
        if body.priority_scale:
            priority = body.priority_scale[0] if critical else rng.choice(body.priority_scale[1:])
        recs.append(
            Recommendation(
                body=body,
                report_id=existing_reports[symbol],
                entity=entity,
                org_unit_id=unit_id,
                reference=reference,
                text_en=text_en,
                text_zh=text_zh,
                is_critical=critical,
                priority=priority,
                issued_on=issued_on,
                target_date=target,
                acceptance=accepted or Acceptance.ACCEPTED,
                status=status,
                implementation_date=impl,
                review_state=ReviewState.CLOSED if closed else ReviewState.OPEN,
            )
        )
    Recommendation.objects.bulk_create(recs, batch_size=2000)
    return len(recs)


def _units(entity):
    return [(u.pk, u.name_en, u.name_zh) for u in entity.org_units.order_by("code")]


def _oios(body, entity, rng):
    periods = OIOS_PERIODS
    per_report = 20
    specs, segments = [], []
    # Reports: enough per period for both segments, dated evenly within the period.
    issue_dates = {}
    for critical, plan in OIOS_PLAN.items():
        issued = [plan["issued_cum"][0]] + [
            plan["issued_cum"][i] - plan["issued_cum"][i - 1] for i in range(1, len(periods))
        ]
        dates = []
        for p, count in enumerate(issued):
            _label, start, end = periods[p]
            span = (end - start).days
            dates += [
                start + datetime.timedelta(days=span * i // max(count, 1)) for i in range(count)
            ]
        issue_dates[critical] = dates
    n_reports = {}
    for p, (label, start, end) in enumerate(periods):
        total = sum(
            OIOS_PLAN[c]["issued_cum"][p] - (OIOS_PLAN[c]["issued_cum"][p - 1] if p else 0)
            for c in (False, True)
        )
        n_reports[p] = max(1, total // per_report)
        span = (end - start).days
        for r in range(n_reports[p]):
            topic_en, topic_zh = TOPICS[(p * 7 + r) % len(TOPICS)]
            specs.append(
                (
                    f"ILL-OIOS/{label}/{r + 1:03d}",
                    f"Illustrative audit report: {topic_en} ({label}, no. {r + 1})",
                    f"示例审计报告：{topic_zh}（{label}，第 {r + 1} 号）",
                    start + datetime.timedelta(days=span * r // n_reports[p]),
                    "",
                )
            )

    def report_for(issued_on):
        for p, (label, start, end) in enumerate(periods):
            if start <= issued_on <= end:
                span = (end - start).days or 1
                r = min(n_reports[p] - 1, (issued_on - start).days * n_reports[p] // span)
                return f"ILL-OIOS/{label}/{r + 1:03d}", start + datetime.timedelta(
                    days=span * r // n_reports[p]
                )
        raise ValueError(issued_on)

    for critical in (False, True):
        plan = OIOS_PLAN[critical]
        closures = []
        for p in range(len(periods)):
            closures += [(Status.IMPLEMENTED, p)] * plan["implemented"][p]
            closures += [(Status.NO_LONGER_APPLICABLE, p)] * plan["nla"][p]
        rows = _plan_segment(rng, issue_dates[critical], closures, periods)
        for _issued, status, impl in rows:
            symbol, report_date = report_for(_issued)
            segments.append((symbol, critical, report_date, status, impl, None))
    return _build(body, entity, _units(entity), specs, segments, rng, "OIOS-ILL")


def _boa(body, entity, rng):
    periods = BOA_PERIODS
    specs, segments = [], []
    for volume, plan in BOA_PLAN.items():
        n = len(periods)
        nla = [plan["nla"] // n + (1 if i < plan["nla"] % n else 0) for i in range(n)]
        closed_cum, running = [], 0
        for i in range(n):
            running += plan["implemented"][i] + nla[i]
            closed_cum.append(running)
        issued = _issued_per_bucket(plan["issued"], closed_cum, n)
        issue_dates, report_of = [], {}
        for p, count in enumerate(issued):
            label, start, end = periods[p]
            session = end.year - 1944  # A/76/5 is the report on 2020
            symbol = f"A/{session}/5 (Vol. {volume}) ILL"
            report_date = D(end.year, 7, 1)
            specs.append(
                (
                    symbol,
                    f"Illustrative: {plan['title_en']} ({label})",
                    f"示例：{plan['title_zh']}（{label}）",
                    report_date,
                    volume,
                )
            )
            issue_dates += [report_date] * count
            report_of[report_date] = symbol
        closures = []
        for p in range(n):
            closures += [(Status.IMPLEMENTED, p)] * plan["implemented"][p]
            closures += [(Status.OVERTAKEN_BY_EVENTS, p)] * nla[p]
        rows = _plan_segment(rng, issue_dates, closures, periods)
        for issued_on, status, impl in rows:
            segments.append((report_of[issued_on], False, issued_on, status, impl, None))
    return _build(body, entity, _units(entity), specs, segments, rng, "BOA-ILL")


def _jiu(body, entity, rng):
    specs, segments = [], []
    for year, (issued, accepted, implemented) in sorted(JIU_PLAN.items()):
        symbol = f"JIU/REP/{year}/ILL"
        issued_on = D(year, 6, 30)
        specs.append(
            (
                symbol,
                f"Illustrative JIU recommendations issued in {year}",
                f"示例：{year} 年联合检查组建议",
                issued_on,
                "",
            )
        )
        for i in range(issued):
            if i < implemented:
                status = Status.IMPLEMENTED
                impl = _rand_date(rng, issued_on, JIU_AS_OF)
                acc = Acceptance.ACCEPTED
            elif i < accepted:
                status, impl, acc = Status.IN_PROGRESS, None, Acceptance.ACCEPTED
            elif i % 2:
                status, impl, acc = Status.NOT_IMPLEMENTED, None, Acceptance.NOT_ACCEPTED
            else:
                status, impl, acc = Status.IN_PROGRESS, None, Acceptance.UNDER_CONSIDERATION
            segments.append((symbol, False, issued_on, status, impl, acc))
    return _build(body, entity, _units(entity), specs, segments, rng, "JIU-ILL")


def _unops(body, rng):
    """A handful of open UNOPS recommendations, so the demo reviewer (a UNOPS focal point)
    can walk through the closure workflow."""
    from entities.models import Entity

    entity = Entity.objects.filter(code="UNOPS").first()
    if entity is None:
        return 0
    hq = entity.org_units.filter(code="HQ").first()
    units = [(hq.pk if hq else None, "The UNOPS Headquarters", "项目署总部")]
    symbol = "ILL-IAIG/2025/01"
    specs = [
        (
            symbol,
            "Illustrative internal audit of UNOPS project management",
            "示例：项目署项目管理内部审计",
            D(2025, 3, 31),
            "",
        )
    ]
    segments = [(symbol, i == 0, D(2025, 3, 31), Status.IN_PROGRESS, None, None) for i in range(8)]
    return _build(body, entity, units, specs, segments, rng, "IAIG-ILL")
