"""Prometheus metrics of a run: what each table read, wrote and quarantined (per rule), how long its runs took,
whether they failed, each stream query's input and processing rates and Kafka lag, and how fresh every gold
table is.

A stream serves them on ``metrics.port`` (``/metrics``) while it runs; a batch run pushes them to
``metrics.pushgateway`` when it ends, failed or not, when one is configured. The names and labels here are
what the alert rules (conf/prometheus/alerts.yaml) and the Grafana dashboard (lib/dashboard.py) read.
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, push_to_gateway, start_http_server
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQueryListener
from pyspark.sql.streaming.listener import (QueryIdleEvent, QueryProgressEvent, QueryStartedEvent,
                                            QueryTerminatedEvent)
from pyspark.sql.types import DateType, TimestampType

from lakehouse.lib.config import ConfigError, Mode, Settings
from lakehouse.lib.registry import get
from lakehouse.lib.runlog import TableRun

if TYPE_CHECKING:
    from lakehouse.lib.runner import Pipeline

log = logging.getLogger(__name__)
# A table's run: one micro-batch in a stream, one gold refresh, or the whole table in a batch run.
RUN_SECONDS_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class RunMetrics:
    """The metrics of one command, in a registry of their own (a pushed batch run sends only these)."""

    def __init__(self, spark: SparkSession, settings: Settings) -> None:
        self.spark = spark
        self.settings = settings
        self.registry = CollectorRegistry()
        self._fresh: set[str] = set()  # gold tables whose newest row has been read: again only once they change
        self._queries: dict[str, str] = {}  # a stream query's id -> its name
        table, query = ["table"], ["query"]
        self.rows_read = Counter("lakehouse_rows_read", "Rows a table's runs read", table, registry=self.registry)
        self.rows_written = Counter("lakehouse_rows_written", "Rows a table's runs wrote (inserted or changed)",
                                    table, registry=self.registry)
        self.rows_quarantined = Counter("lakehouse_rows_quarantined", "Rows a table's runs sent to quarantine",
                                        table, registry=self.registry)
        self.rule_failures = Counter("lakehouse_rule_failures", "Rows that failed a rule (quarantine or warn)",
                                     ["table", "rule"], registry=self.registry)
        self.runs = Counter("lakehouse_table_runs", "A table's runs by outcome (succeeded, failed)",
                            ["table", "status"], registry=self.registry)
        self.run_seconds = Histogram("lakehouse_table_run_seconds",
                                     "A table's run: a micro-batch of a stream, a gold refresh, a batch run's table",
                                     table, buckets=RUN_SECONDS_BUCKETS, registry=self.registry)
        self.gold_newest = Gauge("lakehouse_gold_newest_row_timestamp_seconds",
                                 "Newest value of a gold table's date or time key (its freshness: time() minus this)",
                                 table, registry=self.registry)
        self.input_rate = Gauge("lakehouse_stream_input_rows_per_second", "Rows per second arriving at a query",
                                query, registry=self.registry)
        self.processed_rate = Gauge("lakehouse_stream_processed_rows_per_second",
                                    "Rows per second a query processed", query, registry=self.registry)
        self.last_progress = Gauge("lakehouse_stream_last_progress_timestamp_seconds",
                                   "When a query last reported progress or idleness (stalled: time() minus this)",
                                   query, registry=self.registry)
        self.kafka_lag = Gauge("lakehouse_kafka_lag_messages",
                               "Messages on a topic beyond a query's last micro-batch", ["query", "topic"],
                               registry=self.registry)

    def observe(self, run: TableRun) -> None:
        """Add one logged table run: a stream's micro-batch, a gold refresh, a batch run's table."""
        self.rows_read.labels(run.table).inc(run.rows_read)
        self.rows_written.labels(run.table).inc(run.rows_written)
        self.rows_quarantined.labels(run.table).inc(run.rows_quarantined)
        for rule, failed in run.failures.items():
            self.rule_failures.labels(run.table, rule).inc(failed)
        for status in ("succeeded", "failed"):  # both series exist from a table's first run: no gap to alert on
            self.runs.labels(run.table, status).inc(1 if (status == "failed") == bool(run.error) else 0)
        self.run_seconds.labels(run.table).observe(run.seconds)
        if run.table.startswith("gold.") and not run.error and (run.rows_written or run.table not in self._fresh):
            self._gold_freshness(run.table)

    def _gold_freshness(self, table: str) -> None:
        """The newest value of the table's first date or timestamp key column; none for a table without one."""
        rows = self.spark.read.format("delta").load(self.settings.table_path(table))
        column = next((name for name in get(table).key
                       if isinstance(rows.schema[name].dataType, (DateType, TimestampType))), None)
        if column is None:
            return
        newest = rows.agg(F.max(column)).first()[0]
        self._fresh.add(table)
        if newest is not None:
            self.gold_newest.labels(table).set(epoch_seconds(newest))

    def listener(self) -> StreamingQueryListener:
        return _Listener(self)

    def started(self, query_id: str, name: str | None) -> None:
        """A stream query began: known by its name from now on, and alive as of now."""
        self._queries[query_id] = name or query_id
        self.last_progress.labels(self._queries[query_id]).set(time.time())

    def idled(self, query_id: str) -> None:
        """A query found no new input: still alive."""
        if query_id in self._queries:
            self.last_progress.labels(self._queries[query_id]).set(time.time())

    def progressed(self, event: QueryProgressEvent) -> None:
        progress = event.progress
        name = progress.name or str(progress.id)
        self.input_rate.labels(name).set(progress.inputRowsPerSecond or 0)
        self.processed_rate.labels(name).set(progress.processedRowsPerSecond or 0)
        self.last_progress.labels(name).set(time.time())
        for source in progress.sources:
            if source.description.startswith("Kafka"):
                for topic, behind in kafka_lag(source.endOffset, source.latestOffset).items():
                    self.kafka_lag.labels(name, topic).set(behind)

    def push(self, selection: str) -> None:
        """Send the run's metrics to the Pushgateway, grouped by env and selection; a gateway that cannot be
        reached is said in a warning, not raised: the tables are written whatever becomes of their metrics."""
        gateway = self.settings.metrics.pushgateway
        if gateway is None:
            return
        try:
            push_to_gateway(gateway, job=self.settings.metrics.job, registry=self.registry,
                            grouping_key={"env": self.settings.env, "selection": selection}, timeout=10)
        except OSError as error:
            log.warning("metrics not pushed to %s: %s", gateway, error)


