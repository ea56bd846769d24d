"""The quarantine lifecycle on a lakehouse of its own: summary, show, and a replay after a rule fix, exactly once."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import catalog, registry
from lakehouse.lib.quality import quarantine
from lakehouse.lib.config import ConfigError, Quality, Settings
from lakehouse.lib.registry import Table
from lakehouse.lib.rules import matches
from lakehouse.lib.runner import Pipeline, QuarantineShareExceeded, run_tables

# The CRM's legacy customer ids, which the first rule did not know: the cause that gets fixed.
LEGACY = "^(C[0-9]+|c-legacy-[0-9]+)$"


def search(search_id: str, **fields: object) -> str:
    row = {"search_id": search_id, "search_ts": "2026-11-21T10:00:00Z", "session_id": "S1", "customer_id": "C00001",
           "query": "red shoes", "results_count": "3"}
    return json.dumps({**row, **fields})


def change(order_id: str, customer_id: str) -> str:
    row = {"order_id": order_id, "customer_id": customer_id, "order_ts": "2026-11-21T09:00:00Z", "status": "placed",
           "currency": "EUR", "total_amount": "20.00", "shipping_country": "DE", "updated_at": "2026-11-21T09:00:00Z"}
    return json.dumps({"op": "c", "ts_ms": 1763715600000, "source": {"table": "orders", "lsn": 1}, "before": None,
                       "after": row})


def land(root: Settings, source: str, lines: list[str]) -> None:
    folder = Path(root.landing_path(source)) / "dt=2026-11-21"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "part-0.jsonl").write_text("\n".join(lines) + "\n")


def fixed(name: str) -> Table:
    """The declared table with its customer id rule fixed to know the legacy ids."""
    table = registry.get(name)
    rule = matches("customer_id", LEGACY, "customer_id")
    return replace(table, rules=tuple(rule if r.name == rule.name else r for r in table.rules))


def run(spark: SparkSession, root: Settings, *names: str) -> list:
    pipeline = Pipeline(spark, root, "test-run")
    return run_tables(pipeline, [registry.get(name) for name in names], "batch")


def rows(spark: SparkSession, root: Settings, name: str):
    return spark.read.format("delta").load(root.table_path(name))


@pytest.fixture
def root(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """An empty lakehouse and landing zone of the test's own; the shared catalog points back afterwards."""
    paths = settings.paths.model_copy(update={"landing": str(tmp_path / "landing"),
                                              "lakehouse": str(tmp_path / "lakehouse")})
    catalog._ensured.clear()
    yield settings.model_copy(update={"paths": paths})
    catalog._ensured.clear()


def land_searches(root: Settings) -> None:
    """Two good searches, one by a legacy customer id, one with a negative count, one by both, one not JSON."""
    land(root, "search", [search("S-OK-1"), search("S-OK-2", query="blue hat"),
                          search("S-LEGACY", customer_id="c-legacy-7", query="green coat"),
                          search("S-NEGATIVE", results_count="-1"),
                          search("S-BOTH", customer_id="c-legacy-8", results_count="-2"),
                          "not JSON at all"])


@pytest.fixture
def searches(spark: SparkSession, root: Settings) -> Settings:
    land_searches(root)
    run(spark, root, "bronze.search", "silver.search", "gold.search_terms_daily")
    return root


