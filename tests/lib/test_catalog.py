"""Tables in the catalog: created once, registered where their root is, upgraded in place."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

from lakehouse.lib import catalog
from lakehouse.lib.config import Settings
from lakehouse.lib.writes import ApplyChanges, Target, append

DECLARED = StructType([StructField("id", StringType()), StructField("added", LongType())])
PROPERTIES = {"delta.enableChangeDataFeed": "true"}


@pytest.fixture
def root(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A root of its own in a temporary folder; its tables are registered in the session's catalog."""
    yield settings.model_copy(update={"paths": settings.paths.model_copy(update={"lakehouse": str(tmp_path)})})
    catalog._ensured.clear()


def properties(spark: SparkSession, name: str) -> dict[str, str]:
    return {row.key: row.value for row in spark.sql(f"SHOW TBLPROPERTIES {name}").collect()}


def test_a_new_table_is_created_empty_with_its_schema_and_properties(spark: SparkSession, root: Settings) -> None:
    path = catalog.ensure(spark, root, "catalogtest.fresh", DECLARED, PROPERTIES)
    assert path == root.table_path("catalogtest.fresh")
    assert spark.table("catalogtest.fresh").schema == DECLARED
    assert spark.table("catalogtest.fresh").count() == 0
    assert properties(spark, "catalogtest.fresh")["delta.enableChangeDataFeed"] == "true"


def test_a_creation_killed_before_its_first_commit_is_created_again(spark: SparkSession, root: Settings) -> None:
    """What SIGKILL left in the crash test: the log's folders and a temporary file, no version."""
    path = Path(root.table_path("catalogtest.cut_short"))
    (path / "_delta_log" / "_staged_commits").mkdir(parents=True)
    (path / "_delta_log" / ".00000000000000000000.json.tmp").write_text("{")
    catalog.ensure(spark, root, "catalogtest.cut_short", DECLARED)
    assert spark.table("catalogtest.cut_short").schema == DECLARED


def test_a_location_holding_other_files_is_refused_not_cleared(spark: SparkSession, root: Settings) -> None:
    path = Path(root.table_path("catalogtest.occupied"))
    (path / "_delta_log").mkdir(parents=True)
    (path / "part-0.parquet").write_text("someone's data")
    with pytest.raises(Exception, match="DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION"):
        catalog.ensure(spark, root, "catalogtest.occupied", DECLARED)
    assert (path / "part-0.parquet").read_text() == "someone's data"


def test_a_table_of_an_older_version_gets_the_declared_properties_and_columns(spark: SparkSession,
                                                                             root: Settings) -> None:
    path = root.table_path("catalogtest.older")
    spark.createDataFrame([("a",)], "id string").write.format("delta").save(path)
    catalog.ensure(spark, root, "catalogtest.older", DECLARED, PROPERTIES)
    assert properties(spark, "catalogtest.older")["delta.enableChangeDataFeed"] == "true"
    assert spark.table("catalogtest.older").collect() == [Row(id="a", added=None)]


def test_a_table_as_declared_is_left_as_it_is(spark: SparkSession, root: Settings) -> None:
    path = catalog.ensure(spark, root, "catalogtest.current", DECLARED, PROPERTIES)
    version = DeltaTable.forPath(spark, path).history(1).first().version
    catalog._ensured.clear()  # as a new process would find it
    catalog.ensure(spark, root, "catalogtest.current", DECLARED, PROPERTIES)
    assert DeltaTable.forPath(spark, path).history(1).first().version == version


def clustering_columns(spark: SparkSession, path: str) -> list[str]:
    return DeltaTable.forPath(spark, path).detail().first().clusteringColumns


def test_a_new_table_is_created_clustered_by_its_declared_columns(spark: SparkSession, root: Settings) -> None:
    path = catalog.ensure(spark, root, "catalogtest.clustered", DECLARED, cluster_by=["added"])
    assert clustering_columns(spark, path) == ["added"]
    assert DeltaTable.forPath(spark, path).history().count() == 1  # declared at creation, no commit of its own


