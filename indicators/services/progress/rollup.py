"""Step 4, roll up: counts per class and status of each result node (with everything under
it), framework and entity, per year — progress.rollup() counted once per (node, year), then
summed up the tree."""

import numpy as np
import pandas as pd

from ... import progress
from ...models.progress import RollupScope

# PostgreSQL binary COPY: the column types of NodeRollup.
ROLLUP_TYPES = {
    "snapshot_id": "int8", "scope": "text", "node_id": "int8", "plan_id": "int8",
    "entity_id": "int8", "year": "int2", "n": "int4", "progress": "int4", "no_progress": "int4",
    "other": "int4", "assessable": "int4", "achieved": "int4", "on_track": "int4",
    "off_track": "int4", "not_started": "int4", "share_progress_all": "float8",
    "share_progress_assessable": "float8",
}  # fmt: skip
ROLLUP_COLUMNS = list(ROLLUP_TYPES)


COUNTS = [
    "n", "progress", "no_progress", "other", "achieved", "on_track", "off_track", "not_started",
]  # fmt: skip


def leaf_counts(results):
    """Counts per (node, year) of the indicators directly on each node: an indicator counts
    once a year, with its status at the year's last period. `results` must be ordered by
    indicator, then period start (rows of one indicator together)."""
    indicator = np.asarray(results["indicator_id"]) if len(results) else np.array([])
    year = np.asarray(results["period_year"]) if len(results) else np.array([])
    if not len(indicator):
        return pd.DataFrame(columns=["node_id", "period_year", *COUNTS])
    last = np.r_[(indicator[1:] != indicator[:-1]) | (year[1:] != year[:-1]), True]
    return progress.rollup(results[last], ["node_id", "period_year"]).reset_index()


def rollups(leaf, nodes):
    """Roll-up rows for every node (its indicators and its descendants'), framework and
    entity, per year, from leaf_counts() (of one or several batches of rows).

    progress.rollup() counted once per (node, year) — a few thousand rows whatever the
    number of values — and those counts are summed up the tree (each node into itself and
    its ancestors), into frameworks and into entities."""
    if leaf.empty:
        return pd.DataFrame(columns=ROLLUP_COLUMNS)
    leaf = leaf.groupby(["node_id", "period_year"])[COUNTS].sum().reset_index()
    leaf = leaf.join(nodes.set_index("node_id")[["plan_id", "entity_id"]], on="node_id")
    parent = dict(zip(nodes["node_id"], nodes["parent_id"], strict=True))
    pairs = []
    for node in leaf["node_id"].unique():
        ancestor = node
        while ancestor is not None and not pd.isna(ancestor):
            pairs.append((node, int(ancestor)))
            ancestor = parent.get(ancestor)
    ancestry = pd.DataFrame(pairs, columns=["node_id", "ancestor_id"])
    up = leaf.merge(ancestry, on="node_id")
    by_node = up.groupby(["ancestor_id", "period_year", "plan_id", "entity_id"])[COUNTS].sum()
    by_node = by_node.reset_index().rename(columns={"ancestor_id": "node_id"})
    by_plan = leaf.groupby(["plan_id", "period_year", "entity_id"])[COUNTS].sum().reset_index()
    by_entity = leaf.groupby(["entity_id", "period_year"])[COUNTS].sum().reset_index()
    table = pd.concat(
        [
            by_node.assign(scope=RollupScope.NODE),
            by_plan.assign(scope=RollupScope.PLAN, node_id=None),
            by_entity.assign(scope=RollupScope.ENTITY, node_id=None, plan_id=None),
        ],
        ignore_index=True,
    ).rename(columns={"period_year": "year"})
    for column in ("node_id", "plan_id"):
        table[column] = table[column].astype("Int64")
    return progress.shares(table)
