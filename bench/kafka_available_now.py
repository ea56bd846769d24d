"""Figure 10: bronze from a Kafka topic with ``availableNow`` vs the same events from landed files.

The clickstream lines of the gold data set are published once, one message each, to a topic
of their own (untimed). Baseline: ``bronze.clickstream`` in batch mode over the landed files,
Kafka not configured. Candidate: the same table in batch mode with the topic configured and
an empty landing folder, so its rows come from Kafka (``availableNow`` up to the offsets at
start; the empty folder's query runs too, as it does for a user). Each run writes to a fresh
lakehouse with a fresh checkpoint.
"""
from __future__ import annotations

import uuid
import zlib
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from pyspark.sql import SparkSession
from rich.console import Console

from bench import workspace
from bench.pairs import Comparison, Run, Side, timed_pairs
from bench.progress import pair_printer
from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline, run_tables

TITLE = "Bronze from Kafka (availableNow) vs the same events from files (clickstream)"
TABLE = "bronze.clickstream"
PARTITIONS = 2


def landed_lines(landing: Path) -> list[bytes]:
    lines = []
    for path in sorted((landing / "clickstream").rglob("*")):
        if path.is_file() and not path.name.startswith((".", "_")):
            lines += [line for line in _content(path).splitlines() if line]
    return lines


def _content(path: Path) -> bytes:
    """The file's bytes, a gzip file's uncompressed; of a truncated gzip file (the contract delivers one),
    what can be decompressed."""
    if path.suffix != ".gz":
        return path.read_bytes()
    return zlib.decompressobj(wbits=31).decompress(path.read_bytes())


def publish(bootstrap: str, lines: list[bytes]) -> str:
    topic = f"bench-clickstream-{uuid.uuid4().hex[:6]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result()
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "enable.idempotence": True})
    for line in lines:
        while True:
            try:
                producer.produce(topic, value=line)
                break
            except BufferError:
                producer.poll(0.1)
    if producer.flush(120):
        raise RuntimeError(f"the broker did not acknowledge every clickstream line on {topic}")
    return topic


def side(spark: SparkSession, settings: Settings, label: str, description: str) -> Side:
    table = registry.get(TABLE)

    def setup(pair: int) -> Run:
        folder = workspace.runs_folder(settings) / f"bronze-{label}-{pair}"
        lake = workspace.at_lakehouse(settings, folder / "lakehouse")
        workspace.point_catalog_at(spark, lake, [table])
        return lambda: run_tables(Pipeline(spark, lake, f"bench-{label}-{pair}"), [table], "batch")

    return Side(description, setup)


def measure(spark: SparkSession, settings: Settings, bootstrap: str, pairs: int, console: Console) -> Comparison:
    lines = landed_lines(Path(settings.paths.landing))
    with console.status(f"publishing {len(lines):,} clickstream lines to Kafka"):
        topic = publish(bootstrap, lines)
    empty = workspace.runs_folder(settings) / "empty-landing"
    empty.mkdir(parents=True, exist_ok=True)
    files = settings.model_copy(update={"kafka": settings.kafka.model_copy(update={"bootstrap_servers": None})})
    kafka = settings.model_copy(update={
        "paths": settings.paths.model_copy(update={"landing": str(empty)}),
        "kafka": settings.kafka.model_copy(update={"bootstrap_servers": bootstrap,
                                                   "topics": {**settings.kafka.topics, "clickstream": topic}})})
    baseline = side(spark, files, "files", f"{TABLE} (batch) from {len(lines):,} landed lines")
    candidate = side(spark, kafka, "kafka", f"{TABLE} (batch, availableNow) from the same lines on a topic "
                                            f"of {PARTITIONS} partitions")
    baseline_seconds, candidate_seconds = timed_pairs(pairs, baseline, candidate,
                                                      on_pair=pair_printer(console, "kafka vs files", pairs))
    return Comparison(TITLE, baseline.name, candidate.name, None, baseline_seconds, candidate_seconds)
