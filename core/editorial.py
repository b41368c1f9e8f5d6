"""Numbers, amounts, percentages and dates in the UN editorial style of each language.

Pure functions of (value, language): the report renderers call them with the run's language,
pages with the active one (`get_language()`), so a figure reads the same in both.

- English: thousands grouped with commas, decimal point (1,234,567.5); "per cent" in running
  text, "%" in tables; amounts in United States dollars as "$12.3 million"; dates "15 March 2027".
- Chinese: the same digits and grouping; "%" everywhere; amounts in 万/亿 ("12.3 亿美元");
  dates "2027年3月15日".
"""

import math
from datetime import date as date_type
from decimal import ROUND_HALF_UP, Decimal

MONTHS_EN = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def is_zh(language):
    return (language or "").lower().startswith("zh")


def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def number(value, decimals=0, language="en"):
    """1234567.456 -> '1,234,567.46' (decimals=2); '' for a missing value. Half up, as the
    UN rounds; the language does not change digits or grouping."""
    d = _decimal(value)
    if d is None:
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    d = d.quantize(quantum, rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)  # never "-0"
    return f"{d:,.{decimals}f}"


def percent(value, decimals=0, language="en", *, in_text=False):
    """45.5 -> '45.5%' (tables, and Chinese text) or '45.5 per cent' (English text)."""
    text = number(value, decimals, language)
    if not text:
        return ""
    if in_text and not is_zh(language):
        return f"{text} per cent"
    return f"{text}%"


def amount(value, currency="USD", language="en"):
    """An amount of money: USD 12,300,000 -> '$12.3 million' / '1,230万美元'; other
    currencies carry their ISO code."""
    d = _decimal(value)
    if d is None:
        return ""
    if is_zh(language):
        unit = "美元" if currency == "USD" else f" {currency}"
        for size, word in ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万")):
            if abs(d) >= size:
                return f"{_short(d / size)}{word}{unit}"
        return f"{number(d, 0)}{unit}"
    prefix = "$" if currency == "USD" else f"{currency} "
    for size, word in ((Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million")):
        if abs(d) >= size:
            return f"{prefix}{_short(d / size)} {word}"
    return f"{prefix}{number(d, 0)}"


def _short(d):
    """At most one decimal, none if whole: 12.34 -> '12.3', 12.0 -> '12'."""
    text = number(d, 1)
    return text[:-2] if text.endswith(".0") else text


def date(value, language="en"):
    """A date as UN documents print it: '15 March 2027' / '2027年3月15日'."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date_type.fromisoformat(value[:10])
    if is_zh(language):
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
