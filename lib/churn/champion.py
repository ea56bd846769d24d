"""What ``lakehouse summary`` tells of the churn model: the champion, its holdout scores beside the baseline's,
how many customers it scored, and where to look in the MLflow UI.

Read from the tracking store and ``gold.customer_scores`` only; a store that does not exist
yet is not created (nothing is trained yet), and nothing here loads TensorFlow.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlflow import MlflowClient
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.churn import METRICS, SCORES_TABLE
from lakehouse.lib.churn.promotion import champion_version
from lakehouse.lib.config import Settings
from lakehouse.lib.story import table_if_built

SQLITE = "sqlite:///"


@dataclass(frozen=True)
class Champion:
    model_name: str
    version: str
    run_id: str
    holdout_date: str
    model: dict[str, float]
    baseline: dict[str, float]
    customers_scored: int  # rows of gold.customer_scores written by this version


def read_champion(spark: SparkSession, settings: Settings) -> Champion | None:
    """The champion of ``churn.model_name`` with its run's scores; None when there is none yet."""
    uri = settings.mlflow_tracking_uri
    if uri.startswith(SQLITE) and not Path(uri.removeprefix(SQLITE)).exists():
        return None
    client = MlflowClient(tracking_uri=uri)
    name = settings.churn.model_name
    version = champion_version(client, name)
    if version is None:
        return None
    run_id = client.get_model_version(name, version).run_id
    run = client.get_run(run_id)
    metrics = run.data.metrics
    return Champion(
        model_name=name, version=version, run_id=run_id,
        holdout_date=run.data.params.get("holdout_as_of_date", "-"),
        model={metric: metrics[metric] for metric in METRICS if metric in metrics},
        baseline={metric: metrics[f"baseline_{metric}"] for metric in METRICS if f"baseline_{metric}" in metrics},
        customers_scored=_scored(spark, name, int(version)))


def _scored(spark: SparkSession, name: str, version: int) -> int:
    scores = table_if_built(spark, SCORES_TABLE)
    if scores is None:
        return 0
    return scores.where((F.col("model_name") == name) & (F.col("model_version") == version)).count()
