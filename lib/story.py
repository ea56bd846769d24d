"""What the summary tells about the lakehouse: revenue, funnel, empty searches, server errors, quarantine, sizes.

Each story table is a pure ``DataFrame -> DataFrame`` query over gold, quarantine and ops
tables, so a test can feed it a few inline rows. ``read_story`` is the one place that reads
the tables by name; ``tell_story`` runs the queries and brings their small results to the
driver, once, for both the printed summary and the HTML report.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Mapping, Sequence

import pandas as pd
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType, DoubleType

if TYPE_CHECKING:  # MLflow is read only when the summary asks for the champion
    from lakehouse.lib.churn.champion import Champion

LAYERS = ("bronze", "silver", "quarantine", "gold", "ops")
OTHER_COUNTRIES = "other"
ALL_DEVICES = "all devices"
# funnel_daily's step columns, in funnel order, and what an analyst calls them.
FUNNEL_STEPS = {"sessions": "sessions", "product_view_sessions": "product view",
                "add_to_cart_sessions": "add to cart", "checkout_sessions": "checkout",
                "purchase_sessions": "purchase"}
TOP_COUNTRIES = 5
RECENT_DAYS = 14  # dates the revenue table shows; with the shop's history there are months of them
TOP_QUERIES = 10
TOP_PEAKS = 5
# Below this many requests a single 5xx makes a minute look like an outage.
MIN_PEAK_REQUESTS = 20
TABLE_ROWS_SCHEMA = "layer string, table string, rows bigint"
QUARANTINED_SCHEMA = "table string, failed_rules array<string>"
LANDED_SCHEMA = "source string, records bigint"
LOGGED_SCHEMA = "source string, applied bigint, duplicate bigint"


def country_ranking(daily_sales: DataFrame) -> DataFrame:
    """One row per country, most revenue first: it decides which countries get a column of their own."""
    return (daily_sales.groupBy("country").agg(F.sum("revenue_usd").alias("revenue_usd"))
            .orderBy(F.desc_nulls_last("revenue_usd"), "country")
            .select("country", "revenue_usd"))


def revenue_by_day(daily_sales: DataFrame, countries: Sequence[str], days: int = RECENT_DAYS) -> DataFrame:
    """One row per order date of the latest ``days``: revenue (USD) of each named country, of all ``other`` ones,
    and ``total``.

    A last row with ``date`` NULL holds the totals over every date, shown or not, as ``rollup``
    would. The countries are passed in, not looked up, so the pivot runs no job of its own.
    """
    columns = [*countries, OTHER_COUNTRIES]
    country_column = F.when(F.col("country").isin(list(countries)), F.col("country")).otherwise(OTHER_COUNTRIES)
    pivoted = (daily_sales.withColumn("country_column", country_column)
               .groupBy("date").pivot("country_column", columns).agg(F.sum("revenue_usd")))
    by_day = pivoted.select("date", *[F.coalesce(F.col(c), F.lit(0)).alias(c) for c in columns])
    all_days = by_day.agg(*[F.sum(c).alias(c) for c in columns]).select(F.lit(None).cast("date").alias("date"),
                                                                        *columns)
    recent = (by_day.withColumn("_last", F.max("date").over(Window.partitionBy()))
              .where(F.col("date") > F.date_sub("_last", days)).drop("_last"))
    total = reduce(operator.add, [F.col(c) for c in columns])
    return (recent.unionByName(all_days).withColumn("total", total)
            .orderBy(F.asc_nulls_last("date")).select("date", *columns, "total"))


def funnel_by_device(funnel_daily: DataFrame) -> DataFrame:
    """All devices first, then one row per device: sessions reaching each step over all dates, and conversion."""
    sums = [F.sum(step).alias(step) for step in FUNNEL_STEPS]
    all_devices = funnel_daily.agg(*sums).select(F.lit(ALL_DEVICES).alias("device"), *FUNNEL_STEPS)
    return (all_devices.unionByName(funnel_daily.groupBy("device").agg(*sums))
            .withColumn("conversion_rate", F.col("purchase_sessions") / F.col("sessions"))
            .orderBy(F.col("device") != ALL_DEVICES, F.desc("sessions"), "device")
            .select("device", *FUNNEL_STEPS, "conversion_rate"))


def zero_result_queries(search_terms_daily: DataFrame, top: int = TOP_QUERIES) -> DataFrame:
    """The normalised queries that most often found nothing, over all dates: what the catalog lacks or misspells."""
    return (search_terms_daily.where(F.col("query").isNotNull())
            .groupBy("query")
            .agg(F.sum("zero_result_searches").alias("zero_result_searches"), F.sum("searches").alias("searches"))
            .where(F.col("zero_result_searches") > 0)
            .withColumn("zero_result_share", F.col("zero_result_searches") / F.col("searches"))
            .orderBy(F.desc("zero_result_searches"), "query").limit(top)
            .select("query", "zero_result_searches", "searches", "zero_result_share"))


def error_rate_peaks(server_health_minute: DataFrame, min_requests: int = MIN_PEAK_REQUESTS,
                     top: int = TOP_PEAKS) -> DataFrame:
    """The minutes with the highest 5xx share among those busy enough for the share to mean something."""
    return (server_health_minute.where(F.col("requests") >= min_requests)
            .orderBy(F.desc("error_rate"), F.desc("errors_5xx"), "minute").limit(top)
            .select("minute", "requests", "errors_5xx", "error_rate", "p95_response_ms"))


def server_errors_overall(server_health_minute: DataFrame) -> DataFrame:
    """One row: every logged request, the 5xx answers among them, and their share."""
    return (server_health_minute.agg(F.sum("requests").alias("requests"), F.sum("errors_5xx").alias("errors_5xx"))
            .withColumn("error_rate", F.col("errors_5xx") / F.col("requests")))


def traffic_by_hour(server_health_minute: DataFrame) -> DataFrame:
    """One row per hour (UTC): requests, 5xx answers and their share; minutes are too many to chart."""
    return (server_health_minute.groupBy(F.date_trunc("hour", "minute").alias("hour"))
            .agg(F.sum("requests").alias("requests"), F.sum("errors_5xx").alias("errors_5xx"))
            .withColumn("error_rate", F.col("errors_5xx") / F.col("requests"))
            .orderBy("hour"))


def quarantine_by_rule(quarantined: DataFrame) -> DataFrame:
    """One row per quarantine table and failed rule, most rows first; a row failing two rules counts under both."""
    return (quarantined.select("table", F.explode("failed_rules").alias("rule"))
            .groupBy("table", "rule").agg(F.count(F.lit(1)).alias("rows"))
            .orderBy(F.desc("rows"), "table", "rule"))


def rows_per_layer(table_rows: DataFrame) -> DataFrame:
    """One row per layer, in pipeline order: how many tables it holds and their rows."""
    layer_order = F.array_position(F.array(*[F.lit(layer) for layer in LAYERS]), F.col("layer"))
    return (table_rows.groupBy("layer").agg(F.count("table").alias("tables"), F.sum("rows").alias("rows"))
            .orderBy(layer_order, "layer"))


def accounting(table_rows: DataFrame, runs: DataFrame | None, landed: DataFrame) -> DataFrame:
    """One row per bronze table: records landed, bronze rows, and where silver put each of them.

    ``landed`` is counted from the files in plain Python (``lib/sources/landed.py``), bronze,
    quarantined and silver rows in the tables, applied and duplicate rows in the run log
    (each batch's own plan), so no figure is another's remainder. ``balanced``: landed =
    bronze = applied + quarantined + duplicate.
    """
    def rows_of(layer: str, alias: str) -> DataFrame:
        return table_rows.where(F.col("layer") == layer).select(F.col("table").alias("source"),
                                                                  F.col("rows").alias(alias))

    logged = (runs.where(F.col("table").startswith("silver."))
              .groupBy(F.substring_index("table", ".", -1).alias("source"))
              .agg(F.sum("rows_written").alias("applied"), F.sum("rows_duplicate").alias("duplicate"))
              if runs is not None else table_rows.sparkSession.createDataFrame([], LOGGED_SCHEMA))
    joined = (rows_of("bronze", "bronze")
              .join(landed.withColumnRenamed("records", "landed"), on="source", how="left")
              .join(rows_of("quarantine", "quarantined"), on="source", how="left")
              .join(rows_of("silver", "silver_rows"), on="source", how="left")
              .join(logged, on="source", how="left")
              .fillna(0, ["quarantined", "applied", "duplicate"]))
    split = F.col("applied") + F.col("quarantined") + F.col("duplicate")
    balanced = F.coalesce((F.col("landed") == F.col("bronze")) & (F.col("bronze") == split), F.lit(False))
    return (joined.withColumn("balanced", balanced).orderBy("source")
            .select("source", "landed", "bronze", "applied", "quarantined", "duplicate", "silver_rows", "balanced"))


def last_run(runs: DataFrame) -> DataFrame:
    """The latest run (by when it finished): its id, when, how many tables it ran and how many failed."""
    latest = runs.orderBy(F.desc("finished_at")).limit(1).select("run_id")
    return (runs.join(latest, on="run_id", how="inner")
            .groupBy("run_id")
            .agg(F.max("finished_at").alias("finished_at"), F.count(F.lit(1)).alias("tables"),
                 F.count_if(F.col("status") != "succeeded").alias("failed")))


@dataclass(frozen=True)
class Story:
    """The summary's tables, small enough to print and chart; a part is None when its table is not built yet."""

    revenue_by_day: pd.DataFrame | None
    funnel_by_device: pd.DataFrame | None
    zero_result_queries: pd.DataFrame | None
    error_rate_peaks: pd.DataFrame | None
    server_errors_overall: pd.DataFrame | None
    traffic_by_hour: pd.DataFrame | None
    quarantine_by_rule: pd.DataFrame
    accounting: pd.DataFrame
    rows_per_layer: pd.DataFrame
    last_run: pd.DataFrame | None
    champion: Champion | None = None  # the churn model's, from MLflow (``lib/churn/champion.py``)


def tell_story(daily_sales: DataFrame | None, funnel_daily: DataFrame | None, search_terms_daily: DataFrame | None,
               server_health_minute: DataFrame | None, runs: DataFrame | None, quarantined: DataFrame,
               table_rows: DataFrame, landed: DataFrame) -> Story:
    """Run every story query on these frames and collect the results."""
    revenue = None
    if daily_sales is not None:
        top = country_ranking(daily_sales).limit(TOP_COUNTRIES).collect()
        revenue = collected(revenue_by_day(daily_sales, [row["country"] for row in top]))
    servers = server_health_minute
    return Story(
        revenue_by_day=revenue,
        funnel_by_device=None if funnel_daily is None else collected(funnel_by_device(funnel_daily)),
        zero_result_queries=None if search_terms_daily is None else collected(zero_result_queries(search_terms_daily)),
        error_rate_peaks=None if servers is None else collected(error_rate_peaks(servers)),
        server_errors_overall=None if servers is None else collected(server_errors_overall(servers)),
        traffic_by_hour=None if servers is None else collected(traffic_by_hour(servers)),
        quarantine_by_rule=collected(quarantine_by_rule(quarantined)),
        accounting=collected(accounting(table_rows, runs, landed)),
        rows_per_layer=collected(rows_per_layer(table_rows)),
        last_run=None if runs is None else collected(last_run(runs)),
    )


def read_story(spark: SparkSession, landed: Mapping[str, int] | None = None) -> Story:
    """Read the gold, quarantine and ops tables by name from the catalog and tell their story.

    ``landed``: records per landing source, counted from the files (None when they are not local).
    """
    return tell_story(
        daily_sales=table_if_built(spark, "gold.daily_sales"),
        funnel_daily=table_if_built(spark, "gold.funnel_daily"),
        search_terms_daily=table_if_built(spark, "gold.search_terms_daily"),
        server_health_minute=table_if_built(spark, "gold.server_health_minute"),
        runs=table_if_built(spark, "ops.runs"),
        quarantined=reduce(DataFrame.unionByName,
                           [spark.table(f"quarantine.{name}").select(F.lit(name).alias("table"), "failed_rules")
                            for name in catalog_tables(spark, "quarantine")],
                           spark.createDataFrame([], QUARANTINED_SCHEMA)),
        # One count() per table: Delta answers it from the table's log without reading the data.
        table_rows=spark.createDataFrame([(layer, name, spark.table(f"{layer}.{name}").count())
                                          for layer in LAYERS for name in catalog_tables(spark, layer)],
                                         TABLE_ROWS_SCHEMA),
        landed=spark.createDataFrame(sorted((landed or {}).items()), LANDED_SCHEMA),
    )


def table_if_built(spark: SparkSession, name: str) -> DataFrame | None:
    return spark.table(name) if spark.catalog.tableExists(name) else None


def catalog_tables(spark: SparkSession, layer: str) -> list[str]:
    if not spark.catalog.databaseExists(layer):
        return []
    return sorted(entry.name for entry in spark.catalog.listTables(layer))


def collected(frame: DataFrame) -> pd.DataFrame:
    """The frame on the driver, decimals as floats: money is only printed and charted from here on."""
    as_floats = [F.col(field.name).cast(DoubleType()).alias(field.name) if isinstance(field.dataType, DecimalType)
                 else F.col(field.name) for field in frame.schema.fields]
    return frame.select(*as_floats).toPandas()
