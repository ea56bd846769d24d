"""Table-level checks: each kind on a hand-made stored table, validated by Great Expectations, and a batch run
that validates each table after it, says what broke and stops when a ``fail`` check breaks."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, registry, runlog
from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.quality.checks import Fresh, MeanBetween, MedianBetween, NullShare, References, RowCount
from lakehouse.lib.quality.expectations import checks_version
from lakehouse.lib.quality.validator import CheckFailed, Validator
from lakehouse.lib.registry import Table
from lakehouse.lib.runner import Pipeline, run_tables

NOW = datetime.now()  # naive local time, as PySpark reads timestamps back


@pytest.fixture
def root(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """An empty lakehouse of the test's own, its checks validated; the shared catalog points back afterwards."""
    paths = settings.paths.model_copy(update={name: str(tmp_path / name)
                                              for name in ("landing", "lakehouse", "report")})
    quality = settings.quality.model_copy(update={"validate_tables": True, "max_age_hours": 2})
    catalog._ensured.clear()
    yield settings.model_copy(update={"paths": paths, "quality": quality})
    catalog._ensured.clear()


def tiny(*checks) -> Table:
    """``silver.tiny``, keyed by ``id``, with ``checks`` besides its key's; never run, only validated."""
    return Table(name="silver.tiny", transform=lambda bronze: bronze, source="bronze.tiny", key=("id",),
                 checks=tuple(checks))


def store_tiny(spark: SparkSession, root: Settings) -> None:
    """Four rows: ``A`` twice, one without an id, two without a customer, ratings 1 to 4, one product not in
    the catalog and one without a product; the newest time an hour old, the newest day today."""
    rows = [("A", "C1", 1, "P1", NOW - timedelta(hours=1), date.today()),
            ("A", None, 2, "P9", NOW - timedelta(hours=1), date.today()),
            ("B", None, 3, None, NOW - timedelta(hours=30), date.today() - timedelta(days=1)),
            (None, "C2", 4, "P2", NOW - timedelta(hours=30), date.today() - timedelta(days=1))]
    schema = "id string, customer_id string, rating int, product_id string, ts timestamp, day date"
    spark.createDataFrame(rows, schema).write.format("delta").save(root.table_path("silver.tiny"))
    spark.createDataFrame([("P1",), ("P2",)], "product_id string").write.format("delta").save(
        root.table_path("silver.products"))


def validate(spark: SparkSession, root: Settings, table: Table) -> dict[str, runlog.DqResult]:
    validator = Validator(spark, root, "test-checks")  # its background thread's own work, in the test's thread
    return {result.rule: result for result in validator._validate(table)}


def test_each_check_reads_the_stored_table_as_declared(spark: SparkSession, root: Settings) -> None:
    store_tiny(spark, root)
    table = tiny(RowCount(low=1, high=4), RowCount(low=5), NullShare(column="customer_id", at_most=0.5),
                 NullShare(column="customer_id", at_most=0.25), MeanBetween(column="rating", low=3, high=5),
                 MedianBetween(column="rating", low=2, high=3), Fresh(column="ts"), Fresh(column="day"),
                 References(column="product_id", table="silver.products"))
    results = validate(spark, root, table)

    seen = {rule: (r.passed, r.rows_failed, r.observed) for rule, r in results.items()}
    assert seen == {
        "key_is_unique": (False, 2, "2 of 4 rows"),  # both rows of A
        "id_is_not_null": (False, 1, "1 of 4 rows"),
        "row_count_between_1_and_4": (True, 0, "4"),
        "row_count_at_least_5": (False, 0, "4"),
        "customer_id_null_share_at_most_0.5": (True, 2, "2 of 4 rows"),
        "customer_id_null_share_at_most_0.25": (False, 2, "2 of 4 rows"),
        "rating_mean_between_3_and_5": (False, 0, "2.5"),
        "rating_median_between_2_and_3": (True, 0, "2.5"),
        "ts_is_fresh": (True, 0, str(NOW - timedelta(hours=1))),
        "day_is_fresh": (True, 0, str(date.today())),
        "product_id_found_in_products": (False, 1, "1 of 4 rows"),  # P9; the row without a product is not counted
    }
    assert {r.rows_checked for r in results.values()} == {4}
    assert {r.suite_version for r in results.values()} == {checks_version(table, root)}
    assert {r.action for r in results.values()} == {"warn"}


def test_a_check_that_cannot_run_says_why(spark: SparkSession, root: Settings) -> None:
    """Great Expectations nests a failed metric's error under the metric's id: the result still says it."""
    store_tiny(spark, root)
    result = validate(spark, root, tiny(References(column="product_id", table="silver.gone")))["product_id_found_in_gone"]
    assert (result.passed, result.rows_failed) == (False, 0)
    assert result.observed.startswith("error: ") and "silver/gone" in result.observed, result.observed


def test_a_table_whose_newest_row_is_older_than_max_age_is_not_fresh(spark: SparkSession, root: Settings) -> None:
    store_tiny(spark, root)
    older = root.model_copy(update={"quality": root.quality.model_copy(update={"max_age_hours": 0.5})})
    results = validate(spark, older, tiny(Fresh(column="ts")))
    assert results["ts_is_fresh"].passed is False
    assert checks_version(tiny(Fresh(column="ts")), older) != checks_version(tiny(Fresh(column="ts")), root)