class _Listener(StreamingQueryListener):
    def __init__(self, metrics: RunMetrics) -> None:
        self.metrics = metrics

    def onQueryStarted(self, event: QueryStartedEvent) -> None:
        self.metrics.started(str(event.id), event.name)

    def onQueryProgress(self, event: QueryProgressEvent) -> None:
        self.metrics.progressed(event)

    def onQueryIdle(self, event: QueryIdleEvent) -> None:
        self.metrics.idled(str(event.id))

    def onQueryTerminated(self, event: QueryTerminatedEvent) -> None:
        pass


def kafka_lag(end_offset: str | None, latest_offset: str | None) -> dict[str, int]:
    """Messages per topic between a Kafka source's end offsets and the topic's latest (Spark's JSON of
    ``{topic: {partition: offset}}``); a partition the query has not read yet counts from 0."""
    end = json.loads(end_offset) if end_offset else {}
    latest = json.loads(latest_offset) if latest_offset else {}
    return {topic: sum(max(0, offset - end.get(topic, {}).get(partition, 0))
                       for partition, offset in partitions.items())
            for topic, partitions in latest.items()}


def epoch_seconds(value: date | datetime) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp()


@contextmanager
def published(pipeline: Pipeline, mode: Mode, selection: str) -> Iterator[RunMetrics | None]:
    """The command's metrics, where the settings send them: a stream's served on ``metrics.port`` with a listener
    on its queries while it runs, a batch run's pushed to ``metrics.pushgateway`` when it ends. Neither set: none
    are kept, and the run pays nothing for them."""
    settings = pipeline.settings.metrics
    if (settings.pushgateway if mode == "batch" else settings.port) is None:
        yield None
        return
    metrics = RunMetrics(pipeline.spark, pipeline.settings)
    pipeline.observers.append(metrics.observe)
    if mode == "batch":
        try:
            yield metrics
        finally:
            metrics.push(selection)
        return
    try:
        server, _ = start_http_server(settings.port, settings.host, registry=metrics.registry)
    except OSError as error:
        raise ConfigError(f"metrics.port {settings.port} on {settings.host}: {error.strerror}; "
                          "choose another port or stop what holds it") from None
    listener = metrics.listener()
    pipeline.spark.streams.addListener(listener)
    try:
        yield metrics
    finally:
        pipeline.spark.streams.removeListener(listener)
        server.shutdown()
        server.server_close()
