"""`lakehouse run --mode stream` reads a topic until SIGTERM, then stops after the batch in flight, exit code 0,
with every micro-batch in the run log.

The command runs as a user starts it, in a process of its own, on a lakehouse of its own whose
clickstream topic gets messages while it runs.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from pyspark.sql import SparkSession

from lakehouse.lib.config import Kafka
from tests.kafka.conftest import new_topic, own_root

REPO = Path(__file__).resolve().parents[2]


def bronze_rows(spark: SparkSession, root: Path) -> int:
    path = root / "lakehouse" / "bronze" / "clickstream"
    committed = any(path.glob("_delta_log/*.json"))  # the folder comes before its first commit
    return spark.read.format("delta").load(str(path)).count() if committed else 0


@pytest.fixture
def conf(kafka: Kafka, tmp_path: Path) -> tuple[Path, str]:
    """Settings of a root of the test's own, its clickstream on a new topic read every second, 5 at a time."""
    topic = new_topic(kafka, "stream-stop")
    return own_root(tmp_path, stream={"trigger_interval": "10 seconds", "sources": {
        "clickstream": {"trigger_interval": "1 second", "max_offsets_per_trigger": 5}}},
        kafka={"topics": {"clickstream": topic}}), topic


def test_sigterm_stops_the_stream_after_its_batch_with_exit_code_0(spark: SparkSession, kafka: Kafka,
                                                                   conf: tuple[Path, str], tmp_path: Path) -> None:
    env_path, topic = conf
    producer = Producer({"bootstrap.servers": kafka.bootstrap_servers})
    for n in range(100):
        event = {"event_id": f"E{n}", "event_ts": "2026-11-21T10:00:00Z", "event_type": "page_view",
                 "session_id": "S1", "device": "mobile"}
        producer.produce(topic, key=f"E{n}".encode(), value=json.dumps(event).encode())
    assert producer.flush(30) == 0
    environment = {**os.environ, "LAKEHOUSE_KAFKA_BOOTSTRAP": kafka.bootstrap_servers}
    command = [sys.executable, "-m", "lakehouse.lib.cli", "run", "bronze.clickstream", "--mode", "stream",
               "--env", str(env_path)]
    stream = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        deadline = time.monotonic() + 240
        while bronze_rows(spark, tmp_path) < 10:  # a few micro-batches of 5 in, the rest still on the topic
            assert stream.poll() is None, stream.communicate()[1]
            assert time.monotonic() < deadline, "no micro-batch reached bronze in 240 s"
            time.sleep(0.5)
        stream.send_signal(signal.SIGTERM)
        out, err = stream.communicate(timeout=120)
    finally:
        stream.kill()
    assert stream.returncode == 0, err
    kept = bronze_rows(spark, tmp_path)
    assert 10 <= kept < 100, "the stream stopped before reading the whole topic"
    assert kept % 5 == 0, "every batch it started was written whole"
    logged = (spark.read.format("delta").load(str(tmp_path / "lakehouse" / "ops" / "runs"))
              .where("table = 'bronze.clickstream' AND mode = 'stream'").select("rows_written").collect())
    assert [row.rows_written for row in logged] == [5] * (kept // 5), "the run log holds each micro-batch once"
