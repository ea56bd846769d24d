"""Figures 8 and 9: the stream's latency at a steady input rate, and whether it holds that rate.

For each rate, a fresh lakehouse root runs ``lakehouse run all --mode stream`` against a local
broker, as a user starts it (every table, the configured triggers: 10 s for sources and for
gold). Once every query has started, ``lakehouse generate --to-kafka`` publishes
the event sources at the rate for ``BENCH_STREAM_SECONDS`` (300 by default), while the
consumer lag (the topics' end offsets less the offsets of the last committed micro-batch of
each ``@kafka`` query, read from the checkpoints) is sampled every few seconds. The rate is
*held* when the backlog does not grow: its mean over the last minute of publishing is at most
its mean over the second minute (the first is the warm-up) plus ten seconds of input.

Latency is measured afterwards from the tables themselves, per event: from the time Kafka
stamped the message (``_kafka.timestamp``, the producer's send time, in bronze) to the
commit that brought its row into silver (``_commit_timestamp`` of silver's Change Data Feed,
joined on ``_origin``), and for orders on to the first ``gold.sales_minute`` rebuild that
read that silver version (the input versions each rebuild records in its commit).

The same is measured once more at the lower rate for ``bronze.clickstream`` and
``silver.clickstream`` alone (``run silver.clickstream --upstream``), triggered every
second: what one source's path costs when it has the cores to itself.
"""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml
from confluent_kafka import Consumer, TopicPartition
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from rich.console import Console

from bench.report import Reading
from bench.workspace import REPO, write_conf
from lakehouse.lib import incremental
from lakehouse.lib.config import Settings, load
from lakehouse.lib.sources.kafka_cluster import create_topics

RATES = (1_000, 5_000)
SOURCE_TRIGGER = "1 second"  # the clickstream path alone; every table runs with the configured triggers
SAMPLE_SECONDS = 5
QUIET_SECONDS = 45  # over four gold triggers: nothing more is coming
HELD_GROWTH_SECONDS = 10  # growth of the backlog allowed from the second minute to the last, in seconds of input


@dataclass(frozen=True)
class Shape:
    """Which tables the stream runs: what ``lakehouse run`` is given, the sources it reads, and the table whose
    query starts last (every query runs once its checkpoint exists)."""

    label: str
    selection: tuple[str, ...]
    sources: tuple[str, ...] | None  # None: every source
    last_started: str
    trigger: str | None  # every source's trigger interval; None: the configured one (10 s by default)


EVERY_TABLE = Shape("every table, triggers as configured", ("all",), None, "silver.server_logs", None)
CLICKSTREAM_ALONE = Shape(f"clickstream alone, triggered every {SOURCE_TRIGGER}", ("silver.clickstream", "--upstream"),
                          ("clickstream",), "silver.clickstream", SOURCE_TRIGGER)


@dataclass(frozen=True)
class RateRun:
    shape: Shape
    rate: int
    published: int
    publish_seconds: float  # from the first message to the producer's end
    lags: tuple[tuple[float, int], ...]  # (seconds since publishing began, messages behind)
    silver: tuple[float, float, int]  # p50, p95 seconds, events
    gold: tuple[float, float, int]

    @property
    def sent_rate(self) -> float:
        """Messages a second the producer reached (below the rate asked when the cores are short)."""
        return self.published / self.publish_seconds

    @property
    def backlog(self) -> tuple[float, float]:
        """The mean lag over the second minute of publishing (the first is the warm-up) and over the last."""
        second = [lag for at, lag in self.lags if 60 <= at < 120]
        last = [lag for at, lag in self.lags if at >= self.publish_seconds - 60]
        return statistics.mean(second), statistics.mean(last)

    @property
    def held(self) -> bool:
        """The backlog did not grow: over the last minute it is at most the second minute's plus
        ``HELD_GROWTH_SECONDS`` of input."""
        second, last = self.backlog
        return last <= second + self.sent_rate * HELD_GROWTH_SECONDS


def seconds_wanted() -> int:
    text = os.environ.get("BENCH_STREAM_SECONDS", "300")
    if not text.isdigit() or int(text) < 180:  # a warm-up minute, a second one, and a last one to compare with it
        raise SystemExit(f"BENCH_STREAM_SECONDS must be a whole number of at least 180, not {text!r}")
    return int(text)


def conf_for(root: Path, bootstrap: str, shape: Shape) -> Path:
    conf_file = write_conf(root, env="stream")
    settings = yaml.safe_load(conf_file.read_text())
    suffix = uuid.uuid4().hex[:6]
    if shape.trigger:
        settings["stream"] = {**settings.get("stream", {}), "trigger_interval": shape.trigger}
    settings["quality"] = {**settings.get("quality", {}), "validate_tables": False}
    settings["kafka"] = {**settings["kafka"], "bootstrap_servers": bootstrap,
                         "topics": {source: f"{topic}-{suffix}" for source, topic in load("local").kafka.topics.items()}}
    conf_file.write_text(yaml.safe_dump(settings, sort_keys=False))
    return conf_file


