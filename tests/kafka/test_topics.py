"""create-topics: exactly the contract's topics, configured partitions; a second call changes nothing."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from confluent_kafka.admin import AdminClient

from lakehouse.lib import config
from lakehouse.lib.sources.kafka_broker import Broker
from lakehouse.lib.loopback import free_port
from lakehouse.lib.sources.kafka_cluster import Topic, create_topics

# landing.md, "Where files land": the sources with a Kafka topic
CONTRACT_TOPICS = {"clickstream", "search", "inventory", "oltp.orders", "oltp.order_items", "reviews",
                   "server_logs"}


def lakehouse(*args: str, bootstrap: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", *args], capture_output=True, text=True,
                          timeout=120, env={"COLUMNS": "200", "PATH": os.environ["PATH"],
                                            "LAKEHOUSE_KAFKA_BOOTSTRAP": bootstrap})


def cluster_topics(bootstrap: str) -> dict[str, int]:
    topics = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics
    return {name: len(topic.partitions) for name, topic in topics.items() if not name.startswith("__")}


def test_the_kafka_commands_have_help() -> None:
    done = lakehouse("kafka", "--help", bootstrap="")
    assert done.returncode == 0
    assert all(command in done.stdout for command in ("up", "down", "create-topics"))


def test_the_first_call_creates_exactly_the_contract_topics(first_creation: list[Topic],
                                                            broker: Broker) -> None:
    assert {topic.name for topic in first_creation} == CONTRACT_TOPICS
    assert all(topic.created for topic in first_creation)
    assert {(t.partitions, t.replication_factor) for t in first_creation} == {(3, 1)}  # conf/local.yaml
    assert {topic.source: topic.name for topic in first_creation}["orders"] == "oltp.orders"
    on_cluster = cluster_topics(broker.bootstrap)  # other tests of the session may have added their own
    assert {name: on_cluster.get(name) for name in CONTRACT_TOPICS} == dict.fromkeys(CONTRACT_TOPICS, 3)


def test_a_second_call_finds_every_topic_and_changes_nothing(first_creation: list[Topic],
                                                             broker: Broker) -> None:
    before = cluster_topics(broker.bootstrap)
    done = lakehouse("kafka", "create-topics", bootstrap=broker.bootstrap)
    assert done.returncode == 0, done.stderr
    rows = [line.split("│")[1:-1] for line in done.stdout.splitlines() if line.startswith("│")]
    assert {row[0].strip(): row[4].strip() for row in rows} == dict.fromkeys(CONTRACT_TOPICS, "found")
    assert cluster_topics(broker.bootstrap) == before


def test_more_replicas_than_brokers_is_a_one_line_error(first_creation: list[Topic],
                                                        kafka: config.Kafka) -> None:
    three = kafka.model_copy(update={"replication_factor": 3})
    with pytest.raises(config.ConfigError) as raised:
        create_topics(three)
    assert str(raised.value) == (f"kafka.replication_factor: 3 replicas, but the cluster at "
                                 f"{kafka.bootstrap_servers} has 1 broker(s)")


@pytest.mark.parametrize(("bootstrap", "error"), [
    (f"127.0.0.1:{free_port()}", "no Kafka broker answers at {bootstrap} ({bootstrap}: Connection refused)"),
    ("broker-without-port", "'{bootstrap}' is not host:port"),
])
def test_a_bad_bootstrap_is_a_one_line_error(bootstrap: str, error: str) -> None:
    done = lakehouse("kafka", "create-topics", bootstrap=bootstrap)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: kafka.bootstrap_servers: " + error.format(bootstrap=bootstrap)
