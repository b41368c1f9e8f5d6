"""Every write to frameworks, indicators and values: keyword-only, atomic, validated, audited.

Pages, the API, the Excel importer, tasks and the demo loader all come through here. A service
called with actor=None is the system itself (the demo loader, a migration); any signed-in or
anonymous user is checked against permissions.py.
"""

from ._common import StaleVersion
from .evidence import (
    EVIDENCE_TYPES,
    evidence_attach,
    evidence_max_bytes,
)
from .framework import (
    INDICATOR_FIELDS,
    baseline_set,
    baselines_set_many,
    indicator_save,
    level_upsert,
    node_upsert,
    period_set_closed,
    period_upsert,
    periods_upsert_many,
    plan_upsert,
    target_set,
    targets_set_many,
)
from .imports import (
    import_commit,
    import_fail,
    import_job_create,
    import_job_preview,
    import_job_write,
    import_retry,
)
from .values import (
    BULK_LIMIT,
    comment_add,
    indicator_kinds_have_parts,
    value_approve,
    value_check,
    value_reopen,
    value_return,
    value_save,
    value_submit,
    values_bulk_transition,
    values_enter_through_workflow,
    values_save,
)

__all__ = [
    "StaleVersion",
    "plan_upsert",
    "level_upsert",
    "node_upsert",
    "period_upsert",
    "periods_upsert_many",
    "period_set_closed",
    "indicator_save",
    "baseline_set",
    "baselines_set_many",
    "target_set",
    "targets_set_many",
    "INDICATOR_FIELDS",
    "value_check",
    "values_save",
    "values_bulk_transition",
    "values_enter_through_workflow",
    "BULK_LIMIT",
    "indicator_kinds_have_parts",
    "value_save",
    "value_submit",
    "value_approve",
    "value_return",
    "value_reopen",
    "comment_add",
    "evidence_max_bytes",
    "evidence_attach",
    "EVIDENCE_TYPES",
    "import_job_create",
    "import_commit",
    "import_fail",
    "import_retry",
    "import_job_preview",
    "import_job_write",
]
