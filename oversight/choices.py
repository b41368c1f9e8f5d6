from django.db import models
from django.utils.translation import gettext_lazy as _


class BodyKind(models.TextChoices):
    INTERNAL_OVERSIGHT = "internal_oversight", _("Internal oversight office")
    EXTERNAL_AUDIT = "external_audit", _("External auditor")
    INSPECTION = "inspection", _("Inspection unit")
    INTERNAL_AUDIT = "internal_audit", _("Internal audit")
    EVALUATION = "evaluation", _("Evaluation office")


class Acceptance(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    UNDER_CONSIDERATION = "under_consideration", _("Under consideration")


class Status(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    RECLASSIFIED = "reclassified", _("Reclassified")
    OVERTAKEN_BY_EVENTS = "overtaken_by_events", _("Overtaken by events")
    NO_LONGER_APPLICABLE = "no_longer_applicable", _("No longer applicable")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")


# Annex III has one column "overtaken by events / no longer applicable"; para. 90(b) adds
# "reclassified" for critical recommendations. All three close a recommendation without it
# being implemented, so the statistics count them in that one column.
NO_LONGER_APPLICABLE_STATUSES = (
    Status.NO_LONGER_APPLICABLE,
    Status.OVERTAKEN_BY_EVENTS,
    Status.RECLASSIFIED,
)
CLOSED_STATUSES = (Status.IMPLEMENTED, *NO_LONGER_APPLICABLE_STATUSES)
OPEN_STATUSES = (Status.IN_PROGRESS, Status.NOT_IMPLEMENTED)


# Each body keeps its own priority scale (OversightBody.priority_scale), stored as the words the
# body uses; the words in use are labelled here so that pages show them in the reader's language
# (a word not listed is shown as it is).
PRIORITY_LABELS = {
    "critical": _("critical"),
    "important": _("important"),
    "high": _("high"),
    "medium": _("medium"),
    "low": _("low"),
}


class ReviewState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSURE_PROPOSED = "closure_proposed", _("Closure proposed")
    CLOSED = "closed", _("Closed")


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    PROGRESS = "progress", _("Progress update")
    CLOSURE_PROPOSED = "closure_proposed", _("Closure proposed")
    CLOSURE_ACCEPTED = "closure_accepted", _("Closure accepted")
    CLOSURE_RETURNED = "closure_returned", _("Closure sent back")


class OverdueBucket(models.TextChoices):
    NOT_DUE = "not_due", _("Not overdue")
    UP_TO_90 = "0-90", _("Overdue up to 90 days")
    UP_TO_180 = "91-180", _("Overdue 91–180 days")
    UP_TO_365 = "181-365", _("Overdue 181–365 days")
    OVER_365 = "365+", _("Overdue more than a year")


class MandateKind(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    DECISION = "decision", _("Decision")


class ResolutionStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    PENDING = "pending", _("Pending (to be submitted)")
    NOT_APPLICABLE = "not_applicable", _("No action required")


class ActionKind(models.TextChoices):
    REPORTS_SUBMITTED = "reports_submitted", _("Reports submitted")
    ADDRESSED_IN_BUDGET = "addressed_in_budget_proposal", _("Addressed in the budget proposal")
    SCHEDULED = "scheduled_future_session", _("To be submitted at a future session")
    BRIEFING_AND_REPORT = (
        "informal_briefing_and_scheduled_report",
        _("Informal briefing, report scheduled"),
    )
    NO_ACTION = "no_action_requested", _("No action requested")
    NO_REPORT = "no_report_requested", _("No report requested")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ActionItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class PeriodBasis(models.TextChoices):
    IMPLEMENTATION = "implementation", _("Implementation recorded in the period (Annex III)")
    ISSUE = "issue", _("Recommendations issued in the period (JIU rates)")


class ImportStatus(models.TextChoices):
    """Where an uploaded recommendations file is: read and checked, then written."""

    PENDING = "pending", _("waiting to be read")
    PARSING = "parsing", _("being read")
    READY = "ready", _("clean, ready to import")
    INVALID = "invalid", _("has problems")
    COMMITTING = "committing", _("being written")
    COMMITTED = "committed", _("imported")
    FAILED = "failed", _("could not be read")
