"""Keyed hashing of personal data (HMAC-SHA256), computed by Spark itself.

The key never leaves the driver as a UDF closure: the inner and outer padded keys
are literals in the plan, and the hash is built from Spark's own ``sha2``, so the
same value always maps to the same pseudonym and nothing in the data reveals it.
"""
from __future__ import annotations

import hashlib
from typing import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

BLOCK = 64


def keyed_hash(value: Column, key: bytes) -> Column:
    """HMAC-SHA256 of the value's UTF-8 text as 64 hex characters; NULL stays NULL."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    inner = bytearray(byte ^ 0x36 for byte in key)
    outer = bytearray(byte ^ 0x5C for byte in key)
    message = F.encode(value.cast("string"), "UTF-8")
    inner_digest = F.unhex(F.sha2(F.concat(F.lit(inner), message), 256))
    return F.when(value.isNotNull(), F.sha2(F.concat(F.lit(outer), inner_digest), 256))


def pseudonymise(df: DataFrame, pseudonyms: Mapping[str, str], key: bytes) -> DataFrame:
    """``{"customer_key": "customer_id", "email": "email"}``: each output column is the keyed hash of its input."""
    if not pseudonyms:
        return df
    return df.withColumns({out: keyed_hash(F.col(source), key) for out, source in pseudonyms.items()})
