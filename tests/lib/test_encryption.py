"""Personal data encrypted per column (AES-256-GCM), readable by any AES-GCM library, the key in no plan."""
from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pyspark.sql import SparkSession

from lakehouse.lib.encryption import decrypt, encrypt
from tests.lib.test_pseudonyms import node_strings

KEY = bytes(range(32))


def test_each_value_is_aes_gcm_as_any_library_reads_it_and_null_stays_null(spark: SparkSession) -> None:
    rows = spark.createDataFrame([(1, "ann@example.com", "Zoë"), (2, None, "Ray")], "n int, email string, name string")
    stored = encrypt(rows, ["email", "name"], KEY).orderBy("n").collect()
    assert stored[1].email is None and stored[0].n == 1
    opened = [AESGCM(KEY).decrypt(bytes(value[:12]), bytes(value[12:]), None).decode()
              for value in (stored[0].email, stored[0].name, stored[1].name)]
    assert opened == ["ann@example.com", "Zoë", "Ray"]
    again = encrypt(rows, ["email"], KEY).orderBy("n").first().email
    assert bytes(again) != bytes(stored[0].email), "a fresh nonce for every value"


def test_decrypt_gives_the_text_back(spark: SparkSession) -> None:
    rows = spark.createDataFrame([("+44 7700 900777",), (None,)], "phone string")
    assert [r.phone for r in decrypt(encrypt(rows, ["phone"], KEY), ["phone"], KEY).collect()] == [
        "+44 7700 900777", None]


def test_no_plan_spark_prints_or_logs_holds_the_key(spark: SparkSession) -> None:
    key = os.urandom(32)
    out = encrypt(spark.createDataFrame([("ann@example.com",)], "email string"), ["email"], key)
    out.collect()
    execution = out._jdf.queryExecution()
    sql = spark._jvm.org.apache.spark.sql.execution
    plans = [execution.toString(), spark._jvm.PythonSQLUtils.explainString(execution, "formatted"),
             *node_strings(sql.SparkPlanInfo.fromSparkPlan(execution.executedPlan()))]
    assert any("aes_encrypt" in plan for plan in plans)
    assert not [plan for plan in plans if key.hex().upper() in plan.upper()]
