"""GX validates the silver rules as declared: its unexpected rows per rule are the rows the row split names.

One batch per silver table holds the table's base record and every failing and NULL
case of ``test_rule_cases``; the count each rule should have is read off those
hand-written cases, and two tables also have a small batch counted by hand here.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Mapping, Sequence

import great_expectations as gx
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.quality.expectations import Docs, build_docs, quiet, suite, unexpected_counts, validate
from lakehouse.lib.rules import FAILED_RULES, WARNED_RULES, with_results
from tests.conftest import restore_catalog

from ..browser import page_text
from .test_rule_cases import NOT_CSV, NOT_JSON, TABLES, Bronze, Variant, bronze_row


@pytest.fixture(scope="module")
def context():
    return quiet(gx.get_context(mode="ephemeral"))


def output(bronze: Bronze, table_name: str, variants: Sequence[Variant]) -> DataFrame:
    table = TABLES[table_name]
    rows = bronze(table.bronze_fields, [bronze_row(table, variant) for variant in variants])
    return registry.get(table_name).transform(rows)


def split_counts(table_name: str, out: DataFrame) -> dict[str, int]:
    """Rows the row split names with each rule, quarantine and warn alike."""
    rules = registry.get(table_name).rules
    named = F.array_union(F.col(FAILED_RULES), F.col(WARNED_RULES))
    row = with_results(out, rules).agg(*[F.count_if(F.array_contains(named, r.name)).alias(r.name)
                                         for r in rules]).first()
    return row.asDict()


def gx_counts(context, table_name: str, out: DataFrame) -> dict[str, int]:
    return unexpected_counts(validate(context, suite(registry.get(table_name)), out))


def test_every_silver_table_with_rules_has_a_batch_of_cases() -> None:
    assert {table.name for table in registry.checked_tables()} == set(TABLES)


@pytest.mark.parametrize("table_name", list(TABLES))
def test_gx_finds_the_rows_the_split_names(context, bronze: Bronze, table_name: str) -> None:
    cases = TABLES[table_name].cases
    variants = [{}, *[variant for pair in cases.values() for variant, _ in pair]]
    expected = Counter({rule: 0 for rule in cases})
    expected.update(rule for pair in cases.values() for _, failed in pair for rule in failed)
    out = output(bronze, table_name, variants)
    assert gx_counts(context, table_name, out) == split_counts(table_name, out) == dict(expected)


def only(counts: Mapping[str, int]) -> dict[str, int]:
    return {rule: n for rule, n in counts.items() if n}


def test_reviews_counted_by_hand(context, bronze: Bronze) -> None:
    """Two bad ratings (one beside a bad product id), a warned language, a line that is not JSON."""
    variants = [{}, {"review_id": "R2"}, {"rating": "6"}, {"rating": "0", "product_id": "SKU-1"},
                {"language": "English"}, NOT_JSON]
    out = output(bronze, "silver.reviews", variants)
    counts = gx_counts(context, "silver.reviews", out)
    assert only(counts) == {"rating_between_1_and_5": 2, "product_id_is_well_formed": 1,
                            "language_is_well_formed": 1, "record_is_parseable": 1}
    assert counts == split_counts("silver.reviews", out)


def test_fx_rates_counted_by_hand(context, bronze: Bronze) -> None:
    """Rates of zero and below, a lower-case currency, a blank date, and a line of too few fields."""
    variants = [{}, {"usd_per_unit": "0"}, {"usd_per_unit": "-1.5"}, {"currency": "eur"}, {"date": " "},
                NOT_CSV]
    out = output(bronze, "silver.fx_rates", variants)
    counts = gx_counts(context, "silver.fx_rates", out)
    assert only(counts) == {"usd_per_unit_is_positive": 2, "currency_is_well_formed": 1, "date_is_present": 1,
                            "record_is_parseable": 1}
    assert counts == split_counts("silver.fx_rates", out)


@pytest.fixture(scope="module")
def tiny_docs(spark: SparkSession, settings: Settings, bronze: Bronze,
              tmp_path_factory: pytest.TempPathFactory) -> tuple[Docs, Settings]:
    """Data Docs of a tiny root with bronze.reviews; a silver.reviews holding a review twice, one without its id
    and one of a product not in silver.products."""
    root = tmp_path_factory.mktemp("docs")
    paths = {name: str(root / name) for name in ("landing", "lakehouse", "report", "logs")}
    tiny = settings.model_copy(update={"paths": settings.paths.model_copy(update=paths)})
    table = TABLES["silver.reviews"]
    rows = bronze(table.bronze_fields, [bronze_row(table, variant) for variant in ({}, {"rating": "6"})])
    rows.write.format("delta").save(tiny.table_path("bronze.reviews"))
    written = datetime.now() - timedelta(hours=1)
    stored = spark.createDataFrame([("R1", 4, "P1", written), ("R1", 5, "P1", written), ("R2", 3, "P2", written),
                                    (None, 2, "P1", written), ("R3", 1, "P9", written)],
                                   "review_id string, rating int, product_id string, created_ts timestamp")
    stored.write.format("delta").save(tiny.table_path("silver.reviews"))
    spark.createDataFrame([("P1",), ("P2",)], "product_id string").write.format("delta").save(
        tiny.table_path("silver.products"))
    try:
        return build_docs(spark, tiny, "docs-test"), tiny
    finally:  # the session's one catalog: point the ops tables back at the test run's own root
        restore_catalog(spark, settings)


def test_data_docs_list_every_suite_and_what_was_validated(spark: SparkSession,
                                                           tiny_docs: tuple[Docs, Settings]) -> None:
    docs, tiny = tiny_docs
    site = Path(tiny.paths.report) / "dq" / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert docs.index == site / "index.html"
    page = docs.index.read_text()
    listed = set(re.findall(r"'expectation_suite_name': '((?:silver|gold)\.[a-z_]+(?:\.stored)?)'", page))
    stored = {"silver.clickstream", "silver.customer_pii", "silver.customers", "silver.fx_rates", "silver.inventory", "silver.order_items",
              "silver.orders", "silver.products", "silver.reviews", "silver.search", "silver.server_logs",
              "gold.basket_size_daily", "gold.cohort_retention_weekly", "gold.customer_features",
              "gold.customer_features_history", "gold.daily_sales", "gold.funnel_daily", "gold.inventory_current",
              "gold.product_performance_daily", "gold.sales_minute", "gold.search_terms_daily",
              "gold.server_health_minute"}
    assert listed == set(TABLES) | {f"{name}.stored" for name in stored}
    assert set(re.findall(r"expectations/silver/([a-z_]+)\.html", page)) == {n.split(".")[1] for n in TABLES}
    assert set(docs.validated) == {"silver.reviews", "silver.reviews.stored", "silver.products.stored"}
    assert set(docs.not_built) == set(listed) - set(docs.validated)
    assert set(re.findall(r"validations/(silver/[a-z_]+(?:/stored)?)/", page)) == {
        "silver/reviews", "silver/reviews/stored", "silver/products/stored"}
    results = (spark.read.format("delta").load(tiny.table_path("ops.dq_results"))
               .where("run_id = 'docs-test' AND `table` = 'silver.reviews'"))
    assert {(r.rule, r.action, r.rows_checked, r.rows_failed, r.passed) for r in results.collect()} == {
        ("key_is_unique", "warn", 5, 2, False),  # R1 twice; a missing id is no duplicate
        ("review_id_is_not_null", "warn", 5, 1, False),
        ("created_ts_is_fresh", "warn", 5, 0, True),
        ("rating_mean_between_2.5_and_4.8", "warn", 5, 0, True),  # 3.0
        ("product_id_found_in_products", "warn", 5, 1, False)}  # R3's P9
    assert docs.recorded == 8  # silver.products' key checks and row count too


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed (apt-get install chromium)")
def test_a_browser_shows_every_silver_suite_and_a_rules_result(tiny_docs: tuple[Docs, Settings],
                                                                tmp_path: Path) -> None:
    """The Data Docs as a person sees them, offline: each silver suite's page names the suite and its rules;
    reviews' result page shows the rule the bronze row rated 6 broke. (The front page lists the suites with
    scripts from public CDNs, so offline its list is empty; the suite pages are plain HTML.)"""
    docs, _ = tiny_docs
    for name in TABLES:
        shown = page_text((docs.index.parent / "expectations" / "silver" / f"{name.split('.')[1]}.html").as_uri(),
                          tmp_path / "browser")
        assert f"Expectation Suite Name {name}" in shown
        assert all(f"{rule.name} (" in shown for rule in registry.get(name).rules), f"{name}: a rule is missing"
    result = next(docs.index.parent.glob("validations/silver/reviews/*/*/*.html"))
    shown = page_text(result.as_uri(), tmp_path / "browser")
    assert "Expectation Suite: silver.reviews" in shown and "rating_between_1_and_5" in shown


def test_the_dq_command_offers_docs() -> None:
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "dq", "--help"], capture_output=True,
                          text=True, timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "docs" in done.stdout and "Great Expectations" in done.stdout
