"""Personal data encrypted per column (AES-256-GCM) by Spark itself, the data key never in a query plan.

As with the pseudonyms' key (``lib/pseudonyms.py``), the key travels as the one row of a small
DataFrame joined to the rows, a broadcast whose data no plan prints, so ``explain``, the Spark UI
and Spark's event log never show it. Spark's ``aes_encrypt`` in GCM mode draws a fresh 12-byte
nonce for every value and appends the 16-byte tag: nonce, ciphertext and tag, as any AES-GCM
library reads them. NULL stays NULL.
"""
from __future__ import annotations

from typing import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

KEY = "_data_key"


def _keyed(df: DataFrame, key: bytes) -> DataFrame:
    return df.crossJoin(F.broadcast(df.sparkSession.createDataFrame([(bytearray(key),)], f"{KEY} binary")))


def encrypt(df: DataFrame, columns: Sequence[str], key: bytes) -> DataFrame:
    """Each of ``columns`` as the AES-GCM encryption of its text (binary)."""
    if not columns:
        return df
    keyed = _keyed(df, key)
    return keyed.withColumns({column: F.aes_encrypt(F.col(column).cast("string"), F.col(KEY), F.lit("GCM"))
                              for column in columns}).drop(KEY)


def decrypt(df: DataFrame, columns: Sequence[str], key: bytes) -> DataFrame:
    """Each of ``columns`` decrypted back to its text; a value under another key fails the query."""
    keyed = _keyed(df, key)
    return keyed.withColumns({column: F.aes_decrypt(F.col(column), F.col(KEY), F.lit("GCM")).cast("string")
                              for column in columns}).drop(KEY)
