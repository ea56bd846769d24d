"""The transaction database to bronze and silver: every change once, even a transaction that commits late.

A real PostgreSQL on a free port holds the shop's orders. Changes are written by hand
through psycopg2, the extract reads them over JDBC into bronze, silver applies them:
an insert, an update, a delete, and a transaction that started before another but
committed after it (an ``updated_at`` high-water mark would miss it).
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import psycopg2
import pytest
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, postgres_server, registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline, run_tables
from lakehouse.lib.sources.oltp import SCHEMA, apply_changes, extract_into_bronze
from tests.conftest import restore_catalog

ORDER = ("INSERT INTO shop.orders (order_id, customer_id, order_ts, status, currency, total_amount, "
         "shipping_country, updated_at) VALUES (%s, 'C00001', %s, 'placed', 'USD', 10.00, 'US', %s)")


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh PostgreSQL with the shop's schema; its psycopg2 DSN."""
    cluster = Path(tempfile.mkdtemp(prefix="lakehouse-postgres-"))  # outside root's private /tmp/pytest-of-root
    server = postgres_server.start(cluster)
    try:
        postgres_server.create_database(server, "shop")
        with psycopg2.connect(server.url("shop")) as connection, connection.cursor() as cursor:
            cursor.execute(SCHEMA)
        yield server.url("shop")
    finally:
        postgres_server.stop(cluster)
        shutil.rmtree(cluster, ignore_errors=True)


@pytest.fixture(scope="module")
def root(spark: SparkSession, settings: Settings, database: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    folder = tmp_path_factory.mktemp("oltp")
    paths = settings.paths.model_copy(update={"landing": str(folder / "landing"),
                                              "lakehouse": str(folder / "lakehouse")})
    jdbc = "jdbc:" + database.replace("postgres@", "", 1)
    catalog._ensured.clear()
    yield settings.model_copy(update={"paths": paths, "oltp": settings.oltp.model_copy(update={"url": jdbc})})
    restore_catalog(spark, settings, "bronze.orders", "silver.orders")


def execute(dsn: str, *statements: tuple) -> None:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(*statement)


def extract_and_apply(spark: SparkSession, root: Settings, run_id: str) -> int:
    """Changes extracted into bronze.orders; silver.orders applies them. The rows the extract appended."""
    pipeline = Pipeline(spark, root, run_id)
    _, run = extract_into_bronze(pipeline, "orders")
    run_tables(pipeline, [registry.get("silver.orders")], "batch")
    return run.rows_written


def orders(spark: SparkSession, root: Settings) -> dict[str, str]:
    silver = spark.read.format("delta").load(root.table_path("silver.orders"))
    return {row.order_id: row.status for row in silver.collect()}


def test_each_change_reaches_silver_once_even_when_its_transaction_commits_late(
        spark: SparkSession, root: Settings, database: str) -> None:
    execute(database, (ORDER, ("O1", "2026-11-21T10:00:00Z", "2026-11-21T10:00:00Z")),
            (ORDER, ("O2", "2026-11-21T10:01:00Z", "2026-11-21T10:01:00Z")))
    assert extract_and_apply(spark, root, "extract-1") == 2
    assert orders(spark, root) == {"O1": "placed", "O2": "placed"}

    slow = psycopg2.connect(database)  # begins first: the lower transaction id, and an earlier updated_at
    with slow.cursor() as cursor:
        cursor.execute(ORDER, ("O-SLOW", "2026-11-21T10:02:00Z", "2026-11-21T10:02:00Z"))
    execute(database, (ORDER, ("O-FAST", "2026-11-21T10:03:00Z", "2026-11-21T10:03:00Z")),
            ("UPDATE shop.orders SET status = 'paid', updated_at = '2026-11-21T10:04:00Z' WHERE order_id = 'O1'",),
            ("DELETE FROM shop.orders WHERE order_id = 'O2'",))
    extract_and_apply(spark, root, "extract-2")
    assert orders(spark, root) == {"O1": "paid", "O-FAST": "placed"}, "O-SLOW has not committed yet"
    slow.commit()
    slow.close()
    extract_and_apply(spark, root, "extract-3")
    assert orders(spark, root) == {"O1": "paid", "O-FAST": "placed", "O-SLOW": "placed"}

    assert extract_and_apply(spark, root, "extract-4") == 0, "nothing changed, so nothing is read again"
    bronze = spark.read.format("delta").load(root.table_path("bronze.orders"))
    assert bronze.where("_origin LIKE 'jdbc:postgresql://%#shop.orders'").count() == bronze.count()
    assert orders(spark, root) == {"O1": "paid", "O-FAST": "placed", "O-SLOW": "placed"}


def test_the_generators_changes_play_against_the_database(database: str) -> None:
    """Good change events are written; the database refuses the bad ones, counted, not fatal."""
    after = {"order_id": "G1", "customer_id": "C1", "order_ts": "2026-11-21T11:00:00Z", "status": "placed",
             "currency": "EUR", "total_amount": "5.00", "shipping_country": "DE", "updated_at": "2026-11-21T11:00:00Z"}
    changes = [
        {"op": "c", "source": {"table": "orders", "lsn": 1}, "before": None, "after": after},
        {"op": "u", "source": {"table": "orders", "lsn": 2}, "before": None, "after": {**after, "status": "paid"}},
        {"op": "u", "source": {"table": "orders", "lsn": 3}, "before": None,
         "after": {**after, "order_id": "G2", "total_amount": "five"}},  # the wrong type: refused
        "this line is not JSON",
        {"op": "d", "source": {"table": "orders", "lsn": 4}, "before": {**after, "order_id": "O-NONE"}, "after": None},
    ]
    applied = apply_changes(database, changes, rate=1000, duration=30)
    assert (applied.written, applied.refused, applied.left) == (3, 2, 0)
    with psycopg2.connect(database) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT status, change_op FROM shop.orders WHERE order_id = 'G1'")
        assert cursor.fetchall() == [("paid", "u")]
