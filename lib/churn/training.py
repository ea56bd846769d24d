"""``lakehouse train``: the churn model on labelled gold snapshots, tracked in MLflow, promoted only when better.

One run, in this order: read the inputs at their current Delta versions (logged with the
run), label the snapshots and split them (``labels.py``), fit the Keras model (stopped
early on a random fifth of the training rows) and the logistic-regression baseline on the same
training rows, score both on the holdout, and log parameters, scores, the dataset with
its source and version, the plots and the model with its signature and an input example.
A model that does not beat the baseline fails the run, loudly, and is not registered;
one that does becomes a version of ``churn.model_name``, ``challenger``, and ``champion``
when it beats the champion on the same holdout (``promotion.py``).
"""
from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import mlflow
import mlflow.data
import pandas as pd
from mlflow import MlflowClient
from mlflow.data.delta_dataset_source import DeltaDatasetSource
from mlflow.models import infer_signature
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, incremental
from lakehouse.lib.churn import evaluation, model, promotion
from lakehouse.lib.churn.labels import labelled_snapshots, split
from lakehouse.lib.config import Settings

HISTORY = "gold.customer_features_history"
INPUTS = (HISTORY, "silver.customers", "silver.orders")
INPUT_EXAMPLE_ROWS = 5
# What loading the pyfunc imports (lakehouse.lib.churn.model), pinned as installed. Named, not inferred:
# MLflow infers them by loading the model in a new Python process, which took 9 of a run's 40 seconds.
MODEL_REQUIREMENTS = ("retail-lakehouse", "tensorflow-cpu", "scikit-learn", "pandas", "numpy", "cloudpickle")
VALIDATION_SHARE = 0.2


class NotBetterThanBaseline(Exception):
    """The Keras model's holdout ROC AUC is not above the baseline's: nothing is registered."""


@dataclass(frozen=True)
class Trained:
    run_id: str
    holdout_date: str
    rows: dict[str, int]
    churn_rate: float
    epochs: int
    model: dict[str, float]
    baseline: dict[str, float]
    decision: promotion.Decision
    tracking_uri: str


@dataclass(frozen=True)
class TrainingRows:
    """What a run fits, stops early on and is judged on, read from its inputs at ``versions``."""

    versions: dict[str, int]
    holdout_date: datetime.date
    train: pd.DataFrame  # fitting and validation together, as the baseline fits them
    fitting: pd.DataFrame
    validation: pd.DataFrame
    holdout: pd.DataFrame


def training_rows(spark: SparkSession, settings: Settings) -> TrainingRows:
    """The labelled snapshots, split, in pandas: labelled once in Spark (cached while the split reads it)."""
    churn = settings.churn
    paths = {name: settings.table_path(name) for name in INPUTS}
    for name, path in paths.items():
        catalog.require_built(spark, "train", name, path, f"run `lakehouse run {HISTORY} --upstream` first")
    versions = incremental.input_versions(spark, paths)
    tables = {name: spark.read.format("delta").option("versionAsOf", versions[name]).load(path)
              for name, path in paths.items()}
    labelled = labelled_snapshots(tables[HISTORY], tables["silver.customers"], tables["silver.orders"],
                                  churn.horizon_days).cache()
    try:
        chosen = split(labelled, churn.horizon_days)
        train_rows = model.as_model_rows(chosen.train).toPandas().sort_values(["as_of_date", "customer_key"],
                                                                              ignore_index=True)
        holdout = model.as_model_rows(chosen.holdout).toPandas()
    finally:
        labelled.unpersist()
    _check_both_outcomes(train_rows, "training")
    _check_both_outcomes(holdout, "holdout")
    fitting, validation = _validation_split(train_rows, churn.seed)
    return TrainingRows(versions, chosen.holdout_date, train_rows, fitting, validation, holdout)