def lag(settings: Settings, shape: Shape, consumer: Consumer) -> int:
    """Messages on the shape's topics not yet in a committed micro-batch of their bronze ``@kafka`` query."""
    behind = 0
    for source, topic in settings.kafka.topics.items():
        if shape.sources is not None and source not in shape.sources:
            continue
        committed = _committed_offsets(Path(settings.checkpoint_path(f"bronze.{source}@kafka")), topic)
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        for partition in metadata.partitions:
            _, end = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            behind += end - committed.get(partition, 0)
    return behind


def published(settings: Settings, consumer: Consumer) -> int:
    """Messages on every source's topic."""
    return sum(consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1]
               for topic in settings.kafka.topics.values()
               for partition in consumer.list_topics(topic, timeout=10).topics[topic].partitions)


def _committed_offsets(checkpoint: Path, topic: str) -> dict[int, int]:
    """The end offsets of the query's last committed batch (its ``offsets/<id>`` file's source line)."""
    done = sorted((int(p.name) for p in (checkpoint / "commits").glob("[0-9]*")), reverse=True)
    if not done:
        return {}
    lines = (checkpoint / "offsets" / str(done[0])).read_text().splitlines()
    offsets = json.loads(lines[2]).get(topic, {})
    return {int(partition): int(offset) for partition, offset in offsets.items()}


def percentiles(seconds: DataFrame) -> tuple[float, float, int]:
    row = seconds.agg(F.percentile_approx("seconds", [0.5, 0.95], 10_000).alias("p"),
                      F.count("*").alias("n")).first()
    return (float(row.p[0]), float(row.p[1]), int(row.n)) if row.n else (float("nan"), float("nan"), 0)


def arrivals(spark: SparkSession, settings: Settings, source: str) -> DataFrame:
    """Per event of ``source`` that came from Kafka and reached silver: when Kafka stamped it (``sent``), when
    silver committed it (``committed``) and in which silver version."""
    sent = (spark.read.format("delta").load(settings.table_path(f"bronze.{source}"))
            .where(F.col("_kafka").isNotNull()).select("_origin", F.col("_kafka.timestamp").alias("sent")))
    feed = (spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", 0)
            .load(settings.table_path(f"silver.{source}"))
            .where(F.col("_change_type").isin("insert", "update_postimage"))
            .groupBy("_origin").agg(F.min("_commit_timestamp").alias("committed"),
                                    F.min("_commit_version").alias("version")))
    return feed.join(sent, on="_origin")


def _seconds(since: str, until: str) -> F.Column:
    return ((F.unix_micros(until) - F.unix_micros(since)) / 1e6).alias("seconds")


def silver_latency(spark: SparkSession, settings: Settings) -> tuple[float, float, int]:
    return percentiles(arrivals(spark, settings, "clickstream").select(_seconds("sent", "committed")))


def gold_latency(spark: SparkSession, settings: Settings) -> tuple[float, float, int]:
    """Order changes: from the Kafka timestamp to the first ``gold.sales_minute`` rebuild that read their silver
    version (each rebuild records the input versions it read in its commit)."""
    rebuilds = []
    for entry in DeltaTable.forPath(spark, settings.table_path("gold.sales_minute")).history().collect():
        read = json.loads(entry.userMetadata or "{}").get(incremental.METADATA_KEY)
        if read:
            rebuilds.append((int(read["silver.orders"]), entry.timestamp))
    if not rebuilds:
        return float("nan"), float("nan"), 0
    rebuilt = spark.createDataFrame(rebuilds, "read_version long, rebuilt timestamp")
    first = (arrivals(spark, settings, "orders").join(rebuilt, on=F.col("read_version") >= F.col("version"))
             .groupBy("_origin", "sent").agg(F.min("rebuilt").alias("rebuilt")))
    return percentiles(first.select(_seconds("sent", "rebuilt")))


def quiet_for(settings: Settings, quiet: float) -> bool:
    """Whether no silver or gold table has committed for ``quiet`` seconds: the last bronze rows have gone
    through (a gold refresh whose inputs did not change commits nothing)."""
    commits = [path.stat().st_mtime for layer in ("silver", "gold")
               for path in Path(settings.paths.lakehouse, layer).glob("*/_delta_log/*.json")]
    return not commits or time.time() - max(commits) >= quiet


