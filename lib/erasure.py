"""The right to erasure: ``lakehouse forget`` removes customers from every table, and later runs keep them out.

A request is recorded in ``ops.erasures`` under the customer's pseudonym (the keyed hash of the
id, as silver's ``customer_key``), never the id or any personal field. From then on the
request is a suppression list: bronze drops each landed record that names an erased customer
(any ``C<digits>`` token of the record whose keyed hash is on the list) and counts it as
suppressed, so the landing zone, which this project does not own, cannot bring them back.

Then every table under the root loses the customer's rows, found by what the table holds:
``customer_id``, ``customer_key``, the ``order_id`` of one of their orders, or a record's text
(``_raw``, in bronze and quarantine) naming the customer or one of their orders. The rows go in
a MERGE whose source is a one-row DataFrame, so the ids never appear in a commit's recorded
predicate nor in a plan the Spark UI or its event log shows. Streams reading a table are
caught up first, so none is left to read a deleted row from an older version; gold tables
rebuilt from silver are refreshed after, from the deletes in silver's change feed.

The deleted rows stay in older versions' files until VACUUM removes them: ``lakehouse
maintain`` does after each layer's retention, ``--purge`` at once, for every table.
"""
from __future__ import annotations

import getpass
import hashlib
import hmac
import re
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, MapType, StringType, StructField, StructType, TimestampType

from lakehouse.lib import catalog, maintenance, registry, runlog
from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.pseudonyms import INNER, OUTER, keyed_hash, pads
from lakehouse.lib.quality import project_folder
from lakehouse.lib.registry import Landing
from lakehouse.lib.rules import CUSTOMER_ID
from lakehouse.lib.writes import merge_counts

ERASURES = "ops.erasures"
ERASURES_SCHEMA = StructType([
    StructField("erasure_id", StringType(), False),
    StructField("customer_key", StringType(), False),  # the customer's pseudonym: what later runs suppress
    StructField("requested_by", StringType(), False),
    StructField("requested_at", TimestampType(), False),
    StructField("erased_at", TimestampType(), True),
    StructField("rows_removed", MapType(StringType(), LongType()), True),  # per table, from this request's run
    StructField("purged_at", TimestampType(), True),  # when VACUUM removed the old files at once (--purge)
])
# A customer id standing alone in a record's text: C42 in {"customer_id":"C42"}, not in C420 or XC42.
ID_TOKEN = rf"(?<![A-Za-z0-9_]){CUSTOMER_ID}(?![A-Za-z0-9_])"
SUPPRESSED = "_suppressed"
RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"


@dataclass(frozen=True)
class Erased:
    """What one ``forget`` did: the requests it recorded, the rows it removed per table, the tables vacuumed."""

    erasure_ids: tuple[str, ...]
    rows_removed: dict[str, int]
    vacuumed: tuple[str, ...]
    docs_cleared: bool


def customer_key(customer_id: str, key: bytes) -> str:
    """The customer's pseudonym, as silver's keyed hash computes it (``lib/pseudonyms.py``)."""
    return hmac.new(key, customer_id.encode(), hashlib.sha256).hexdigest()


def suppressed_keys(spark: SparkSession, settings: Settings) -> list[str]:
    """The pseudonyms of every erased customer; none while no erasure was ever recorded."""
    path = settings.table_path(ERASURES)
    if not DeltaTable.isDeltaTable(spark, path):
        return []
    return sorted(row.customer_key for row in spark.read.format("delta").load(path)
                  .select("customer_key").distinct().collect())


def mark_suppressed(records: DataFrame, keys: Sequence[str], pseudonym_key: bytes) -> DataFrame:
    """``records`` with ``_suppressed``: true where the record's text names an erased customer, false otherwise
    (a record without text included), never NULL."""
    keyed = records.crossJoin(F.broadcast(pads(records.sparkSession, pseudonym_key)))
    tokens = F.regexp_extract_all(F.col("_raw"), F.lit(ID_TOKEN), 0)
    named = F.arrays_overlap(F.transform(tokens, keyed_hash), F.array(*[F.lit(key) for key in keys]))
    return keyed.withColumn(SUPPRESSED, F.coalesce(named, F.lit(False))).drop(INNER, OUTER)


def check_ids(customer_ids: Sequence[str]) -> None:
    """A one-line ConfigError unless there are ids, each shaped like the landing contract's."""
    wrong = [customer for customer in customer_ids if not re.fullmatch(CUSTOMER_ID, customer)]
    if not customer_ids or wrong:
        raise ConfigError(f"--customer-id takes ids as the CRM writes them, like C00042, not "
                          f"{', '.join(repr(c) for c in wrong) or 'nothing'}")


def forget(spark: SparkSession, settings: Settings, customer_ids: Sequence[str], requested_by: str | None = None,
           purge: bool = False) -> Erased:
    """Erase ``customer_ids`` from every table under the root and keep them out of later runs."""
    from lakehouse.lib.runner import Pipeline, run_tables

    check_ids(customer_ids)
    key = settings.pseudonym_key()
    erasure_ids = _record_requests(spark, settings, [customer_key(c, key) for c in customer_ids],
                                   requested_by or getpass.getuser())
    built = [table for table in registry.select("all")
             if DeltaTable.isDeltaTable(spark, settings.table_path(table.name))]
    pipeline = Pipeline(spark, settings, f"forget-{erasure_ids[0][:8]}")
    run_tables(pipeline, [t for t in built if t.is_stream and not isinstance(t.source, Landing)], "batch")
    requested = _request(spark, settings, customer_ids, key)
    tables = [name for name in maintenance.catalogued(spark)
              if DeltaTable.isDeltaTable(spark, settings.table_path(name))]
    erased = [name for name in tables if name != ERASURES]
    with ThreadPoolExecutor(settings.batch.parallel_tables, thread_name_prefix="erase") as pool:
        removed = dict(zip(erased, pool.map(lambda name: _erase(spark, settings.table_path(name), requested),
                                            erased)))
        run_tables(pipeline, [t for t in built if not t.is_stream], "batch")
        vacuumed: tuple[str, ...] = ()
        if purge:
            with retention_check_off(spark):
                vacuumed = tuple(pool.map(lambda name: vacuum_now(spark, settings, name), tables))
    docs_cleared = _clear_validation_results(settings)
    _record_done(spark, settings, erasure_ids, {name: rows for name, rows in removed.items() if rows}, purge)
    return Erased(tuple(erasure_ids), removed, vacuumed, docs_cleared)


