"""Maintenance: small files compacted (gold Z-ordered), files past retention vacuumed, the log checkpointed."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, incremental
from lakehouse.lib.config import ConfigError, Retention, Settings
from lakehouse.lib.maintenance import catalogued, maintain_table

SALES = "date date, country string, category string, revenue_usd double"
DAYS = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]


@pytest.fixture
def root(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    yield retained(settings.model_copy(update={"paths": settings.paths.model_copy(
        update={"lakehouse": str(tmp_path)})}), gold=720)
    catalog._ensured.clear()


def retained(settings: Settings, **hours: float) -> Settings:
    retain = settings.maintenance.retain_hours.model_copy(update=hours)
    return settings.model_copy(update={"maintenance": settings.maintenance.model_copy(
        update={"retain_hours": retain})})


def small_files(spark: SparkSession, path: str) -> None:
    """One commit, so one small file, per day: what a refresh a day leaves behind."""
    for day in DAYS:
        (spark.sql(f"SELECT DATE'{day}' AS date, 'DE' AS country, 'toys' AS category, 10.0 AS revenue_usd")
         .coalesce(1).write.format("delta").mode("append").save(path))


def data_files(path: str) -> list[Path]:
    return [p for p in Path(path).rglob("*.parquet") if "_delta_log" not in p.parts]


def test_gold_small_files_become_one_z_ordered_by_the_leading_key_columns(spark: SparkSession,
                                                                          root: Settings) -> None:
    path = root.table_path("gold.daily_sales")
    small_files(spark, path)
    before = sorted(spark.read.format("delta").load(path).collect())
    done = maintain_table(spark, root, "gold.daily_sales")
    assert (done.files_before, done.files_after) == (5, 1)
    assert done.zorder_by == ("date", "country")
    optimized = DeltaTable.forPath(spark, path).history().where("operation = 'OPTIMIZE'").first()
    assert optimized.operationParameters["zOrderBy"] == '["date","country"]'
    assert sorted(spark.read.format("delta").load(path).collect()) == before


def test_a_gold_table_written_by_a_command_is_compacted_not_z_ordered(spark: SparkSession, root: Settings) -> None:
    """gold.customer_scores is written by ``lakehouse score``, not declared: ``maintain all`` after a score
    (the Airflow DAG's order) once stopped on it with KeyError."""
    path = root.table_path("gold.customer_scores")
    small_files(spark, path)
    done = maintain_table(spark, root, "gold.customer_scores")
    assert (done.zorder_by, done.files_before, done.files_after) == ((), 5, 1)


@pytest.fixture
def small_target_files(spark: SparkSession) -> Iterator[None]:
    """OPTIMIZE's target file size made small, so a few thousand rows make several files, as gigabytes do."""
    spark.conf.set("spark.databricks.delta.optimize.maxFileSize", str(8 * 1024))
    yield
    spark.conf.unset("spark.databricks.delta.optimize.maxFileSize")


@pytest.mark.usefixtures("small_target_files")
def test_silver_built_in_one_batch_is_clustered_so_one_days_filter_skips_other_days_files(
        spark: SparkSession, root: Settings) -> None:
    """A backfill writes every date into every file; after maintain, a refresh of one day reads that day's files."""
    path = root.table_path("silver.clickstream")
    events = spark.range(4000).selectExpr("uuid() AS event_id", f"element_at(array{tuple(DAYS)}, "
                                          f"CAST(id % {len(DAYS)} AS INT) + 1)::date AS event_date")
    events.repartition(4).write.format("delta").save(path)
    day = f"event_date = DATE'{DAYS[2]}'"

    def rows_read_for_one_day() -> int:
        """Rows in the files a filter on the day reads: Delta skips the files whose date range misses it."""
        return spark.read.parquet(*spark.read.format("delta").load(path).where(day).inputFiles()).count()

    assert rows_read_for_one_day() == 4000
    done = maintain_table(spark, root, "silver.clickstream")
    assert rows_read_for_one_day() <= 2 * 4000 // len(DAYS)  # the day's 800, and neighbours sharing its edge files
    assert done.cluster_by == ("event_date",) and done.zorder_by == ()
    assert DeltaTable.forPath(spark, path).detail().first().clusteringColumns == ["event_date"]
    stored = spark.read.format("delta").load(path)
    assert stored.where(day).count() == 4000 // len(DAYS) and stored.count() == 4000


def test_files_are_vacuumed_only_past_the_layers_retention(spark: SparkSession, root: Settings) -> None:
    path = root.table_path("gold.daily_sales")
    small_files(spark, path)
    kept = maintain_table(spark, root, "gold.daily_sales")
    assert kept.removed_files == 0 and len(data_files(path)) == 6  # the 5 compacted away are still needed
    gone = maintain_table(spark, retained(root, gold=0), "gold.daily_sales")
    assert gone.removed_files == 5 and len(data_files(path)) == 1
    properties = DeltaTable.forPath(spark, path).detail().first().properties
    assert properties["delta.deletedFileRetentionDuration"] == "interval 0 hours"
    assert properties["delta.logRetentionDuration"] == "interval 0 hours"


def test_the_log_is_checkpointed_at_the_latest_version(spark: SparkSession, root: Settings) -> None:
    path = root.table_path("silver.customers")
    small_files(spark, path)
    done = maintain_table(spark, retained(root, silver=24), "silver.customers")
    assert done.zorder_by == ()
    assert done.checkpoint_version == DeltaTable.forPath(spark, path).history(1).first().version
    assert Path(path, "_delta_log", f"{done.checkpoint_version:020d}.checkpoint.parquet").is_file()
    properties = DeltaTable.forPath(spark, path).detail().first().properties
    assert properties["delta.logRetentionDuration"] == "interval 24 hours"
    assert spark.read.format("delta").load(path).count() == len(DAYS)


def test_a_rebuild_is_found_behind_later_maintenance_commits(spark: SparkSession, root: Settings) -> None:
    path = root.table_path("gold.daily_sales")
    (spark.sql(f"SELECT DATE'{DAYS[0]}' AS date").write.format("delta")
     .option("userMetadata", incremental.metadata({"silver.orders": 7})).save(path))
    for hours in range(25):
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('delta.logRetentionDuration' = "
                  f"'interval {hours + 1} hours')")
    assert incremental.versions_seen(spark, path) == {"silver.orders": 7}


def test_an_unknown_layer_or_table_is_one_line(spark: SparkSession) -> None:
    with pytest.raises(ConfigError, match=r"^unknown table or layer 'platinum' \(layers: bronze, silver, "):
        catalogued(spark, "platinum")
    with pytest.raises(ConfigError, match=r"^no table gold.nowhere in the catalog"):
        catalogued(spark, "gold.nowhere")


def test_retention_is_per_known_layer_and_never_negative() -> None:
    with pytest.raises(ValueError, match="platinum"):
        Retention.model_validate({"platinum": 10})
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Retention.model_validate({"gold": -1})
