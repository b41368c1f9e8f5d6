"""Numbers and amounts in the UN's editorial style, for every page, export and report.

English: ``12,075``, ``19.4%``, ``US$645,600``, ``US$43 million``, ``US$1.29 billion``.
Chinese (UN documents): ``12 075``, ``19.4%``, ``645 600 美元``, ``4 300 万美元``,
``1.29 亿美元`` — a space groups thousands, 万 (10⁴) and 亿 (10⁸) scale large amounts.

Written by hand, not with Babel or Django's l10n: both group Chinese numbers with a comma
(CLDR's zh pattern), which is not the style of UN Chinese documents, and neither knows the
"US$43 million" form of UN English. Every format is lossless: an amount that cannot be written
with at most two decimals of a scale word is written in full, so parse(format(x)) == x
(a property test holds this in both languages).
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

MILLION, BILLION = Decimal(10) ** 6, Decimal(10) ** 9
WAN, YI = Decimal(10) ** 4, Decimal(10) ** 8
SCALE_DECIMALS = 2  # "US$1.29 billion", "1.35 亿美元": at most two decimals with a scale word

# Currency names in Chinese UN documents; other currencies keep their ISO code.
ZH_CURRENCY = {"USD": "美元", "EUR": "欧元", "CHF": "瑞士法郎", "GBP": "英镑", "JPY": "日元"}
EN_PREFIX = {"USD": "US$"}


def is_chinese(language=None):
    return (language or get_language() or "").lower().startswith("zh")


def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _plain(number, decimals=None):
    """Digits without grouping; `decimals` fixed, or as few as the value needs."""
    if decimals is not None:
        return f"{number:.{decimals}f}"
    text = format(number.normalize(), "f")
    return text


def group(digits, separator):
    """'12075.5' -> '12,075.5' (or '12 075.5'): the integer part grouped by three."""
    sign = "-" if digits.startswith("-") else ""
    digits = digits.lstrip("-")
    whole, _sep, fraction = digits.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + separator.join(groups) + (f".{fraction}" if fraction else "")


def format_number(value, decimals=None, *, language=None):
    """A number grouped in the language's style: 12,075 / 12 075. `decimals` fixes the
    decimal places; None writes as many as the value has (no trailing zeros)."""
    number = _decimal(value)
    if number is None:
        return ""
    return group(_plain(number, decimals), " " if is_chinese(language) else ",")


def format_percent(value, decimals=None, *, language=None):
    number = _decimal(value)
    if number is None:
        return ""
    return f"{format_number(number, decimals, language=language)}%"


def _scaled(number, scale):
    """number / scale written with at most two decimals, or None if that would lose digits."""
    scaled = number / scale
    if scaled != scaled.quantize(Decimal(1).scaleb(-SCALE_DECIMALS)):
        return None
    return _plain(scaled)


def format_amount(value, currency="USD", *, language=None):
    """A currency amount in UN editorial style (see the module docstring)."""
    number = _decimal(value)
    if number is None:
        return ""
    currency = (currency or "USD").upper()
    if is_chinese(language):
        name = ZH_CURRENCY.get(currency, f" {currency}")
        size = abs(number)
        if size >= YI and (text := _scaled(number, YI)) is not None:
            return f"{group(text, ' ')} 亿{name}"
        if size >= WAN and (text := _scaled(number, WAN)) is not None and "." not in text:
            return f"{group(text, ' ')} 万{name}"
        return f"{group(_plain(number), ' ')} {name}".replace("  ", " ")
    prefix = EN_PREFIX.get(currency, f"{currency} ")
    size = abs(number)
    if size >= BILLION and (text := _scaled(number, BILLION)) is not None:
        return f"{prefix}{group(text, ',')} billion"
    if size >= MILLION and (text := _scaled(number, MILLION)) is not None:
        return f"{prefix}{group(text, ',')} million"
    return f"{prefix}{group(_plain(number), ',')}"


# --- reading the same forms back -----------------------------------------------------------

_EN_GROUPED = r"\d{1,3}(?:,\d{3})+|\d+"
_ZH_GROUPED = r"\d{1,3}(?: \d{3})+|\d+"
_NUMBER_EN = re.compile(rf"^-?(?:{_EN_GROUPED})(?:\.\d+)?$")
_NUMBER_ZH = re.compile(rf"^-?(?:{_ZH_GROUPED})(?:\.\d+)?$")
_AMOUNT_EN = re.compile(
    rf"^(?P<cur>US\$|\$|[A-Z]{{3}} ?)(?P<num>-?(?:{_EN_GROUPED})(?:\.\d+)?)"
    r"(?: (?P<scale>million|billion))?$"
)
_AMOUNT_ZH = re.compile(
    rf"^(?P<num>-?(?:{_ZH_GROUPED})(?:\.\d+)?) ?(?P<scale>万|亿)?"
    r" ?(?P<cur>美元|欧元|瑞士法郎|英镑|日元|[A-Z]{3})$"
)
_ZH_CODES = {v: k for k, v in ZH_CURRENCY.items()}


def _digits(text):
    return Decimal(text.replace(",", "").replace(" ", ""))


def parse_number(text):
    """A number written in either style ('12,075', '12 075', '19.4'); ValidationError quoting
    the text otherwise."""
    raw = str(text).strip()
    if _NUMBER_EN.match(raw) or _NUMBER_ZH.match(raw):
        return _digits(raw)
    raise ValidationError(_("“%(value)s” is not a number.") % {"value": text})


def parse_amount(text):
    """(Decimal, currency code) from an amount in either language's style."""
    raw = str(text).strip()
    if match := _AMOUNT_EN.match(raw):
        cur = match["cur"].strip()
        currency = "USD" if cur in ("US$", "$") else cur
        scale = {"million": MILLION, "billion": BILLION}.get(match["scale"], 1)
        return _digits(match["num"]) * scale, currency
    if match := _AMOUNT_ZH.match(raw):
        currency = _ZH_CODES.get(match["cur"], match["cur"])
        scale = {"万": WAN, "亿": YI}.get(match["scale"], 1)
        return _digits(match["num"]) * scale, currency
    raise ValidationError(_("“%(value)s” is not an amount of money.") % {"value": text})
