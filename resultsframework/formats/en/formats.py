"""Dates and times on every page, in every language: one numeric form (ISO 8601 order, 24-hour
clock), the form the exports, the API and the date inputs (core/widgets.IsoDateInput) use, and
read the same way by English and Chinese readers. Templates name these formats
({{ d|date:"SHORT_DATE_FORMAT" }}, or {{ d }}), never a pattern of their own
(tests/core/test_date_formats.py)."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