def search(search_id: str, **fields: object) -> str:
    row = {"search_id": search_id, "search_ts": "2026-11-21T10:00:00Z", "session_id": "S1", "customer_id": None,
           "query": "red shoes", "results_count": "3"}
    return json.dumps({**row, **fields})


@pytest.fixture
def searches(root: Settings) -> Settings:
    """Three searches landed, two of them by visitors not signed in."""
    folder = Path(root.landing_path("search")) / "dt=2026-11-21"
    folder.mkdir(parents=True)
    (folder / "part-0.jsonl").write_text("\n".join([search("S1"), search("S2"), search("S3", customer_id="C1")]))
    return root


def with_checks(name: str, *checks) -> Table:
    return replace(registry.get(name), checks=tuple(checks))


def test_a_batch_run_validates_each_table_records_the_results_and_warns(spark: SparkSession,
                                                                        searches: Settings) -> None:
    pipeline = Pipeline(spark, searches, "test-run")
    silver = with_checks("silver.search", NullShare(column="customer_id", at_most=0.5), RowCount(low=1))
    runs = run_tables(pipeline, [registry.get("bronze.search"), silver], "batch")

    checked = {run.table: (run.checks_held, run.checks_validated, run.warnings) for run in runs}
    assert checked == {"bronze.search": (0, 0, []),
                       "silver.search": (3, 4, ["silver.search: check customer_id_null_share_at_most_0.5 broke "
                                                "(2 of 3 rows)"])}
    stored = (spark.read.format("delta").load(searches.table_path(runlog.DQ_RESULTS))
              .where("run_id = 'test-run' AND observed IS NOT NULL")
              .select("rule", "passed", "rows_failed").collect())
    assert sorted(map(tuple, stored)) == [("customer_id_null_share_at_most_0.5", False, 2),
                                          ("key_is_unique", True, 0), ("row_count_at_least_1", True, 0),
                                          ("search_id_is_not_null", True, 0)]
    versions = (spark.read.format("delta").load(searches.table_path(runlog.SUITE_VERSIONS))
                .where("suite = 'silver.search.stored'").select("version", "rule").collect())
    assert {row.version for row in versions} == {checks_version(silver, searches)}
    assert {row.rule for row in versions} == {"key_is_unique", "search_id_is_not_null",
                                              "customer_id_null_share_at_most_0.5", "row_count_at_least_1"}


def test_a_broken_fail_check_stops_the_run_before_the_tables_that_read_it(spark: SparkSession,
                                                                          searches: Settings) -> None:
    pipeline = Pipeline(spark, searches, "test-fail")
    silver = with_checks("silver.search", RowCount(low=100, action="fail"))
    with pytest.raises(CheckFailed, match=r"^silver.search: check row_count_at_least_100 broke \(3\)$"):
        run_tables(pipeline, [registry.get("bronze.search"), silver, registry.get("gold.search_terms_daily")],
                   "batch")
    assert spark.read.format("delta").load(searches.table_path("silver.search")).count() == 3
    ran = (spark.read.format("delta").load(searches.table_path(runlog.RUNS)).where("run_id = 'test-fail'")
           .select("table").collect())
    assert sorted(row.table for row in ran) == ["bronze.search", "silver.search"]  # gold never started


def test_a_stream_validates_every_nth_micro_batch(spark: SparkSession, root: Settings) -> None:
    store_tiny(spark, root)
    every_second = root.model_copy(update={"quality": root.quality.model_copy(update={"check_every_batches": 2})})
    validator = Validator(spark, every_second, "test-stream")
    table = tiny(RowCount(low=5, action="fail"))
    validator.every(table, 0)
    assert not validator._in_stream
    validator.every(table, 1)
    validator._in_stream[table.name].result(timeout=300)
    recorded = (spark.read.format("delta").load(root.table_path(runlog.DQ_RESULTS))
                .where("run_id = 'test-stream'").select("rule").collect())
    assert sorted(row.rule for row in recorded) == ["id_is_not_null", "key_is_unique", "row_count_at_least_5"]
    with pytest.raises(CheckFailed, match="row_count_at_least_5"):
        validator.raise_if_failed(table)
    validator.raise_if_failed(table)  # said once: the next micro-batch of a restarted query goes on


def test_a_max_age_for_a_table_without_a_fresh_check_is_a_setting_to_fix(spark: SparkSession,
                                                                         root: Settings) -> None:
    typo = root.model_copy(update={"quality": root.quality.model_copy(
        update={"max_age_hours_by_table": {"silver.click_stream": 6}})})
    with pytest.raises(ConfigError, match=r"^quality.max_age_hours_by_table names silver.click_stream, not a table "
                                          r"with a Fresh check: silver.clickstream, "):
        Pipeline(spark, typo, "r")


def test_a_stream_validation_that_cannot_run_stops_its_table_with_the_cause(spark: SparkSession,
                                                                            root: Settings) -> None:
    every_batch = root.model_copy(update={"quality": root.quality.model_copy(update={"check_every_batches": 1})})
    validator = Validator(spark, every_batch, "test-stream")
    table = tiny(RowCount(low=1))  # silver.tiny is not stored: reading it fails
    validator.every(table, 0)
    validator._in_stream[table.name].result(timeout=300)
    with pytest.raises(Exception, match="silver/tiny"):
        validator.raise_if_failed(table)
