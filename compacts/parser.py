"""The compact's figures as the Secretary-General prints them, read into typed values.

Every form of the 2020 report (A/75/79, tables 2–5), in Chinese and in English:

  19.4% (2017)            percent, with its year
  4 300 万美元 (2018)      an amount: 万 = 10⁴, 亿 = 10⁸; a space groups thousands
  1.29 亿美元 / 5 亿美元    likewise, without a year
  US$43 million / $1.29 billion        the English forms of the same amounts
  59 和 27 (2017) / 59 and 27          a value in two parts (pooled, thematic)
  46 和-a                  a part missing ("-"), footnote a
  否 / 是 / yes / no        yes/no
  2020 年推出方法 a         text (the method is still being developed), footnote a
  -a                       missing, footnote a
  28 / 12 075              a count

parse() returns a Published value, or raises ParseError (a ValidationError) that quotes the
text it cannot read; nothing is ever guessed.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.formatting import parse_amount

PERCENT, AMOUNT, COUNT, PARTS, YES_NO, TEXT, MISSING = (
    "percent",
    "amount",
    "count",
    "parts",
    "yes_no",
    "text",
    "missing",
)

_YEAR = re.compile(r"^(?P<body>.*?)\s*\((?P<year>\d{4})\)$")
_MISSING = re.compile(r"^-\s*(?P<marker>[a-z])?$")
_PERCENT = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s?%$")
_COUNT = re.compile(r"^(?:\d{1,3}(?: \d{3})+|\d{1,3}(?:,\d{3})+|\d+)$")
_PAIR = re.compile(r"^(?P<a>\S.*?)\s*(?:和|\band\b)\s*(?P<b>\S.*)$")
_TEXT_MARKER = re.compile(r"^(?P<text>.*\S)\s+(?P<marker>[a-z])$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
YES_WORDS, NO_WORDS = {"是", "yes"}, {"否", "no"}


class ParseError(ValidationError):
    """A published text that cannot be read; the message quotes it."""


@dataclass
class Published:
    raw: str
    kind: str
    value: Decimal | None = None
    currency: str = ""
    answer: bool | None = None
    text: str = ""
    parts: list = field(default_factory=list)  # [Decimal or None, ...] in printed order
    year: int | None = None
    markers: list = field(default_factory=list)

    @property
    def is_missing(self):
        return self.kind == MISSING


def _error(raw, why=""):
    message = _("Cannot read the published figure “%(text)s”.") % {"text": raw}
    return ParseError(f"{message} {why}".strip())


def _count(text):
    if not _COUNT.match(text):
        return None
    return Decimal(text.replace(" ", "").replace(",", ""))


def _part(raw, text):
    """One side of a pair: a count, or '-a' (missing, with its marker)."""
    text = text.strip()
    if match := _MISSING.match(text):
        return None, [match["marker"]] if match["marker"] else []
    number = _count(text)
    if number is None:
        raise _error(raw, _("Each part of a pair must be a whole number or “-”."))
    return number, []


def parse(raw):
    """The typed value of a published figure (see the module docstring)."""
    if raw is None or not str(raw).strip():
        raise _error(raw or "", _("The text is empty."))
    raw = str(raw)
    text = re.sub(r"\s+", " ", raw.strip())
    year = None
    if match := _YEAR.match(text):
        text, year = match["body"].strip(), int(match["year"])
        if not text:
            raise _error(raw, _("There is a year but no value."))
    result = _body(raw, text)
    result.year = year
    return result


def _body(raw, text):
    if match := _MISSING.match(text):
        return Published(raw, MISSING, markers=[match["marker"]] if match["marker"] else [])
    lowered = text.lower()
    if lowered in YES_WORDS or lowered in NO_WORDS:
        return Published(raw, YES_NO, answer=lowered in YES_WORDS)
    if match := _PERCENT.match(text):
        return Published(raw, PERCENT, value=Decimal(match["num"]))
    if "%" in text:
        raise _error(raw, _("A percentage is a number followed by one “%”."))
    if "美元" in text or "$" in text:
        if _CJK.search(text) and "," in text:
            raise _error(raw, _("Chinese figures group thousands with a space, not a comma."))
        try:
            value, currency = parse_amount(text)
        except ValidationError:
            raise _error(raw) from None
        return Published(raw, AMOUNT, value=value, currency=currency)
    if match := _PAIR.match(text):
        first, m1 = _part(raw, match["a"])
        second, m2 = _part(raw, match["b"])
        if first is None and second is None:
            raise _error(raw, _("Both parts are missing."))
        return Published(raw, PARTS, parts=[first, second], markers=m1 + m2)
    if text.endswith("和") or lowered.endswith(" and") or text.startswith("和"):
        raise _error(raw, _("A pair needs two parts."))
    if (number := _count(text)) is not None:
        return Published(raw, COUNT, value=number)
    if _CJK.search(text) or re.search(r"[A-Za-z]{2,}", text):
        markers = []
        if match := _TEXT_MARKER.match(text):
            text, markers = match["text"], [match["marker"]]
        return Published(raw, TEXT, text=text, markers=markers)
    raise _error(raw)
