"""Exactly-once through crashes: `lakehouse run ... --mode stream` killed with SIGKILL three times, then restarted.

A known set of messages goes to topics of the test's own in three waves (clickstream events
with repeats and bad messages, orders with later changes, order lines), and a landed file
of clickstream lines with each wave. Before each wave after the first, the running command
is killed, Python and JVM at once as a lost machine dies: the first time at a random moment
once silver is writing, then at random moments from start-up on. The last start runs until gold shows every order (refreshed while the stream runs, as
`lakehouse status` sees), and stops on SIGTERM with exit code 0. Bronze,
silver, quarantine and gold must then hold exactly what was published: nothing lost,
nothing twice. The seed of the random moments is printed, and ``CRASH_SEED`` replays it.

The command runs the tables the checks read (``SELECTION`` with its upstream: three Kafka sources and a
landed one through bronze and silver, and gold.sales_minute), not ``all``: every table is started and
stopped by the same code, and on two cores twenty idle queries more would slow each start by minutes.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest
from confluent_kafka import KafkaError, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from pyspark.sql import SparkSession

from lakehouse.lib import registry
from lakehouse.lib.config import Kafka, Settings
from lakehouse.lib.status import table_status
from tests.kafka.conftest import own_root

REPO = Path(__file__).resolve().parents[2]
WAVES = 3  # each followed by a start of the command and a SIGKILL
EVENTS_PER_WAVE = 120
ORDERS_PER_WAVE = 12
SELECTION = ("silver.clickstream", "gold.sales_minute")


@dataclass
class Published:
    """What the test sent and landed, and what each layer must therefore hold."""

    delivered: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # topic: (partition, offset)
    bad: list[str] = field(default_factory=list)  # origins of messages silver must quarantine
    lines: list[str] = field(default_factory=list)  # clickstream lines landed as files
    events: set[str] = field(default_factory=set)  # valid clickstream event ids
    orders: dict[str, tuple[str, str]] = field(default_factory=dict)  # order id: (placed at, latest status)
    units: dict[tuple[str, int], int] = field(default_factory=dict)  # (order id, line no): quantity


def event(event_id: str, second: int) -> bytes:
    row = {"event_id": event_id, "event_ts": f"2026-11-21T10:{second // 60:02d}:{second % 60:02d}Z",
           "event_type": "page_view", "session_id": f"S{second % 7}", "device": "mobile"}
    return json.dumps(row).encode()


def change(table: str, lsn: int, op: str, row: dict) -> bytes:
    return json.dumps({"op": op, "ts_ms": 1763719200000 + lsn, "source": {"table": table, "lsn": lsn},
                       "before": None, "after": row}).encode()


def order_row(order_id: str, placed: str, status: str) -> dict:
    return {"order_id": order_id, "customer_id": "C00001", "order_ts": placed, "status": status, "currency": "USD",
            "total_amount": "10.00", "shipping_country": "US", "updated_at": placed}


def wave(n: int, topics: dict[str, str], landing: Path, published: Published, producer: Producer) -> None:
    """Wave ``n``: events (one sent twice, one not JSON, one tombstone), orders with lines, and, from the
    second wave on, the first order of the wave before cancelled; one landed file of clickstream lines."""
    def send(source: str, key: bytes | None, value: bytes | None, bad: bool = False) -> None:
        def delivered(error: KafkaError | None, message: Message) -> None:
            assert error is None, error
            at = (message.partition(), message.offset())
            published.delivered.setdefault(source, []).append(at)
            if bad:
                published.bad.append(f"kafka://{message.topic()}/{at[0]}/{at[1]}")
        producer.produce(topics[source], key=key, value=value, on_delivery=delivered)

    for i in range(EVENTS_PER_WAVE):
        event_id = f"W{n}-E{i:03d}"
        published.events.add(event_id)
        send("clickstream", event_id.encode(), event(event_id, n * 60 + i % 60))
    send("clickstream", f"W{n}-E000".encode(), event(f"W{n}-E000", n * 60))  # a producer's retry
    send("clickstream", b"junk", b"{not json", bad=True)
    send("clickstream", f"W{n}-E001".encode(), None, bad=True)  # a tombstone
    for i in range(ORDERS_PER_WAVE):
        order_id, placed = f"W{n}-O{i:02d}", f"2026-11-21T1{n}:{i:02d}:30Z"
        published.orders[order_id] = (placed, "paid")
        send("orders", order_id.encode(), change("orders", n * 1000 + i, "c", order_row(order_id, placed, "paid")))
        for line_no in (1, 2):
            published.units[(order_id, line_no)] = i + line_no
            line = {"order_id": order_id, "line_no": line_no, "product_id": "P00001", "quantity": i + line_no,
                    "unit_price": "2.50", "discount": "0.00"}
            send("order_items", order_id.encode(), change("order_items", n * 1000 + i * 10 + line_no, "c", line))
    if n > 1:
        order_id = f"W{n - 1}-O00"
        placed, _ = published.orders[order_id]
        published.orders[order_id] = (placed, "cancelled")
        send("orders", order_id.encode(), change("orders", n * 1000 + 999, "u", order_row(order_id, placed,
                                                                                          "cancelled")))
    assert producer.flush(30) == 0
    lines = [event(f"W{n}-F{i}", n * 60).decode() for i in range(5)] + [event(f"W{n}-E002", n * 60).decode()]
    published.events.update(f"W{n}-F{i}" for i in range(5))
    published.lines += lines
    folder = landing / "clickstream"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f".wave-{n}.jsonl").write_text("\n".join(lines) + "\n")
    (folder / f".wave-{n}.jsonl").rename(folder / f"wave-{n}.jsonl")  # a file is complete once visible


@pytest.fixture
def topics(kafka: Kafka) -> dict[str, str]:
    """A topic of the test's own for every event source: two partitions for clickstream, one for the rest."""
    suffix = uuid.uuid4().hex[:8]
    names = {source: f"crash-{source}-{suffix}" for source in kafka.topics}
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap_servers})
    created = admin.create_topics([NewTopic(name, num_partitions=2 if source == "clickstream" else 1,
                                            replication_factor=1) for source, name in names.items()])
    for future in created.values():
        future.result()
    return names


