"""Gold after upstream changes: only what they touch is recomputed, and it equals a full rebuild.

Each test lands changes whose effect is known by hand, runs bronze and silver, then gold
incrementally, and checks both the hand-known figures and that every gold table equals its
transformation recomputed from the current silver tables.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from pyspark.sql import Row, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import registry
from lakehouse.lib.config import Settings

from .conftest import count, event, land, run, run_gold

PRODUCT_HEADER = "product_id,sku,name,category,subcategory,brand,list_price,currency,active,updated_at"


def iso(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def order_change(row: Row | dict, lsn: int, op: str = "u", **changed: object) -> str:
    image = {**(row.asDict() if isinstance(row, Row) else row), **changed}
    return json.dumps({"op": op, "ts_ms": 1795597200000, "source": {"table": "orders", "lsn": lsn},
                       "before": image if op == "d" else None, "after": None if op == "d" else image}, default=str)


def order_row(order: Row, **changed: object) -> dict:
    return {"order_id": order.order_id, "customer_id": order.customer_id, "order_ts": iso(order.order_ts),
            "status": order.status, "currency": order.currency, "total_amount": str(order.total_amount),
            "shipping_country": order.shipping_country, "updated_at": "2026-11-25T09:00:00Z", **changed}


def line_row(line: Row, **changed: object) -> dict:
    return {"order_id": line.order_id, "line_no": line.line_no, "product_id": line.product_id,
            "quantity": line.quantity, "unit_price": str(line.unit_price),
            "discount": None if line.discount is None else str(line.discount), **changed}


def assert_same_rows(spark: SparkSession, name: str) -> None:
    """The table holds exactly the rows (with their multiplicity) of its transformation on the current inputs:
    each row counted +1 per stored copy and -1 per recomputed one, in one job, must sum to 0."""
    declared = registry.get(name)
    expected = declared.transform(*[spark.table(source) for source in declared.inputs])
    actual = spark.table(name).select(*expected.columns)
    copies = actual.withColumn("_copies", F.lit(1)).unionByName(expected.withColumn("_copies", F.lit(-1)))
    differing = copies.groupBy(*expected.columns).agg(F.sum("_copies").alias("_copies")).where("_copies <> 0")
    assert differing.count() == 0, f"{name}: {differing.limit(3).collect()}"


def assert_gold_equals_a_full_rebuild(spark: SparkSession, reading: str | None = None) -> None:
    """Every gold table, or those reading ``reading`` (the others' inputs did not change, so neither did they)."""
    for declared in registry.select("gold"):
        if reading is None or reading in declared.inputs:
            assert_same_rows(spark, declared.name)


def last_live_eur_order(spark: SparkSession) -> Row:
    """A live EUR order on the last date with EUR orders: a rate change there touches no later date."""
    return (spark.table("silver.orders").where("status IN ('paid', 'shipped', 'delivered') AND currency = 'EUR'")
            .join(spark.table("silver.order_items").select("order_id").distinct(), on="order_id", how="left_semi")
            .orderBy(F.desc("order_date"), "order_id").first())


def test_changes_on_one_date_rebuild_that_date_alone(spark: SparkSession, settings: Settings,
                                                     gold_built: dict) -> None:
    """An order cancelled days later, its date's EUR rate corrected, a product of that date relabelled, a late
    click: all on the order's date, so daily_sales replaces that date's rows and no other."""
    landing = Path(settings.paths.landing)
    order = last_live_eur_order(spark)
    day = order.order_date
    land(landing, "orders/dt=2026-11-25/hand-cancel.jsonl",
         [order_change(order_row(order, status="cancelled"), order.lsn + 10**9)])
    rate = spark.table("silver.fx_rates").where(F.col("date") == day).where("currency = 'EUR'").first()
    land(landing, "fx_rates/dt=2026-11-25/hand-corrected.csv",
         ["date,currency,usd_per_unit", f"{rate.date},EUR,{rate.usd_per_unit * 1.01:.6f}"])
    others = spark.table("silver.orders").where(F.col("order_id") != order.order_id)
    is_live = ~F.col("status").isin("cancelled", "returned")
    sold_that_day_only = (spark.table("silver.order_items").join(others, "order_id", "inner").groupBy("product_id")
                          .agg(F.min("order_date").alias("first"), F.max("order_date").alias("last"),
                               F.count_if(is_live).alias("live_lines"))
                          .where((F.col("first") == day) & (F.col("last") == day) & (F.col("live_lines") > 0))
                          .orderBy("product_id").first())
    assert sold_that_day_only, f"a product sold on {day} alone"
    product = spark.table("silver.products").where(F.col("product_id") == sold_that_day_only.product_id).first()
    land(landing, "products/dt=2026-11-25/hand-relabelled.csv", [
        PRODUCT_HEADER, f"{product.product_id},{product.sku},renamed,relabelled,,{product.brand or ''},"
                        f"{product.list_price},{product.currency},true,2026-11-25T09:00:00Z"])
    land(landing, "clickstream/dt=2026-11-25/hand-late.jsonl", [
        event("H-LATE-2", event_ts=f"{day}T23:59:59Z", session_id="S-LATE", device="tablet",
              event_type="product_view", product_id="P00001")])
    dates_before = {row.date for row in spark.table("gold.daily_sales").select("date").distinct().collect()}
    assert len(dates_before) > 1, "the data spans several dates, so a one-date change can show it is targeted"
    run(spark, settings, "changes", *(f"{layer}.{source}" for layer in ("bronze", "silver")
                                      for source in ("orders", "fx_rates", "products", "clickstream")))
    updated = run_gold(spark, settings, "gold-incremental")
    assert_gold_equals_a_full_rebuild(spark)
    assert updated["gold.daily_sales"].rows_written == count(spark, "gold.daily_sales", f"date = DATE'{day}'")
    assert count(spark, "gold.daily_sales", "category = 'relabelled'") > 0
    unchanged = run_gold(spark, settings, "gold-unchanged")
    assert all(r.rows_read == 0 and r.rows_written == 0 for r in unchanged.values())


def test_new_log_lines_rebuild_their_minutes(spark: SparkSession, settings: Settings, gold_built: dict) -> None:
    """Three requests in a new minute: 2 of them 5xx, response 100/200/300 ms, bytes 100, '-' and 50."""
    line = '198.51.100.{n} - - [25/Nov/2026:08:00:{s:02d} +0000] "GET /x HTTP/1.1" {status} {size} "-" "agent" {t}'
    land(Path(settings.paths.landing), "server_logs/dt=2026-11-25/hand-minute.log", [
        line.format(n=1, s=1, status=200, size=100, t="0.100"),
        line.format(n=2, s=2, status=503, size="-", t="0.200"),
        line.format(n=3, s=3, status=500, size=50, t="0.300")])
    minutes = count(spark, "gold.server_health_minute")
    run(spark, settings, "log-lines", "bronze.server_logs", "silver.server_logs")
    updated = run_gold(spark, settings, "gold-log-lines", "gold.server_health_minute")
    row = spark.table("gold.server_health_minute").where("minute = TIMESTAMP'2026-11-25 08:00:00'").first()
    # p95 of 100, 200, 300 interpolated between ranks: 200 + 0.9 * (300 - 200)
    assert (row.requests, row.errors_5xx, row.error_rate, row.p95_response_ms, row.bytes_sent) == (
        3, 2, pytest.approx(2 / 3), pytest.approx(290.0), 150)
    assert updated["gold.server_health_minute"].rows_written == 1
    assert count(spark, "gold.server_health_minute") == minutes + 1
    assert_same_rows(spark, "gold.server_health_minute")


def test_new_stock_movements_rebuild_their_product(spark: SparkSession, settings: Settings,
                                                   gold_built: dict) -> None:
    """A new product in two warehouses; in W-A a later movement lands before an earlier one."""
    def movement(event_id: str, warehouse: str, at: str, qty: int) -> str:
        return json.dumps({"event_id": event_id, "event_ts": at, "product_id": "P99998", "warehouse_id": warehouse,
                           "qty_on_hand": qty, "qty_delta": -1, "reason": "sale"})

    land(Path(settings.paths.landing), "inventory/dt=2026-11-25/hand-stock.jsonl", [
        movement("H-INV-2", "W-A", "2026-11-25T10:00:00Z", 4),
        movement("H-INV-1", "W-A", "2026-11-25T09:00:00Z", 12),
        movement("H-INV-3", "W-B", "2026-11-25T09:30:00Z", 30)])
    run(spark, settings, "stock", "bronze.inventory", "silver.inventory")
    updated = run_gold(spark, settings, "gold-stock", "gold.inventory_current")
    rows = {r.warehouse_id: (r.qty_on_hand, str(r.last_event_ts), r.low_stock)
            for r in spark.table("gold.inventory_current").where("product_id = 'P99998'").collect()}
    assert rows == {"W-A": (4, "2026-11-25 10:00:00", True), "W-B": (30, "2026-11-25 09:30:00", False)}
    assert updated["gold.inventory_current"].rows_written == 2
    assert_same_rows(spark, "gold.inventory_current")


def test_order_line_changes_and_deletes_alone_reach_gold(spark: SparkSession, settings: Settings,
                                                         gold_built: dict) -> None:
    """One line's quantity raised by 2, another order's line deleted; the orders themselves do not change."""
    lines = (spark.table("silver.order_items")
             .join(spark.table("silver.orders").where("status NOT IN ('cancelled', 'returned')")
                   .select("order_id", "order_date", "shipping_country"), on="order_id", how="inner")
             .join(spark.table("silver.products").select("product_id", "category"), on="product_id", how="inner")
             .orderBy("order_id", "line_no").collect())
    raised = lines[0]
    deleted = next(line for line in lines if (line.order_date, line.shipping_country, line.category) !=
                   (raised.order_date, raised.shipping_country, raised.category))

    def units(line: Row) -> int:
        """Units of the line's group in daily_sales; a group whose last line went is no row, so 0."""
        group = spark.table("gold.daily_sales").where(
            (F.col("date") == line.order_date) & (F.col("country") == line.shipping_country)
            & (F.col("category") == line.category)).first()
        return group.units if group else 0

    before = {"raised": units(raised), "deleted": units(deleted)}
    land(Path(settings.paths.landing), "order_items/dt=2026-11-25/hand-lines.jsonl", [
        order_change(line_row(raised, quantity=raised.quantity + 2), raised.lsn + 10**9),
        order_change(line_row(deleted), deleted.lsn + 10**9, op="d")])
    run(spark, settings, "lines", "bronze.order_items", "silver.order_items")
    run_gold(spark, settings, "gold-lines")
    assert units(raised) == before["raised"] + 2
    assert units(deleted) == before["deleted"] - deleted.quantity
    assert_gold_equals_a_full_rebuild(spark, reading="silver.order_items")


def test_every_gold_table_key_is_unique(spark: SparkSession, gold_built: dict) -> None:
    for declared in registry.select("gold"):
        repeated = spark.table(declared.name).groupBy(*declared.key).count().where("count > 1")
        assert declared.key and repeated.count() == 0, f"{declared.name}: key {declared.key} repeats"


def test_full_refresh_gives_the_same_gold_tables(spark: SparkSession, settings: Settings, gold_built: dict) -> None:
    before = {t.name: spark.table(t.name).collect() for t in registry.select("gold")}
    run_gold(spark, settings, "gold-refresh", full_refresh=True)
    for name, rows in before.items():
        assert sorted(map(tuple, spark.table(name).collect()), key=repr) == sorted(map(tuple, rows), key=repr)


def canonical(value: object) -> object:
    """One spelling per value across engines: naive UTC timestamps, rounded floats, None for missing."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        moment = value.tz_convert(None) if getattr(value, "tzinfo", None) else value
        return str(moment.to_pydatetime() if hasattr(moment, "to_pydatetime") else moment)
    if isinstance(value, float):
        return round(value, 9)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def rows_of(frame: object) -> list[tuple]:
    records = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    return sorted((tuple(canonical(v) for v in row) for row in records), key=repr)


def test_gold_tables_read_the_same_in_delta_rs(spark: SparkSession, settings: Settings, gold_built: dict) -> None:
    from deltalake import DeltaTable as RustDeltaTable

    for declared in registry.select("gold"):
        path = settings.table_path(declared.name)
        rust = RustDeltaTable(path).to_pandas()
        assert rows_of(rust) == rows_of(spark.read.format("delta").load(path).toPandas()), declared.name
