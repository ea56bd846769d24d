"""One bronze table per source, two ways in: its landing folder and its Kafka topic, bad messages kept.

A topic of the test's own gets a known set of messages, every kind of bad one included, and
the landing folder two files' worth of lines, one event arriving both ways. Bronze must hold
each message once with its topic, partition, offset and timestamp, and each line once; silver
must hold each event once and quarantine each bad message with the rule it broke.
"""
from __future__ import annotations

import json
import uuid
from typing import Iterator

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from pyspark.sql import DataFrame, SparkSession

from lakehouse.lib import catalog, registry
from lakehouse.lib.config import Kafka, Settings
from lakehouse.lib.runner import Pipeline, run_tables
from tests.conftest import restore_catalog

BIG = 600 * 1024  # above kafka.max_message_bytes, 512 KiB by default


def event(event_id: str, **fields: object) -> bytes:
    row = {"event_id": event_id, "event_ts": "2026-11-21T10:00:00Z", "event_type": "page_view",
           "session_id": "S-K", "device": "mobile", **fields}
    return json.dumps(row).encode()


# (key, value) in the order sent to the topic's one partition: offsets 0, 1, 2, ...
MESSAGES = [
    (b"K-1", event("K-1")),
    (b"K-2", event("K-2", customer_id="C00042")),
    (b"K-1", event("K-1")),  # delivered twice
    (b"BOTH", event("BOTH")),  # lands as a file too
    (b"K-AVRO", b"\x00\x00\x00\x00\x07\xfe\xff\x80binary"),  # an Avro producer's bytes: not UTF-8
    (None, None),  # null value
    (b"K-GONE", None),  # tombstone
    (b"K-BIG", event("K-BIG", page_url="https://shop.example.com/" + "x" * BIG)),
    (b"K-CONNECT", json.dumps({"schema": {"type": "struct"}, "payload": json.loads(event("K-CONNECT"))}).encode()),
    (b"S-1", json.dumps({"search_id": "S-1", "search_ts": "2026-11-21T10:00:00Z", "query": "hat"}).encode()),
]
FILE_LINES = [event("F-1").decode(), event("BOTH").decode()]


def rows(spark: SparkSession, settings: Settings, name: str) -> DataFrame:
    return spark.read.format("delta").load(settings.table_path(name))


@pytest.fixture(scope="module")
def topic(kafka: Kafka) -> str:
    name = f"bronze-test-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap_servers})  # kept: its futures need it alive
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result()
    producer = Producer({"bootstrap.servers": kafka.bootstrap_servers, "message.max.bytes": 1_000_000})
    for key, value in MESSAGES:
        producer.produce(name, key=key, value=value)
    assert producer.flush(30) == 0
    return name


