"""A frozen dataset written by hand, as report_dataset() shapes it: the renderers are tested on
it without a database."""

# ruff: noqa: E501

import copy

INDICATORS = [
    # code, name en, name zh, node, kind, decimals, baseline, target, actual, status, class, trend
    ("D1.1-a", "Partners' satisfaction", "合作伙伴满意度", "D1", "percent", 1,
     72.0, 85.0, 78.5, "on_track", "progress", "improving"),
    ("D1.2-a", "Infrastructure assets delivered", "交付的基础设施资产", "D1", "number", 0,
     1200.0, 2500.0, 1234567.0, "achieved", "progress", "improving"),
    ("M1.1-a", "Gender parity at senior levels", "高级职等性别均等", "M1", "percent", 0,
     45.0, 50.0, 44.0, "off_track", "no_progress", "worsening"),
    ("M4.1-a", "Management reserve maintained", "维持管理储备金", "M1", "yes_no", 0,
     None, 1.0, 1.0, "achieved", "progress", None),
    ("M4.2-a", "Financial reporting on time", "按时提交财务报告", "M1", "number", 0,
     None, None, None, "not_started", "other", None),
]  # fmt: skip


def sample_dataset(language="en"):
    zh = language == "zh-hans"
    indicators = []
    for code, en, zh_name, node, kind, dec, base, target, actual, status, cls, trend in INDICATORS:
        indicators.append(
            {
                "code": code, "name": zh_name if zh else en, "node": node, "kind": kind,
                "unit": "", "currency": "", "decimals": dec, "direction": "increase",
                "illustrative": True, "baseline": base, "baseline_year": 2025 if base else None,
                "target": target, "target_year": 2029 if target else None, "actual": actual,
                "value": {"bool": True} if kind == "yes_no" else None,
                "period": "2026" if actual is not None else None,
                "percent_of_way": 50.0 if actual is not None else None,
                "status": status, "class": cls, "trend": trend,
            }
        )  # fmt: skip
    rollup = {
        "n": 3, "progress": 2, "no_progress": 1, "other": 0, "assessable": 3, "achieved": 1,
        "on_track": 1, "off_track": 1, "not_started": 0,
    }  # fmt: skip
    return copy.deepcopy(
        {
            "schema": 1,
            "language": language,
            "definition": "annual_strategic_plan",
            "document": {
                "symbol": "DP/OPS/2027/2",
                "distribution": "General",
                "date": "2027-04-01",
                "body": "开发署/人口基金/项目署执行局"
                if zh
                else "Executive Board of UNDP/UNFPA/UNOPS",
                "session": "2027年年度会议" if zh else "Annual session 2027",
                "session_kind": "annual",
                "session_year": 2027,
                "session_start": "2027-06-02",
                "session_end": "2027-06-06",
                "agenda_item": "9",
                "title": "执行主任的年度报告" if zh else "Annual report of the Executive Director",
                "entity_code": "UNOPS",
                "entity": "联合国项目事务署"
                if zh
                else "United Nations Office for Project Services",
                "plan": "2026-2029 年战略计划" if zh else "Strategic Plan 2026-2029",
                "plan_years": [2026, 2029],
                "plan_illustrative": True,
                "plan_note": "",
                "year": 2026,
            },
            "source": {"snapshot": 7, "as_of": "2027-01-15"},
            "summary": "本报告介绍2026年的进展。"
            if zh
            else "This report presents progress in 2026.",
            "nodes": [
                {
                    "key": "node-D",
                    "code": "D",
                    "title": "交付" if zh else "Delivery",
                    "level": "支柱" if zh else "Pillar",
                    "depth": 0,
                    "parent": None,
                    "commentary": "",
                    "rollup": rollup,
                },
                {
                    "key": "node-D1",
                    "code": "D1",
                    "title": "有效交付" if zh else "Effective delivery",
                    "level": "目标" if zh else "Goal",
                    "depth": 1,
                    "parent": "D",
                    "commentary": "项目署扩大了合作伙伴的执行能力。"
                    if zh
                    else "UNOPS expanded its partners' capacity.",
                    "rollup": rollup,
                },
                {
                    "key": "node-M1",
                    "code": "M1",
                    "title": "人员" if zh else "People",
                    "level": "目标" if zh else "Goal",
                    "depth": 1,
                    "parent": "D",
                    "commentary": "",
                    "rollup": None,
                },
            ],  # fmt: skip
            "indicators": indicators,
            "plan_rollup": rollup,
            "oversight": {
                "bodies": [
                    {
                        "code": "oios",
                        "name": "内部监督事务厅" if zh else "Office of Internal Oversight Services",
                        "rows": [
                            {
                                "label": "All",
                                "segment": "all",
                                "issued": 14000,
                                "implemented": 9000,
                                "no_longer_applicable": 1000,
                                "in_progress": 3500,
                                "not_implemented": 500,
                                "rate": 71.4,
                            },
                        ],  # fmt: skip
                    }
                ]
            },
            "compact": {"available": False, "compact": None},
        }
    )
