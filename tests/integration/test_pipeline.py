"""Where every record ends up: each kind of bad input the landing contract lists, end to end.

The landing zone and the first run are shared by every integration test (conftest.py).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import registry
from lakehouse.lib.config import LOCAL_PSEUDONYM_KEY, Settings
from lakehouse.lib.encryption import decrypt
from lakehouse.lib.runlog import TableRun
from lakehouse.lib.runner import Pipeline
from lakehouse.silver.customers import PERSONAL

from .conftest import LONG_URL, TRUNCATED_LINES, count, event, land, run


@pytest.mark.parametrize("event_id, rules", [
    ("H-NO-TS", {"event_ts_is_present"}),
    ("H-TELEPORT", {"event_type_is_known"}),
    ("H-WRONG-TYPE", {"event_ts_is_timestamp"}),
])
def test_bad_clickstream_records_are_quarantined_with_their_rules(spark: SparkSession, first_run: dict,
                                                                  event_id: str, rules: set[str]) -> None:
    rows = spark.table("quarantine.clickstream").where(F.col("event_id") == event_id).collect()
    assert len(rows) == 1
    assert set(rows[0].failed_rules) == rules
    assert rows[0].run_id == "first" and rows[0]._raw.startswith("{")
    assert count(spark, "silver.clickstream", f"event_id = '{event_id}'") == 0


def test_a_line_that_is_not_json_is_kept_in_bronze_and_quarantined(spark: SparkSession, first_run: dict) -> None:
    assert count(spark, "bronze.clickstream", "_raw = 'this line is not JSON'") == 1
    row = spark.table("quarantine.clickstream").where("_raw = 'this line is not JSON'").first()
    assert (row.failed_rules, row._parse_error) == (["record_is_parseable"], "not a JSON object")


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
    assert row.failed_rules == [rule]


def test_a_file_in_the_wrong_folder_is_quarantined_with_its_fields_rescued(spark: SparkSession,
                                                                          first_run: dict) -> None:
    row = spark.table("quarantine.search").where(F.col("_rescued").contains("H-WRONG-FOLDER")).first()
    assert "search_id_is_present" in row.failed_rules


def test_csv_rows_with_too_many_or_too_few_fields_are_quarantined(spark: SparkSession, first_run: dict) -> None:
    rows = {r.customer_id: r for r in spark.table("quarantine.customers").where(
        F.col("customer_id").isin("C99001", "C99002")).collect()}
    assert rows["C99001"]._parse_error == "expected 12 fields, found 13"
    assert rows["C99002"]._parse_error == "expected 12 fields, found 3"
    assert {key: row.failed_rules for key, row in rows.items()} == {"C99001": ["record_is_parseable"],
                                                                   "C99002": ["record_is_parseable"]}


REAL_EXPORT = "_origin LIKE '%hand-real-export.csv'"


def test_every_record_of_a_real_export_reaches_bronze_once(spark: SparkSession, first_run: dict) -> None:
    """BOM, CRLF, a quoted line break, an empty key cell, a second header with other columns, no final newline."""
    rows = {row.customer_id: row for row in spark.table("bronze.customers").where(REAL_EXPORT).collect()}
    assert set(rows) == {"C99101", "C99102", "", "C99103"}
    assert all(row._parse_error is None for row in rows.values())
    assert (rows["C99101"].last_name, rows["C99101"].city, rows["C99101"].phone) == ("Lee, Jr.", "Washington, D.C.", "")
    assert (rows["C99102"].first_name, rows["C99102"].city) == ('Bob "Bobby"', "Austin\nTexas")
    assert rows["C99102"]._raw.count("\n") == 1
    assert (rows["C99103"].country, rows["C99103"].city, rows["C99103"].email) == ("DE", "Köln", "c@example.com")


def keyed(value: str) -> str:
    return hmac.new(LOCAL_PSEUDONYM_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_a_real_export_arrives_in_silver_with_empty_cells_null_and_values_intact(spark: SparkSession,
                                                                                 first_run: dict) -> None:
    rows = {row.customer_id: row for row in spark.table("silver.customers").where(REAL_EXPORT).collect()}
    assert set(rows) == {"C99101", "C99102", "C99103"}
    assert (rows["C99101"].phone, rows["C99101"].birth_date, rows["C99101"].postal_code) == (None, None, None)
    assert rows["C99101"].city == keyed("Washington, D.C.")
    assert (rows["C99102"].first_name, rows["C99102"].city) == (keyed('Bob "Bobby"'), keyed("Austin\nTexas"))
    reordered = rows["C99103"]
    assert (reordered.country, reordered.marketing_opt_in, reordered.city) == ("DE", True, keyed("Köln"))
    empty_key = spark.table("quarantine.customers").where(REAL_EXPORT).collect()
    assert [(row.customer_id, row.failed_rules) for row in empty_key] == [(None, ["customer_id_is_present"])]


def test_a_truncated_gzip_file_yields_its_whole_lines_and_does_not_stop_the_run(spark: SparkSession,
                                                                                first_run: dict) -> None:
    from_truncated = count(spark, "bronze.inventory", "_origin LIKE '%hand-truncated.jsonl.gz'")
    assert from_truncated == TRUNCATED_LINES
    assert first_run["silver.inventory"].error is None and count(spark, "silver.inventory") > 0


def test_access_log_lines_parse_or_are_quarantined(spark: SparkSession, first_run: dict) -> None:
    assert count(spark, "quarantine.server_logs", "_raw LIKE 'garbage that is not%'") == 1
    row = spark.table("silver.server_logs").where("path = '/hand'").first()
    assert (row.bytes_sent, row.user_agent, row.response_ms) == (0, 'agent "q"', None)
    assert (row.ip_network, len(row.ip)) == ("198.51.100.0/24", 64)  # 198.51.100.9: its network, and its hash


def test_website_events_keep_the_visitors_network_never_the_address(spark: SparkSession, first_run: dict) -> None:
    clear = {row.ip for row in spark.table("bronze.clickstream").select("ip").distinct().collect() if row.ip}
    events = spark.table("silver.clickstream")
    assert events.where(F.col("ip").isNotNull() & F.col("ip_network").isNull()).count() == 0
    networks = {row.ip_network for row in events.where(F.col("ip_network").isNotNull()).select("ip_network")
                .distinct().collect()}
    assert len(networks) > 1
    assert networks <= {str(ipaddress.ip_network(f"{ip}/24", strict=False)) for ip in clear}


def test_change_events_in_any_order_give_the_current_state(spark: SparkSession, first_run: dict) -> None:
    rows = {r.order_id: (r.status, r.lsn) for r in spark.table("silver.orders").where(
        F.col("order_id").startswith("H-")).collect()}
    assert rows == {"H-O1": ("shipped", 3)}


PERSONAL_FIELDS = {"silver.customers": PERSONAL, "silver.clickstream": ("ip",), "silver.server_logs": ("ip",)}


@pytest.mark.parametrize("table, field", [(t, f) for t, fields in PERSONAL_FIELDS.items() for f in fields])
def test_no_personal_value_reaches_silver_in_clear(spark: SparkSession, first_run: dict, table: str,
                                                   field: str) -> None:
    clear = {row[0] for row in spark.table(table.replace("silver.", "bronze.")).select(field).distinct().collect()
             if row[0] and row[0].strip()}
    assert clear, f"bronze holds {field} values to look for"
    stored = {row[0] for row in spark.table(table).select(field).distinct().collect()}
    assert not {value.strip() for value in clear} & stored
    assert not {value.strip().lower() for value in clear} & stored
    assert all(value is None or len(value) == 64 for value in stored)


def test_personal_data_is_only_in_the_pii_table_encrypted_under_the_customers_pseudonym(
        spark: SparkSession, settings: Settings, first_run: dict) -> None:
    stored = spark.table("silver.customer_pii")
    assert stored.schema["email"].dataType.simpleString() == "binary"
    opened = {r.customer_id: r for r in decrypt(stored, PERSONAL, settings.pii_key()).collect()}
    assert (opened["C99101"].email, opened["C99101"].last_name, opened["C99101"].city) == (
        "ann@example.com", "Lee, Jr.", "Washington, D.C.")
    assert opened["C99103"].last_name == "Kühn"
    keys = {r.customer_id: r.customer_key for r in spark.table("silver.customers").where("is_current").collect()}
    assert keys and all(opened[customer].customer_key == key for customer, key in keys.items())


def test_every_customer_has_a_pseudonym_and_one_current_version(spark: SparkSession, first_run: dict) -> None:
    silver = spark.table("silver.customers")
    assert silver.where(~F.col("customer_key").rlike("^[0-9a-f]{64}$")).count() == 0
    assert count(spark, "silver.customers", "is_current") == silver.select("customer_id").distinct().count()


def test_tables_are_registered_in_the_catalog_on_disk(spark: SparkSession, settings: Settings,
                                                      first_run: dict) -> None:
    assert (Path(settings.catalog_path) / "metastore_db").is_dir()
    for name in ("bronze.orders", "silver.orders", "quarantine.orders", "ops.runs", "ops.dq_results"):
        assert spark.catalog.tableExists(name)
    assert spark.sql("SELECT count(*) AS n FROM silver.orders").first().n > 0


def test_run_log_has_a_row_per_table_and_a_result_per_rule(spark: SparkSession, first_run: dict) -> None:
    runs = spark.table("ops.runs").where("run_id = 'first'")
    assert runs.count() == len(registry.select("bronze") + registry.select("silver"))
    reviews = spark.table("ops.dq_results").where("run_id = 'first' AND `table` = 'silver.reviews'")
    failed = {r.rule: r.rows_failed for r in reviews.collect()}
    assert failed["rating_is_integer"] >= 1 and failed["rating_between_1_and_5"] >= 1


def test_the_run_log_says_where_each_checked_tables_time_went(spark: SparkSession, first_run: dict) -> None:
    run = spark.table("ops.runs").where("run_id = 'first' AND `table` = 'silver.reviews'").first()
    assert set(run.phase_seconds) == {"catalog", "check", "plan", "write", "other"}
    assert all(run.phase_seconds[phase] > 0 for phase in ("catalog", "check", "plan", "write"))
    timed = sum(seconds for phase, seconds in run.phase_seconds.items() if phase != "other")
    assert timed <= run.seconds + 0.01, "each phase is timed once, within the run"


def versions(spark: SparkSession, settings: Settings) -> dict[str, int]:
    names = [t.name for t in registry.select("bronze") + registry.select("silver")]
    names += [f"quarantine.{t.short_name}" for t in registry.checked_tables()]
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
    [query] = pipeline.start(table, "stream", TableRun(pipeline.run_id, table.name, "stream"))  # files only
    try:
        query.processAllAvailable()
        land(Path(settings.paths.landing), "reviews/dt=2026-11-23/hand-stream.jsonl", [
            json.dumps({"review_id": "H-STREAM", "product_id": "P00001", "customer_id": "C00001", "rating": 4,
                        "created_ts": "2026-11-23T10:00:00Z"})])
        query.processAllAvailable()
        assert count(spark, "bronze.reviews", "_raw LIKE '%H-STREAM%'") == 1
        pipeline.unlogged.record(spark, settings)  # as the runner does every RUN_LOG_SECONDS and when it stops
        assert spark.table("ops.runs").where("run_id = 'stream' AND rows_read = 1").count() == 1
    finally:
        query.stop()


def test_a_silver_table_with_rules_runs_in_stream_mode(spark: SparkSession, settings: Settings,
                                                      first_run: dict) -> None:
    pipeline = Pipeline(spark, settings, "stream-silver")
    tables = [registry.get("bronze.reviews"), registry.get("silver.reviews")]
    queries = [query for table in tables
               for query in pipeline.start(table, "stream",
                                           TableRun(pipeline.run_id, table.name, "stream", table.rules))]
    try:
        for query in queries:
            query.processAllAvailable()
        base = {"product_id": "P00001", "customer_id": "C00001", "created_ts": "2026-11-23T10:00:00Z"}
        land(Path(settings.paths.landing), "reviews/dt=2026-11-23/hand-stream-silver.jsonl", [
            json.dumps({**base, "review_id": "H-STREAM-OK", "rating": 5, "language": "en"}),
            json.dumps({**base, "review_id": "H-STREAM-BAD", "rating": 9, "language": "en"}),
            json.dumps({**base, "review_id": "H-STREAM-WARN", "rating": 4, "language": "english"})])
        for query in queries:
            query.processAllAvailable()
        kept = {row.review_id: row._warnings for row in spark.table("silver.reviews").where(
            F.col("review_id").startswith("H-STREAM-")).collect()}
        assert kept == {"H-STREAM-OK": [], "H-STREAM-WARN": ["language_is_well_formed"]}
        held = spark.table("quarantine.reviews").where("review_id = 'H-STREAM-BAD'").first()
        assert (held.failed_rules, held.run_id) == (["rating_between_1_and_5"], "stream-silver")
        pipeline.unlogged.record(spark, settings)
        logged = spark.table("ops.runs").where("run_id = 'stream-silver' AND `table` = 'silver.reviews'")
        assert logged.where("rows_read = 3 AND rows_written = 2 AND rows_quarantined = 1").count() == 1
    finally:
        for query in queries:
            query.stop()
