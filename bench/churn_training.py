"""Figure 6: training the churn model end to end vs fitting the same model on rows already in memory.

The lakehouse for it is built once from a data set with the shop's history: every table
``gold.customer_features_history`` reads, and that table. The candidate is ``lakehouse
train`` as one call: the inputs' Delta versions, the labels and the split in Spark, the rows
to pandas and tensors, the Keras model and the baseline fitted and scored, and everything
logged to MLflow (parameters, metrics, datasets, plots, the model, its registration and the
promotion decision). The baseline is ``model.fit`` alone on the same rows, prepared once
before the pairs: the same seed and settings run the same epochs, so the ratio is what the
lakehouse adds around the fit. One tracking store serves every pair: the warm-up registers
the champion, so each counted run is compared with it, as a routine run is.

Apart from the pairs, ``lakehouse train`` runs once more in a fresh process, for the time a
user waits (session start and imports included) and the peak memory it prints.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from pyspark.sql import SparkSession
from rich.console import Console

from bench import workspace
from bench.pairs import Comparison, Run, Side, timed_pairs
from bench.progress import pair_printer
from bench.report import Reading
from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline, run_tables

TITLE = "Churn training end to end vs fitting the same model on rows in memory"
TARGET = 1.2
HISTORY = "gold.customer_features_history"
FRESH_TITLE = "`lakehouse train` in a fresh process: wall time and peak memory"
# Printed by `lakehouse train` (lib/cli.py, lib/footprint.py).
TRAIN_LINE = re.compile(r"train: (\d+) s, peak memory ([\d.]+) GB \(JVM ([\d,]+) MB \+ Python ([\d,]+) MB\)")


def built(spark: SparkSession, settings: Settings) -> Settings:
    """A lakehouse holding the feature snapshots and the label's inputs, built once from the landing zone."""
    lake = workspace.at_lakehouse(settings, workspace.runs_folder(settings) / "churn" / "lakehouse")
    tables = registry.select(HISTORY, upstream=True)
    workspace.point_catalog_at(spark, lake, tables)
    run_tables(Pipeline(spark, lake, "bench-churn-build"), tables, "batch")
    return lake


def measure(spark: SparkSession, settings: Settings, pairs: int, console: Console) -> tuple[Comparison, Settings]:
    """The comparison, and the settings of the lakehouse it trained on (for ``fresh_process``)."""
    from lakehouse.lib.churn import model, training  # TensorFlow loads here, not for the other figures

    with console.status("churn: building the feature snapshots once"):
        lake = built(spark, settings)
    churn = lake.churn
    rows = training.training_rows(spark, lake)
    trained: list[training.Trained] = []
    epochs: list[int] = []

    def fit_in_memory(pair: int) -> Run:
        def run() -> None:
            epochs.append(model.fit(rows.fitting, rows.validation, seed=churn.seed, epochs=churn.epochs,
                                    batch_size=churn.batch_size, patience=churn.patience)[1])
        return run

    def train_end_to_end(pair: int) -> Run:
        return lambda: trained.append(training.train(spark, lake, f"bench-{pair}"))

    baseline = Side("model.fit on the training rows in memory", fit_in_memory)
    candidate = Side("lakehouse train (training.train)", train_end_to_end)
    baseline_seconds, candidate_seconds = timed_pairs(pairs, baseline, candidate,
                                                      on_pair=pair_printer(console, "churn training", pairs))
    last = trained[-1]
    notes = (f"Both fitted {last.rows['train']:,} rows ({last.rows['validation']:,} watched for early stopping), "
             f"{last.epochs} epochs in the last train and {epochs[-1]} in the last fit; holdout "
             f"{last.rows['holdout']:,} customers as of {last.holdout_date}: Keras ROC AUC "
             f"{last.model['roc_auc']:.3f}, baseline {last.baseline['roc_auc']:.3f}.",)
    return Comparison(TITLE, baseline.name, candidate.name, TARGET, baseline_seconds, candidate_seconds, notes), lake


def fresh_process(lake: Settings) -> Reading:
    """``lakehouse train`` on the built lakehouse in a new process (run after the bench's own session stops)."""
    conf = workspace.write_conf(workspace.runs_folder(lake) / "churn", env="train")
    env = {**os.environ, "LAKEHOUSE_ROOT": lake.paths.lakehouse, "LAKEHOUSE_LANDING": lake.paths.landing}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "train", "--env", str(conf.with_suffix(""))],
                          cwd=workspace.REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    found = TRAIN_LINE.search(" ".join(done.stdout.split()))
    if done.returncode or not found:
        last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
        return Reading(FRESH_TITLE, f"failed after {seconds:.0f} s (exit {done.returncode}): {last}")
    train_seconds, peak_gb, jvm_mb, python_mb = found.groups()
    return Reading(FRESH_TITLE, f"{seconds:.0f} s for the whole command (imports and session start included); "
                                f"training {train_seconds} s, peak memory {peak_gb} GB (JVM {jvm_mb} MB + "
                                f"Python {python_mb} MB)")
