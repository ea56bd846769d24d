"""The local broker: it serves on its port once started, stops leaving nothing, refuses a double start."""
from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

from lakehouse.lib import loopback
from lakehouse.lib.sources import kafka_broker
from lakehouse.lib.config import ConfigError


def test_a_broker_serves_until_stopped_and_leaves_no_process(tmp_path: Path) -> None:
    port = loopback.free_port()
    started = kafka_broker.start(tmp_path / "kafka", port)
    assert started.bootstrap == f"127.0.0.1:{port}"
    assert kafka_broker.find(tmp_path / "kafka") == started
    metadata = AdminClient({"bootstrap.servers": started.bootstrap}).list_topics(timeout=10)
    assert [f"{b.host}:{b.port}" for b in metadata.brokers.values()] == [started.bootstrap]

    assert kafka_broker.stop(tmp_path / "kafka") == started
    assert not Path(f"/proc/{started.pid}").exists()
    assert kafka_broker.find(tmp_path / "kafka") is None and not (tmp_path / "kafka" / "broker.pid").exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "nothing listens on the port any more"
    assert kafka_broker.stop(tmp_path / "kafka") is None


def test_a_second_start_from_the_same_folder_is_a_one_line_error(broker: kafka_broker.Broker) -> None:
    with pytest.raises(ConfigError, match=rf"^a Kafka broker already runs from .* at {broker.bootstrap} "):
        kafka_broker.start(broker.folder)


def test_a_port_in_use_is_a_one_line_error(broker: kafka_broker.Broker, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=rf"^port {broker.port} on 127.0.0.1 is in use: choose another"):
        kafka_broker.start(tmp_path / "other", broker.port)
    assert not (tmp_path / "other" / "broker.pid").exists()


def test_the_broker_writes_its_configuration_for_loopback_only(broker: kafka_broker.Broker) -> None:
    text = (broker.folder / "server.properties").read_text()
    properties = dict(line.split("=", 1) for line in text.splitlines())
    assert properties["process.roles"] == "broker,controller"
    assert properties["advertised.listeners"] == f"PLAINTEXT://127.0.0.1:{broker.port}"
    listeners = properties["listeners"].split(",")
    assert all(listener.split("://")[1].startswith("127.0.0.1:") for listener in listeners)
    assert properties["auto.create.topics.enable"] == "false"


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The storage tool would read ``-t -…`` as a missing id: one broker start in 64 failed so."""
    drawn = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=bytes(16))])
    monkeypatch.setattr(kafka_broker.uuid, "uuid4", lambda: next(drawn))
    assert kafka_broker.cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"
