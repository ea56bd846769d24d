"""Personal data as keyed hashes (HMAC-SHA256), with the key nowhere in a query plan."""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from lakehouse.lib.pseudonyms import BLOCK, pseudonymise

KEY = b"a-secret-key"


def hashed(df: DataFrame, key: bytes) -> list[str | None]:
    return [row.value for row in pseudonymise(df, {"value": "value"}, key).collect()]


def test_a_pseudonym_is_the_values_hmac_sha256_and_null_stays_null(spark: SparkSession) -> None:
    rows = spark.createDataFrame([("ann@example.com",), ("Zoë",), (None,)], "value string")
    expected = [hmac.new(KEY, v.encode(), hashlib.sha256).hexdigest() for v in ("ann@example.com", "Zoë")]
    assert hashed(rows, KEY) == [*expected, None]


def test_a_key_longer_than_a_block_is_hashed_first_as_hmac_does(spark: SparkSession) -> None:
    key = b"k" * 100
    rows = spark.createDataFrame([("C00001",)], "value string")
    assert hashed(rows, key) == [hmac.new(key, b"C00001", hashlib.sha256).hexdigest()]


def test_every_row_and_column_stays_and_the_output_columns_are_named_as_asked(spark: SparkSession) -> None:
    rows = spark.createDataFrame([("C1", "a@x.io", 1), ("C2", None, 2)], "customer_id string, email string, n int")
    out = pseudonymise(rows, {"customer_key": "customer_id", "email": "email"}, KEY)
    assert out.columns == ["customer_id", "email", "n", "customer_key"]
    assert [(r.customer_id, r.n, r.email is None) for r in out.orderBy("n").collect()] == [("C1", 1, False),
                                                                                         ("C2", 2, True)]


def padded(key: bytes, byte: int) -> str:
    return bytes(b ^ byte for b in key.ljust(BLOCK, b"\0")).hex().upper()


def node_strings(info: Any) -> list[str]:
    """A ``SparkPlanInfo`` tree's simple strings: what the UI's SQL tab and the event log show of each node."""
    children = info.children()
    return [info.simpleString(), *(text for i in range(children.size()) for text in node_strings(children.apply(i)))]


def test_no_plan_spark_prints_or_logs_holds_the_key_or_its_pads(spark: SparkSession) -> None:
    out = pseudonymise(spark.createDataFrame([("C00001",)], "value string"), {"value": "value"}, KEY)
    out.collect()
    execution = out._jdf.queryExecution()
    sql = spark._jvm.org.apache.spark.sql.execution
    plans = [execution.toString(),  # explain(extended): parsed, analyzed, optimized and physical
             spark._jvm.PythonSQLUtils.explainString(execution, "formatted"),
             *node_strings(sql.SparkPlanInfo.fromSparkPlan(execution.executedPlan()))]
    assert any("sha2" in plan for plan in plans)
    secrets = [KEY.hex().upper(), padded(KEY, 0x36), padded(KEY, 0x5C), KEY.decode().upper()]
    leaked = [(secret, plan) for plan in plans for secret in secrets if secret in plan.upper()]
    assert not leaked, leaked
