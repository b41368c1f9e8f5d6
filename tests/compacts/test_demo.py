"""The eleven indicators as published: typed values, periods, footnotes, raw text, classes."""

from decimal import Decimal

import pytest

from compacts import selectors
from compacts.demo import load_funding_compact
from compacts.models import CompactIndicator, SystemValue
from indicators.models import Value

pytestmark = pytest.mark.django_db

# code -> (baseline, baseline year, target, target year, latest text (en), latest year, class)
PUBLISHED = {
    "MS 1.1": ("19.4", 2017, "30", 2023, "20.8%", 2018, "progress"),
    "MS 1.2": ("27.0", 2017, "30", 2023, "28.3%", 2018, "progress"),
    "MS 2.1": ("5.0", 2017, "10.0", 2023, "7.1%", 2018, "progress"),
    "MS 2.2": ("2.6", 2017, "6.0", 2023, "3.4%", 2018, "progress"),
    "MS 2.3": ("43000000", 2018, "290000000", 2020, "US$55 million", 2019, "progress"),
    "MS 2.4": ("129000000", 2018, "500000000", 2020, "US$135 million", 2019, "progress"),
    "UN 3.1": ("67", 2017, "100", 2023, "69%", 2018, "progress"),
    "UN 3.2": (None, 2017, None, 2021, "46 and –", 2018, "no_progress"),
    "UN 3.3": ("28", 2019, "100", 2021, "28" and "36", 2019, "progress"),
    "UN 6.1": ("62", 2018, "100", 2021, "57%", 2019, "no_progress"),
    "UN 6.2": (None, 2018, None, 2020, "Methodology to be launched in 2020", None, "other"),
}


def rows_by_code(compact):
    return {
        row.indicator.code: row
        for group in selectors.compact_tables(compact)
        for _c, rows in group.commitments
        for row in rows
    }


def test_eleven_indicators_as_published(compact):
    rows = rows_by_code(compact)
    assert set(rows) == set(PUBLISHED)
    for code, (base, by, target, ty, latest, ly, klass) in PUBLISHED.items():
        row = rows[code]
        if base is not None:
            assert row.indicator.baseline.numeric_value == Decimal(base), code
        assert row.baseline.year == by, code
        if target is not None:
            assert row.indicator.targets.get().numeric_value == Decimal(target), code
        assert row.target.year == ty, code
        assert row.latest.text == latest, code
        assert row.latest.year == ly, code
        assert row.compact_class == klass, code


def test_raw_text_and_footnotes_are_kept(compact):
    un32 = CompactIndicator.objects.get(indicator__code="UN 3.2")
    assert (un32.baseline_raw, un32.latest_raw) == ("59 和 27 (2017)", "46 和-a (2018)")
    assert un32.footnotes_for("latest")[0]["zh"] == "未提供 2018 年专题基金捐助国数目。"
    value = Value.objects.get(indicator=un32.indicator)
    parts = {p.code: p.numeric_value for p in value.parts.all()}
    assert parts == {"pooled": Decimal("46"), "thematic": None}
    assert value.footnote.startswith("a: ")
    un62 = CompactIndicator.objects.get(indicator__code="UN 6.2")
    assert un62.indicator.method_in_development
    assert un62.indicator.baseline.bool_value is False
    assert un62.indicator.targets.get().bool_value is True
    rows = rows_by_code(un62.commitment.group.compact)
    assert rows["UN 3.2"].latest.markers == ["a"]
    assert rows["UN 6.2"].latest.markers == ["a"]


def test_rollup_per_group(compact):
    groups = {g.group.kind: g for g in selectors.compact_tables(compact)}
    assert groups["member_states"].counts == {"progress": 6, "no_progress": 0, "other": 0}
    assert groups["unsdg"].counts == {"progress": 2, "no_progress": 2, "other": 1}
    # The printed shares (para. 128: 69% and 60%) cover Figure X's full set; flagged.
    assert groups["member_states"].share_progress == Decimal("100.0")
    assert groups["unsdg"].share_progress == Decimal("40.0")
    assert groups["member_states"].differs and groups["unsdg"].differs


