"""generate --to-kafka: it prints what the topics hold, sent at the rate asked, bad messages included."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition

from lakehouse.lib import config
from lakehouse.lib.sources.kafka_cluster import Topic

RATE, SECONDS = 100, 3  # 300 messages
# A field only that source's records carry, to tell a record on the wrong topic (landing.md, "Fields").
OWN_FIELD = {"clickstream": "event_type", "search": "query", "inventory": "qty_on_hand", "reviews": "rating"}


def read_topic(bootstrap: str, topic: str) -> list:
    """Every message of ``topic``, from the first offset of each partition to its last."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4()}",
                         "enable.auto.commit": False})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    messages, left = [], {p: end for p, end in ends.items() if end > 0}
    while left:
        for message in consumer.consume(500, timeout=0.5):
            assert message.error() is None, message.error()
            messages.append(message)
            if message.offset() + 1 >= left.get(message.partition(), float("inf")):
                left.pop(message.partition())
    consumer.close()
    return messages


@pytest.fixture(scope="module")
def published(first_creation: list[Topic], kafka: config.Kafka) -> tuple[subprocess.CompletedProcess, dict]:
    command = [sys.executable, "-m", "lakehouse.lib.cli", "generate", "--to-kafka", "--rate", str(RATE),
               "--duration", str(SECONDS), "--bad-rate", "0.06"]
    environment = {"COLUMNS": "200", "PATH": os.environ["PATH"],
                   "LAKEHOUSE_KAFKA_BOOTSTRAP": kafka.bootstrap_servers}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment)
    assert done.returncode == 0, done.stderr
    return done, {topic.name: read_topic(kafka.bootstrap_servers, topic.name) for topic in first_creation}


def test_the_printed_count_per_topic_is_what_the_topics_hold(published: tuple) -> None:
    done, topics = published
    rows = [line.split("│")[1:-1] for line in done.stdout.splitlines() if line.startswith("│")]
    printed = {row[0].strip(): int(row[1].replace(",", "")) for row in rows if row[0].strip()}
    assert printed == {topic: len(messages) for topic, messages in topics.items()}
    assert sum(printed.values()) == RATE * SECONDS
    assert f"Sent {RATE * SECONDS} messages in " in done.stdout
    assert all(printed[topic] > 0 for topic in ("clickstream", "inventory", "server_logs", "search"))


def test_messages_leave_at_a_steady_rate(published: tuple) -> None:
    done, topics = published
    seconds = float(re.search(r"messages in ([\d.]+) s", done.stdout).group(1))
    assert SECONDS - 0.1 <= seconds < SECONDS + 3
    stamps = sorted(message.timestamp()[1] for messages in topics.values() for message in messages)
    assert stamps[-1] - stamps[0] >= (SECONDS - 0.5) * 1000, "spread over the duration, not one burst"
    busiest = max(sum(1 for t in stamps if start <= t < start + 1000) for start in stamps)
    assert busiest <= RATE * 1.5


def test_records_are_keyed_by_their_natural_key(published: tuple) -> None:
    _, topics = published
    for message in topics["clickstream"]:
        record = _json(message.value())
        if isinstance(record, dict) and isinstance(record.get("event_id"), str) and "payload" not in record:
            assert message.key() == record["event_id"].encode()
    changes = [(message.key(), _json(message.value())) for message in topics["oltp.orders"]]
    keyed = [(key, change) for key, change in changes if isinstance(change, dict) and "op" in change]
    assert keyed
    for key, change in keyed:
        row = change["after"] or change["before"]
        assert json.loads(key) == {"order_id": row["order_id"]} if row.get("order_id") else key is None
    lines = [message for message in topics["server_logs"] if isinstance(_json(message.value()), str)]
    assert lines and all(message.key() is None for message in lines)


def test_kafka_bad_messages_are_on_the_topics(published: tuple) -> None:
    _, topics = published
    everything = [(topic, message) for topic, messages in topics.items() for message in messages]
    assert any(m.value() is None and m.key() is not None for _, m in everything), "a tombstone"
    assert any(m.value() is None and m.key() is None for _, m in everything), "a null value"
    assert any(_json(m.value()) is _NOT_TEXT for _, m in everything), "not JSON, not even text"
    assert any(len(m.value() or b"") > 512 * 1024 for _, m in everything), "an oversized message"
    assert any(isinstance(r := _json(m.value()), dict) and set(r) == {"schema", "payload"}
               for _, m in everything), "unknown fields only (Kafka Connect's envelope)"
    assert any(_wrong_topic(topic, _json(m.value())) for topic, m in everything), "on another's topic"


_NOT_TEXT = object()


def _json(value: bytes | None) -> object:
    if value is None:
        return None
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return _NOT_TEXT
    try:
        return json.loads(text)
    except ValueError:
        return text


def _wrong_topic(topic: str, record: object) -> bool:
    if not isinstance(record, dict):
        return False
    if topic == "server_logs":
        return True
    others = {field for source, field in OWN_FIELD.items() if source != topic}
    return topic in OWN_FIELD and OWN_FIELD[topic] not in record and bool(others & set(record))
