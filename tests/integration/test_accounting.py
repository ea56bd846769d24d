"""Nothing lost, nothing made up: landed = bronze, and bronze = valid + quarantined + duplicate, counted apart.

Landed records are counted in plain Python (``lib/sources/landed.py``), bronze and silver tables by
Spark, duplicates and unchanged changes by the write's own plan; no figure is another's
remainder. Two probes then drop a valid row on purpose to show that the runner refuses the
batch and that the table-level check, without the runner's, would catch the loss.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import cli, registry
from lakehouse.lib.config import Settings
from lakehouse.lib.sources.landed import landed_records
from lakehouse.lib.registry import Landing, Table
from lakehouse.lib.rules import Rule, RuleViolation
from lakehouse.lib.runner import Account, AccountingError, Pipeline, run_tables

from .conftest import count

SOURCES = [t.source.folder for t in registry.select("bronze") if isinstance(t.source, Landing)]
EVENT_SOURCES = ("clickstream", "search", "inventory", "reviews", "server_logs")


def run_log_sums(spark: SparkSession, table: str) -> dict[str, int]:
    sums = spark.table("ops.runs").where(F.col("table") == table).agg(
        *[F.coalesce(F.sum(c), F.lit(0)).alias(c) for c in ("rows_read", "rows_written", "rows_duplicate")]).first()
    return sums.asDict()


@pytest.mark.parametrize("source", SOURCES)
def test_every_landed_record_is_in_bronze_once(spark: SparkSession, settings: Settings, first_run: dict,
                                               source: str) -> None:
    landed = landed_records(Path(settings.paths.landing), registry.csv_header_keys())
    assert landed[source] > 0
    assert count(spark, f"bronze.{source}") == landed[source]


@pytest.mark.parametrize("source", SOURCES)
def test_every_bronze_record_is_applied_quarantined_or_a_counted_duplicate(spark: SparkSession, first_run: dict,
                                                                           source: str) -> None:
    logged = run_log_sums(spark, f"silver.{source}")
    bronze, quarantined = count(spark, f"bronze.{source}"), count(spark, f"quarantine.{source}")
    assert bronze == logged["rows_read"]
    assert bronze == logged["rows_written"] + quarantined + logged["rows_duplicate"]
    if source in EVENT_SOURCES:
        assert count(spark, f"silver.{source}") == logged["rows_written"]


def probe(name: str, *rules: Rule) -> Table:
    """``silver.search`` under another name (its own tables and checkpoint), with extra rules."""
    declared = registry.get("silver.search")
    return dataclasses.replace(declared, name=f"silver.{name}", rules=(*declared.rules, *rules))


def versions(spark: SparkSession, settings: Settings, table: Table) -> tuple[int, int]:
    return tuple(DeltaTable.forPath(spark, settings.table_path(name)).history(1).first().version
                 for name in (table.name, f"quarantine.{table.short_name}"))


def dropping_one_valid_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loss under test: one valid row vanishes between the rules and the write's plan."""
    keep_rows = Pipeline.protected

    def protected(self: Pipeline, table: Table, checked: DataFrame) -> DataFrame:
        kept = keep_rows(self, table, checked)
        if not table.name.startswith("silver.search_probe"):
            return kept
        lost = checked.where(F.size("_failed_rules") == 0).agg(F.min("search_id")).first()[0]
        return kept.where(~F.col("search_id").eqNullSafe(F.lit(lost))) if lost else kept

    monkeypatch.setattr(Pipeline, "protected", protected)


def test_a_dropped_valid_row_fails_the_batch_and_nothing_is_written(spark: SparkSession, settings: Settings,
                                                                    first_run: dict,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    table = probe("search_probe_refused")
    pipeline = Pipeline(spark, settings, "probe-refused")
    pipeline.prepare(table)
    before = versions(spark, settings, table)
    dropping_one_valid_row(monkeypatch)
    with pytest.raises(AccountingError, match=r"silver\.search_probe_refused: read [\d,]+ rows but accounted "
                                              r"for [\d,]+ \(.*\); nothing written"):
        run_tables(pipeline, [table], "batch")
    assert versions(spark, settings, table) == before
    assert count(spark, table.name) == 0
    monkeypatch.undo()
    run_tables(Pipeline(spark, settings, "probe-retried"), [table], "batch")
    assert count(spark, table.name) == count(spark, "silver.search")


def test_without_the_runners_check_the_accounting_test_sees_the_loss(spark: SparkSession, settings: Settings,
                                                                     first_run: dict,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The table-level identity above can fail: with the runner's check switched off, it finds the lost row."""
    table = probe("search_probe_unchecked")
    dropping_one_valid_row(monkeypatch)
    monkeypatch.setattr(Account, "check", lambda self, name: None)
    run_tables(Pipeline(spark, settings, "probe-unchecked"), [table], "batch")
    logged = run_log_sums(spark, table.name)
    accounted = count(spark, table.name) + count(spark, f"quarantine.{table.short_name}") + logged["rows_duplicate"]
    assert count(spark, "bronze.search") - accounted == 1


def test_a_fail_rule_stops_the_batch_with_nothing_written(spark: SparkSession, settings: Settings,
                                                          first_run: dict) -> None:
    table = probe("search_probe_fail", Rule("query_is_given", "query IS NOT NULL", action="fail"))
    pipeline = Pipeline(spark, settings, "probe-fail")
    pipeline.prepare(table)
    before = versions(spark, settings, table)
    with pytest.raises(RuleViolation, match=r"silver\.search_probe_fail: rule query_is_given failed; nothing written"):
        run_tables(pipeline, [table], "batch")
    assert versions(spark, settings, table) == before
    failed = spark.table("ops.runs").where("run_id = 'probe-fail'").first()
    assert (failed.status, failed.error) == ("failed", "silver.search_probe_fail: rule query_is_given failed; "
                                                       "nothing written")


def test_a_fail_rule_ends_the_command_with_one_line_and_exit_code_1(spark: SparkSession, settings: Settings,
                                                                    first_run: dict, capsys: pytest.CaptureFixture,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    table = probe("search_probe_cli", Rule("query_is_given", "query IS NOT NULL", action="fail"))
    monkeypatch.setattr(registry, "select", lambda selection, upstream=False: [table])
    conf = Path(settings.paths.landing).parent / "conf" / "local"
    monkeypatch.setattr(sys, "argv", ["lakehouse", "run", table.name, "--env", str(conf)])
    with pytest.raises(SystemExit) as exit_code:
        cli.main()
    assert exit_code.value.code == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: silver.search_probe_cli: rule query_is_given failed; nothing written (details: ")
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    log = Path(error.split("(details: ")[1].split(";")[0])
    assert log.parent == Path(settings.paths.logs) and "RuleViolation" in log.read_text()
