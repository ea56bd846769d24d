"""The shop's transaction database (PostgreSQL): its orders, and what changed in them, into bronze.

``SCHEMA`` tracks every change in the database itself: a trigger stamps each inserted or
updated row with the next value of one sequence (``change_lsn``, the change's ``source.lsn``)
and the id of the transaction that wrote it (``change_xid``); a delete leaves the row's
last image in ``shop.deletes``, stamped the same way.

``extract`` reads what changed since the last high-water mark into bronze as change
events in the Debezium envelope the landing contract uses, so silver applies them
exactly as it applies files and Kafka messages. The mark is a transaction id, not a
time: before reading, it takes ``pg_snapshot_xmin(pg_current_snapshot())``, the oldest
transaction still running. Every transaction that commits later has an id at or above
it, so the next extract, which reads ``change_xid >= mark``, finds it however late it
commits; an ``updated_at`` mark would skip a long transaction that commits after a
shorter, later one. A change read twice this way (committed after the mark was taken,
before the read) arrives twice in bronze, as a Kafka message may, and silver keeps it
once: a change with the same ``lsn`` changes nothing. The mark is stored in the bronze
commit that appends the changes (its ``userMetadata``), so the changes and the mark land
together or not at all; nothing is re-read from the start.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import registry, runlog
from lakehouse.lib.config import ConfigError, Oltp
from lakehouse.lib.runlog import TableRun
from lakehouse.lib.runner import Pipeline
from lakehouse.lib.sources.landing import KAFKA_LINEAGE
from lakehouse.lib.writes import append, latest_user_metadata

MARK_KEY = "lakehouse.extract"
TABLES = {"orders": ("order_id",), "order_items": ("order_id", "line_no")}
FIRST_MARK = "0"

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS shop;
CREATE SEQUENCE IF NOT EXISTS shop.change_lsn;
CREATE TABLE IF NOT EXISTS shop.orders (
    order_id text PRIMARY KEY, customer_id text, order_ts timestamptz, status text, currency text,
    total_amount numeric(18, 2), shipping_country text, updated_at timestamptz,
    change_op text, change_lsn bigint, change_xid xid8);
CREATE TABLE IF NOT EXISTS shop.order_items (
    order_id text, line_no integer, product_id text, quantity integer, unit_price numeric(18, 2),
    discount numeric(18, 2), change_op text, change_lsn bigint, change_xid xid8, PRIMARY KEY (order_id, line_no));
CREATE TABLE IF NOT EXISTS shop.deletes (
    table_name text NOT NULL, before jsonb NOT NULL, change_lsn bigint NOT NULL,
    change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(), deleted_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS orders_change_xid ON shop.orders (change_xid);
CREATE INDEX IF NOT EXISTS order_items_change_xid ON shop.order_items (change_xid);
CREATE INDEX IF NOT EXISTS deletes_change_xid ON shop.deletes (table_name, change_xid);
CREATE OR REPLACE FUNCTION shop.track_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_op := CASE TG_OP WHEN 'INSERT' THEN 'c' ELSE 'u' END;
    NEW.change_lsn := nextval('shop.change_lsn');
    NEW.change_xid := pg_current_xact_id();
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION shop.track_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO shop.deletes (table_name, before, change_lsn)
    VALUES (TG_TABLE_NAME, to_jsonb(OLD) - 'change_op' - 'change_lsn' - 'change_xid', nextval('shop.change_lsn'));
    RETURN OLD;
END $$;
CREATE OR REPLACE TRIGGER orders_changed BEFORE INSERT OR UPDATE ON shop.orders
    FOR EACH ROW EXECUTE FUNCTION shop.track_change();
CREATE OR REPLACE TRIGGER orders_deleted AFTER DELETE ON shop.orders
    FOR EACH ROW EXECUTE FUNCTION shop.track_delete();
CREATE OR REPLACE TRIGGER order_items_changed BEFORE INSERT OR UPDATE ON shop.order_items
    FOR EACH ROW EXECUTE FUNCTION shop.track_change();
CREATE OR REPLACE TRIGGER order_items_deleted AFTER DELETE ON shop.order_items
    FOR EACH ROW EXECUTE FUNCTION shop.track_delete();
"""


def changes_query(table: str, since: str) -> str:
    """Each change of ``table`` by a transaction at or after ``since``, as one line of the Debezium envelope."""
    source = (f"jsonb_build_object('connector', 'lakehouse-jdbc', 'db', current_database(), 'schema', 'shop', "
              f"'table', '{table}', 'lsn', change_lsn, 'xid', change_xid::text)")
    return f"""
        SELECT jsonb_build_object('op', change_op, 'ts_ms', (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
                                  'source', {source}, 'before', NULL,
                                  'after', to_jsonb(t) - 'change_op' - 'change_lsn' - 'change_xid')::text AS line
        FROM shop.{table} t WHERE change_xid >= '{since}'::xid8
        UNION ALL
        SELECT jsonb_build_object('op', 'd', 'ts_ms', (extract(epoch FROM deleted_at) * 1000)::bigint,
                                  'source', {source}, 'before', before, 'after', NULL)::text
        FROM shop.deletes WHERE table_name = '{table}' AND change_xid >= '{since}'::xid8"""


