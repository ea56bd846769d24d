"""The quarantine lifecycle: what is held back, the rows themselves, and replaying them once their cause is fixed.

A quarantined row keeps the text it arrived with and its lineage (``_raw``, ``_origin``,
``_ingested_at``), which is enough to rebuild the bronze row it came from: the bronze
columns the row kept, or, where a source's bronze row holds more than the silver text
(the change events' envelope), the bronze parse of the kept line. A replay runs those
rows through the silver table's transformation and current rules again, and writes the
rows that now pass with the table's own write, exactly as a batch would have.

Exactly once, in three commits, each safe to repeat:

1. **claim**: the held rows that now pass get the next ``replay_id`` (one quarantine commit);
2. **write**: the claimed rows go to silver with Delta's ``txnAppId`` ``<table>:replay`` and
   ``txnVersion`` = that ``replay_id``, so a retried write is skipped;
3. **mark**: the claimed rows get ``replayed_at`` and ``replayed_by`` (the replay's run id).

A replay interrupted after a claim finishes that claim first, with the same ``replay_id``,
before it claims anything new. A row is held while ``replayed_at`` is NULL; a replayed row
stays in quarantine, marked, so the record of what was held back and why is never lost.
Run a replay while the silver table's own job is not writing it (one writer per table).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.lib import registry, runlog
from lakehouse.lib.config import ConfigError
from lakehouse.lib.sources.landing import LINE_SCHEMA
from lakehouse.lib.registry import Table
from lakehouse.lib.rules import is_quarantined, with_results
from lakehouse.lib.runner import REPLAY_COLUMNS, Pipeline
from lakehouse.lib.writes import Target

# Which quarantined row a re-evaluated row is: the silver transformations carry these through.
IDENTITY = ("_origin", "_raw", "_ingested_at")
SHOWN = ("failed_rules", "run_id", "quarantined_at", "rules_version")


def is_held() -> Column:
    return F.col("replayed_at").isNull()


def checked_table(name: str) -> Table:
    """``reviews``, ``silver.reviews`` or ``quarantine.reviews``: the silver table whose rules hold rows back."""
    layer, _, short = name.rpartition(".")
    table = next((t for t in registry.checked_tables() if t.short_name == short), None)
    if table is None or layer not in ("", "silver", "quarantine"):
        checked = ", ".join(t.short_name for t in registry.checked_tables())
        raise ConfigError(f"'{name}' has no quarantine; the tables with one: {checked}")
    return table


def _path(pipeline: Pipeline, table: Table) -> str:
    return pipeline.settings.table_path(f"quarantine.{table.short_name}")


def read(pipeline: Pipeline, table: Table) -> DataFrame:
    """The quarantine as it is now; the commands ``prepare`` the table once first, so an older one has every column."""
    return pipeline.spark.read.format("delta").load(_path(pipeline, table))


def summary(pipeline: Pipeline) -> DataFrame:
    """Rows held and replayed per table, rule and day quarantined; a row failing two rules counts under both.

    Only quarantine tables that exist are read: a source not yet run has nothing held, and a
    summary creates no table."""
    parts = []
    for table in registry.checked_tables():
        if not DeltaTable.isDeltaTable(pipeline.spark, _path(pipeline, table)):
            continue
        pipeline.prepare(table)
        parts.append(read(pipeline, table).select(
            F.lit(table.short_name).alias("table"), F.explode("failed_rules").alias("rule"),
            F.to_date("quarantined_at").alias("day"), is_held().alias("held")))
    if not parts:
        return pipeline.spark.createDataFrame([], "table string, rule string, day date, held bigint, replayed bigint")
    return (reduce(DataFrame.unionByName, parts).groupBy("table", "rule", "day")
            .agg(F.count_if("held").alias("held"), F.count_if(~F.col("held")).alias("replayed"))
            .orderBy("table", "rule", "day"))


def _known_rule(rows: DataFrame, table: Table, rule: str | None) -> None:
    if rule is None or rule in {r.name for r in table.rules}:
        return
    if rows.where(F.array_contains("failed_rules", rule)).limit(1).count() == 0:
        declared = ", ".join(r.name for r in table.rules)
        raise ConfigError(f"{table.name} has no rule '{rule}' and holds no row for it; its rules: {declared}")


def show(pipeline: Pipeline, table: Table, rule: str | None, limit: int) -> DataFrame:
    """Held rows, newest first: the text they arrived with, every rule they failed, when and by which run."""
    pipeline.prepare(table)
    rows = read(pipeline, table)
    _known_rule(rows, table, rule)
    held = rows.where(is_held())
    if rule is not None:
        held = held.where(F.array_contains("failed_rules", rule))
    text = [name for name in rows.columns if not name.startswith("_") and name not in (*SHOWN, *REPLAY_COLUMNS)]
    return held.orderBy(F.col("quarantined_at").desc()).select(*SHOWN, *text, "_origin", "_raw").limit(limit)


def bronze_rows(quarantined: DataFrame, pipeline: Pipeline, table: Table) -> DataFrame:
    """The bronze rows the quarantined rows came from: their kept columns, or the bronze parse of the kept line."""
    bronze = registry.get(table.inputs[0])
    schema = pipeline.stored_schema(bronze)
    if all(name in quarantined.columns for name in schema.names):
        return quarantined.select(*[F.col(f.name).cast(f.dataType).alias(f.name) for f in schema.fields])
    lines = quarantined.select(*[F.col(f.name).cast(f.dataType) if f.name in quarantined.columns
                                 else F.lit(None).cast(f.dataType).alias(f.name) for f in LINE_SCHEMA.fields])
    return pipeline.valid_rows(bronze, pipeline.output(bronze, lines)).select(*schema.names)


@dataclass(frozen=True)
class Replayed:
    """What one replay did: rows promoted into silver (and how many the write applied), rows still held, and
    which change of the rules let the promoted rows through."""

    table: str
    replay_id: int | None
    promoted: int
    applied: int
    still_held: int
    rules_version: str = ""  # the rules the replay judged by
    judged_by: tuple[str, ...] = ()  # the versions that had held the promoted rows back
    changes: tuple[str, ...] = ()  # what changed since, for the rules those rows had failed


def rule_changes(pipeline: Pipeline, table: Table, promoted: DataFrame) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The versions that held ``promoted`` back, and, for each rule those rows failed, how it differs now: a
    condition or action changed, or the rule is no longer declared. A rule declared as it was is not named:
    what let its rows through is then the data it reads (reference data, or a fixed input)."""
    failed = promoted.select("rules_version", F.explode("failed_rules").alias("rule")).distinct().collect()
    versions = tuple(sorted({row.rules_version or "not recorded" for row in failed}))
    path = pipeline.settings.table_path(runlog.SUITE_VERSIONS)
    then = {(row.version, row.rule): row for row in pipeline.spark.read.format("delta").load(path)
            .where(F.col("suite") == table.name).collect()}
    now = {rule.name: rule for rule in table.rules}
    changes = []
    for name in sorted({row.rule for row in failed}):
        was = [then[(row.rules_version, name)] for row in failed
               if row.rule == name and (row.rules_version, name) in then]
        rule = now.get(name)
        if rule is None:
            held = f' ("{was[0].declaration}")' if was else ""
            changes.append(f"{name}{held} is no longer declared")
        elif any(old.declaration != rule.holds for old in was):
            changes.append(f'{name}: condition was "{was[0].declaration}", now "{rule.holds}"')
        elif any(old.action != rule.action for old in was):
            changes.append(f"{name}: action was {was[0].action}, now {rule.action}")
    return versions, tuple(changes)