def train(spark: SparkSession, settings: Settings, run_name: str) -> Trained:
    churn = settings.churn
    rows = training_rows(spark, settings)
    train_rows, fitting, validation, holdout = rows.train, rows.fitting, rows.validation, rows.holdout
    versions = rows.versions

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    experiment = experiment_id(settings)
    with mlflow.start_run(experiment_id=experiment, run_name=run_name) as run:
        keras_model, epochs = model.fit(fitting, validation, seed=churn.seed, epochs=churn.epochs,
                                        batch_size=churn.batch_size, patience=churn.patience)
        baseline = model.fit_baseline(train_rows, churn.seed)
        churned = holdout[model.LABEL].to_numpy().astype(int)
        probability = {"keras": model.predict(keras_model, holdout),
                       "baseline": baseline.predict_proba(model.baseline_inputs(holdout))[:, 1]}
        scored = {name: evaluation.scores(churned, p) for name, p in probability.items()}
        counts = {"train": len(fitting), "validation": len(validation), "holdout": len(holdout)}
        mlflow.log_params({
            "horizon_days": churn.horizon_days, "seed": churn.seed, "max_epochs": churn.epochs,
            "batch_size": churn.batch_size, "patience": churn.patience, "hidden_units": model.HIDDEN_UNITS,
            "features": ",".join(model.FEATURES), "holdout_as_of_date": str(rows.holdout_date),
            "train_as_of_dates": ",".join(sorted({str(d) for d in train_rows["as_of_date"]})),
            **{f"rows.{part}": count for part, count in counts.items()},
            **{f"input_version.{name}": version for name, version in versions.items()},
        })
        mlflow.log_metrics({"epochs_run": epochs, "holdout_churn_rate": float(churned.mean()),
                            **{f"{name}_{metric}" if name == "baseline" else metric: value
                               for name, values in scored.items() for metric, value in values.items()}})
        source = DeltaDatasetSource(path=settings.table_path(HISTORY), delta_table_version=versions[HISTORY])
        mlflow.log_input(mlflow.data.from_pandas(train_rows, source=source, targets=model.LABEL, name=HISTORY),
                         context="training")
        mlflow.log_input(mlflow.data.from_pandas(holdout, source=source, targets=model.LABEL, name=HISTORY),
                         context="holdout")
        _log_plots(keras_model, holdout, probability, churned, churn.seed)
        if scored["keras"]["roc_auc"] <= scored["baseline"]["roc_auc"]:
            mlflow.set_tag("outcome", "not better than the baseline")
            raise NotBetterThanBaseline(
                f"the churn model's holdout ROC AUC {scored['keras']['roc_auc']:.3f} does not beat the baseline's "
                f"{scored['baseline']['roc_auc']:.3f}: nothing registered (MLflow run {run.info.run_id})")
        version = register_model(keras_model, holdout, churn.model_name)
        decision = promotion.decide(MlflowClient(), churn.model_name, version, scored["keras"]["roc_auc"],
                                    promotion.holdout_scorer(holdout[list(model.FEATURES)], churned))
        mlflow.log_params(decision.as_params())
        mlflow.log_metrics(decision.as_metrics())
        mlflow.set_tag("outcome", decision.summary)
    return Trained(run.info.run_id, str(rows.holdout_date), counts, float(churned.mean()), epochs, scored["keras"],
                   scored["baseline"], decision, settings.mlflow_tracking_uri)


def _check_both_outcomes(rows: pd.DataFrame, part: str) -> None:
    outcomes = set(rows[model.LABEL]) if len(rows) else set()
    if outcomes != {True, False}:
        raise ValueError(f"the {part} snapshots hold {len(rows):,} customers, not both churned and stayed: "
                         f"land more days of orders (the label needs churn.horizon_days after each snapshot)")


def _validation_split(rows: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Early stopping watches a seeded random fifth of the training rows; the rest is fitted.

    Every snapshot stays in the fitted rows, the latest (the nearest to the holdout) included:
    holding that one out for early stopping left a few hundred customers' model with nothing
    like the holdout to learn from, and it lost to the baseline.
    """
    watched = rows.sample(frac=VALIDATION_SHARE, random_state=seed).index
    return rows.drop(index=watched), rows.loc[watched]


def experiment_id(settings: Settings) -> str:
    """The experiment's id, created with its artifact location (local: beside the tracking database), so that
    no run's artifacts land in the working directory (MLflow's default experiment keeps them in ./mlruns)."""
    found = mlflow.get_experiment_by_name(settings.churn.experiment)
    if found is not None:
        return found.experiment_id
    return mlflow.create_experiment(settings.churn.experiment, artifact_location=settings.mlflow_artifact_location)


def _log_plots(keras_model: object, holdout: pd.DataFrame, probability: dict, churned: object, seed: int) -> None:
    mlflow.log_figure(evaluation.roc_figure(churned, probability), "plots/roc.png")
    mlflow.log_figure(evaluation.calibration_figure(churned, probability), "plots/calibration.png")
    drops = evaluation.permutation_importance(lambda rows: model.predict(keras_model, rows), holdout, model.LABEL,
                                              model.FEATURES, seed)
    mlflow.log_figure(evaluation.importance_figure(drops), "plots/permutation_importance.png")
    mlflow.log_dict(drops, "plots/permutation_importance.json")


def register_model(keras_model: object, holdout: pd.DataFrame, model_name: str) -> str:
    """The model as pyfunc, registered as a new version of ``model_name`` in the active run; returns the version.

    Public for the notebook tests, which register a model built on their gold rows, untrained, to score them
    through ``lakehouse score``'s own path."""
    example = holdout[list(model.FEATURES)].head(INPUT_EXAMPLE_ROWS)
    signature = infer_signature(example, model.predict(keras_model, example))
    requirements = [f"{name}=={metadata.version(name)}" for name in MODEL_REQUIREMENTS]
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "churn.keras"
        keras_model.save(saved)
        logged = mlflow.pyfunc.log_model(name="model", python_model=model.ChurnModel(),
                                         artifacts={"keras_model": str(saved)}, signature=signature,
                                         input_example=example, registered_model_name=model_name,
                                         pip_requirements=requirements)
    return str(logged.registered_model_version)
