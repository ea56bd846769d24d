"""Keyed hashing of personal data (HMAC-SHA256), computed by Spark itself.

The key never appears in a query plan: plans are printed by ``explain``, shown in the Spark UI and
written to Spark's event logs (which EMR keeps for its persistent UI), and a key padded by a fixed
byte is the key. So the padded keys travel as the one row of a small DataFrame joined to the rows
(a broadcast, whose data no plan prints), and the hash is built from Spark's own ``sha2``: the same
value always maps to the same pseudonym, and nothing in the data or the plans reveals the key.
"""
from __future__ import annotations

import hashlib
from typing import Mapping

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

BLOCK = 64
INNER, OUTER = "_hmac_inner_pad", "_hmac_outer_pad"


def pads(spark: SparkSession, key: bytes) -> DataFrame:
    """HMAC's inner and outer padded keys as one row (``INNER``, ``OUTER``)."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    inner = bytearray(byte ^ 0x36 for byte in key)
    outer = bytearray(byte ^ 0x5C for byte in key)
    return spark.createDataFrame([(inner, outer)], f"{INNER} binary, {OUTER} binary")


def keyed_hash(value: Column) -> Column:
    """HMAC-SHA256 of the value's UTF-8 text as 64 hex characters, over rows joined to ``pads``; NULL stays NULL."""
    message = F.encode(value.cast("string"), "UTF-8")
    inner_digest = F.unhex(F.sha2(F.concat(F.col(INNER), message), 256))
    return F.when(value.isNotNull(), F.sha2(F.concat(F.col(OUTER), inner_digest), 256))


def pseudonymise(df: DataFrame, pseudonyms: Mapping[str, str], key: bytes) -> DataFrame:
    """``{"customer_key": "customer_id", "email": "email"}``: each output column is the keyed hash of its input."""
    if not pseudonyms:
        return df
    keyed = df.crossJoin(F.broadcast(pads(df.sparkSession, key)))
    return keyed.withColumns({out: keyed_hash(F.col(source)) for out, source in pseudonyms.items()}).drop(INNER, OUTER)