def _on_identity() -> str:
    return " AND ".join(f"t.`{name}` <=> s.`{name}`" for name in IDENTITY)


def _checked(quarantined: DataFrame, pipeline: Pipeline, table: Table) -> DataFrame:
    return with_results(pipeline.output(table, bronze_rows(quarantined, pipeline, table)), table.rules)


def _claim(pipeline: Pipeline, table: Table, held: DataFrame) -> int | None:
    """Give the held rows that now pass the next replay id; None when none passes."""
    passing = _checked(held, pipeline, table).where(~is_quarantined()).select(*IDENTITY).distinct()
    if passing.limit(1).count() == 0:
        return None
    quarantined = DeltaTable.forPath(pipeline.spark, _path(pipeline, table))
    replay_id = (quarantined.toDF().agg(F.max("replay_id")).first()[0] or 0) + 1
    (quarantined.alias("t")
     .merge(passing.alias("s"), f"{_on_identity()} AND t.replay_id IS NULL AND t.replayed_at IS NULL")
     .whenMatchedUpdate(set={"replay_id": F.lit(replay_id)})
     .execute())
    return replay_id


def _finish(pipeline: Pipeline, table: Table, replay_id: int) -> tuple[int, int]:
    """Write the claimed rows that pass into silver once, mark them replayed, release any that no longer pass."""
    quarantined = DeltaTable.forPath(pipeline.spark, _path(pipeline, table))
    claimed = quarantined.toDF().where((F.col("replay_id") == replay_id) & is_held())
    checked = _checked(claimed, pipeline, table).persist()
    try:
        # Fixed before anything is written: the mark must not re-read the quarantine it changes.
        outcome = checked.groupBy(*IDENTITY).agg(F.bool_and(~is_quarantined()).alias("passed")).localCheckpoint()
        target = Target(pipeline.settings.table_path(table.name), table.key, f"{table.name}:replay", replay_id)
        planned = table.write.plan(pipeline.valid_rows(table, checked.where(~is_quarantined())), target)
        applied = table.write.commit(planned, target)
    finally:
        checked.unpersist()
    return _mark(pipeline, table, replay_id, outcome), applied


