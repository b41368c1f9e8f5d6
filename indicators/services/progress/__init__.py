"""Computing and storing progress: a full recomputation and one indicator after an approval.

Both paths run the same steps, each in its own module, so their answers agree by
construction:
  read.py    — whole columns as binary arrays (one query each), the indicator × period grid and
               the latest approved value as index arithmetic on them;
  judge.py   — indicators.progress.evaluate() (the one implementation of the rules);
  store.py   — binary COPY into the snapshot's partition (and its frames), on a writer
               connection of its own during a full run;
  rollup.py  — counts per result node (with everything under it), framework and entity;
  switch.py  — the entry points: a new snapshot made current atomically, one indicator folded
               into the current snapshot, pruning.
"""

from .judge import judge_batch, rating_status
from .read import Frame, Inputs
from .rollup import leaf_counts, rollups
from .store import (
    _KEYS,
    _create_sql,
    _ResultsWriter,
    create_empty_partitions,
    drop_partitions,
    partition_name,
    write_frames,
    write_rollups,
)
from .switch import (
    KEEP_SNAPSHOTS,
    FullRunInProgress,
    progress_compute_full,
    progress_compute_indicator,
    progress_fail,
    progress_mark,
    progress_prune,
    progress_run_start,
)

__all__ = [
    "Frame",
    "FullRunInProgress",
    "Inputs",
    "KEEP_SNAPSHOTS",
    "_KEYS",
    "_ResultsWriter",
    "_create_sql",
    "create_empty_partitions",
    "drop_partitions",
    "judge_batch",
    "leaf_counts",
    "partition_name",
    "progress_compute_full",
    "progress_compute_indicator",
    "progress_fail",
    "progress_mark",
    "progress_run_start",
    "progress_prune",
    "rating_status",
    "rollups",
    "write_frames",
    "write_rollups",
]
