"""Change events (Debezium envelope) unpacked into one row image per event, ready to apply."""
from __future__ import annotations

from typing import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.fields import Field, names
from lakehouse.lib.sources.landing import json_object, rescued
from lakehouse.lib.rules import Rule, is_in

OPERATIONS = ("c", "u", "d", "r")
CHANGE = (
    Field("op", required=True),
    Field("lsn", "long", required=True),
    Field("changed_at", "epoch_millis"),
)


def row_images(envelopes: DataFrame, row: Sequence[Field]) -> DataFrame:
    """One row per event: the row image's fields as text, plus ``op``, ``lsn`` and ``changed_at``.

    Inserts, updates and snapshot reads carry the row in ``after``; a delete only in
    ``before``, which still names the key it removes.
    """
    image = json_object(F.when(F.col("op") == "d", F.col("before")).otherwise(F.col("after")))
    return envelopes.select(
        *[image[name].alias(name) for name in names(row)],
        "op",
        F.get_json_object("source", "$.lsn").alias("lsn"),
        F.col("ts_ms").alias("changed_at"),
        rescued(image, names(row), earlier=F.col("_rescued")).alias("_rescued"),
        "_raw", "_parse_error", "_origin", "_ingested_at",
    )


def op_is_known() -> Rule:
    return is_in("op", OPERATIONS)


IS_DELETE = "op = 'd'"