def test_a_table_of_an_older_version_is_clustered_without_rewriting_a_file(spark: SparkSession,
                                                                            root: Settings) -> None:
    path = root.table_path("catalogtest.unclustered")
    spark.createDataFrame([("a", 1), ("b", 2)], DECLARED).coalesce(1).write.format("delta").save(path)
    files = DeltaTable.forPath(spark, path).detail().first().numFiles
    catalog.ensure(spark, root, "catalogtest.unclustered", DECLARED, cluster_by=["added"])
    assert clustering_columns(spark, path) == ["added"]
    assert DeltaTable.forPath(spark, path).history(1).first().operation == "CLUSTER BY"
    assert DeltaTable.forPath(spark, path).detail().first().numFiles == files
    assert sorted(spark.table("catalogtest.unclustered").collect()) == [Row(id="a", added=1), Row(id="b", added=2)]


def test_personal_columns_get_no_file_statistics_in_the_log(spark: SparkSession, root: Settings) -> None:
    """A file's smallest and largest values are written in clear into the log, which erasure cannot rewrite."""
    schema = StructType([StructField("customer_id", StringType()), StructField("email", StringType()),
                         StructField("amount", LongType()), StructField("tags", ArrayType(StringType()))])
    path = catalog.ensure(spark, root, "catalogtest.personal", schema, personal=("email",))
    spark.createDataFrame([("C123", "ann@example.com", 5, ["a"])], schema).write.format("delta").mode("append").save(path)
    log = "".join(commit.read_text() for commit in sorted(Path(path, "_delta_log").glob("*.json")))
    added = [json.loads(line)["add"] for line in log.splitlines() if '"add"' in line]
    assert [json.loads(add["stats"])["minValues"] for add in added] == [{"amount": 5}]
    assert "C123" not in log and "ann@example.com" not in log


def files_added(path: str) -> int:
    """Data files the table's latest commit added, read from its log."""
    latest = sorted(Path(path, "_delta_log").glob("*.json"))[-1]
    return sum('"add"' in line for line in latest.read_text().splitlines())


def four_partitions(spark: SparkSession, first: int) -> DataFrame:
    return spark.createDataFrame([(f"k{i}", i) for i in range(first, first + 40)], DECLARED).repartition(4)


@pytest.fixture
def as_in_a_micro_batch(spark: SparkSession) -> Iterator[None]:
    """A streaming query runs its micro-batches, foreachBatch's included, without adaptive execution: no
    shuffle's partitions are coalesced, each of the 4 writes a file."""
    spark.conf.set("spark.sql.adaptive.enabled", "false")
    yield
    spark.conf.unset("spark.sql.adaptive.enabled")


@pytest.mark.usefixtures("as_in_a_micro_batch")
def test_a_micro_batch_merged_into_silver_adds_one_file(spark: SparkSession, root: Settings) -> None:
    path = catalog.ensure(spark, root, "silver.optimized_write_probe", DECLARED)
    write = ApplyChanges(sequence_by="added")
    for batch_id, first in enumerate((0, 20)):  # the second batch updates half and inserts half
        target = Target(path, ("id",), "probe", batch_id)
        write.commit(write.plan(four_partitions(spark, first), target), target)
        assert files_added(path) == 1
    assert spark.read.format("delta").load(path).count() == 60


@pytest.mark.usefixtures("as_in_a_micro_batch")
def test_bronze_appends_bin_their_files_in_stream_mode_only(spark: SparkSession, root: Settings) -> None:
    """A batch ingest writes one file per partition, in parallel; a stream's micro-batch asks for one file."""
    path = catalog.ensure(spark, root, "bronze.optimized_write_probe", DECLARED)
    append(four_partitions(spark, 0), path, "probe", 0)
    assert files_added(path) == 4
    append(four_partitions(spark, 40), path, "probe", 1, optimize_write=True)
    assert files_added(path) == 1
