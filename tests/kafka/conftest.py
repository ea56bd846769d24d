"""One local Kafka broker for the test session, on a free port, stopped (and checked gone) at the end."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from confluent_kafka.admin import AdminClient, NewTopic

from lakehouse.lib import config
from lakehouse.lib.sources import kafka_broker
from lakehouse.lib.sources.kafka_cluster import Topic, create_topics

REPO = Path(__file__).resolve().parents[2]


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


def new_topic(kafka: config.Kafka, prefix: str) -> str:
    """A topic of one partition, named for the test that asks for it."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap_servers})
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result()
    return name


def own_root(tmp_path: Path, **sections: object) -> Path:
    """Settings of a root of the test's own under ``tmp_path``, for a command run in a process of its own:
    conf/local.yaml with every path there, the checkout's jars, table checks off, and ``sections`` in place of
    the local ones. The ``--env`` to give it."""
    local = yaml.safe_load((REPO / "conf" / "local.yaml").read_text())
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "local.yaml").write_text(yaml.safe_dump({
        **local,
        "paths": {name: str(tmp_path / name) for name in ("landing", "lakehouse", "report", "logs")},
        "spark": {**local["spark"], "jars_dir": str(REPO / ".jars")},
        "quality": {**local["quality"], "validate_tables": False},
        **sections,
    }))
    return folder / "local"
