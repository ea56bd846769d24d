"""The kafka: settings: the contract's topics by default, LAKEHOUSE_KAFKA_BOOTSTRAP first, strict keys."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lakehouse.lib import config


def conf(tmp_path: Path, **sections: object) -> Path:
    paths = {name: f"/tmp/{name}" for name in ("landing", "lakehouse", "report", "logs")}
    (tmp_path / "local.yaml").write_text(yaml.safe_dump({"paths": paths, **sections}))
    return tmp_path


def test_without_bootstrap_servers_the_sources_stay_files_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_KAFKA_BOOTSTRAP", raising=False)
    kafka = config.load("local", conf(tmp_path)).kafka
    assert kafka.bootstrap_servers is None
    assert kafka.topics["orders"] == "oltp.orders" and kafka.topics["order_items"] == "oltp.order_items"
    with pytest.raises(config.ConfigError, match="^kafka.bootstrap_servers is not set, so orders arrives as"):
        kafka.spark_options("orders")
    assert config.load("local").kafka.bootstrap_servers is None  # conf/local.yaml


def test_the_environment_overrides_the_configured_bootstrap(tmp_path: Path, monkeypatch) -> None:
    folder = conf(tmp_path, kafka={"bootstrap_servers": "configured:9092", "partitions": 6})
    monkeypatch.setenv("LAKEHOUSE_KAFKA_BOOTSTRAP", "b-1.example:9098,b-2.example:9098")
    kafka = config.load("local", folder).kafka
    assert kafka.bootstrap_servers == "b-1.example:9098,b-2.example:9098"
    assert kafka.partitions == 6
    monkeypatch.delenv("LAKEHOUSE_KAFKA_BOOTSTRAP")
    assert config.load("local", folder).kafka.bootstrap_servers == "configured:9092"


def test_prod_reads_msk_with_iam_through_spark_options(monkeypatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_KAFKA_BOOTSTRAP", "b-1.msk.example:9098")
    assert config.load("prod").kafka.spark_options("clickstream") == {
        "kafka.bootstrap.servers": "b-1.msk.example:9098",
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanism": "AWS_MSK_IAM",
        "kafka.sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
        "kafka.sasl.client.callback.handler.class": "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
        "subscribe": "clickstream",
        "startingOffsets": "earliest",
        "maxOffsetsPerTrigger": "2000000",
    }


def test_the_security_protocol_reads_in_any_case(tmp_path: Path) -> None:
    kafka = config.load("local", conf(tmp_path, kafka={"security_protocol": "sasl_ssl"})).kafka
    assert kafka.security_protocol == "SASL_SSL"


def test_a_topic_named_for_one_source_keeps_the_contract_for_the_others(tmp_path: Path) -> None:
    folder = conf(tmp_path, kafka={"topics": {"clickstream": "web.events"}})
    topics = config.load("local", folder).kafka.topics
    assert topics["clickstream"] == "web.events" and topics["search"] == "search" and len(topics) == 7


@pytest.mark.parametrize(("kafka", "message"), [
    ({"topics": {"customers": "crm"}}, r"kafka\.topics: value error, customers: no such event source"),
    ({"sasl": {"security.protocol": "SSL"}}, r"kafka\.sasl: value error, security\.protocol: only sasl\.\*"),
    ({"security_protocol": "TLS"},
     r"kafka\.security_protocol: input should be 'plaintext', 'ssl', 'sasl_plaintext' or 'sasl_ssl'$"),
    ({"partitions": 0}, r"kafka\.partitions: input should be greater than or equal to 1"),
    ({"bootstrap": "x:9092"}, r"kafka\.bootstrap: extra inputs are not permitted"),
])
def test_a_bad_kafka_setting_is_a_one_line_error(tmp_path: Path, kafka: dict, message: str) -> None:
    with pytest.raises(config.ConfigError, match=message) as raised:
        config.load("local", conf(tmp_path, kafka=kafka))
    assert "\n" not in str(raised.value)


def test_publishing_without_bootstrap_servers_is_a_one_line_error() -> None:
    command = [sys.executable, "-m", "lakehouse.lib.cli", "generate", "--to-kafka", "--duration", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ["PATH"]})
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: kafka.bootstrap_servers is not set: set it in conf/<env>.yaml or LAKEHOUSE_KAFKA_BOOTSTRAP "
        "(`make kafka-up` prints a local broker's address)")
