"""The Kafka cluster the settings name: reaching it, and creating the event sources' topics once.

The Python client (confluent-kafka) serves the tools around the pipeline: ``lakehouse kafka
create-topics`` and ``lakehouse generate --to-kafka``. Spark reads with its own client and the
``kafka.*`` options of ``config.Kafka.spark_options``.
"""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ClusterMetadata, NewTopic, TopicMetadata

from lakehouse.lib.config import ConfigError, Kafka

CONNECT_SECONDS = 10.0
CREATE_SECONDS = 30.0


@dataclass(frozen=True)
class Topic:
    source: str
    name: str
    partitions: int
    replication_factor: int
    created: bool  # False: it was there already


def client_options(kafka: Kafka) -> dict[str, object]:
    """librdkafka's settings for the cluster; its own log stays quiet, failures surface as one line."""
    if not kafka.bootstrap_servers:
        raise ConfigError("kafka.bootstrap_servers is not set: set it in conf/<env>.yaml or "
                          "LAKEHOUSE_KAFKA_BOOTSTRAP (`make kafka-up` prints a local broker's address)")
    if kafka.sasl:
        raise ConfigError(f"kafka.sasl: the Python tools connect without SASL (security_protocol "
                          f"PLAINTEXT or SSL); {kafka.sasl.get('sasl.mechanism', 'SASL')} is for Spark only")
    return {"bootstrap.servers": kafka.bootstrap_servers, "security.protocol": kafka.security_protocol,
            "log_level": 0}


def cluster_metadata(admin: AdminClient, kafka: Kafka) -> ClusterMetadata:
    """The cluster's brokers and topics, or a one-line error naming the address that did not answer."""
    _any_listening(kafka.bootstrap_servers or "")
    try:
        return admin.list_topics(timeout=CONNECT_SECONDS)
    except KafkaException as error:
        raise ConfigError(f"kafka.bootstrap_servers: no Kafka broker answers at {kafka.bootstrap_servers} "
                          f"({error.args[0].str()})") from None


def _any_listening(bootstrap: str) -> None:
    """Fail at once when no bootstrap address accepts a connection (the client would retry until timeout)."""
    refused = ""
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"kafka.bootstrap_servers: '{address.strip()}' is not host:port")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
            return
        except OSError as error:
            refused = refused or f"{address.strip()}: {error.strerror or error}"
    raise ConfigError(f"kafka.bootstrap_servers: no Kafka broker answers at {bootstrap} ({refused})")


def create_topics(kafka: Kafka) -> list[Topic]:
    """Every source's topic, created with the configured partitions and replication unless it exists."""
    admin = AdminClient(client_options(kafka))
    metadata = cluster_metadata(admin, kafka)
    if kafka.replication_factor > len(metadata.brokers):
        raise ConfigError(f"kafka.replication_factor: {kafka.replication_factor} replicas, but the cluster "
                          f"at {kafka.bootstrap_servers} has {len(metadata.brokers)} broker(s)")
    wanted = {topic: source for source, topic in kafka.topics.items()}
    new = [NewTopic(topic, num_partitions=kafka.partitions, replication_factor=kafka.replication_factor)
           for topic in wanted if topic not in metadata.topics]
    created = set()
    for topic, future in (admin.create_topics(new, operation_timeout=CREATE_SECONDS).items() if new else ()):
        try:
            future.result()
            created.add(topic)
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:  # created meanwhile by someone else
                raise RuntimeError(f"creating topic {topic} failed: {error.args[0].str()}") from None
    described = _with_partitions(admin, kafka, list(wanted))
    return [Topic(source, topic, len(described[topic].partitions),
                  len(next(iter(described[topic].partitions.values())).replicas), topic in created)
            for topic, source in wanted.items()]


def _with_partitions(admin: AdminClient, kafka: Kafka, topics: list[str]) -> dict[str, TopicMetadata]:
    """The topics' metadata once each has its partitions (a new topic is listed, and gets them, a moment after
    creation: longer on a busy broker)."""
    deadline = time.monotonic() + CREATE_SECONDS
    while True:
        described = cluster_metadata(admin, kafka).topics
        waiting = [topic for topic in topics if topic not in described or not described[topic].partitions]
        if not waiting:
            return described
        if time.monotonic() > deadline:
            raise RuntimeError(f"topics {', '.join(waiting)} have no partitions {CREATE_SECONDS} s after creation")
        time.sleep(0.2)


def require_topics(admin: AdminClient, kafka: Kafka, topics: list[str]) -> None:
    """A one-line error when a topic to publish to does not exist (MSK, like the local broker, does not
    create topics on first use)."""
    absent = sorted(set(topics) - set(cluster_metadata(admin, kafka).topics))
    if absent:
        raise ConfigError(f"no topic {', '.join(absent)} at {kafka.bootstrap_servers}: "
                          f"run `lakehouse kafka create-topics` first")