def test_entity_reports_roll_up_to_the_published_values(compact):
    values = {
        (sv.compact_indicator.indicator.code, sv.year): sv
        for sv in SystemValue.objects.select_related("compact_indicator__indicator")
    }
    un61_2018, un61_2019 = values[("UN 6.1", 2018)], values[("UN 6.1", 2019)]
    assert (un61_2018.numerator, un61_2018.denominator) == (13, 21)
    assert (un61_2019.numerator, un61_2019.denominator) == (12, 21)
    assert round(un61_2018.numeric_value) == 62 and round(un61_2019.numeric_value) == 57
    # UNOPS: not available in 2018 (with its footnote), nothing in 2019; listed, not counted.
    assert [r["entity_code"] for r in un61_2019.not_reported] == ["UNOPS"]
    assert un61_2018.not_reported[0]["reason"] == "not_available"
    assert "illustrative" in un61_2018.not_reported[0]["footnote"]
    assert un61_2019.not_reported[0]["reason"] == "no_value"
    assert round(values[("UN 3.1", 2017)].numeric_value) == 67
    assert round(values[("UN 3.1", 2018)].numeric_value) == 69
    assert values[("UN 3.1", 2018)].denominator == 39
    rows = rows_by_code(compact)
    assert not rows["UN 6.1"].differs and not rows["UN 3.1"].differs
    assert rows["UN 6.1"].latest.computed


def test_loading_twice_creates_nothing(compact):
    counts = (Value.objects.count(), SystemValue.objects.count(), CompactIndicator.objects.count())
    load_funding_compact()
    assert (
        Value.objects.count(),
        SystemValue.objects.count(),
        CompactIndicator.objects.count(),
    ) == counts


def test_the_progress_engine_agrees_on_the_values_it_holds(compact):
    """The indicators app's engine judges the compact's own values (not the derived ones,
    which live in compacts) the same way the compact page does — a missing part included."""
    from indicators.models import ProgressResult
    from indicators.services.progress import progress_compute_full

    progress_compute_full()
    engine = {
        r.indicator.code: r.compact_class
        for r in ProgressResult.objects.filter(
            snapshot__is_current=True, indicator__plan=compact.plan
        ).select_related("indicator")
    }
    rows = rows_by_code(compact)
    for code, row in rows.items():
        if not row.ci.is_derived:
            assert engine[code] == row.compact_class, code


def test_a_derived_value_cannot_be_typed_in(compact):
    """The compact's own periods are closed once the published figures are in: nobody enters
    a system-wide UN 6.1 beside the one computed from entity reports."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from compacts.demo import LOADER_OFFICER
    from indicators import services as ind
    from indicators.models import Indicator, ReportingPeriod

    officer = get_user_model().objects.get(username=LOADER_OFFICER)
    un61 = Indicator.objects.get(plan=compact.plan, code="UN 6.1")
    period = ReportingPeriod.objects.get(plan=compact.plan, label="2019")
    with pytest.raises(ValidationError) as error:
        ind.value_save(
            indicator=un61, period=period, data={"numeric_value": Decimal(90)}, actor=officer
        )
    assert "period" in error.value.message_dict
    assert not Value.objects.filter(indicator=un61).exists()


def test_unops_enters_un61_and_the_system_wide_figure_changes(compact):
    """The journey of the README: the UNOPS officer enters UN 6.1 for 2019, the UNOPS reviewer
    approves, the roll-up (run by the worker after commit) counts it and flags the change."""
    from django.contrib.auth import get_user_model

    from compacts.services import compact_aggregate
    from indicators import services as ind
    from indicators.models import Indicator, ReportingPeriod

    User = get_user_model()
    officer, reviewer = User.objects.get(username="officer"), User.objects.get(username="reviewer")
    source = Indicator.objects.get(
        plan__entity__code="UNOPS", plan__code=compact.code, code="UN 6.1"
    )
    period = ReportingPeriod.objects.get(plan=source.plan, label="2019")
    value = ind.value_save(
        indicator=source, period=period, data={"bool_value": True}, actor=officer
    )
    value = ind.value_submit(value=value, actor=officer)
    ind.value_approve(value=value, actor=reviewer)
    compact_aggregate(compact=compact)
    sv = SystemValue.objects.get(compact_indicator__indicator__code="UN 6.1", year=2019)
    assert (sv.numerator, sv.denominator, sv.not_reported) == (13, 22, [])
    row = rows_by_code(compact)["UN 6.1"]
    assert row.latest.text == "59%" and row.differs and row.published_latest == "57% (2019)"
