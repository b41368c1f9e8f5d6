"""Pages of the indicators app, one module per job (STYLE.md: past ~600 lines a module becomes a
package). Every view is re-exported here so `indicators.urls` and `from indicators import views`
keep working unchanged."""

from .entry import entry_attach, entry_bulk, entry_check, entry_grid, entry_index, entry_save
from .excel import (
    import_commit,
    import_detail,
    import_upload,
    progress_export,
    review_export,
    template_download,
    values_export,
)
from .framework import period_close, period_edit, plan_detail, plan_list
from .maintenance import (
    baseline_edit,
    indicator_create,
    indicator_detail,
    indicator_edit,
    target_edit,
)
from .progress import entity_dashboard, indicator_progress, plan_progress, plan_progress_section
from .review import review_bulk, review_queue
from .values import (
    TRANSITIONS,
    evidence_download,
    evidence_upload,
    value_comment,
    value_detail,
    value_transition,
)

__all__ = [
    "progress_export",
    "review_export",
    "values_export",
    "TRANSITIONS",
    "baseline_edit",
    "entity_dashboard",
    "entry_attach",
    "entry_bulk",
    "entry_check",
    "entry_grid",
    "entry_index",
    "entry_save",
    "evidence_download",
    "evidence_upload",
    "import_commit",
    "import_detail",
    "import_upload",
    "indicator_create",
    "indicator_detail",
    "indicator_edit",
    "indicator_progress",
    "period_close",
    "period_edit",
    "plan_detail",
    "plan_list",
    "plan_progress",
    "plan_progress_section",
    "review_bulk",
    "review_queue",
    "target_edit",
    "template_download",
    "value_comment",
    "value_detail",
    "value_transition",
]
