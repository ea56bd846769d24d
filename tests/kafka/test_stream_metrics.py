"""A real Prometheus (Debian's package) scrapes `lakehouse run --mode stream`'s /metrics while the stream reads a
topic, with the project's alert rules loaded, and holds the series the dashboard and the alerts are built on.

The stream runs as a user starts it: `run gold.funnel_daily --upstream`, in a process of its own, on a lakehouse
of its own, its clickstream topic read 40 messages a micro-batch so that the lag is seen falling.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
import yaml
from confluent_kafka import Producer

from lakehouse.lib import dashboard
from lakehouse.lib.config import Kafka
from lakehouse.lib.loopback import free_port
from tests.kafka.conftest import new_topic, own_root

REPO = Path(__file__).resolve().parents[2]
VALID, NOT_JSON, PER_BATCH = 100, 3, 40


def query(prometheus: str, promql: str) -> list[dict]:
    with urlopen(f"{prometheus}/api/v1/query?{urlencode({'query': promql})}", timeout=10) as response:
        answer = json.load(response)
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def value(prometheus: str, promql: str) -> float | None:
    result = query(prometheus, promql)
    return float(result[0]["value"][1]) if result else None


def wait_for(condition: Callable[[], bool], what: str, stream: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert stream.poll() is None, f"the stream ended: {stream.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, f"no {what} in {seconds:.0f} s"
        time.sleep(1)


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """Prometheus on a free port, scraping the stream's metrics port every second, the alert rules loaded."""
    binary = shutil.which("prometheus")
    assert binary, "install Debian's prometheus (.ci/run does)"
    metrics_port, web = free_port(), f"127.0.0.1:{free_port()}"
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(REPO / "conf" / "prometheus" / "alerts.yaml")],
        "scrape_configs": [{"job_name": "lakehouse-stream",
                            "static_configs": [{"targets": [f"127.0.0.1:{metrics_port}"]}]}],
    }))
    log = tmp_path / "prometheus.log"
    server = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                               f"--web.listen-address={web}"], stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        deadline = time.monotonic() + 60
        while not _ready(f"http://{web}/-/ready"):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
        yield f"http://{web}", metrics_port
    finally:
        server.terminate()
        server.wait(30)


def _ready(url: str) -> bool:
    try:
        with urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def conf(kafka: Kafka, prometheus: tuple[str, int], tmp_path: Path) -> tuple[Path, str]:
    """A root of the test's own; its clickstream on a new topic, 40 messages a micro-batch; metrics served."""
    topic = new_topic(kafka, "stream-metrics")
    return own_root(tmp_path, stream={"trigger_interval": "1 second", "gold_trigger_interval": "2 seconds",
                                      "sources": {"clickstream": {"max_offsets_per_trigger": PER_BATCH}}},
                    kafka={"topics": {"clickstream": topic}}, metrics={"port": prometheus[1]}), topic


def test_prometheus_scrapes_a_running_streams_tables_rules_lag_and_gold_freshness(
        kafka: Kafka, prometheus: tuple[str, int], conf: tuple[Path, str]) -> None:
    server, _ = prometheus
    env_path, topic = conf
    producer = Producer({"bootstrap.servers": kafka.bootstrap_servers})
    times = [dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=n) for n in range(VALID)]  # gold stays fresh
    for n, at in enumerate(times):
        event = {"event_id": f"E{n}", "event_ts": at.isoformat(), "event_type": "page_view",
                 "session_id": f"S{n % 7}", "device": "mobile"}
        producer.produce(topic, key=f"E{n}".encode(), value=json.dumps(event).encode())
    for n in range(NOT_JSON):
        producer.produce(topic, key=f"X{n}".encode(), value=b"{not json")
    assert producer.flush(30) == 0
    environment = {**os.environ, "LAKEHOUSE_KAFKA_BOOTSTRAP": kafka.bootstrap_servers}
    command = [sys.executable, "-m", "lakehouse.lib.cli", "run", "gold.funnel_daily", "--upstream", "--mode",
               "stream", "--env", str(env_path)]
    stream = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        gold = 'lakehouse_gold_newest_row_timestamp_seconds{table="gold.funnel_daily"}'
        wait_for(lambda: value(server, 'lakehouse_rows_read_total{table="silver.clickstream"}') == VALID + NOT_JSON
                 and value(server, gold) is not None, "scraped silver rows and gold freshness", stream)
        assert value(server, 'up{job="lakehouse-stream"}') == 1
        assert value(server, 'lakehouse_rows_written_total{table="bronze.clickstream"}') == VALID + NOT_JSON, \
            "bronze keeps every message"
        assert value(server, 'lakehouse_rows_written_total{table="silver.clickstream"}') == VALID
        assert value(server, 'lakehouse_rows_quarantined_total{table="silver.clickstream"}') == NOT_JSON
        assert value(server, 'lakehouse_rule_failures_total{table="silver.clickstream", '
                             'rule="record_is_parseable"}') == NOT_JSON
        newest_day = max(times).date()
        assert value(server, gold) == dt.datetime(newest_day.year, newest_day.month, newest_day.day,
                                                  tzinfo=dt.timezone.utc).timestamp()
        lag = f'lakehouse_kafka_lag_messages{{query="bronze.clickstream@kafka", topic="{topic}"}}'
        wait_for(lambda: value(server, lag) == 0, "lag back to 0", stream, 60)
        assert value(server, f"max_over_time({lag}[10m])") >= VALID + NOT_JSON - PER_BATCH, \
            "after its first batch, the query was behind by the rest"
        assert value(server, 'lakehouse_table_runs_total{table="silver.clickstream", status="succeeded"}') >= 1
        assert value(server, 'lakehouse_stream_processed_rows_per_second{query="bronze.clickstream@kafka"}') \
            is not None
        assert value(server, 'time() - lakehouse_stream_last_progress_timestamp_seconds'
                             '{query="bronze.clickstream@kafka"}') < 60
        for expr in dashboard.queries():  # each panel's query is valid PromQL over series that exist
            assert query(server, expr.replace("$__rate_interval", "1m")), f"the dashboard's {expr} shows nothing"
        with urlopen(f"{server}/api/v1/rules", timeout=10) as response:
            rules = [rule for group in json.load(response)["data"]["groups"] for rule in group["rules"]]
        assert len(rules) == 6 and all(rule["health"] == "ok" for rule in rules), rules
        assert not [rule["name"] for rule in rules if rule["state"] != "inactive"], "a healthy stream raises no alert"
        stream.send_signal(signal.SIGTERM)
        _, err = stream.communicate(timeout=120)
        assert stream.returncode == 0, err
    finally:
        stream.kill()
