"""Churn scores for the notebook tests, on the test run's own lakehouse, written by ``lakehouse score``'s path.

Training needs labels 30 days after each feature snapshot, which the run's small two-day data
set (tests/integration/conftest.py) does not have, and a model that beats the baseline;
tests/churn trains on a shop of its own, in a test, for some 40 seconds. So the champion
here is the churn model built on this run's gold features (its normalisation and country
lookup fitted on them) with its first, untrained weights: a real Keras model, registered in
MLflow as training registers it, that ``scoring.score`` runs through ``mlflow.pyfunc.spark_udf``
into ``gold.customer_scores`` as ``lakehouse score`` does. Its probabilities mean nothing
about churn; the notebook is about showing the table, which they fill like any others.
"""
from __future__ import annotations

import mlflow
import pytest
from mlflow import MlflowClient
from pyspark.sql import SparkSession

from lakehouse.lib.churn import model, promotion, training
from lakehouse.lib.churn.scoring import FEATURES_TABLE, Scored, score
from lakehouse.lib.config import Settings
from lakehouse.lib.runlog import TableRun


@pytest.fixture(scope="session")
def churn_scores(spark: SparkSession, settings: Settings, gold_built: dict[str, TableRun]) -> Scored:
    features = model.as_model_rows(spark.read.format("delta").load(settings.table_path(FEATURES_TABLE))).toPandas()
    name = settings.churn.model_name
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    with mlflow.start_run(experiment_id=training.experiment_id(settings), run_name="notebook-tests"):
        version = training.register_model(model.build(features, settings.churn.seed), features, name)
    MlflowClient().set_registered_model_alias(name, promotion.CHAMPION, version)
    return score(spark, settings)
