"""End to end on a small generated set plus hand-written bad input: where every record ends up.

One landing zone, one lakehouse: generated data for every source, then files written
by hand for each kind of bad input the landing contract lists, each with its own ids.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.generator import generate
from lakehouse.lib.runlog import TableRun
from lakehouse.lib.runner import Pipeline, run_tables

EVENT_SOURCES = ("clickstream", "search", "inventory", "reviews", "server_logs")
LONG_URL = "https://shop.example.com/" + "x" * 20_000


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
    full = gzip.compress(("\n".join(json.dumps({"event_id": f"H-GZ-{i}", "event_ts": "2026-11-21T10:00:00Z",
                                                "product_id": "P00001", "warehouse_id": "W1", "qty_on_hand": 5,
                                                "qty_delta": 1, "reason": "restock"}) for i in range(400))).encode())
    land(landing, "inventory/dt=2026-11-22/hand-truncated.jsonl.gz", data=full[: len(full) // 2])
    land(landing, "customers/dt=2026-11-22/hand.csv", [
        "customer_id,email,first_name,last_name,phone,birth_date,country,city,postal_code,signup_ts,"
        "marketing_opt_in,updated_at",
        "C99001,a@example.com,Ann,Lee,+1,1990-01-01,US,Austin,73301,2026-01-01T00:00:00Z,true,"
        "2026-11-21T00:00:00Z,surplus",
        "C99002,b@example.com,Bob",
    ])
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


def run(spark: SparkSession, settings: Settings, run_id: str) -> dict[str, object]:
    tables = registry.select("bronze") + registry.select("silver")
    return {r.table: r for r in run_tables(Pipeline(spark, settings, run_id), tables, "batch")}


@pytest.fixture(scope="module")
def first_run(spark: SparkSession, settings: Settings) -> dict[str, object]:
    landing = Path(settings.paths.landing)
    generate(landing, customers=60, events=1500, days=2, seed=11, progress=False)
    hand_written_bad_input(landing)
    return run(spark, settings, "first")


def count(spark: SparkSession, name: str, where: str = "true") -> int:
    return spark.table(name).where(where).count()


def readable_lines(folder: Path) -> tuple[int, set[str]]:
    """Lines in every file that decompresses whole, counted in Python; and the files that do not."""
    total, broken = 0, set()
    for path in folder.rglob("*"):
        if not path.is_file() or path.name.startswith((".", "_")):
            continue
        try:
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        except EOFError:
            broken.add(path.name)
            continue
        total += len(data.splitlines())
    return total, broken


@pytest.mark.parametrize("source", EVENT_SOURCES)
def test_every_landed_line_is_in_bronze(spark: SparkSession, settings: Settings, first_run: dict,
                                        source: str) -> None:
    lines, broken = readable_lines(Path(settings.paths.landing) / source)
    whole_files = spark.table(f"bronze.{source}").where(
        ~F.element_at(F.split("_origin", "/"), -1).isin(*broken) if broken else F.lit(True))
    assert whole_files.count() == lines


@pytest.mark.parametrize("source", EVENT_SOURCES)
def test_every_bronze_record_is_valid_quarantined_or_a_counted_duplicate(spark: SparkSession, first_run: dict,
                                                                           source: str) -> None:
    bronze = count(spark, f"bronze.{source}")
    duplicates = spark.table("ops.runs").where(f"`table` = 'silver.{source}'").agg(F.sum("rows_duplicate")).first()[0]
    assert bronze > 0
    assert bronze == count(spark, f"silver.{source}") + count(spark, f"quarantine.{source}") + duplicates


@pytest.mark.parametrize("event_id, rules", [
    ("H-NO-TS", {"event_ts_is_present"}),
    ("H-TELEPORT", {"event_type_is_known"}),
    ("H-WRONG-TYPE", {"event_ts_is_timestamp"}),
])
def test_bad_clickstream_records_are_quarantined_with_their_rules(spark: SparkSession, first_run: dict,
                                                                  event_id: str, rules: set[str]) -> None:
    rows = spark.table("quarantine.clickstream").where(F.col("event_id") == event_id).collect()
    assert len(rows) == 1
    assert rules <= set(rows[0].failed_rules)
    assert rows[0].run_id == "first" and rows[0]._raw.startswith("{")
    assert count(spark, "silver.clickstream", f"event_id = '{event_id}'") == 0


def test_a_line_that_is_not_json_is_kept_in_bronze_and_quarantined(spark: SparkSession, first_run: dict) -> None:
    assert count(spark, "bronze.clickstream", "_raw = 'this line is not JSON'") == 1
    row = spark.table("quarantine.clickstream").where("_raw = 'this line is not JSON'").first()
    assert "record_is_parseable" in row.failed_rules and row._parse_error == "not a JSON object"


def test_unannounced_fields_are_kept_in_silver(spark: SparkSession, first_run: dict) -> None:
    row = spark.table("silver.clickstream").where("event_id = 'H-DRIFT'").first()
    assert json.loads(row._rescued) == {"utm_campaign": "black-friday"}


def test_a_duplicate_within_and_across_files_is_kept_once(spark: SparkSession, first_run: dict) -> None:
    assert count(spark, "bronze.clickstream", "event_id = 'H-DUP'") == 3
    assert count(spark, "silver.clickstream", "event_id = 'H-DUP'") == 1


@pytest.mark.parametrize("event_id", ["H-LATE", "H-LONG", "H-UNICODE"])
def test_late_long_and_non_ascii_events_are_valid(spark: SparkSession, first_run: dict, event_id: str) -> None:
    assert count(spark, "silver.clickstream", f"event_id = '{event_id}'") == 1


def test_long_and_non_ascii_values_arrive_intact(spark: SparkSession, first_run: dict) -> None:
    assert spark.table("silver.clickstream").where("event_id = 'H-LONG'").first().page_url == LONG_URL
    referrer = spark.table("silver.clickstream").where("event_id = 'H-UNICODE'").first().referrer
    assert referrer == "https://ünïcödé.example/?q=日本\u0007\t"


@pytest.mark.parametrize("review_id, rule", [("H-FIVE", "rating_is_integer"), ("H-SEVEN", "rating_between_1_and_5")])
def test_wrong_type_and_out_of_range_reviews_are_quarantined(spark: SparkSession, first_run: dict, review_id: str,
                                                              rule: str) -> None:
    row = spark.table("quarantine.reviews").where(F.col("review_id") == review_id).first()
    assert rule in row.failed_rules


def test_a_file_in_the_wrong_folder_is_quarantined_with_its_fields_rescued(spark: SparkSession,
                                                                          first_run: dict) -> None:
    row = spark.table("quarantine.search").where(F.col("_rescued").contains("H-WRONG-FOLDER")).first()
    assert "search_id_is_present" in row.failed_rules


def test_csv_rows_with_too_many_or_too_few_fields_are_quarantined(spark: SparkSession, first_run: dict) -> None:
    rows = {r.customer_id: r for r in spark.table("quarantine.customers").where(
        F.col("customer_id").isin("C99001", "C99002")).collect()}
    assert rows["C99001"]._parse_error == "expected 12 fields, found 13"
    assert rows["C99002"]._parse_error == "expected 12 fields, found 3"


def test_a_truncated_gzip_file_does_not_stop_the_run(spark: SparkSession, first_run: dict) -> None:
    from_truncated = count(spark, "bronze.inventory", "_origin LIKE '%hand-truncated.jsonl.gz'")
    assert 0 <= from_truncated < 400
    assert first_run["silver.inventory"].error is None and count(spark, "silver.inventory") > 0


def test_access_log_lines_parse_or_are_quarantined(spark: SparkSession, first_run: dict) -> None:
    assert count(spark, "quarantine.server_logs", "_raw LIKE 'garbage that is not%'") == 1
    row = spark.table("silver.server_logs").where("path = '/hand'").first()
    assert (row.bytes_sent, row.user_agent, row.response_ms) == (0, 'agent "q"', None)


def test_change_events_in_any_order_give_the_current_state(spark: SparkSession, first_run: dict) -> None:
    rows = {r.order_id: (r.status, r.lsn) for r in spark.table("silver.orders").where(
        F.col("order_id").startswith("H-")).collect()}
    assert rows == {"H-O1": ("shipped", 3)}


def test_personal_data_never_reaches_silver_in_clear(spark: SparkSession, settings: Settings,
                                                       first_run: dict) -> None:
    bronze = spark.table("bronze.customers").where("email IS NOT NULL").select("email", "city").limit(50).collect()
    silver = spark.table("silver.customers")
    clear = {value for row in bronze for value in row if value}
    for column in ("email", "city", "first_name", "last_name", "phone", "postal_code", "birth_date"):
        assert not clear & {r[0] for r in silver.select(column).distinct().collect()}
    assert silver.where(~F.col("customer_key").rlike("^[0-9a-f]{64}$")).count() == 0
    assert count(spark, "silver.customers", "is_current") == silver.select("customer_id").distinct().count()


def test_tables_are_registered_in_the_catalog_on_disk(spark: SparkSession, settings: Settings,
                                                      first_run: dict) -> None:
    assert (Path(settings.paths.metastore) / "metastore_db").is_dir()
    for name in ("bronze.orders", "silver.orders", "quarantine.orders", "ops.runs", "ops.dq_results"):
        assert spark.catalog.tableExists(name)
    assert spark.sql("SELECT count(*) AS n FROM silver.orders").first().n > 0


def test_run_log_has_a_row_per_table_and_a_result_per_rule(spark: SparkSession, first_run: dict) -> None:
    runs = spark.table("ops.runs").where("run_id = 'first'")
    assert runs.count() == len(registry.select("bronze") + registry.select("silver"))
    reviews = spark.table("ops.dq_results").where("run_id = 'first' AND `table` = 'silver.reviews'")
    failed = {r.rule: r.rows_failed for r in reviews.collect()}
    assert failed["rating_is_integer"] >= 1 and failed["rating_between_1_and_5"] >= 1


def versions(spark: SparkSession, settings: Settings) -> dict[str, int]:
    names = [t.name for t in registry.select("bronze") + registry.select("silver")]
    names += [f"quarantine.{t.short_name}" for t in registry.select("silver")]
    return {name: DeltaTable.forPath(spark, settings.table_path(name)).history(1).first().version for name in names}


def test_running_again_with_no_new_input_changes_no_table(spark: SparkSession, settings: Settings,
                                                         first_run: dict) -> None:
    before = versions(spark, settings)
    again = run(spark, settings, "again")
    assert versions(spark, settings) == before
    assert all(r.rows_read == 0 for r in again.values())


def test_a_new_file_is_processed_and_old_ones_are_not(spark: SparkSession, settings: Settings,
                                                      first_run: dict) -> None:
    bronze_before = count(spark, "bronze.clickstream")
    land(Path(settings.paths.landing), "clickstream/dt=2026-11-23/hand-2.jsonl",
         [event("H-NEW-1"), event("H-NEW-2"), event("H-DUP")])
    later = run(spark, settings, "later")
    assert count(spark, "bronze.clickstream") == bronze_before + 3
    assert (later["silver.clickstream"].rows_read, later["silver.clickstream"].rows_written,
            later["silver.clickstream"].rows_duplicate) == (3, 2, 1)
    assert later["bronze.orders"].rows_read == 0


def test_stream_mode_runs_the_same_declaration_and_picks_up_new_files(spark: SparkSession, settings: Settings,
                                                                      first_run: dict) -> None:
    table = registry.get("bronze.reviews")
    pipeline = Pipeline(spark, settings, "stream")
    query = pipeline.start(table, "stream", TableRun(pipeline.run_id, table.name, "stream"))
    try:
        query.processAllAvailable()
        land(Path(settings.paths.landing), "reviews/dt=2026-11-23/hand-stream.jsonl", [
            json.dumps({"review_id": "H-STREAM", "product_id": "P00001", "customer_id": "C00001", "rating": 4,
                        "created_ts": "2026-11-23T10:00:00Z"})])
        query.processAllAvailable()
        assert count(spark, "bronze.reviews", "_raw LIKE '%H-STREAM%'") == 1
        assert spark.table("ops.runs").where("run_id = 'stream' AND rows_read = 1").count() == 1
    finally:
        query.stop()


def run_gold(spark: SparkSession, settings: Settings, run_id: str, full_refresh: bool = False) -> dict[str, object]:
    pipeline = Pipeline(spark, settings, run_id, full_refresh=full_refresh)
    return {r.table: r for r in run_tables(pipeline, registry.select("gold"), "batch")}


def iso(moment: object) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def land_upstream_changes(spark: SparkSession, landing: Path) -> None:
    """An order cancelled days later, a product moved to another category, a corrected rate, a late event."""
    order = (spark.table("silver.orders").where("status IN ('paid', 'shipped', 'delivered') AND currency = 'EUR'")
             .orderBy("order_id").first())
    row = {"order_id": order.order_id, "customer_id": order.customer_id, "order_ts": iso(order.order_ts),
           "status": "cancelled", "currency": order.currency, "total_amount": str(order.total_amount),
           "shipping_country": order.shipping_country, "updated_at": "2026-11-25T09:00:00Z"}
    land(landing, "orders/dt=2026-11-25/hand-cancel.jsonl", [json.dumps(
        {"op": "u", "ts_ms": 1795597200000, "source": {"table": "orders", "lsn": order.lsn + 10**9},
         "before": None, "after": row})])
    sold = spark.table("silver.order_items").orderBy("product_id").first().product_id
    product = spark.table("silver.products").where(F.col("product_id") == sold).first()
    land(landing, "products/dt=2026-11-25/hand-recategorised.csv", [
        "product_id,sku,name,category,subcategory,brand,list_price,currency,active,updated_at",
        f"{product.product_id},{product.sku},renamed,relabelled,,{product.brand},{product.list_price},"
        f"{product.currency},true,2026-11-25T09:00:00Z"])
    rate = spark.table("silver.fx_rates").where("currency = 'EUR'").orderBy(F.desc("date")).first()
    land(landing, "fx_rates/dt=2026-11-25/hand-corrected.csv", [
        "date,currency,usd_per_unit", f"{rate.date},EUR,{rate.usd_per_unit * 1.01:.6f}"])
    land(landing, "clickstream/dt=2026-11-25/hand-late.jsonl", [
        event("H-LATE-2", event_ts="2026-11-20T23:59:59Z", session_id="S-LATE", device="tablet",
              event_type="product_view", product_id=sold)])


def assert_same_rows(spark: SparkSession, name: str) -> None:
    declared = registry.get(name)
    inputs = [spark.table(source) for source in declared.inputs]
    expected = declared.transform(*inputs)
    actual = spark.table(name).select(*expected.columns)
    assert actual.exceptAll(expected).count() == 0, name
    assert expected.exceptAll(actual).count() == 0, name


def test_gold_updated_incrementally_equals_a_full_rebuild(spark: SparkSession, settings: Settings,
                                                          first_run: dict) -> None:
    built = run_gold(spark, settings, "gold-full")
    daily_sales_rows = count(spark, "gold.daily_sales")
    assert built["gold.daily_sales"].rows_written == daily_sales_rows > 0
    land_upstream_changes(spark, Path(settings.paths.landing))
    run(spark, settings, "changes")
    updated = run_gold(spark, settings, "gold-incremental")
    for name in (t.name for t in registry.select("gold")):
        assert_same_rows(spark, name)
    assert 0 < updated["gold.daily_sales"].rows_written < count(spark, "gold.daily_sales")
    assert 0 < updated["gold.server_health_minute"].rows_written or updated["gold.server_health_minute"].batches
    unchanged = run_gold(spark, settings, "gold-unchanged")
    assert all(r.rows_read == 0 for r in unchanged.values())


def test_full_refresh_gives_the_same_gold_tables(spark: SparkSession, settings: Settings, first_run: dict) -> None:
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


def test_gold_tables_read_the_same_in_delta_rs(spark: SparkSession, settings: Settings, first_run: dict) -> None:
    from deltalake import DeltaTable as RustDeltaTable

    run_gold(spark, settings, "gold-for-delta-rs")
    for declared in registry.select("gold"):
        path = settings.table_path(declared.name)
        rust = RustDeltaTable(path).to_pandas()
        assert rows_of(rust) == rows_of(spark.read.format("delta").load(path).toPandas()), declared.name