@pytest.fixture(scope="module")
def held(spark: SparkSession, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The searches run once into a lakehouse that the tests which change nothing share."""
    folder = tmp_path_factory.mktemp("held")
    paths = settings.paths.model_copy(update={"landing": str(folder / "landing"),
                                              "lakehouse": str(folder / "lakehouse")})
    catalog._ensured.clear()
    shared = settings.model_copy(update={"paths": paths})
    land_searches(shared)
    run(spark, shared, "bronze.search", "silver.search", "gold.search_terms_daily")
    yield shared
    catalog._ensured.clear()


def with_quality(root: Settings, **quality: object) -> Settings:
    return root.model_copy(update={"quality": Quality(**quality)})


def test_summary_counts_held_rows_by_table_rule_and_day(spark: SparkSession, held: Settings) -> None:
    counts = quarantine.summary(Pipeline(spark, held, "r")).where("table = 'search'").collect()
    by_rule = {row.rule: (row.held, row.replayed) for row in counts}
    assert by_rule == {"customer_id_is_well_formed": (2, 0), "results_count_not_negative": (2, 0),
                       "record_is_parseable": (1, 0)}


def test_show_lists_the_held_rows_of_one_rule_with_their_text(spark: SparkSession, held: Settings) -> None:
    table = quarantine.checked_table("quarantine.search")
    shown = quarantine.show(Pipeline(spark, held, "r"), table, "customer_id_is_well_formed", 10).collect()
    assert sorted(row.search_id for row in shown) == ["S-BOTH", "S-LEGACY"]
    assert {row.customer_id for row in shown} == {"c-legacy-7", "c-legacy-8"}
    assert all("customer_id_is_well_formed" in row.failed_rules and row.run_id == "test-run" for row in shown)


def test_a_replay_after_a_rule_fix_promotes_what_now_passes_once_and_gold_follows(
        spark: SparkSession, searches: Settings) -> None:
    table = fixed("silver.search")
    replayed = quarantine.replay(Pipeline(spark, searches, "replay-1"), table)
    assert (replayed.replay_id, replayed.promoted, replayed.applied, replayed.still_held) == (1, 1, 1, 3)
    assert sorted(r.search_id for r in rows(spark, searches, "silver.search").collect()) == [
        "S-LEGACY", "S-OK-1", "S-OK-2"]
    marked = rows(spark, searches, "quarantine.search").where("replayed_at IS NOT NULL").collect()
    assert [(r.search_id, r.replay_id, r.replayed_by) for r in marked] == [("S-LEGACY", 1, "replay-1")]
    declared = registry.get("silver.search")
    assert {r.rules_version for r in rows(spark, searches, "quarantine.search").collect()} == {
        declared.rules_version}
    assert (replayed.judged_by, replayed.rules_version) == ((declared.rules_version,), table.rules_version)
    assert replayed.changes == (
        "customer_id_is_well_formed: condition was \"`customer_id` IS NULL OR `customer_id` RLIKE '^C[0-9]+$'\", "
        "now \"`customer_id` IS NULL OR `customer_id` RLIKE '^(C[0-9]+|c-legacy-[0-9]+)$'\"",)

    again = quarantine.replay(Pipeline(spark, searches, "replay-2"), table)
    assert (again.replay_id, again.promoted, again.still_held) == (None, 0, 3)
    assert rows(spark, searches, "silver.search").count() == 3

    run(spark, searches, "gold.search_terms_daily")
    terms = {r.query: r.searches for r in rows(spark, searches, "gold.search_terms_daily").collect()}
    assert terms == {"red shoes": 1, "blue hat": 1, "green coat": 1}


def test_a_replay_that_stopped_after_writing_finishes_without_writing_twice(
        spark: SparkSession, searches: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    table = fixed("silver.search")
    marking = quarantine._mark

    def crash(*args: object) -> int:
        raise RuntimeError("killed between the silver write and the mark")

    monkeypatch.setattr(quarantine, "_mark", crash)
    with pytest.raises(RuntimeError, match="killed"):
        quarantine.replay(Pipeline(spark, searches, "replay-1"), table)
    claimed = rows(spark, searches, "quarantine.search").where("replay_id IS NOT NULL").collect()
    assert [(r.search_id, r.replayed_at) for r in claimed] == [("S-LEGACY", None)]

    monkeypatch.setattr(quarantine, "_mark", marking)
    finished = quarantine.replay(Pipeline(spark, searches, "replay-2"), table)
    assert (finished.replay_id, finished.still_held) == (None, 3)
    silver = rows(spark, searches, "silver.search")
    assert silver.where("search_id = 'S-LEGACY'").count() == 1
    marked = rows(spark, searches, "quarantine.search").where("replayed_at IS NOT NULL").collect()
    assert [(r.search_id, r.replay_id, r.replayed_by) for r in marked] == [("S-LEGACY", 1, "replay-2")]


def test_a_replay_of_one_rule_leaves_the_other_rules_rows_held(spark: SparkSession, searches: Settings) -> None:
    table = replace(registry.get("silver.search"),
                    rules=tuple(r for r in registry.get("silver.search").rules if r.name != "results_count_not_negative"))
    replayed = quarantine.replay(Pipeline(spark, searches, "r"), table, rule="results_count_not_negative")
    assert (replayed.promoted, replayed.still_held) == (1, 3)
    assert replayed.changes == ("results_count_not_negative (\"`results_count` IS NULL OR `results_count` >= 0\") "
                                "is no longer declared",)
    assert rows(spark, searches, "silver.search").where("search_id = 'S-NEGATIVE'").count() == 1


def test_change_events_replay_from_their_kept_line(spark: SparkSession, root: Settings) -> None:
    land(root, "orders", [change("O-1", "C00001"), change("O-LEGACY", "c-legacy-9")])
    run(spark, root, "bronze.orders", "silver.orders")
    assert rows(spark, root, "quarantine.orders").count() == 1
    replayed = quarantine.replay(Pipeline(spark, root, "r"), fixed("silver.orders"))
    assert (replayed.promoted, replayed.applied, replayed.still_held) == (1, 1, 0)
    current = rows(spark, root, "silver.orders").where("order_id = 'O-LEGACY'").select("customer_id", "status")
    assert current.count() == 1 and current.first().status == "placed"


def test_a_table_without_rules_or_an_unknown_rule_is_refused(spark: SparkSession, held: Settings) -> None:
    with pytest.raises(ConfigError, match="has no quarantine"):
        quarantine.checked_table("gold.daily_sales")
    with pytest.raises(ConfigError, match="has no rule 'no_such_rule'"):
        quarantine.replay(Pipeline(spark, held, "r"), registry.get("silver.search"), rule="no_such_rule")
    assert rows(spark, held, "quarantine.search").where(F.col("replay_id").isNotNull()).count() == 0


def test_above_the_quarantine_share_a_failing_run_writes_nothing(spark: SparkSession, root: Settings) -> None:
    land_searches(root)
    run(spark, root, "bronze.search")
    strict = with_quality(root, max_quarantine_ratio=0.5, on_quarantine_ratio="fail")
    with pytest.raises(QuarantineShareExceeded, match=r"silver.search: 4 of 6 rows quarantined \(66.7%\)"):
        run(spark, strict, "silver.search")
    assert (rows(spark, root, "silver.search").count(), rows(spark, root, "quarantine.search").count()) == (0, 0)

    allowed = with_quality(root, max_quarantine_ratio=0.5, on_quarantine_ratio="fail",
                           max_quarantine_ratio_by_table={"silver.search": 0.7})
    run(spark, allowed, "silver.search")
    assert (rows(spark, root, "silver.search").count(), rows(spark, root, "quarantine.search").count()) == (2, 4)


def test_above_the_quarantine_share_a_warning_run_writes_and_says_so(spark: SparkSession, root: Settings) -> None:
    land_searches(root)
    runs = run(spark, root, "bronze.search", "silver.search")
    silver = next(r for r in runs if r.table == "silver.search")
    assert silver.warnings == ["silver.search: 4 of 6 rows quarantined (66.7%), above quality.max_quarantine_ratio "
                               "5.0%"]
    share = rows(spark, root, "ops.dq_results").where("rule = 'quarantine_share'").collect()
    assert [(r.table, r.action, r.rows_checked, r.rows_failed) for r in share] == [("silver.search", "warn", 6, 4)]


def test_a_quarantine_share_for_an_unknown_table_is_a_setting_to_fix(spark: SparkSession, root: Settings) -> None:
    with pytest.raises(ConfigError, match="names silver.nonsense, not a silver table with rules"):
        Pipeline(spark, with_quality(root, max_quarantine_ratio_by_table={"silver.nonsense": 0.1}), "r")
