"""The oversight figures A/76/644 prints (Annex III's cumulative rates, paras. 90(a) and 91),
beside the same figures computed from the recommendations, with the arithmetic: a difference
(the printed 8.8% in progress is 936 / 12,075 = 7.75%; the Board's printed 66% and 91% are
56.3% and 87.9% from its own counts) is shown on the statistics page, not only in the tests.

The printed figures come from the project's copy of the extract (oversight/data/oversight.json).
"""

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from core.formatting import format_number

DATA = Path(__file__).resolve().parent / "data" / "oversight.json"
SOURCE = "A/76/644"


@cache
def _printed():
    return json.loads(DATA.read_text(encoding="utf-8"))


@dataclass
class Comparison:
    ref: str
    label: str
    printed: Decimal
    numerator: int
    denominator: int

    @property
    def decimals(self):
        exponent = self.printed.as_tuple().exponent
        return -exponent if isinstance(exponent, int) and exponent < 0 else 0

    @property
    def computed(self):
        if not self.denominator:
            return None
        return Decimal(self.numerator) * 100 / Decimal(self.denominator)

    @property
    def computed_rounded(self):
        if self.computed is None:
            return None
        return self.computed.quantize(Decimal(1).scaleb(-self.decimals), ROUND_HALF_UP)

    @property
    def differs(self):
        return self.computed_rounded is not None and self.computed_rounded != self.printed

    @property
    def arithmetic(self):
        """'936 / 12,075 = 7.75%' in the active language's style."""
        if self.computed is None:
            return ""
        value = self.computed.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return (
            f"{format_number(self.numerator)} / {format_number(self.denominator)}"
            f" = {format_number(value)}%"
        )


def _row(statistics, body, volume, segment):
    for s in statistics:
        if s.body.code != body:
            continue
        for row in s.rows:
            if row.volume == volume and row.segment == segment:
                return row
    return None


def comparisons(statistics):
    """Printed beside computed, for the rows present in `statistics` (selectors.statistics)."""
    doc = _printed()
    result = []
    annex = doc["annex_iii"]
    specs = [
        ("oios", "", "all", annex["oios"]["rows"][0], _("OIOS, all recommendations")),
        ("oios", "", "critical", annex["oios"]["rows"][1], _("OIOS, critical recommendations")),
        ("boa", "I", "all", annex["board_of_auditors"]["rows"][0], _("Board of Auditors, Vol. I")),
        (
            "boa",
            "II",
            "all",
            annex["board_of_auditors"]["rows"][1],
            _("Board of Auditors, Vol. II"),
        ),
    ]
    for body, volume, segment, printed_row, label in specs:
        row = _row(statistics, body, volume, segment)
        if row is None:
            continue
        columns = {p.label: p for p in row.periods}
        for printed in printed_row.get("implemented_by_period", []):
            column = columns.get(printed["period_label"])
            pct = printed.get("cumulative_implementation_rate_pct")
            if column is None or pct is None:
                continue
            result.append(
                Comparison(
                    ref=f"{SOURCE}, annex III",
                    label=f"{label}: {printed['period_label']}",
                    printed=Decimal(str(pct)),
                    numerator=column.closed_to_date,
                    denominator=column.issued_to_date,
                )
            )
    oios = _row(statistics, "oios", "", "all")
    current = doc["paragraphs"]["90"]["statements"][0]
    if oios is not None:
        result += [
            Comparison(
                f"{SOURCE}, para. 90(a)",
                str(_("OIOS: implemented or no longer applicable")),
                Decimal(str(current["implemented_or_nla_pct_printed"])),
                oios.closed,
                oios.issued,
            ),
            Comparison(
                f"{SOURCE}, para. 90(a)",
                str(_("OIOS: in progress")),
                Decimal(str(current["in_progress_pct_printed"])),
                oios.in_progress,
                oios.issued,
            ),
        ]
    boa = _row(statistics, "boa", "", "all")
    para91 = doc["paragraphs"]["91"]
    if boa is not None:
        result += [
            Comparison(
                f"{SOURCE}, para. 91",
                str(_("Board of Auditors: implemented, no longer applicable or overtaken")),
                Decimal(str(para91["pct_printed"])),
                boa.closed,
                boa.issued,
            ),
            Comparison(
                f"{SOURCE}, para. 91",
                str(_("Board of Auditors: in progress")),
                Decimal(str(para91["in_progress_pct_printed"])),
                boa.in_progress,
                boa.issued,
            ),
        ]
    return result
