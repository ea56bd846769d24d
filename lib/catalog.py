"""Delta tables at ``<root>/<layer>/<table>``, registered in the catalog as ``<layer>.<table>``."""
from __future__ import annotations

import threading
from typing import Any, Mapping, Sequence

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, NumericType, StringType, StructType, TimestampNTZType, TimestampType

from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.writes import delta_log

STATISTICS = "delta.dataSkippingStatsColumns"
# Silver feeds gold incrementally through its Change Data Feed.
SILVER_PROPERTIES = {"delta.enableChangeDataFeed": "true"}
# Bronze is read by offset, never filtered: file statistics only on the ingestion time, which
# keeps ingest close to a plain Parquet write (min/max of 30 text columns cost half the write),
# and keeps the records' personal fields out of the log.
BRONZE_PROPERTIES = {STATISTICS: "_ingested_at"}
# A quarantined row keeps its fields as they arrived, personal ones included: statistics on its times alone.
QUARANTINE_PROPERTIES = {STATISTICS: "_ingested_at,quarantined_at"}
LAYER_PROPERTIES = {"bronze": BRONZE_PROPERTIES, "silver": SILVER_PROPERTIES}
# Every table but bronze bins each write into as few files as its size needs (Delta's optimized write, one
# shuffle more): a streaming micro-batch's MERGE wrote one file per shuffle partition. Bronze appends ask
# for it per write, in stream mode only (lib/writes.py), so that a batch ingest writes in parallel.
OPTIMIZED_WRITE = {"delta.autoOptimize.optimizeWrite": "true"}
# Personal columns stay out of Delta's file statistics: a file's smallest and largest values are written in
# clear into the table's log, which neither a DELETE nor a VACUUM rewrites (lakehouse forget, lib/erasure.py).
CUSTOMER_COLUMNS = ("customer_id", "customer_key")
_WITH_STATISTICS = (StringType, NumericType, DateType, TimestampType, TimestampNTZType)  # what Delta keeps them for


_ensured: set[tuple[str, str]] = set()  # (application, table path)
_databases: set[tuple[str, str]] = set()  # (application, layer)
# One table is created by one thread at a time: a stream's queries log their first micro-batches at once, and two
# writers creating one empty table conflict (DELTA_PROTOCOL_CHANGED).
_creating = threading.RLock()


def registered_location(spark: SparkSession, name: str) -> str | None:
    """Where the catalog says ``name`` is, without opening it (its folder may be gone); None if unregistered.

    Asked of the session's catalog directly: ``SHOW TABLE EXTENDED`` parses, plans and loads the
    table for the same answer, a few hundred milliseconds a table at every start.
    """
    layer, table = name.split(".")
    jvm = spark._jvm
    sessions = spark._jsparkSession.sessionState().catalog()
    identifier = jvm.org.apache.spark.sql.catalyst.TableIdentifier(table, jvm.scala.Some(layer))
    if not sessions.tableExists(identifier):
        return None
    location = sessions.getTableRawMetadata(identifier).storage().locationUri()
    return location.get().toString().removeprefix("file:") if location.isDefined() else ""


def require_built(spark: SparkSession, reader: str, name: str, path: str, then: str) -> None:
    """A one-line ConfigError when ``reader``'s input ``name`` has no Delta table at ``path`` yet; ``then``
    says what to run."""
    if not DeltaTable.isDeltaTable(spark, path):
        raise ConfigError(f"{reader} reads {name}, which is not built yet at {path}: {then}")


def _same_place(location: str, path: str) -> bool:
    return location.rstrip("/") == path.removeprefix("file:").rstrip("/")


def statistics(schema: StructType, personal: Sequence[str]) -> dict[str, str]:
    """Statistics on every column Delta keeps them for except the ``personal`` ones, for a table that has any."""
    if not any(field.name in personal for field in schema.fields):
        return {}
    kept = [field.name for field in schema.fields
            if field.name not in personal and isinstance(field.dataType, _WITH_STATISTICS)]
    return {STATISTICS: ",".join(kept)}


def ensure(spark: SparkSession, settings: Settings, name: str, schema: StructType,
           properties: Mapping[str, str] | None = None, personal: Sequence[str] = (),
           cluster_by: Sequence[str] = ()) -> str:
    """Create the table if it does not exist (empty, with this schema) and register it; return its path.

    Its ``personal`` columns, and any of ``CUSTOMER_COLUMNS``, get no file statistics unless
    ``properties`` name the columns that do. ``cluster_by`` are its clustering columns (``cluster``).

    The local catalog belongs to its root: an entry left pointing elsewhere (a moved or
    rebuilt root) is pointed here again. A shared catalog (Glue) naming the table at
    another root is an error, never silently repointed. A table already at the path is
    registered as it is and given any missing ``properties`` and columns. Once a table is
    known to exist, later calls in the same application return at once.
    """
    path = settings.table_path(name)
    if (spark.sparkContext.applicationId, path) in _ensured:
        return path
    layout = {} if name.startswith("bronze.") else OPTIMIZED_WRITE
    with _creating:
        return _ensure(spark, settings, name, path, schema,
                       {**statistics(schema, (*CUSTOMER_COLUMNS, *personal)), **layout, **(properties or {})},
                       tuple(cluster_by))