@pytest.fixture
def conf(tmp_path: Path, kafka: Kafka, topics: dict[str, str]) -> Path:
    """Settings of a root of the test's own: every trigger at a second, 50 messages a micro-batch, so a
    wave is several micro-batches and a kill can land inside one."""
    local = kafka.model_dump(exclude={"bootstrap_servers", "topics"})  # the brokers come from the environment
    return own_root(tmp_path, stream={"trigger_interval": "1 second", "gold_trigger_interval": "2 seconds"},
                    kafka={**local, "topics": topics, "max_offsets_per_trigger": 50})


class Command:
    """`lakehouse run <SELECTION> --upstream --mode stream` in a process group of its own, its output in a file
    per start."""

    def __init__(self, kafka: Kafka, env_path: Path, logs: Path) -> None:
        self.environment = {**os.environ, "LAKEHOUSE_KAFKA_BOOTSTRAP": kafka.bootstrap_servers}
        self.command = [sys.executable, "-m", "lakehouse.lib.cli", "run", *SELECTION, "--upstream",
                        "--mode", "stream", "--env", str(env_path)]
        self.logs = logs
        self.starts = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.starts += 1
        with open(self.logs / f"start-{self.starts}.log", "w") as log:
            self.process = subprocess.Popen(self.command, cwd=REPO, env=self.environment, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> None:
        assert self.process is not None
        assert self.process.poll() is None, f"start {self.starts} ended:\n{self.output()}"

    def kill(self) -> None:
        """SIGKILL to Python and its JVM together, and wait until both are gone."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        deadline = time.monotonic() + 30
        while _group_alive(self.process.pid):
            assert time.monotonic() < deadline, "the JVM outlived SIGKILL"
            time.sleep(0.2)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(180)

    def output(self) -> str:
        return (self.logs / f"start-{self.starts}.log").read_text()[-4000:]


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def commits(root: Path, layer: str) -> int:
    """Delta commits in every table of a layer so far after each table's creation, read from the log folders."""
    return sum(1 for log in (root / layer).glob("*/_delta_log/*.json") if int(log.stem) > 0)


def wait_for(condition: Callable[[], bool], command: Command, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        command.alive()
        assert time.monotonic() < deadline, f"no {what} in {seconds:.0f} s:\n{command.output()}"
        time.sleep(0.5)


def test_killed_three_times_the_stream_holds_exactly_what_was_published(
        spark: SparkSession, settings: Settings, kafka: Kafka, topics: dict[str, str], conf: Path,
        tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", time.time_ns() % 10**6))
    print(f"CRASH_SEED={seed}")
    moments = random.Random(seed)
    root, landing = tmp_path / "lakehouse", tmp_path / "landing"
    published = Published()
    producer = Producer({"bootstrap.servers": kafka.bootstrap_servers, "enable.idempotence": True})
    command = Command(kafka, conf, tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    for n in range(1, WAVES + 1):
        wave(n, topics, landing, published, producer)
        command.start()
        if n == 1:  # once inside the micro-batches of a wave, the other times anywhere, start-up included
            wait_for(lambda: commits(root, "silver") > 0, command, "a silver commit")
            time.sleep(moments.uniform(0, 6))
        else:
            time.sleep(moments.uniform(8, 40))
            command.alive()
        command.kill()
    command.start()
    expected_sales = sales_by_minute(published)
    paths = settings.model_copy(update={"paths": settings.paths.model_copy(update={"lakehouse": str(root)})})
    wait_for(lambda: gold_sales(spark, paths.table_path("gold.sales_minute")) == expected_sales, command,
             "gold with every order", seconds=480)
    now = datetime.now(timezone.utc)
    status = {s.table: s for s in table_status(spark, paths, now)}  # what `lakehouse status` shows beside it
    assert status["gold.sales_minute"].age(now).total_seconds() < 60, "status sees gold's refresh"
    assert command.stop() == 0, command.output()

    def rows(name: str) -> list:
        return spark.read.format("delta").load(paths.table_path(name)).collect()

    for source in ("clickstream", "orders", "order_items"):
        held = Counter((r._kafka.partition, r._kafka.offset) for r in rows(f"bronze.{source}") if r._kafka)
        assert held == Counter(published.delivered[source]), f"bronze.{source}: seed {seed}"
    from_files = Counter(r._raw for r in rows("bronze.clickstream") if r._kafka is None)
    assert from_files == Counter(published.lines), f"seed {seed}"
    assert Counter(r.event_id for r in rows("silver.clickstream")) == Counter(published.events), f"seed {seed}"
    quarantined = Counter(r._origin for r in rows("quarantine.clickstream"))
    assert quarantined == Counter(published.bad), f"seed {seed}"
    assert {r.order_id: r.status for r in rows("silver.orders")} == {
        order_id: status for order_id, (_, status) in published.orders.items()}, f"seed {seed}"
    assert Counter((r.order_id, r.line_no, r.quantity) for r in rows("silver.order_items")) == Counter(
        (order_id, line_no, quantity) for (order_id, line_no), quantity in published.units.items())
    for gold in (table for table in registry.select(SELECTION, upstream=True) if table.layer == "gold"):
        keys = Counter(tuple(getattr(r, k) for k in gold.key) for r in rows(gold.name))
        assert not [key for key, times in keys.items() if times > 1], f"{gold.name} holds a key twice: seed {seed}"


def sales_by_minute(published: Published) -> dict[str, tuple[int, int, Decimal]]:
    """gold.sales_minute as the published orders make it: live orders by the minute placed, 2.50 a unit."""
    sales: dict[str, tuple[int, int, Decimal]] = {}
    for order_id, (placed, status) in published.orders.items():
        if status == "cancelled":
            continue
        units = sum(q for (o, _), q in published.units.items() if o == order_id)
        orders, held, revenue = sales.get(placed[11:16], (0, 0, Decimal("0.00")))
        sales[placed[11:16]] = (orders + 1, held + units, revenue + Decimal("2.50") * units)
    return sales


def gold_sales(spark: SparkSession, path: str) -> dict[str, tuple[int, int, Decimal]]:
    if not any(Path(path, "_delta_log").glob("*.json")):
        return {}
    return {f"{r.minute:%H:%M}": (r.orders, r.units, r.revenue_usd)
            for r in spark.read.format("delta").load(path).collect()}
