"""Gold while streaming: `run --mode stream` refreshes gold on its own trigger, and `status` sees it move.

``gold.sales_minute`` with every table it reads runs as a stream in the background on a
lakehouse of the test's own; orders land, gold shows them, more land, gold moves, and the
stream stops when asked, without an error.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline, run_tables
from lakehouse.lib.status import table_status
from tests.conftest import restore_catalog

from .conftest import land


def order(order_id: str, placed: str, lsn: int) -> str:
    row = {"order_id": order_id, "customer_id": "C00001", "order_ts": placed, "status": "paid", "currency": "USD",
           "total_amount": "30.00", "shipping_country": "US", "updated_at": placed}
    return json.dumps({"op": "c", "ts_ms": 1763715600000, "source": {"table": "orders", "lsn": lsn},
                       "before": None, "after": row})


def line(order_id: str, line_no: int, quantity: int, lsn: int) -> str:
    row = {"order_id": order_id, "line_no": line_no, "product_id": "P00001", "quantity": quantity,
           "unit_price": "5.00", "discount": "0.00"}
    return json.dumps({"op": "c", "ts_ms": 1763715600000, "source": {"table": "order_items", "lsn": lsn},
                       "before": None, "after": row})


@pytest.fixture
def root(spark: SparkSession, settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    paths = settings.paths.model_copy(update={"landing": str(tmp_path / "landing"),
                                              "lakehouse": str(tmp_path / "lakehouse")})
    stream = settings.stream.model_copy(update={"trigger_interval": "1 second", "gold_trigger_interval": "1 second"})
    catalog._ensured.clear()
    yield settings.model_copy(update={"paths": paths, "stream": stream})
    restore_catalog(spark, settings, *[table.name for table in registry.select("gold.sales_minute", upstream=True)])


def sales(spark: SparkSession, root: Settings) -> dict[str, tuple[int, int]]:
    path = root.table_path("gold.sales_minute")
    if not any(Path(path, "_delta_log").glob("*.json")):
        return {}
    return {f"{r.minute:%H:%M}": (r.orders, r.units) for r in spark.read.format("delta").load(path).collect()}


def wait_for(condition: Callable[[], bool], stream: threading.Thread, what: str) -> None:
    deadline = time.monotonic() + 240
    while not condition():
        assert stream.is_alive(), f"the stream ended before {what}"
        assert time.monotonic() < deadline, f"no {what} in 240 s"
        time.sleep(1)


def test_gold_refreshes_while_the_stream_runs_and_status_sees_it(spark: SparkSession, root: Settings) -> None:
    landing = Path(root.paths.landing)
    land(landing, "orders/part-0.jsonl", [order("O1", "2026-11-21T10:00:05Z", 1),
                                          order("O2", "2026-11-21T10:01:30Z", 2)])
    land(landing, "order_items/part-0.jsonl", [line("O1", 1, 2, 1), line("O1", 2, 1, 2), line("O2", 1, 4, 3)])
    pipeline = Pipeline(spark, root, "stream-gold")
    failures: list[BaseException] = []

    def stream() -> None:
        try:
            run_tables(pipeline, registry.select("gold.sales_minute", upstream=True), "stream")
        except BaseException as error:  # said by the test's last assertion
            failures.append(error)

    running = threading.Thread(target=stream)
    running.start()
    try:
        wait_for(lambda: sales(spark, root) == {"10:00": (1, 3), "10:01": (1, 4)}, running, "first gold")
        land(landing, "orders/part-1.jsonl", [order("O3", "2026-11-21T10:01:45Z", 3)])
        land(landing, "order_items/part-1.jsonl", [line("O3", 1, 5, 4)])
        wait_for(lambda: sales(spark, root).get("10:01") == (2, 9), running, "gold moving")
        now = datetime.now(timezone.utc)
        status = {s.table: s for s in table_status(spark, root, now)}
        gold = status["gold.sales_minute"]
        assert gold.rows_written > 0 and gold.age(now).total_seconds() < 60
        assert status["silver.orders"].rows_read > 0 and status["silver.orders"].processing_rate > 0
    finally:
        pipeline.stopping.set()
        running.join(180)
    assert not running.is_alive(), "the stream did not stop"
    assert failures == []
