"""``lakehouse score``: every customer of ``gold.customer_features`` scored by the ``champion`` into
``gold.customer_scores``.

The champion's pyfunc runs in Spark (``mlflow.pyfunc.spark_udf``) on the gold rows as they
are, the model doing its own preprocessing. One row per customer and model version; scoring
a version again replaces that version's rows in one commit (``replaceWhere``), so a retry or
a second run never duplicates them, and other versions' rows stay for comparison.

Columns of gold.customer_scores
  customer_key      the customer's pseudonym
  churn_probability the champion's probability that the customer places no live order in the
                    ``churn.horizon_days`` after the features' as-of date
  model_name        the registered model (``churn.model_name``)
  model_version     its version that scored the row
  scored_at         when the scoring ran (UTC)
"""
from __future__ import annotations

from dataclasses import dataclass

import mlflow
import mlflow.pyfunc
from mlflow import MlflowClient
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType, TimestampType

from lakehouse.lib import catalog
from lakehouse.lib.churn import SCORES_TABLE, model, promotion
from lakehouse.lib.config import ConfigError, Settings

FEATURES_TABLE = "gold.customer_features"
SCHEMA = StructType([
    StructField("customer_key", StringType()),
    StructField("churn_probability", DoubleType()),
    StructField("model_name", StringType()),
    StructField("model_version", IntegerType()),
    StructField("scored_at", TimestampType()),
])


@dataclass(frozen=True)
class Scored:
    model_name: str
    model_version: int
    customers: int
    mean_probability: float | None
    as_of_date: str | None


def score(spark: SparkSession, settings: Settings) -> Scored:
    name = settings.churn.model_name
    features_path = settings.table_path(FEATURES_TABLE)
    catalog.require_built(spark, "score", FEATURES_TABLE, features_path,
                          f"run `lakehouse run {FEATURES_TABLE} --upstream` first")
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    version = promotion.champion_version(MlflowClient(), name)
    if version is None:
        raise ConfigError(f"model {name} has no champion in {settings.mlflow_tracking_uri}: run `lakehouse train`")
    churn_probability = mlflow.pyfunc.spark_udf(spark, f"models:/{name}/{version}", result_type="double",
                                                env_manager="local")
    features = model.as_model_rows(spark.read.format("delta").load(features_path))
    scores = features.select(
        "customer_key",
        churn_probability(F.struct(*model.FEATURES)).alias("churn_probability"),
        F.lit(name).alias("model_name"),
        F.lit(int(version)).cast("int").alias("model_version"),
        F.current_timestamp().alias("scored_at"),
    )
    path = catalog.ensure(spark, settings, SCORES_TABLE, SCHEMA)
    (scores.write.format("delta").mode("overwrite")
     .option("replaceWhere", f"model_name = '{name}' AND model_version = {int(version)}").save(path))
    written = (spark.read.format("delta").load(path)
               .where((F.col("model_name") == name) & (F.col("model_version") == int(version)))
               .agg(F.count(F.lit(1)).alias("customers"), F.avg("churn_probability").alias("mean")).first())
    as_of = features.agg(F.max("as_of_date")).first()[0]
    return Scored(name, int(version), written.customers, written.mean, None if as_of is None else str(as_of))
