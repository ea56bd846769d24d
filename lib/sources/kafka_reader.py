"""A source's Kafka topic as the lines bronze parses: one row per message, bad ones included.

A message's value is its text (``_raw``), as a landed file's line is; its key, topic,
partition, offset and timestamp travel in ``_kafka`` and its place in ``_origin``
(``kafka://<topic>/<partition>/<offset>``). A message without readable text is kept
too, with the reason in ``_read_error``, which the bronze parsers report before their
own: no value (a tombstone when it has a key), bytes that are not UTF-8 (kept
base64-encoded), or a value longer than ``kafka.max_message_bytes``.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.config import Kafka


def _text(payload: Column) -> Column:
    """UTF-8 bytes as text, anything else as base64 (NULL stays NULL)."""
    return F.when(F.is_valid_utf8(payload.cast("string")), payload.cast("string")).otherwise(F.base64(payload))


def read_messages(spark: SparkSession, kafka: Kafka, source: str, max_offsets_per_trigger: int) -> DataFrame:
    """A stream of every message on ``source``'s topic, from the earliest offset a new checkpoint finds."""
    value, size = F.col("value"), F.octet_length("value")
    read_error = (
        F.when(value.isNull() & F.col("key").isNull(), F.lit("null value: a message with neither key nor value"))
        .when(value.isNull(), F.lit("tombstone: a key with no value"))
        .when(~F.is_valid_utf8(value.cast("string")), F.lit("not UTF-8 text (kept base64-encoded)"))
        .when(size > kafka.max_message_bytes,
              F.format_string(f"oversized: %d bytes, above kafka.max_message_bytes ({kafka.max_message_bytes})",
                              size))
    )
    return (spark.readStream.format("kafka")
            .options(**kafka.spark_options(source, max_offsets_per_trigger))
            .load()
            .select(_text(value).alias("_raw"),
                    F.concat_ws("/", F.concat(F.lit("kafka://"), "topic"), "partition", "offset").alias("_origin"),
                    F.struct(_text(F.col("key")).alias("key"), "topic", "partition", "offset",
                             "timestamp").alias("_kafka"),
                    read_error.alias("_read_error"),
                    F.lit(None).cast("long").alias("_block_start"),
                    F.current_timestamp().alias("_ingested_at")))
