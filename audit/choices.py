"""The actions an audit event may record, declared once with a label for the history pages.

Values keep the "app.verb" strings the services have always written, so stored events and call
sites stay valid; event_record() refuses a string that is not declared here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventAction(models.TextChoices):
    # entities
    GOVERNING_BODY_SAVED = "governing_body.saved", _("Governing body saved")
    BOARD_SESSION_SAVED = "board_session.saved", _("Board session saved")
    ENTITY_CREATED = "entity.created", _("Entity created")
    ENTITY_UPDATED = "entity.updated", _("Entity changed")
    ORG_UNIT_CREATED = "org_unit.created", _("Org unit created")
    ORG_UNIT_UPDATED = "org_unit.updated", _("Org unit changed")
    MEMBERSHIP_GRANTED = "membership.granted", _("Role granted")
    MEMBERSHIP_REVOKED = "membership.revoked", _("Role revoked")
    API_TOKEN_CREATED = "api_token.created", _("API token created")
    API_TOKEN_REVOKED = "api_token.revoked", _("API token revoked")
    API_TOKEN_REVOKED_ALL = "api_token.revoked_all", _("All API tokens revoked")
    PROFILE_LANGUAGE_SET = "profile.language_set", _("Language chosen")
    # indicators: the framework
    PLAN_CREATED = "plan.created", _("Framework created")
    PLAN_UPDATED = "plan.updated", _("Framework changed")
    LEVEL_CREATED = "level.created", _("Level created")
    NODE_CREATED = "node.created", _("Result created")
    NODE_UPDATED = "node.updated", _("Result changed")
    PERIOD_CREATED = "period.created", _("Reporting period created")
    PERIOD_UPDATED = "period.updated", _("Reporting period changed")
    PERIOD_CLOSED = "period.closed", _("Reporting period closed")
    PERIOD_OPENED = "period.opened", _("Reporting period opened")
    INDICATOR_CREATED = "indicator.created", _("Indicator created")
    INDICATOR_UPDATED = "indicator.updated", _("Indicator changed")
    BASELINE_SET = "baseline.set", _("Baseline set")
    TARGET_SET = "target.set", _("Target set")
    # indicators: values
    VALUE_SAVED = "value.saved", _("Value saved")
    VALUE_SUBMITTED = "value.submitted", _("Value submitted")
    VALUE_APPROVED = "value.approved", _("Value approved")
    VALUE_RETURNED = "value.returned", _("Value returned")
    VALUE_REOPENED = "value.reopened", _("Value reopened")
    VALUE_COMMENTED = "value.commented", _("Comment added")
    VALUE_EVIDENCE_ATTACHED = "value.evidence_attached", _("Evidence attached")
    IMPORT_UPLOADED = "import.uploaded", _("Workbook uploaded")
    IMPORT_COMMITTED = "import.committed", _("Workbook imported")
    # compacts
    COMPACT_CREATED = "compact.created", _("Compact created")
    COMPACT_CHANGED = "compact.changed", _("Compact changed")
    COMPACT_GROUP_CREATED = "compact_group.created", _("Commitment group created")
    COMPACT_GROUP_CHANGED = "compact_group.changed", _("Commitment group changed")
    COMMITMENT_CREATED = "commitment.created", _("Commitment created")
    COMMITMENT_CHANGED = "commitment.changed", _("Commitment changed")
    COMPACT_INDICATOR_CREATED = "compact_indicator.created", _("Compact indicator created")
    COMPACT_INDICATOR_CHANGED = "compact_indicator.changed", _("Compact indicator changed")
    COMPACT_AGGREGATED = "compact.aggregated", _("System-wide values computed")
    IMPORT_RETRIED = "import.retried", _("Import retried")
    PROGRESS_RUN_STARTED = "progress.run_started", _("Progress computation started")
    # oversight
    BODY_SAVED = "oversight.body.saved", _("Oversight body saved")
    BODY_AUDITOR_ADDED = "oversight.body.auditor_added", _("Auditor added to the body")
    BODY_AUDITOR_REMOVED = "oversight.body.auditor_removed", _("Auditor removed from the body")
    STATISTICS_PERIOD_SAVED = "oversight.period.saved", _("Statistics period saved")
    REPORT_SAVED = "oversight.report.saved", _("Oversight report saved")
    REPORT_CREATED = "oversight.report.created", _("Oversight report created")
    REPORT_DELETED = "oversight.report.deleted", _("Oversight report deleted")
    RECOMMENDATION_CREATED = "oversight.recommendation.created", _("Recommendation created")
    RECOMMENDATION_UPDATED = "oversight.recommendation.updated", _("Recommendation changed")
    RECOMMENDATION_COMMENTED = "oversight.comment.added", _("Comment added")
    RECOMMENDATION_PROGRESS = "oversight.recommendation.progress", _("Progress recorded")
    RECOMMENDATION_EVIDENCE = "oversight.evidence.added", _("Evidence added")
    CLOSURE_PROPOSED = "oversight.recommendation.closure_proposed", _("Closure proposed")
    CLOSED = "oversight.recommendation.closed", _("Recommendation closed")
    CLOSURE_RETURNED = "oversight.recommendation.closure_returned", _("Closure sent back")
    RECOMMENDATIONS_IMPORTED = "oversight.recommendations.imported", _("Recommendations imported")
    IMPORT_FILE_UPLOADED = "oversight.import.uploaded", _("Recommendations file uploaded")
    IMPORT_FILE_COMMITTED = "oversight.import.committed", _("Recommendations file imported")
    # notifications
    NOTIFICATION_PREFERENCES_SAVED = (
        "notifications.preferences_saved",
        _("Notification choices saved"),
    )
    # reports
    REPORT_DRAFT_CREATED = "reports.report.created", _("Report draft created")
    REPORT_DRAFT_UPDATED = "reports.report.updated", _("Report draft changed")
    REPORT_NARRATIVE_SAVED = "reports.narrative.saved", _("Report narrative saved")
    REPORT_PUBLISHING_SET = "reports.publishing.set", _("Public report page switched")
    REPORT_RUN_STARTED = "reports.run.started", _("Report run started")
    REPORT_RUN_SUCCEEDED = "reports.run.succeeded", _("Report run finished")
    REPORT_RUN_FAILED = "reports.run.failed", _("Report run failed")
    REPORT_RUN_RERENDERED = "reports.run.rerendered", _("Report run rendered again")
    REPORT_RUN_RESENT = "reports.run.resent", _("Report run sent again")
    REPORT_RUN_ISSUE_REQUESTED = "reports.run.issue_requested", _("Report sent to be issued")
    REPORT_RUN_ISSUED = "reports.run.issued", _("Report issued")
    REPORT_RUN_ISSUE_FAILED = "reports.run.issue_failed", _("Report issuing failed")
    REPORT_RUN_DELETED = "reports.run.deleted", _("Report run deleted")
    EXPORT_REQUESTED = "reports.export.requested", _("Export requested")
    EXPORT_DELETED = "reports.export.deleted", _("Export deleted")
    RESOLUTION_SAVED = "oversight.resolution.saved", _("Resolution saved")
    RESOLUTION_UPDATED = "oversight.resolution.updated", _("Resolution changed")
    RESOLUTION_DELETED = "oversight.resolution.deleted", _("Resolution deleted")
    ACTION_PLAN_SAVED = "oversight.action_plan.saved", _("Action plan saved")
    ACTION_PLAN_ITEM_SAVED = "oversight.action_plan_item.saved", _("Action-plan activity saved")
    ACTION_PLAN_ITEM_UPDATED = (
        "oversight.action_plan_item.updated",
        _("Action-plan activity changed"),
    )


class SystemReason(models.TextChoices):
    """Reasons the system itself gives (no person typed them): stored as these codes, shown in
    the reader's language. Values keep the strings stored before they were declared."""

    ACCOUNT_PAGE = "account page", _("Revoked by its owner on the API tokens page")
    ADMINISTRATION_SITE = "administration site", _("Revoked in the administration site")
    PASSWORD_CHANGED = "password changed", _("The password was changed")
    USER_DEACTIVATED = "user deactivated", _("The account was deactivated")


def reason_label(reason):
    """A recorded reason as the reader sees it: a system reason in the active language, a
    person's own words as they wrote them."""
    try:
        return str(SystemReason(reason).label)
    except ValueError:
        return reason


def action_label(action):
    """The label of a declared action in the active language (the raw string for one recorded
    before it was declared)."""
    try:
        return str(EventAction(action).label)
    except ValueError:
        return action
