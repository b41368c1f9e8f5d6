"""Results frameworks (plans, levels, result nodes), indicators, baselines, targets and measured
values with their workflow, evidence, comments and import jobs.

Values are stored typed: a numeric column for every numeric kind (number, percent, currency),
a boolean for yes/no, text for qualitative values, child rows for values in labelled parts, and
a missing flag with a footnote. A CheckConstraint per kind makes the database refuse a row whose
columns do not match its kind, whatever wrote it.
"""

from .common import (
    MAX_DECIMALS,
    PERCENT_MAX,
    PERCENT_MIN,
    currency_code_validator,
    evidence_path,
    import_path,
    private_storage,
)
from .framework import Indicator, Level, Node, Plan, ReportingPeriod
from .progress import (
    CompactClass,
    NodeRollup,
    OnTrackStatus,
    ProgressDirty,
    ProgressFrame,
    ProgressResult,
    ProgressSnapshot,
    RollupScope,
    SnapshotScope,
    SnapshotStatus,
    Trend,
)
from .values import (
    Baseline,
    Comment,
    Evidence,
    ImportJob,
    Part,
    Target,
    TypedValue,
    Value,
    typed_value_constraints,
)

__all__ = [
    "MAX_DECIMALS",
    "PERCENT_MAX",
    "PERCENT_MIN",
    "Baseline",
    "Comment",
    "Evidence",
    "ImportJob",
    "Indicator",
    "Level",
    "Node",
    "Part",
    "Plan",
    "ReportingPeriod",
    "Target",
    "TypedValue",
    "Value",
    "currency_code_validator",
    "evidence_path",
    "import_path",
    "private_storage",
    "typed_value_constraints",
    "CompactClass",
    "NodeRollup",
    "OnTrackStatus",
    "ProgressDirty",
    "ProgressFrame",
    "ProgressResult",
    "ProgressSnapshot",
    "RollupScope",
    "SnapshotScope",
    "SnapshotStatus",
    "Trend",
]
