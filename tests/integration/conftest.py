"""One landing zone, one lakehouse for every integration test: a small generated set plus hand-written bad input.

Generated data for every source, then files written by hand for each kind of bad input
the landing contract lists, each with its own ids, so a test can say where one record
ended up. The first run of bronze and silver (``first_run``) and of gold (``gold_built``) happen once per
test session, in tests/conftest.py, which the notebook tests share.
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runlog import TableRun
from lakehouse.lib.runner import Pipeline, run_tables

EVENT_SOURCES = ("clickstream", "search", "inventory", "reviews", "server_logs")
LONG_URL = "https://shop.example.com/" + "x" * 20_000
# The hand-written truncated gzip file: its first TRUNCATED_LINES lines are flushed whole, then it is cut.
TRUNCATED_LINES = 250
CUSTOMER_HEADER = ("customer_id,email,first_name,last_name,phone,birth_date,country,city,postal_code,signup_ts,"
                   "marketing_opt_in,updated_at")


def event(event_id: str, **fields: object) -> str:
    row = {"event_id": event_id, "event_ts": "2026-11-21T10:00:00Z", "event_type": "page_view",
           "session_id": "S-HAND", "device": "desktop", **fields}
    return json.dumps(row, ensure_ascii=False)


def change(order_id: str, op: str, lsn: int, status: str = "placed") -> str:
    row = {"order_id": order_id, "customer_id": "C00001", "order_ts": "2026-11-21T09:00:00Z", "status": status,
           "currency": "EUR", "total_amount": "20.00", "shipping_country": "DE", "updated_at": "2026-11-21T09:00:00Z"}
    image = {"before": row if op == "d" else None, "after": None if op == "d" else row}
    return json.dumps({"op": op, "ts_ms": 1763715600000, "source": {"table": "orders", "lsn": lsn}, **image})


def land(landing: Path, relative: str, lines: list[str] | None = None, data: bytes | None = None) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if data is not None else ("\n".join(lines or []) + "\n").encode())
    return path


def truncated_gzip(lines: list[str], whole: int) -> bytes:
    """Gzip of ``lines`` flushed after the first ``whole`` of them and cut right there: exactly those decompress."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress("".join(f"{line}\n" for line in lines[:whole]).encode()) + packer.flush(zlib.Z_FULL_FLUSH)


def real_export_csv() -> bytes:
    """A CRM export as Excel-style exporters write it: a byte-order mark, CRLF, quoted commas, doubled quotes and
    line breaks, empty cells, a second export with reordered columns appended, no newline at the end."""
    rows = [
        CUSTOMER_HEADER,
        'C99101,ann@example.com,Ann,"Lee, Jr.",,,US,"Washington, D.C.",,2026-01-01T00:00:00Z,true,'
        "2026-11-21T00:00:00Z",
        'C99102,bob@example.com,"Bob ""Bobby""",Ray,+1 555,1990-02-03,US,"Austin\r\nTexas",78701,'
        "2026-01-01T00:00:00Z,false,2026-11-21T00:00:00Z",
        ",nokey@example.com,No,Key,,,US,,,2026-01-01T00:00:00Z,true,2026-11-21T00:00:00Z",
        "country,customer_id,updated_at,marketing_opt_in,signup_ts,email,first_name,last_name,phone,birth_date,"
        "city,postal_code",
        "DE,C99103,2026-11-21T00:00:00Z,true,2026-01-01T00:00:00Z,c@example.com,Carla,Kühn,,,Köln,",
    ]
    return ("\ufeff" + "\r\n".join(rows)).encode()


