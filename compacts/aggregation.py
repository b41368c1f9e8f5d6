"""System-wide values from entity reports — pure rules, no database.

Input: one Report per entity expected to report (it has the indicator in its compact-report
framework), holding its approved values by year. An approved value that is "missing with a
footnote" is not an answer: the entity is listed as not reported, with the footnote, and is
not counted as "no". Output per year: the value, its numerator and denominator, the entities
and values it was built from, and the entities that did not report.

  share_yes       yes answers / entities that answered yes or no × 100
  share_increase  entities whose count rose over the year before / entities with both years × 100
  ratio_of_sums   Σ numerator / Σ denominator × 100, over entities that reported both
  sum             Σ values
A year with no counted entity has no value (None), never 0.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .choices import Derivation

HUNDRED = Decimal(100)


@dataclass
class Entry:
    """One approved value of an entity for a year."""

    value_id: int
    number: Decimal | None = None
    answer: bool | None = None
    is_missing: bool = False
    footnote: str = ""


@dataclass
class Report:
    entity_id: int
    entity_code: str
    # year -> Entry for the indicator itself, and for the denominator of a ratio
    values: dict = field(default_factory=dict)
    denominators: dict = field(default_factory=dict)


@dataclass
class Result:
    year: int
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    breakdown: list
    not_reported: list


def _plain(number):
    return None if number is None else format(Decimal(number).normalize(), "f")


# Why an entity is listed as not reported: stored as a code (the page words it in the reader's
# language), with the entity's own footnote when it gave one.
NO_VALUE, NOT_AVAILABLE = "no_value", "not_available"


def _gap(entry, year):
    if entry is None:
        return {"reason": NO_VALUE, "year": year, "footnote": ""}
    return {"reason": NOT_AVAILABLE, "year": year, "footnote": entry.footnote}


def _usable(entry, attribute):
    return entry is not None and not entry.is_missing and getattr(entry, attribute) is not None


def years_of(reports, derivation):
    years = set()
    for report in reports:
        years.update(report.values)
        if derivation == Derivation.RATIO_OF_SUMS:
            years.update(report.denominators)
    if derivation == Derivation.SHARE_INCREASE:
        # The first year reported is only the base of the next year's comparison.
        years = {y for y in years if y - 1 in years}
    return sorted(years)


def aggregate(derivation, reports, year):
    """The system-wide Result of `reports` for `year` (see the module docstring)."""
    breakdown, not_reported = [], []
    numerator = denominator = Decimal(0)
    counted = 0
    for report in sorted(reports, key=lambda r: r.entity_code):
        entry = report.values.get(year)
        row = {"entity_id": report.entity_id, "entity_code": report.entity_code}
        if derivation == Derivation.SHARE_YES:
            if not _usable(entry, "answer"):
                not_reported.append({**row, **_gap(entry, year)})
                continue
            counted += 1
            numerator += 1 if entry.answer else 0
            breakdown.append({**row, "value_id": entry.value_id, "value": entry.answer})
        elif derivation == Derivation.SHARE_INCREASE:
            before = report.values.get(year - 1)
            if not _usable(entry, "number") or not _usable(before, "number"):
                if not _usable(entry, "number"):
                    not_reported.append({**row, **_gap(entry, year)})
                else:
                    not_reported.append({**row, **_gap(before, year - 1)})
                continue
            counted += 1
            increased = entry.number > before.number
            numerator += 1 if increased else 0
            breakdown.append(
                {
                    **row,
                    "value_id": entry.value_id,
                    "value": _plain(entry.number),
                    "previous": _plain(before.number),
                    "increase": increased,
                }
            )
        elif derivation == Derivation.RATIO_OF_SUMS:
            down = report.denominators.get(year)
            if not _usable(entry, "number") or not _usable(down, "number"):
                gap = entry if not _usable(entry, "number") else down
                not_reported.append({**row, **_gap(gap, year)})
                continue
            counted += 1
            numerator += entry.number
            denominator += down.number
            breakdown.append(
                {
                    **row,
                    "value_id": entry.value_id,
                    "value": _plain(entry.number),
                    "denominator": _plain(down.number),
                }
            )
        elif derivation == Derivation.SUM:
            if not _usable(entry, "number"):
                not_reported.append({**row, **_gap(entry, year)})
                continue
            counted += 1
            numerator += entry.number
            breakdown.append({**row, "value_id": entry.value_id, "value": _plain(entry.number)})
        else:
            raise ValueError(f"not a derivation: {derivation!r}")
    if derivation in (Derivation.SHARE_YES, Derivation.SHARE_INCREASE):
        denominator = Decimal(counted)
    if not counted:
        return Result(year, None, None, None, breakdown, not_reported)
    if derivation == Derivation.SUM:
        return Result(year, numerator, numerator, None, breakdown, not_reported)
    if not denominator:
        # Σ denominator of zero: a ratio is undefined, not zero.
        return Result(year, None, numerator, denominator, breakdown, not_reported)
    value = (numerator / denominator * HUNDRED).quantize(Decimal("0.000001"))
    return Result(year, value, numerator, denominator, breakdown, not_reported)
