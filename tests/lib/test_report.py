"""The summary's story queries on a few rows, answers worked out by hand; the HTML report has every section."""
from __future__ import annotations

import dataclasses
import io
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import DataFrame, SparkSession
from rich.console import Console

from lakehouse.lib import story
from lakehouse.lib.churn.champion import Champion
from lakehouse.lib.config import Settings
from lakehouse.lib.report import write_report
from lakehouse.lib.summary import print_story, whereabouts

DAY_1, DAY_2 = date(2026, 11, 20), date(2026, 11, 21)
DAILY_SALES = "date date, country string, category string, revenue_usd decimal(18,2)"
FUNNEL_DAILY = ("date date, device string, sessions bigint, product_view_sessions bigint, "
                "add_to_cart_sessions bigint, checkout_sessions bigint, purchase_sessions bigint")
SEARCH_TERMS_DAILY = "date date, query string, searches bigint, zero_result_searches bigint"
SERVER_HEALTH_MINUTE = "minute timestamp, requests bigint, errors_5xx bigint, error_rate double, p95_response_ms double"
RUNS = "run_id string, table string, finished_at timestamp, status string"
EMPTY_STORY = story.Story(revenue_by_day=None, funnel_by_device=None, zero_result_queries=None, error_rate_peaks=None,
                          server_errors_overall=None, traffic_by_hour=None, quarantine_by_rule=pd.DataFrame(),
                          accounting=pd.DataFrame(), rows_per_layer=pd.DataFrame(), last_run=None)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def rows(frame: DataFrame) -> list[tuple]:
    """Collected rows as tuples, timestamps back in UTC whatever the machine's time zone."""
    return [tuple(v.astimezone(timezone.utc) if isinstance(v, datetime) else v for v in row) for row in frame.collect()]