def hand_written_bad_input(landing: Path) -> None:
    land(landing, "clickstream/dt=2026-11-22/hand-0.jsonl", [
        "this line is not JSON",
        event("H-NO-TS", event_ts=None),
        event("H-TELEPORT", event_type="teleport"),
        event("H-WRONG-TYPE", event_ts="yesterday"),
        event("H-DRIFT", utm_campaign="black-friday"),
        event("H-DUP"), event("H-DUP"),
        event("H-LATE", event_ts="2026-11-19T23:59:00Z"),
        event("H-LONG", page_url=LONG_URL),
        event("H-UNICODE", referrer="https://ünïcödé.example/?q=日本\u0007\t"),
    ])
    land(landing, "clickstream/dt=2026-11-23/hand-1.jsonl", [event("H-DUP")])
    land(landing, "reviews/dt=2026-11-22/hand.jsonl", [
        json.dumps({"review_id": "H-FIVE", "product_id": "P00001", "customer_id": "C00001", "rating": "five",
                    "created_ts": "2026-11-21T10:00:00Z"}),
        json.dumps({"review_id": "H-SEVEN", "product_id": "P00001", "customer_id": "C00001", "rating": 7,
                    "created_ts": "2026-11-21T10:00:00Z"}),
    ])
    land(landing, "search/dt=2026-11-22/hand-wrong-folder.jsonl", [
        json.dumps({"review_id": "H-WRONG-FOLDER", "product_id": "P00001", "rating": 4}),
    ])
    land(landing, "search/dt=2026-11-22/hand-empty.jsonl", data=b"")
    movements = [json.dumps({"event_id": f"H-GZ-{i}", "event_ts": "2026-11-21T10:00:00Z", "product_id": "P00001",
                             "warehouse_id": "W1", "qty_on_hand": 5, "qty_delta": 1, "reason": "restock"})
                 for i in range(400)]
    land(landing, "inventory/dt=2026-11-22/hand-truncated.jsonl.gz", data=truncated_gzip(movements, TRUNCATED_LINES))
    land(landing, "customers/dt=2026-11-22/hand.csv", [
        CUSTOMER_HEADER,
        "C99001,a@example.com,Ann,Lee,+1,1990-01-01,US,Austin,73301,2026-01-01T00:00:00Z,true,"
        "2026-11-21T00:00:00Z,surplus",
        "C99002,b@example.com,Bob",
    ])
    land(landing, "customers/dt=2026-11-22/hand-real-export.csv", data=real_export_csv())
    land(landing, "server_logs/dt=2026-11-22/hand.log", [
        "garbage that is not an access log line",
        '198.51.100.9 - - [21/Nov/2026:10:00:00 +0000] "GET /hand HTTP/1.1" 200 - "-" "agent \\"q\\""',
    ])
    land(landing, "orders/dt=2026-11-22/hand.jsonl", [
        change("H-O1", "u", 3, "shipped"), change("H-O1", "c", 1), change("H-O1", "u", 2, "paid"),
        change("H-O1", "u", 3, "shipped"),
        change("H-O2", "c", 1), change("H-O2", "d", 2),
    ])
    land(landing, "orders/dt=2026-11-23/hand.jsonl", [change("H-O2", "u", 1, "paid"), change("H-O1", "u", 2, "paid")])


def run(spark: SparkSession, settings: Settings, run_id: str, *names: str) -> dict[str, TableRun]:
    """Run bronze and silver in batch mode, or only the tables ``names``."""
    tables = [registry.get(name) for name in names] or registry.select("bronze") + registry.select("silver")
    return {r.table: r for r in run_tables(Pipeline(spark, settings, run_id), tables, "batch")}


def run_gold(spark: SparkSession, settings: Settings, run_id: str, *names: str,
             full_refresh: bool = False) -> dict[str, TableRun]:
    """Run gold in batch mode, or only the gold tables ``names``."""
    tables = [registry.get(name) for name in names] or registry.select("gold")
    pipeline = Pipeline(spark, settings, run_id, full_refresh=full_refresh)
    return {r.table: r for r in run_tables(pipeline, tables, "batch")}


def count(spark: SparkSession, name: str, where: str = "true") -> int:
    return spark.table(name).where(where).count()