def _record_requests(spark: SparkSession, settings: Settings, keys: Sequence[str], requested_by: str) -> list[str]:
    """One row per customer in ``ops.erasures``; from this commit on, runs suppress them."""
    path = catalog.ensure(spark, settings, ERASURES, ERASURES_SCHEMA)
    requested_at = runlog.now()
    rows = [(uuid.uuid4().hex, key, requested_by, requested_at, None, None, None) for key in keys]
    spark.createDataFrame(rows, ERASURES_SCHEMA).write.format("delta").mode("append").save(path)
    return [row[0] for row in rows]


def _record_done(spark: SparkSession, settings: Settings, erasure_ids: Sequence[str], removed: dict[str, int],
                 purged: bool) -> None:
    done = runlog.now()
    finished = spark.createDataFrame([(erasure_id,) for erasure_id in erasure_ids], "erasure_id string")
    (DeltaTable.forPath(spark, settings.table_path(ERASURES)).alias("t")
     .merge(finished.alias("s"), "t.erasure_id = s.erasure_id")
     .whenMatchedUpdate(set={"erased_at": F.lit(done), "rows_removed": F.create_map(
         *[part for table, rows in sorted(removed.items()) for part in (F.lit(table), F.lit(rows))]),
         "purged_at": F.lit(done) if purged else F.lit(None).cast("timestamp")})
     .execute())


def _request(spark: SparkSession, settings: Settings, customer_ids: Sequence[str], key: bytes) -> DataFrame:
    """The one row every table's rows are matched against: the ids, their pseudonyms, the ids of their orders,
    and a pattern finding any of these in a record's text. Its values travel as data, never in a plan."""
    orders_path = settings.table_path("silver.orders")
    customers = F.broadcast(spark.createDataFrame([(c,) for c in customer_ids], "customer_id string"))
    orders = (sorted(row.order_id for row in spark.read.format("delta").load(orders_path)
                     .join(customers, "customer_id", "left_semi").select("order_id").distinct().collect())
              if DeltaTable.isDeltaTable(spark, orders_path) else [])
    named = "|".join(rf"\Q{value}\E" for value in (*customer_ids, *orders))
    pattern = rf"(?<![A-Za-z0-9_])({named})(?![A-Za-z0-9_])"
    row = (list(customer_ids), [customer_key(c, key) for c in customer_ids], orders, pattern)
    return spark.createDataFrame([row], "customer_ids array<string>, customer_keys array<string>, "
                                        "order_ids array<string>, pattern string")


def _matches(columns: Sequence[str]) -> str | None:
    """The merge condition of a table with these columns: a row of the request's customers, never NULL; None for
    a table that holds nothing of a customer."""
    found = [condition for column, condition in (
        ("customer_id", "array_contains(s.customer_ids, t.customer_id)"),
        ("customer_key", "array_contains(s.customer_keys, t.customer_key)"),
        ("order_id", "array_contains(s.order_ids, t.order_id)"),
        ("_raw", "t._raw RLIKE s.pattern"),
    ) if column in columns]
    return " OR ".join(f"coalesce({condition}, false)" for condition in found) or None


def _erase(spark: SparkSession, path: str, requested: DataFrame) -> int:
    """Delete the request's rows from the table at ``path``; how many went."""
    table = DeltaTable.forPath(spark, path)
    condition = _matches(table.toDF().columns)
    if condition is None:
        return 0
    result = table.alias("t").merge(F.broadcast(requested).alias("s"), condition).whenMatchedDelete().execute()
    return merge_counts(result).get("num_deleted_rows", 0)


def vacuum_now(spark: SparkSession, settings: Settings, name: str) -> str:
    """VACUUM the table keeping no old file (inside ``retention_check_off``): the erased rows' bytes leave the
    disk, the change feed's files with them."""
    DeltaTable.forPath(spark, settings.table_path(name)).vacuum(0)
    return name


@contextmanager
def retention_check_off(spark: SparkSession) -> Iterator[None]:
    """Delta refuses a retention under its own safety interval (a week) unless this session's check is off."""
    before = spark.conf.get(RETENTION_CHECK, "true")
    spark.conf.set(RETENTION_CHECK, "false")
    try:
        yield
    finally:
        spark.conf.set(RETENTION_CHECK, before)


def _clear_validation_results(settings: Settings) -> bool:
    """Remove the GX validation results and Data Docs, which keep samples of unexpected values; ``lakehouse dq
    docs`` builds them again from the tables as they are now. True if there were any."""
    if "://" in settings.paths.report:
        return False
    uncommitted = project_folder(settings) / "gx" / "uncommitted"
    cleared = False
    for folder in (uncommitted / "validations", uncommitted / "data_docs"):
        if folder.exists():
            shutil.rmtree(folder)
            cleared = True
    return cleared

