from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.formatting import is_chinese


class PlanKind(models.TextChoices):
    STRATEGIC_PLAN = "strategic_plan", _("Strategic plan")
    PROGRAMME_PLAN = "programme_plan", _("Programme plan")
    # An entity's reports on the indicators of a compact (compacts/ rolls them up system-wide).
    COMPACT_REPORT = "compact_report", _("Compact reporting")
    # The system-wide indicators of a compact (Funding Compact), held by the UNSDG.
    COMPACT = "compact", _("Compact")


class ValueKind(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENT = "percent", _("Percent")
    CURRENCY = "currency", _("Currency amount")
    YES_NO = "yes_no", _("Yes/no")
    TEXT = "text", _("Qualitative text")
    PARTS = "parts", _("Values in labelled parts")


# Kinds whose value lives in numeric_value (the column the progress engine reads).
NUMERIC_KINDS = {ValueKind.NUMBER, ValueKind.PERCENT, ValueKind.CURRENCY}


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase")
    DECREASE = "decrease", _("Decrease")
    NONE = "none", _("None")


class Frequency(models.TextChoices):
    ANNUAL = "annual", _("Annual")
    BIENNIAL = "biennial", _("Biennial")
    QUARTERLY = "quarterly", _("Quarterly")
    MONTHLY = "monthly", _("Monthly")
    OTHER = "other", _("Other")


class TargetKind(models.TextChoices):
    MILESTONE = "milestone", _("Milestone")
    END = "end", _("End target")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class Rating(models.TextChoices):
    """The reviewer's rating of a qualitative value: the same statuses the progress rules give
    numeric indicators (indicators.progress.STATUSES), so a qualitative indicator carries its
    reviewer's rating into the on-track view."""

    ACHIEVED = "achieved", _("Achieved")
    ON_TRACK = "on_track", _("On track")
    OFF_TRACK = "off_track", _("Off track")
    NOT_STARTED = "not_started", _("Not started")


class Action(models.TextChoices):
    """What a user may do with a value; the keys of the matrix in permissions.py."""

    VIEW = "view", _("View")
    EDIT = "edit", _("Enter or change")
    SUBMIT = "submit", _("Submit")
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return")
    REOPEN = "reopen", _("Reopen")
    COMMENT = "comment", _("Comment")
    ATTACH = "attach", _("Attach evidence")
    HISTORY = "history", _("See history")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be read")
    PARSING = "parsing", _("Reading")
    INVALID = "invalid", _("Has problems")
    READY = "ready", _("Ready to commit")
    COMMITTING = "committing", _("Writing")
    COMMITTED = "committed", _("Written")
    FAILED = "failed", _("Failed")


# An indicator's unit is free text, in English and (optionally) in Chinese; the English units
# the frameworks use are labelled here so that a unit without its Chinese text is still shown in
# the reader's language (a unit not listed, or a symbol such as "USD" or "tCO2e", is shown as it
# is stored). See unit_text.
UNIT_LABELS = {
    "actions": _("actions"),
    "count": _("count"),
    "countries": _("countries"),
    "days": _("days"),
    "deaths per year": _("deaths per year"),
    "million people": _("million people"),
    "nationalities": _("nationalities"),
    "officials": _("officials"),
    "partners": _("partners"),
    "partnerships": _("partnerships"),
    "people": _("people"),
    "people per year": _("people per year"),
    "percent": _("percent"),
    "percent (lower bound)": _("percent (lower bound)"),
    "percent of GDP": _("percent of GDP"),
    "projects": _("projects"),
    "qualitative": _("qualitative"),
    "recommendations": _("recommendations"),
    "share of humanity": _("share of humanity"),
    "suppliers": _("suppliers"),
    "territories": _("territories"),
    "USD per year": _("USD per year"),
    "years (lower bound)": _("years (lower bound)"),
}


def unit_text(unit_en, unit_zh, language=None):
    """The unit to show in `language` (the active one by default): the Chinese text for a
    Chinese reader when there is one; else the English, put in the reader's language by
    UNIT_LABELS when listed; the Chinese when there is no English. The one rule for pages,
    exports and reports."""
    if unit_zh and is_chinese(language):
        return unit_zh
    if not unit_en:
        return unit_zh or ""
    label = UNIT_LABELS.get(unit_en)
    if label is None:
        return unit_en
    if language is None:
        return str(label)
    with translation.override(language):
        return str(label)
