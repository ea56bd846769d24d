"""The run's Prometheus metrics (lib/metrics.py): what a table run adds, a gold table's freshness, Kafka lag from a
query's offsets, and a batch run's push to a real Pushgateway (Debian's prometheus-pushgateway, on a free port).

The stream's /metrics endpoint, scraped by a real Prometheus, is tests/kafka/test_stream_metrics.py.
"""
from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator
from urllib.request import urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pyspark.sql import SparkSession

from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.loopback import free_port
from lakehouse.lib.metrics import RunMetrics, kafka_lag, published
from lakehouse.lib.runlog import TableRun
from lakehouse.lib.runner import Pipeline


def run_of(table: str, read: int, written: int, quarantined: int, failures: dict[str, int],
           error: str | None = None) -> TableRun:
    run = TableRun("r1", table, "stream")
    run.add(read, written, quarantined, read - written - quarantined, failures)
    run.error = error
    run.finish()
    return run


def test_a_table_run_adds_its_rows_rule_failures_outcome_and_time(spark: SparkSession, settings: Settings) -> None:
    metrics = RunMetrics(spark, settings)
    metrics.observe(run_of("silver.orders", 10, 7, 2, {"status_is_known": 2, "amount_not_negative": 1}))
    metrics.observe(run_of("silver.orders", 5, 5, 0, {}))
    metrics.observe(run_of("silver.orders", 3, 0, 0, {}, error="boom"))
    value = metrics.registry.get_sample_value
    table = {"table": "silver.orders"}
    assert value("lakehouse_rows_read_total", table) == 18
    assert value("lakehouse_rows_written_total", table) == 12
    assert value("lakehouse_rows_quarantined_total", table) == 2
    assert value("lakehouse_rule_failures_total", {**table, "rule": "status_is_known"}) == 2
    assert value("lakehouse_rule_failures_total", {**table, "rule": "amount_not_negative"}) == 1
    assert value("lakehouse_table_runs_total", {**table, "status": "succeeded"}) == 2
    assert value("lakehouse_table_runs_total", {**table, "status": "failed"}) == 1
    assert value("lakehouse_table_run_seconds_count", table) == 3


def test_a_gold_run_sets_the_newest_day_of_its_date_key(spark: SparkSession, settings: Settings,
                                                        tmp_path: Path) -> None:
    own = settings.model_copy(update={"paths": settings.paths.model_copy(update={"lakehouse": str(tmp_path)})})
    rows = [(dt.date(2026, 11, 20), "mobile", 3), (dt.date(2026, 11, 22), "desktop", 1)]
    spark.createDataFrame(rows, "date date, device string, sessions long").write.format("delta").save(
        own.table_path("gold.funnel_daily"))
    spark.createDataFrame([("C1", 0.5)], "customer_key string, score double").write.format("delta").save(
        own.table_path("gold.customer_features"))
    metrics = RunMetrics(spark, own)
    metrics.observe(run_of("gold.funnel_daily", 2, 2, 0, {}))
    metrics.observe(run_of("gold.customer_features", 1, 1, 0, {}))
    newest = metrics.registry.get_sample_value
    assert newest("lakehouse_gold_newest_row_timestamp_seconds", {"table": "gold.funnel_daily"}) == \
        dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc).timestamp()
    assert newest("lakehouse_gold_newest_row_timestamp_seconds", {"table": "gold.customer_features"}) is None, \
        "a table without a date or time key has no newest day"


def test_kafka_lag_sums_each_topics_partitions_beyond_the_last_batch() -> None:
    end = '{"clickstream": {"0": 100, "1": 40}}'
    latest = '{"clickstream": {"0": 130, "1": 40, "2": 7}}'
    assert kafka_lag(end, latest) == {"clickstream": 30 + 0 + 7}
    assert kafka_lag(None, '{"search": {"0": 5}}') == {"search": 5}, "before the first batch, all of it"


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[str]:
    """A real Pushgateway on a free loopback port, kept in memory (Debian's build persists to /var/lib by default,
    and would start with an earlier test's pushes), stopped afterwards."""
    binary = shutil.which("prometheus-pushgateway")
    assert binary, "install Debian's prometheus-pushgateway (.ci/run does)"
    address = f"127.0.0.1:{free_port()}"
    gateway = subprocess.Popen([binary, f"--web.listen-address={address}", "--persistence.file="], stdout=subprocess.DEVNULL,
                               stderr=(tmp_path / "pushgateway.log").open("w"))
    try:
        deadline = time.monotonic() + 30
        while not _answers(f"http://{address}/-/ready"):
            assert gateway.poll() is None and time.monotonic() < deadline, (tmp_path / "pushgateway.log").read_text()
            time.sleep(0.2)
        yield address
    finally:
        gateway.terminate()
        gateway.wait(30)


def _answers(url: str) -> bool:
    try:
        with urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def pushed(address: str) -> dict[tuple[str, frozenset], float]:
    with urlopen(f"http://{address}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_a_batch_run_pushes_its_metrics_to_the_pushgateway_when_it_ends(spark: SparkSession, settings: Settings,
                                                                       pushgateway: str) -> None:
    own = settings.model_copy(update={"metrics": settings.metrics.model_copy(update={"pushgateway": pushgateway})})
    pipeline = Pipeline(spark, own, "push-1")
    with published(pipeline, "batch", "silver") as metrics:
        assert metrics is not None and pipeline.observers == [metrics.observe]
        pipeline.observe(run_of("silver.orders", 10, 8, 2, {"status_is_known": 2}))
        assert not any(name.startswith("lakehouse_") for name, _ in pushed(pushgateway)), \
            "nothing is pushed before the run ends"
    group = {"job": "lakehouse", "env": "local", "selection": "silver", "instance": ""}
    samples = pushed(pushgateway)
    labels = frozenset({**group, "table": "silver.orders"}.items())
    assert samples[("lakehouse_rows_written_total", labels)] == 8
    assert samples[("lakehouse_rows_quarantined_total", labels)] == 2
    assert samples[("lakehouse_rule_failures_total", labels | {("rule", "status_is_known")})] == 2
    assert samples[("lakehouse_table_runs_total", labels | {("status", "succeeded")})] == 1


def test_an_unreachable_pushgateway_is_a_warning_not_a_failed_run(spark: SparkSession, settings: Settings,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    gone = f"127.0.0.1:{free_port()}"
    own = settings.model_copy(update={"metrics": settings.metrics.model_copy(update={"pushgateway": gone})})
    with published(Pipeline(spark, own, "push-2"), "batch", "silver"):
        pass
    assert f"metrics not pushed to {gone}" in caplog.text


def test_without_a_port_or_a_pushgateway_nothing_is_kept(spark: SparkSession, settings: Settings) -> None:
    for mode in ("batch", "stream"):
        pipeline = Pipeline(spark, settings, "none")
        with published(pipeline, mode, "all") as metrics:
            assert metrics is None and pipeline.observers == []


def test_a_metrics_port_in_use_stops_the_stream_with_one_line(spark: SparkSession, settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        own = settings.model_copy(update={"metrics": settings.metrics.model_copy(update={"port": port})})
        with pytest.raises(ConfigError, match=f"metrics.port {port} on 127.0.0.1: Address already in use"):
            with published(Pipeline(spark, own, "busy"), "stream", "all"):
                pass