def _ensure(spark: SparkSession, settings: Settings, name: str, path: str, schema: StructType,
            properties: Mapping[str, str] | None, cluster_by: tuple[str, ...]) -> str:
    if (spark.sparkContext.applicationId, path) in _ensured:  # another thread did while this one waited
        return path
    layer = name.split(".")[0]
    if (spark.sparkContext.applicationId, layer) not in _databases:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {layer}")
        _databases.add((spark.sparkContext.applicationId, layer))
    location = registered_location(spark, name)
    snapshot = delta_log(spark, path)[1]
    is_delta = snapshot.version() >= 0
    if location is not None and not _same_place(location, path) and settings.catalog_path is None:
        raise ConfigError(f"catalog table {name} is at {location}, not under paths.lakehouse "
                          f"({settings.paths.lakehouse}): one catalog per root")
    if location is not None and not (_same_place(location, path) and is_delta):
        spark.sql(f"DROP TABLE {name}")  # an external table: dropping the entry leaves every file in place
    wanted = dict(properties or {})
    if is_delta:
        if location is None or not _same_place(location, path):
            spark.sql(f"CREATE TABLE IF NOT EXISTS {name} USING DELTA LOCATION '{path}'")
        _add_missing(spark, name, snapshot, schema, wanted)
        cluster(spark, path, snapshot, cluster_by)
    else:
        _clear_cut_short_creation(spark, path)
        builder = DeltaTable.createIfNotExists(spark).tableName(name).location(path).addColumns(schema)
        for key, value in wanted.items():
            builder = builder.property(key, value)
        if cluster_by:
            builder = builder.clusterBy(*cluster_by)
        builder.execute()
    _ensured.add((spark.sparkContext.applicationId, path))
    return path


def _clear_cut_short_creation(spark: SparkSession, path: str) -> None:
    """Remove what a creation killed before its first commit left: a ``_delta_log`` folder with no version in
    it (Delta refuses such a location as not empty). A location holding anything else is left to Delta's error."""
    jvm = spark._jvm
    folder = jvm.org.apache.hadoop.fs.Path(path)
    files = folder.getFileSystem(spark._jsc.hadoopConfiguration())
    if files.exists(folder) and [entry.getPath().getName() for entry in files.listStatus(folder)] == ["_delta_log"]:
        files.delete(folder, True)


def _add_missing(spark: SparkSession, name: str, snapshot: Any, schema: StructType,
                 properties: Mapping[str, str]) -> None:
    """Give a table from an older version of this project the properties and columns it now declares.

    Properties and columns come from the Delta log's latest snapshot: ``SHOW TBLPROPERTIES`` and
    ``DESCRIBE DETAIL`` load the same, through the SQL parser and (for the detail) a Spark job.
    """
    metadata = snapshot.metadata()
    held = set(metadata.schema().fieldNames())
    added = [f"`{field.name}` {field.dataType.simpleString()}" for field in schema.fields if field.name not in held]
    if added:  # before the properties, which may name the new columns
        spark.sql(f"ALTER TABLE {name} ADD COLUMNS ({', '.join(added)})")
    current = metadata.configuration()
    missing = {key: value for key, value in properties.items()
               if not current.contains(key) or current.apply(key) != value}
    if missing:
        assignments = ", ".join(f"'{key}' = '{value}'" for key, value in missing.items())
        spark.sql(f"ALTER TABLE {name} SET TBLPROPERTIES ({assignments})")


def cluster(spark: SparkSession, path: str, snapshot: Any, columns: Sequence[str]) -> None:
    """Make ``columns`` the clustering columns of the table at ``path`` (Delta's liquid clustering), once.

    A commit of metadata alone, made only when they differ: no file is rewritten until OPTIMIZE
    (``lakehouse maintain``) lays the files out by these columns, incrementally, so that a filter on
    them skips each file whose range misses it. Readers need nothing new (the table feature is the
    writers'); writers need Delta 3.1 or later.
    """
    if not columns:
        return
    clustering = spark._jvm.org.apache.spark.sql.delta.skipping.clustering
    if clustering.ClusteringColumnInfo.extractLogicalNames(snapshot).mkString(",") == ",".join(columns):
        return
    listed = ", ".join(f"`{column}`" for column in columns)
    spark.sql(f"ALTER TABLE delta.`{path.replace('`', '``')}` CLUSTER BY ({listed})")