def wait_until(condition: Callable[[], bool], pipeline: subprocess.Popen, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if pipeline.poll() is not None:
            raise RuntimeError(f"the stream ended (exit {pipeline.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {what} in {seconds:.0f} s")
        time.sleep(1)


def one_rate(spark: SparkSession, folder: Path, bootstrap: str, shape: Shape, rate: int, hold: int,
             console: Console) -> RateRun:
    conf_file = conf_for(folder, bootstrap, shape)
    settings = load(conf_file.stem, conf_file.parent)
    create_topics(settings.kafka)
    command = [sys.executable, "-m", "lakehouse.lib.cli"]
    env = str(conf_file.with_suffix(""))
    environment = {**os.environ, "LAKEHOUSE_KAFKA_BOOTSTRAP": bootstrap}
    with open(folder / "stream.log", "w") as log:
        pipeline = subprocess.Popen([*command, "run", *shape.selection, "--mode", "stream", "--env", env], cwd=REPO,
                                    env=environment, stdout=log, stderr=subprocess.STDOUT)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-lag"})
    try:
        started = Path(settings.checkpoint_path(shape.last_started))
        wait_until(started.exists, pipeline, 600, "start of every query")
        time.sleep(30)  # the first gold refresh, which builds every gold table, out of the way
        with open(folder / "publish.log", "w") as log:
            producer = subprocess.Popen([*command, "generate", "--to-kafka", "--rate", str(rate), "--duration",
                                         str(hold), "--env", env], cwd=REPO, env=environment, stdout=log,
                                        stderr=subprocess.STDOUT)
        wait_until(lambda: published(settings, consumer) > 0 or producer.poll() is not None, pipeline, 600,
                   "first message")  # the producer makes its records first: at 5,000 a second for a minute or more
        began, lags = time.monotonic(), []
        while producer.poll() is None:
            lags.append((time.monotonic() - began, lag(settings, shape, consumer)))
            console.log(f"{shape.label}, {rate:,} a second: {lags[-1][0]:.0f} s in, {lags[-1][1]:,} messages behind")
            time.sleep(SAMPLE_SECONDS)
        publish_seconds = time.monotonic() - began
        sent = published(settings, consumer)
        wait_until(lambda: lag(settings, shape, consumer) == 0, pipeline, 1800, "catching up after publishing")
        wait_until(lambda: quiet_for(settings, QUIET_SECONDS), pipeline, 900, "end of silver's and gold's commits")
    finally:
        consumer.close()
        pipeline.send_signal(signal.SIGTERM)
        pipeline.wait(300)
    gold = gold_latency(spark, settings) if shape.sources is None else (float("nan"), float("nan"), 0)
    return RateRun(shape, rate, sent, publish_seconds, tuple(lags), silver_latency(spark, settings), gold)


def measure(spark: SparkSession, folder: Path, bootstrap: str, console: Console) -> list[Reading]:
    """Figures 8 (latency at each rate) and 9 (the highest rate held)."""
    hold = seconds_wanted()
    runs = [one_rate(spark, folder / f"rate-{rate}", bootstrap, EVERY_TABLE, rate, hold, console) for rate in RATES]
    alone = one_rate(spark, folder / "alone", bootstrap, CLICKSTREAM_ALONE, min(RATES), hold, console)
    return [latency_reading(run) for run in (*runs, alone)] + [held_reading(runs, hold)]


def latency_reading(run: RateRun) -> Reading:
    (s50, s95, events), (g50, g95, orders) = run.silver, run.gold
    target = f" ({'PASS' if s95 <= 3 else 'MISS'})" if run.rate == 1_000 and run.shape == EVERY_TABLE else ""
    gold = (f"gold.sales_minute p50 {g50:.1f} s, p95 {g95:.1f} s over {orders:,} order changes; " if orders
            else "")
    return Reading(f"Stream latency at {run.rate:,} events/s, {run.shape.label} (Kafka timestamp to commit; "
                   f"target silver p95 ≤ 3 s at 1,000/s)",
                   f"silver.clickstream p50 {s50:.1f} s, p95 {s95:.1f} s over {events:,} events{target}; {gold}"
                   f"{run.published:,} messages in {run.publish_seconds:.0f} s, largest lag "
                   f"{max(lag for _, lag in run.lags):,} messages")


def held_reading(runs: list[RateRun], hold: int) -> Reading:
    held = [run.rate for run in runs if run.held]
    verdicts = "; ".join(f"{run.rate:,}/s asked, {run.sent_rate:,.0f}/s sent: {'held' if run.held else 'not held'} "
                         f"(mean lag {run.backlog[0]:,.0f} messages in the second minute, {run.backlog[1]:,.0f} in "
                         f"the last)" for run in runs)
    best = (f"{max(held):,} events/s of those tried" if held else f"below {min(RATES):,} events/s")
    return Reading(f"Highest input rate held for {hold} s, every table (the backlog grew by at most "
                   f"{HELD_GROWTH_SECONDS} s of input from the second minute to the last)", f"{best}: {verdicts}")