def _mark(pipeline: Pipeline, table: Table, replay_id: int, outcome: DataFrame) -> int:
    """The claimed rows that passed get ``replayed_at`` and ``replayed_by``; the others are released, held again."""
    (DeltaTable.forPath(pipeline.spark, _path(pipeline, table)).alias("t")
     .merge(outcome.alias("s"), f"{_on_identity()} AND t.replay_id = {replay_id} AND t.replayed_at IS NULL")
     .whenMatchedUpdate(condition="s.passed", set={"replayed_at": F.current_timestamp(),
                                                    "replayed_by": F.lit(pipeline.run_id)})
     .whenMatchedUpdate(set={"replay_id": F.lit(None).cast("bigint")})
     .execute())
    return outcome.where("passed").count()


def replay(pipeline: Pipeline, table: Table, rule: str | None = None) -> Replayed:
    """Promote the held rows (those of ``rule`` only, if given) that pass the current rules into silver."""
    pipeline.prepare(table)
    rows = read(pipeline, table)
    _known_rule(rows, table, rule)
    unfinished = rows.where(F.col("replay_id").isNotNull() & is_held()).agg(F.min("replay_id")).first()[0]
    if unfinished is not None:
        _finish(pipeline, table, unfinished)
    held = read(pipeline, table).where(F.col("replay_id").isNull() & is_held())
    if rule is not None:
        held = held.where(F.array_contains("failed_rules", rule))
    replay_id = _claim(pipeline, table, held)
    promoted, applied = _finish(pipeline, table, replay_id) if replay_id is not None else (0, 0)
    runlog.record_suites(pipeline.spark, pipeline.settings, {table.name: (table.rules_version, table.rules)})
    judged_by, changes = ((), ()) if replay_id is None else rule_changes(
        pipeline, table, read(pipeline, table).where((F.col("replay_id") == replay_id) & ~is_held()))
    return Replayed(table.name, replay_id, promoted, applied, read(pipeline, table).where(is_held()).count(),
                    table.rules_version, judged_by, changes)
