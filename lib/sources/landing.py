"""Landing files as lines, and the parsers that turn a line into bronze columns.

Every source is read as text, one row per line, so a line that does not parse is
kept as it came (``_raw``) with the reason (``_parse_error``) instead of being
dropped by a reader mode. Each parser yields the expected fields as strings, so a
wrong type never fails here; fields no one announced go to ``_rescued`` as JSON.
CSV records may span lines; ``lib/sources/csv_records.py`` puts them back together.
"""
from __future__ import annotations

from typing import Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, LongType, MapType, StringType, StructField, StructType, TimestampType

from lakehouse.lib.sources.csv_records import named_fields
from lakehouse.lib.fields import Field

# Where a Kafka message came from (bronze's ``_kafka``); NULL for a line of a landed file.
KAFKA_LINEAGE = StructType([
    StructField("key", StringType()),
    StructField("topic", StringType()),
    StructField("partition", IntegerType()),
    StructField("offset", LongType()),
    StructField("timestamp", TimestampType()),
])
# What every reader gives bronze: the text (``_raw``), where it came from (``_origin``: the file, or
# ``kafka://<topic>/<partition>/<offset>``) and when it was read. ``_read_error`` says why a message has no
# readable text (lib/sources/kafka_reader.py); ``_block_start`` is where the part of the file a line was
# read from starts, so lines keep their file order.
LINE_SCHEMA = StructType([
    StructField("_raw", StringType()),
    StructField("_origin", StringType()),
    StructField("_kafka", KAFKA_LINEAGE),
    StructField("_read_error", StringType()),
    StructField("_block_start", LongType()),
    StructField("_ingested_at", TimestampType()),
])
# What bronze keeps of each line besides its parsed fields.
KEPT = ("_raw", "_origin", "_kafka", "_ingested_at")

# Spark's corrupt-record column of the JSON parse; a name no source announces.
NOT_AN_OBJECT = "_lakehouse_not_an_object"

# The Debezium envelope of change events; ``source``, ``before`` and ``after`` stay JSON text in bronze.
CHANGE_ENVELOPE = (
    Field("op", required=True),
    Field("ts_ms", "epoch_millis"),
    Field("source", required=True),
    Field("before"),
    Field("after"),
)

# Combined Log Format; referrer, user agent and a trailing request time in seconds are optional,
# as Apache's and nginx's common and combined formats differ in exactly those. Unrolled loops with
# possessive quantifiers: Java's regex engine recurses on each repetition of an alternation, so
# ``([^"\\]|\\.)*`` overflows the stack on a 10 kB field; these do not.
QUOTED_LOG_FIELD = r'"([^"\\]*+(?:\\.[^"\\]*+)*+)"'
ACCESS_LOG = (
    r'^(\S+) (\S+) (\S+) \[([^\]]+)\] ' + QUOTED_LOG_FIELD + r' (\d{3}) (\d+|-)'
    r'(?: ' + QUOTED_LOG_FIELD + ' ' + QUOTED_LOG_FIELD + r')?(?: (\d+(?:\.\d+)?))?\s*$'
)
ACCESS_LOG_FIELDS = ("ip", "ident", "user", "ts", "request", "status", "bytes", "referrer", "user_agent",
                     "request_time")


def read_lines(spark: SparkSession, path: str, max_files_per_trigger: int) -> DataFrame:
    """A stream of every line under ``path`` (nested folders, gzip included), each file read once.

    A source with no folder yet is an empty source, not an error: the folder is made through Hadoop's file
    system, so a local path and an ``s3a://`` prefix (where it is a marker object) alike.
    """
    folder = spark._jvm.org.apache.hadoop.fs.Path(path)
    folder.getFileSystem(spark._jsc.hadoopConfiguration()).mkdirs(folder)
    return (spark.readStream.format("text")
            .option("recursiveFileLookup", "true")
            .option("maxFilesPerTrigger", max_files_per_trigger)
            .load(path)
            .select(F.col("value").alias("_raw"),
                    F.col("_metadata.file_path").alias("_origin"),
                    F.lit(None).cast(KAFKA_LINEAGE).alias("_kafka"),
                    F.lit(None).cast("string").alias("_read_error"),
                    F.col("_metadata.file_block_start").alias("_block_start"),
                    F.current_timestamp().alias("_ingested_at")))


