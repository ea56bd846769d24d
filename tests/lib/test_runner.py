"""Batch runs: each table starts once the chosen tables it reads are done, several at once, and stops on a failure;
its checks are validated once the tables they read are done; the checked batch a silver table caches."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from pyspark.sql import SparkSession

from lakehouse.lib import runlog, runner
from lakehouse.lib.quality.checks import References
from lakehouse.lib.quality.validator import Validated, Validator
from lakehouse.lib.registry import Landing, Table
from lakehouse.lib.rules import is_typed, with_results

TABLES = [
    Table("bronze.a", lambda df: df, Landing("a")),
    Table("bronze.b", lambda df: df, Landing("b")),
    Table("silver.a", lambda df: df, "bronze.a"),
    Table("silver.b", lambda df: df, "bronze.b"),
    Table("gold.ab", lambda *dfs: dfs[0], ("silver.a", "silver.b")),
]


class Recorder:
    """Stands in for running a table: notes when it starts and ends, and how many run at once."""

    def __init__(self, failing: str = "") -> None:
        self.events: list[tuple[str, str]] = []
        self.running = self.most_at_once = 0
        self.failing = failing
        self.lock = threading.Lock()

    def __call__(self, pipeline: object, table: Table, run: runlog.TableRun) -> None:
        with self.lock:
            self.events.append(("start", table.name))
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
            self.events.append(("end", table.name))
        if table.name == self.failing:
            raise RuntimeError(f"{table.name} broke")


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> list:
    recorded: list = []
    monkeypatch.setattr(runlog, "record", lambda spark, settings, runs: recorded.extend(run.table for run in runs))
    return recorded


def pipeline(parallel: int) -> SimpleNamespace:
    """The tables above have no key and no checks: nothing is validated, nothing recorded; ``observed`` holds the
    runs shown to the pipeline's observers (the metrics), in order."""
    settings = SimpleNamespace(batch=SimpleNamespace(parallel_tables=parallel))
    observed: list[str] = []
    return SimpleNamespace(run_id="r", spark=None, settings=settings, validator=Validator(None, settings, "r"),
                           observed=observed, observe=lambda run: observed.append(run.table))


def test_a_table_starts_only_after_the_tables_it_reads(monkeypatch: pytest.MonkeyPatch, logged: list) -> None:
    recorder = Recorder()
    monkeypatch.setattr(runner, "_run_table", recorder)
    tables_run = pipeline(4)
    runner.run_tables(tables_run, TABLES, "batch")
    position = {event: number for number, event in enumerate(recorder.events)}
    for table in TABLES:
        for source in table.inputs:
            assert position[("end", source)] < position[("start", table.name)], (source, table.name)
    assert recorder.most_at_once == 2, "the two bronze tables, then the two silver tables, ran side by side"
    assert sorted(logged) == sorted(t.name for t in TABLES)
    assert sorted(tables_run.observed) == sorted(logged), "each logged run is shown to the observers once"


def test_no_more_tables_at_once_than_configured(monkeypatch: pytest.MonkeyPatch, logged: list) -> None:
    recorder = Recorder()
    monkeypatch.setattr(runner, "_run_table", recorder)
    runner.run_tables(pipeline(1), TABLES, "batch")
    assert recorder.most_at_once == 1
    assert [name for kind, name in recorder.events if kind == "start"] == [t.name for t in TABLES]


def test_after_a_failure_nothing_starts_and_the_failure_is_raised(monkeypatch: pytest.MonkeyPatch,
                                                                  logged: list) -> None:
    recorder = Recorder(failing="silver.a")
    monkeypatch.setattr(runner, "_run_table", recorder)
    failing = pipeline(4)
    with pytest.raises(RuntimeError, match="silver.a broke"):
        runner.run_tables(failing, TABLES, "batch")
    started = {name for kind, name in recorder.events if kind == "start"}
    assert "gold.ab" not in started
    assert set(logged) == started, "every started run is logged, the failed one included"
    assert sorted(failing.observed) == sorted(logged), "and counted in the metrics, the failed one included"


class Validations:
    """Stands in for the validator: notes when each table's validation is asked for, beside the runs' events."""

    def __init__(self, events: list[tuple[str, str]]) -> None:
        self.events = events

    def submit(self, table: Table) -> None:
        self.events.append(("validate", table.name))

    def finish(self) -> Validated:
        return Validated([])


def runs_and_validations(monkeypatch: pytest.MonkeyPatch, tables: list[Table]) -> list[tuple[str, str]]:
    """The tables run one at a time: when each started and ended, and when its validation was asked for."""
    recorder = Recorder()
    monkeypatch.setattr(runner, "_run_table", recorder)
    one_at_a_time = pipeline(1)
    one_at_a_time.validator = Validations(recorder.events)
    runner.run_tables(one_at_a_time, tables, "batch")
    return recorder.events


@pytest.mark.parametrize("action", ["warn", "fail"])
def test_a_reference_check_is_validated_after_the_table_it_reads(monkeypatch: pytest.MonkeyPatch, logged: list,
                                                                  action: str) -> None:
    items = Table("silver.items", lambda df: df, "bronze.items",
                  checks=(References(column="order_id", table="silver.orders", action=action),))
    tables = [Table("bronze.items", lambda df: df, Landing("items")), Table("bronze.orders", lambda df: df,
              Landing("orders")), items, Table("silver.orders", lambda df: df, "bronze.orders")]
    events = runs_and_validations(monkeypatch, tables)
    assert events.index(("end", "silver.items")) < events.index(("start", "silver.orders")), "items ran first"
    assert events.index(("end", "silver.orders")) < events.index(("validate", "silver.items"))
    assert events.count(("validate", "silver.items")) == 1


def test_a_check_reading_a_table_that_reads_it_is_validated_all_the_same(monkeypatch: pytest.MonkeyPatch,
                                                                          logged: list) -> None:
    """silver.orders reads silver.items, whose fail check reads silver.orders: items is validated when nothing
    else can run, then orders runs."""
    items = Table("silver.items", lambda df: df, "bronze.items",
                  checks=(References(column="order_id", table="silver.orders", action="fail"),))
    tables = [Table("bronze.items", lambda df: df, Landing("items")), items,
              Table("silver.orders", lambda df: df, "silver.items")]
    events = runs_and_validations(monkeypatch, tables)
    assert events.index(("end", "silver.items")) < events.index(("validate", "silver.items"))
    assert events.index(("validate", "silver.items")) < events.index(("start", "silver.orders"))


def test_the_cached_batch_keeps_the_arrived_text_of_quarantined_rows_alone(spark: SparkSession) -> None:
    batch = spark.createDataFrame(
        [("o1", 3, '{"order_id": "o1", "quantity": "3"}', ("3",)),
         ("o2", None, '{"order_id": "o2", "quantity": "three"}', ("three",))],
        "order_id string, quantity int, _raw string, _text struct<quantity: string>")
    cached = runner.arrived_text_if_quarantined(with_results(batch, [is_typed("quantity", "integer")]))
    rows = {row.order_id: row for row in cached.collect()}
    assert (rows["o1"]._raw, rows["o1"]._text, rows["o1"].quantity) == (None, None, 3)
    assert rows["o2"]._raw == '{"order_id": "o2", "quantity": "three"}' and rows["o2"]._text.quantity == "three"
    assert rows["o2"]._failed_rules == ["quantity_is_integer"]
