"""One local Kafka broker for the test session, on a free port, stopped (and checked gone) at the end."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from lakehouse.lib import config
from lakehouse.lib.sources import kafka_broker
from lakehouse.lib.sources.kafka_cluster import Topic, create_topics


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[kafka_broker.Broker]:
    started = kafka_broker.start(tmp_path_factory.mktemp("kafka"))
    yield started
    kafka_broker.stop(started.folder)
    assert kafka_broker.find(started.folder) is None and not _alive(started.pid), "it outlived its stop"


@pytest.fixture(scope="session")
def kafka(broker: kafka_broker.Broker) -> config.Kafka:
    """The local settings' kafka section, pointed at the session's broker."""
    return config.load("local").kafka.model_copy(update={"bootstrap_servers": broker.bootstrap})


@pytest.fixture(scope="session")
def first_creation(kafka: config.Kafka) -> list[Topic]:
    """What the first create-topics on the fresh broker did; every test that needs the topics asks for it."""
    return create_topics(kafka)


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()