@dataclass(frozen=True)
class Extract:
    """One table's changes since its last mark, and the mark the next extract starts from."""

    table: str
    since: str
    mark: str
    lines: DataFrame  # the bronze reader's lines (landing.LINE_SCHEMA)

    @property
    def user_metadata(self) -> str:
        return json.dumps({MARK_KEY: {self.table: self.mark}}, sort_keys=True)


def last_mark(spark: SparkSession, bronze_path: str, table: str) -> str:
    """The mark the latest extract of ``table`` stored with its bronze commit; the first extract reads all."""
    def marks(text: str) -> dict[str, str]:
        return json.loads(text).get(MARK_KEY, {}) if MARK_KEY in text else {}

    latest = latest_user_metadata(spark, bronze_path, lambda text: table in marks(text))
    return str(marks(latest)[table]) if latest else FIRST_MARK


def extract(spark: SparkSession, oltp: Oltp, table: str, since: str) -> Extract:
    """The mark first (the oldest running transaction), then every change at or after ``since``."""
    if table not in TABLES:
        raise ConfigError(f"cannot extract {table}: the transaction database's tables are {', '.join(TABLES)}")
    mark_query = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS mark"
    mark = _read(spark, oltp, mark_query).first().mark
    origin = f"{oltp.jdbc_url()}#shop.{table}"
    lines = _read(spark, oltp, changes_query(table, since)).select(
        F.col("line").alias("_raw"),
        F.lit(origin).alias("_origin"),
        F.lit(None).cast(KAFKA_LINEAGE).alias("_kafka"),
        F.lit(None).cast("string").alias("_read_error"),
        F.lit(None).cast("long").alias("_block_start"),
        F.current_timestamp().alias("_ingested_at"),
    )
    return Extract(table, since, mark, lines)


def extract_into_bronze(pipeline: Pipeline, table: str) -> tuple[Extract, TableRun]:
    """One table's changes since its mark appended to ``bronze.<table>``, the new mark in the same commit; the
    run is logged in ``ops.runs`` (mode ``extract``)."""
    bronze = registry.get(f"bronze.{table}")
    run = TableRun(pipeline.run_id, bronze.name, "extract")
    with run.timed("catalog"):
        pipeline.prepare(bronze)
    path = pipeline.settings.table_path(bronze.name)
    with run.timed("plan"):
        found = extract(pipeline.spark, pipeline.settings.oltp, table, last_mark(pipeline.spark, path, table))
    with run.timed("write"):
        written = append(pipeline.valid_rows(bronze, pipeline.output(bronze, found.lines)), path, None, None,
                         found.user_metadata)
    run.add(written, written, 0, 0, {})
    run.finish()
    runlog.record(pipeline.spark, pipeline.settings, [run])
    return found, run


def _read(spark: SparkSession, oltp: Oltp, query: str) -> DataFrame:
    return (spark.read.format("jdbc").options(**oltp.jdbc_options())
            .option("query", query).option("sessionInitStatement", "SET TIME ZONE 'UTC'").load())


@dataclass(frozen=True)
class Applied:
    """What ``apply_changes`` did: changes written to the database, refused by it, and not reached in time."""

    written: int
    refused: int
    left: int
    seconds: float


def apply_changes(dsn: str, records: list[object], rate: float, duration: float) -> Applied:
    """The generator's change events played against the database, in order, one transaction each, at most
    ``rate`` a second for at most ``duration`` seconds: what the shop's application does over a day.

    A record the database refuses (not an envelope, no key, a value of the wrong type: the
    generator's bad records) is counted and skipped, as a real database would reject it.
    """
    import psycopg2

    written = refused = 0
    started = time.monotonic()
    connection = psycopg2.connect(dsn)  # not `with connection`: since psycopg2 2.9 it opens one transaction
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(SCHEMA)
            for n, record in enumerate(records):
                if time.monotonic() - started > duration:
                    return Applied(written, refused, len(records) - n, time.monotonic() - started)
                time.sleep(max(0.0, started + n / rate - time.monotonic()))
                statement = _statement(record)
                if statement is None:
                    refused += 1
                    continue
                try:
                    cursor.execute(*statement)
                    written += 1
                except psycopg2.Error:  # a value of the wrong type, a column the table lacks
                    refused += 1
    finally:
        connection.close()
    return Applied(written, refused, 0, time.monotonic() - started)


def _statement(record: object) -> tuple[str, dict] | None:
    """SQL for one change event: an upsert of its row image, or a delete of its key; None if it has none."""
    if not isinstance(record, dict) or not isinstance(record.get("source"), dict):
        return None
    table = record["source"].get("table")
    key = TABLES.get(table)
    image = record.get("before") if record.get("op") == "d" else record.get("after")
    if key is None or not isinstance(image, dict) or any(image.get(column) is None for column in key):
        return None
    where = " AND ".join(f"{column} = %({column})s" for column in key)
    if record.get("op") == "d":
        return f"DELETE FROM shop.{table} WHERE {where}", {column: image[column] for column in key}
    columns = [column for column in image if column.isidentifier() and not column.startswith("change_")]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns if column not in key)
    return (f"INSERT INTO shop.{table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(f'%({column})s' for column in columns)}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}", {column: image[column] for column in columns})