@pytest.fixture(scope="module")
def both_ways(spark: SparkSession, settings: Settings, kafka: Kafka, topic: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A lakehouse of its own whose clickstream arrives from ``topic`` and from its landing folder, run once."""
    root = tmp_path_factory.mktemp("both-ways")
    landing = root / "landing" / "clickstream"
    landing.mkdir(parents=True)
    (landing / "part-0.jsonl").write_text("\n".join(FILE_LINES) + "\n")
    own = settings.model_copy(update={
        "paths": settings.paths.model_copy(update={"landing": str(root / "landing"),
                                                   "lakehouse": str(root / "lakehouse")}),
        "kafka": kafka.model_copy(update={"topics": {**kafka.topics, "clickstream": topic}}),
    })
    catalog._ensured.clear()
    yield own
    restore_catalog(spark, settings, "bronze.clickstream", "silver.clickstream")


@pytest.fixture(scope="module")
def first_run(spark: SparkSession, both_ways: Settings) -> list:
    tables = [registry.get("bronze.clickstream"), registry.get("silver.clickstream")]
    return run_tables(Pipeline(spark, both_ways, "kafka-run-1"), tables, "batch")


def test_bronze_holds_every_message_once_with_its_place_on_the_topic(
        spark: SparkSession, both_ways: Settings, topic: str, first_run: list) -> None:
    bronze = rows(spark, both_ways, "bronze.clickstream").where("_kafka IS NOT NULL")
    kept = sorted((r._kafka.offset, r._kafka.partition, r._kafka.topic, r._kafka.key, r._origin)
                  for r in bronze.collect())
    assert kept == [(n, 0, topic, key.decode() if key else None, f"kafka://{topic}/0/{n}")
                    for n, (key, _) in enumerate(MESSAGES)]
    assert bronze.where("_kafka.timestamp IS NULL").count() == 0


def test_bronze_keeps_each_message_as_it_came(spark: SparkSession, both_ways: Settings, first_run: list) -> None:
    by_offset = {r._kafka.offset: r for r in rows(spark, both_ways, "bronze.clickstream")
                 .where("_kafka IS NOT NULL").collect()}
    assert by_offset[0]._raw == MESSAGES[0][1].decode() and by_offset[0]._parse_error is None
    assert by_offset[4]._raw == "AAAAAAf+/4BiaW5hcnk="  # base64 of the Avro bytes
    assert by_offset[4]._parse_error == "not UTF-8 text (kept base64-encoded)"
    assert (by_offset[5]._raw, by_offset[5]._parse_error) == (None, "null value: a message with neither key nor value")
    assert (by_offset[6]._raw, by_offset[6]._parse_error) == (None, "tombstone: a key with no value")
    assert len(by_offset[7]._raw) > BIG and by_offset[7]._parse_error.startswith("oversized: ")
    assert json.loads(by_offset[8]._rescued).keys() == {"schema", "payload"}


def test_the_landing_folder_still_feeds_the_same_table(spark: SparkSession, both_ways: Settings,
                                                       first_run: list) -> None:
    files = rows(spark, both_ways, "bronze.clickstream").where("_kafka IS NULL")
    assert sorted(r.event_id for r in files.collect()) == ["BOTH", "F-1"]
    assert all(r._origin.endswith("/clickstream/part-0.jsonl") for r in files.collect())


def test_silver_holds_each_event_once_whichever_way_it_came(spark: SparkSession, both_ways: Settings,
                                                            first_run: list) -> None:
    silver = rows(spark, both_ways, "silver.clickstream")
    assert sorted(r.event_id for r in silver.collect()) == ["BOTH", "F-1", "K-1", "K-2"]
    run = next(r for r in first_run if r.table == "silver.clickstream")
    assert (run.rows_read, run.rows_written, run.rows_duplicate) == (12, 4, 2)


def test_each_bad_message_is_quarantined_with_its_rule(spark: SparkSession, both_ways: Settings, topic: str,
                                                       first_run: list) -> None:
    held = {r._origin.rsplit("/", 1)[-1]: r for r in rows(spark, both_ways, "quarantine.clickstream").collect()}
    assert sorted(held, key=int) == ["4", "5", "6", "7", "8", "9"]
    assert all("record_is_parseable" in held[n].failed_rules for n in ("4", "5", "6", "7"))
    assert held["6"]._parse_error == "tombstone: a key with no value"
    # The Connect envelope and the search record parse, but carry no event of their own.
    for n in ("8", "9"):
        assert {"event_id_is_present", "event_ts_is_present"} <= set(held[n].failed_rules)


def test_a_second_run_reads_nothing_twice(spark: SparkSession, both_ways: Settings, first_run: list) -> None:
    tables = [registry.get("bronze.clickstream"), registry.get("silver.clickstream")]
    again = run_tables(Pipeline(spark, both_ways, "kafka-run-2"), tables, "batch")
    assert [(r.table, r.rows_read) for r in again] == [("bronze.clickstream", 0), ("silver.clickstream", 0)]
    assert rows(spark, both_ways, "bronze.clickstream").count() == len(MESSAGES) + len(FILE_LINES)