@pytest.fixture(scope="module")
def daily_sales(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([
        (DAY_1, "US", "Books", Decimal("10.00")), (DAY_1, "US", "Toys", Decimal("5.40")),
        (DAY_1, "FR", "Books", Decimal("3.00")), (DAY_1, "DE", "Books", Decimal("1.00")),
        (DAY_2, "US", "Books", Decimal("2.00")), (DAY_2, "DE", "Toys", Decimal("4.00")),
    ], DAILY_SALES)


@pytest.fixture(scope="module")
def server_health_minute(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([
        (utc("2026-11-20 10:00"), 100, 50, 0.5, 900.0),
        (utc("2026-11-20 10:01"), 5, 5, 1.0, 50.0),      # every request failed, but too quiet to be a peak
        (utc("2026-11-20 10:02"), 40, 20, 0.5, 800.0),   # ties 10:00 on rate, fewer errors: after it
        (utc("2026-11-20 11:30"), 55, 0, 0.0, 120.0),
    ], SERVER_HEALTH_MINUTE)


def test_revenue_by_day_pivots_the_top_countries_and_adds_totals(daily_sales: DataFrame) -> None:
    # US 10 + 5.40 + 2 = 17.40, DE 1 + 4 = 5, FR 3
    assert rows(story.country_ranking(daily_sales)) == [
        ("US", Decimal("17.40")), ("DE", Decimal("5.00")), ("FR", Decimal("3.00"))]
    assert rows(story.revenue_by_day(daily_sales, ["US", "FR"])) == [
        (DAY_1, Decimal("15.40"), Decimal("3.00"), Decimal("1.00"), Decimal("19.40")),
        (DAY_2, Decimal("2.00"), Decimal("0.00"), Decimal("4.00"), Decimal("6.00")),
        (None, Decimal("17.40"), Decimal("3.00"), Decimal("5.00"), Decimal("25.40")),
    ]


def test_revenue_by_day_shows_the_latest_days_and_totals_every_day(spark: SparkSession) -> None:
    """Twenty days of 1 USD a day in the US: the table shows the last three, the total holds all twenty."""
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(20)]
    daily_sales = spark.createDataFrame([(d, "US", "Books", Decimal("1.00")) for d in days], DAILY_SALES)
    assert rows(story.revenue_by_day(daily_sales, ["US"], days=3)) == [
        (date(2026, 11, 18), Decimal("1.00"), Decimal("0.00"), Decimal("1.00")),
        (date(2026, 11, 19), Decimal("1.00"), Decimal("0.00"), Decimal("1.00")),
        (date(2026, 11, 20), Decimal("1.00"), Decimal("0.00"), Decimal("1.00")),
        (None, Decimal("20.00"), Decimal("0.00"), Decimal("20.00")),
    ]


def test_funnel_sums_the_days_with_all_devices_first(spark: SparkSession) -> None:
    funnel_daily = spark.createDataFrame([
        (DAY_1, "mobile", 10, 8, 4, 2, 1), (DAY_2, "mobile", 30, 20, 6, 3, 2), (DAY_1, "desktop", 20, 15, 5, 4, 3),
    ], FUNNEL_DAILY)
    assert rows(story.funnel_by_device(funnel_daily)) == [
        ("all devices", 60, 43, 15, 9, 6, pytest.approx(0.1)),
        ("mobile", 40, 28, 10, 5, 3, pytest.approx(0.075)),
        ("desktop", 20, 15, 5, 4, 3, pytest.approx(0.15)),
    ]


def test_zero_result_queries_rank_queries_over_all_days(spark: SparkSession) -> None:
    search_terms_daily = spark.createDataFrame([
        (DAY_1, "kayak", 4, 4), (DAY_2, "kayak", 2, 1), (DAY_1, "sofa", 5, 5), (DAY_1, "gift card", 3, 2),
        (DAY_1, "shoes", 9, 0),   # always found something: not listed
        (DAY_1, None, 7, 7),      # no query text: not a query to fix
    ], SEARCH_TERMS_DAILY)
    # kayak and sofa tie on 5 empty searches: by name
    assert rows(story.zero_result_queries(search_terms_daily)) == [
        ("kayak", 5, 6, pytest.approx(5 / 6)), ("sofa", 5, 5, 1.0), ("gift card", 2, 3, pytest.approx(2 / 3))]
    assert [row[0] for row in rows(story.zero_result_queries(search_terms_daily, top=1))] == ["kayak"]


def test_server_error_stories(server_health_minute: DataFrame) -> None:
    # 10:02 has exactly the floor's 40 requests: it counts
    peaks = story.error_rate_peaks(server_health_minute, min_requests=40, top=2)
    assert rows(peaks) == [(utc("2026-11-20 10:00"), 100, 50, 0.5, 900.0),
                           (utc("2026-11-20 10:02"), 40, 20, 0.5, 800.0)]
    # 100 + 5 + 40 + 55 = 200 requests, 50 + 5 + 20 = 75 errors
    assert rows(story.server_errors_overall(server_health_minute)) == [(200, 75, pytest.approx(0.375))]
    assert rows(story.traffic_by_hour(server_health_minute)) == [
        (utc("2026-11-20 10:00"), 145, 75, pytest.approx(75 / 145)), (utc("2026-11-20 11:00"), 55, 0, 0.0)]


def test_quarantine_layers_and_last_run(spark: SparkSession) -> None:
    quarantined = spark.createDataFrame([
        ("orders", ["status_is_known", "amount_is_positive"]), ("orders", ["status_is_known"]),
        ("search", ["query_is_present"]), ("search", ["status_is_known"]),
    ], story.QUARANTINED_SCHEMA)
    # a row failing two rules counts under both; the same rule name in two tables stays apart
    assert rows(story.quarantine_by_rule(quarantined)) == [
        ("orders", "status_is_known", 2), ("orders", "amount_is_positive", 1),
        ("search", "query_is_present", 1), ("search", "status_is_known", 1)]
    table_rows = spark.createDataFrame([("gold", "daily_sales", 7), ("bronze", "orders", 10), ("silver", "orders", 8),
                                        ("bronze", "search", 5)], story.TABLE_ROWS_SCHEMA)
    assert rows(story.rows_per_layer(table_rows)) == [("bronze", 2, 15), ("silver", 1, 8), ("gold", 1, 7)]
    runs = spark.createDataFrame([("r1", "silver.orders", utc("2026-11-20 09:00"), "succeeded"),
                                  ("r2", "silver.orders", utc("2026-11-21 09:00"), "succeeded"),
                                  ("r2", "gold.daily_sales", utc("2026-11-21 09:05"), "failed")], RUNS)
    assert rows(story.last_run(runs)) == [("r2", utc("2026-11-21 09:05"), 2, 1)]


def test_accounting_balances_each_source_from_its_own_counts(spark: SparkSession) -> None:
    table_rows = spark.createDataFrame([
        ("bronze", "clickstream", 10), ("silver", "clickstream", 7), ("quarantine", "clickstream", 2),
        ("bronze", "orders", 6), ("silver", "orders", 3), ("quarantine", "orders", 1), ("gold", "daily_sales", 5),
    ], story.TABLE_ROWS_SCHEMA)
    runs = spark.createDataFrame([("silver.clickstream", 4, 1), ("silver.clickstream", 3, 0), ("silver.orders", 4, 1),
                                  ("gold.daily_sales", 5, 0)],
                                 "table string, rows_written bigint, rows_duplicate bigint")
    landed = spark.createDataFrame([("clickstream", 10), ("orders", 7)], story.LANDED_SCHEMA)
    # orders: a landed record is missing from bronze, so the source does not balance
    assert rows(story.accounting(table_rows, runs, landed)) == [
        ("clickstream", 10, 10, 7, 2, 1, 7, True), ("orders", 7, 6, 4, 1, 1, 3, False)]


def test_summary_and_report_show_every_section(spark: SparkSession, settings: Settings, daily_sales: DataFrame,
                                               server_health_minute: DataFrame) -> None:
    told = story.tell_story(
        daily_sales=daily_sales,
        funnel_daily=spark.createDataFrame([(DAY_1, "mobile", 10, 8, 4, 2, 1)], FUNNEL_DAILY),
        search_terms_daily=spark.createDataFrame([(DAY_1, "kayak", 4, 4)], SEARCH_TERMS_DAILY),
        server_health_minute=server_health_minute,
        runs=None,
        quarantined=spark.createDataFrame([("orders", ["status_is_known"])], story.QUARANTINED_SCHEMA),
        table_rows=spark.createDataFrame([("bronze", "orders", 10)], story.TABLE_ROWS_SCHEMA),
        landed=spark.createDataFrame([("orders", 10)], story.LANDED_SCHEMA),
    )
    printed = io.StringIO()
    print_story(Console(file=printed, width=120), told, settings)
    # all three countries get a column (US, DE, FR), none is left for "other"; whole dollars
    assert re.search(r"total\s+│\s+17 │\s+5 │\s+3 │\s+0 │\s+25 │", printed.getvalue())
    page = write_report(told, settings).read_text()
    for heading in ("Revenue by day and country", "Shopping funnel", "Searches with no results",
                    "Server error-rate peaks", "Quarantine by rule", "Nothing lost: landed, bronze, silver",
                    "Rows per layer", "Churn model", "Table graph", "Where the data is"):
        assert f"<h2>{heading}" in page
    # one inline chart for revenue, funnel, searches, server traffic and quarantine; nothing fetched
    assert page.count('src="data:image/png;base64,') == 5
    assert "http://" not in page and "https://" not in page
    assert "No champion yet: run `lakehouse train`" in printed.getvalue()


def test_the_summary_shows_the_champion_beside_the_baseline_and_where_to_look(settings: Settings) -> None:
    told = dataclasses.replace(EMPTY_STORY, champion=Champion(
        model_name="churn", version="3", run_id="abc123", holdout_date="2026-10-21",
        model={"roc_auc": 0.8123, "pr_auc": 0.7, "log_loss": 0.45, "brier": 0.15},
        baseline={"roc_auc": 0.7911, "pr_auc": 0.66, "log_loss": 0.48, "brier": 0.16}, customers_scored=1999))
    printed = io.StringIO()
    print_story(Console(file=printed, width=200), told, settings)
    text = printed.getvalue()
    assert "Churn model on the holdout (as of 2026-10-21)" in text
    assert re.search(r"churn version 3 \(champion\)\s+│\s+0\.812 │\s+0\.700 │\s+0\.450 │\s+0\.150 │", text)
    assert re.search(r"baseline \(logistic regression\)\s+│\s+0\.791 │", text)
    assert "1,999 customers scored by version 3" in text
    assert "http://127.0.0.1:5000/#/models/churn" in text


def test_the_summary_points_at_the_data_docs_once_built(settings: Settings, tmp_path: Path) -> None:
    local = settings.model_copy(update={"paths": settings.paths.model_copy(update={"report": str(tmp_path)})})
    assert "Data Docs: not built yet (lakehouse dq docs)" in whereabouts(local)
    index = tmp_path / "dq" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    index.parent.mkdir(parents=True)
    index.write_text("<html></html>")
    assert f"Data Docs: {index.as_uri()}" in whereabouts(local)
    on_s3 = settings.model_copy(update={"paths": settings.paths.model_copy(update={"report": "s3://bucket/report"})})
    assert "Data Docs: not built yet (lakehouse dq docs)" in whereabouts(on_s3)