def rescued(fields: Column, known: Sequence[str], earlier: Column | None = None) -> Column:
    """The fields no one announced, as a JSON object (added to ``earlier`` rescued JSON); NULL if none."""
    names = F.array(*[F.lit(name) for name in known])
    extra = F.map_filter(fields, lambda k, _: ~F.array_contains(names, k))
    if earlier is not None:
        extra = F.map_concat(F.coalesce(json_object(earlier), F.create_map().cast("map<string,string>")),
                             F.coalesce(extra, F.create_map().cast("map<string,string>")))
    return F.when(F.size(extra) > 0, F.to_json(extra))


def parse_error(own: Column) -> Column:
    """Why a line is not a record: the reader's reason (a message without readable text) before the parser's."""
    return F.coalesce(F.col("_read_error"), own)


def _records(lines: DataFrame, fields: Column, known: Sequence[str], error: Column) -> DataFrame:
    return lines.select(
        *[fields[name].alias(name) for name in known],
        rescued(fields, known).alias("_rescued"),
        parse_error(error).alias("_parse_error"),
        *KEPT,
    )


def json_object(text: Column) -> Column:
    """A JSON object as a map of field name to text (nested values stay JSON text); NULL if not an object."""
    return F.from_json(text, MapType(StringType(), StringType()))


def json_records(lines: DataFrame, known: Sequence[str]) -> DataFrame:
    """JSON Lines: one object per line.

    Each line is parsed once, into a struct of the announced fields plus Spark's corrupt-record
    column (set when the line is no JSON object). Only a line whose keys include one no one
    announced is parsed again, as a map, for ``_rescued``. The struct is a column of its own
    first: selected field by field in one projection, Spark would parse the line once per field.
    """
    schema = StructType([*(StructField(name, StringType()) for name in known),
                         StructField(NOT_AN_OBJECT, StringType())])
    parsed = lines.withColumn("_parsed", F.from_json("_raw", schema, {"columnNameOfCorruptRecord": NOT_AN_OBJECT}))
    unannounced = F.array_except(F.json_object_keys("_raw"), F.array(*[F.lit(name) for name in known]))
    return parsed.select(
        *[F.col(f"_parsed.`{name}`").alias(name) for name in known],
        F.when(F.size(unannounced) > 0, rescued(json_object(F.col("_raw")), known)).alias("_rescued"),
        parse_error(F.when(F.col("_parsed").isNull() | F.col(f"_parsed.`{NOT_AN_OBJECT}`").isNotNull(),
                           F.lit("not a JSON object"))).alias("_parse_error"),
        *KEPT,
    )


def csv_records(lines: DataFrame, known: Sequence[str]) -> DataFrame:
    """CSV with a header row per file (RFC 4180): fields are matched by the header's names, not their position.

    A file without a header is read in the declared order; a record whose field count
    differs from its header's keeps its text with the reason.
    """
    named = named_fields(lines, known).withColumns({  # exports land as files only, never on Kafka
        "_kafka": F.lit(None).cast(KAFKA_LINEAGE), "_read_error": F.lit(None).cast("string")})
    return _records(named, F.col("_fields"), known, F.col("_error"))


def access_log_records(lines: DataFrame) -> DataFrame:
    """Web server access log lines (Combined Log Format, optionally with a request time)."""
    matched = F.col("_raw").rlike(ACCESS_LOG)
    fields = {
        name: F.when(matched, F.nullif(F.regexp_extract("_raw", ACCESS_LOG, group), F.lit("")))
        for group, name in enumerate(ACCESS_LOG_FIELDS, start=1)
    }
    error = F.when(~matched, F.lit("not a Combined Log Format line"))
    return lines.select(
        *[column.alias(name) for name, column in fields.items()],
        F.lit(None).cast("string").alias("_rescued"),
        parse_error(error).alias("_parse_error"),
        *KEPT,
    )
