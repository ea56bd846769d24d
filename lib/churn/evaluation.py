"""How good a churn model is on the holdout: the scores MLflow records, and the plots people look at."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.calibration import CalibrationDisplay
from sklearn.metrics import RocCurveDisplay, average_precision_score, brier_score_loss, log_loss, roc_auc_score

Scorer = Callable[[pd.DataFrame], np.ndarray]
CALIBRATION_BINS = 10
PERMUTATION_REPEATS = 3


def scores(churned: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """ROC AUC, PR AUC (average precision), log loss and Brier score of churn probabilities."""
    return {
        "roc_auc": float(roc_auc_score(churned, probability)),
        "pr_auc": float(average_precision_score(churned, probability)),
        "log_loss": float(log_loss(churned, np.clip(probability, 1e-7, 1 - 1e-7), labels=[0, 1])),
        "brier": float(brier_score_loss(churned, probability)),
    }


def roc_figure(churned: np.ndarray, probabilities: dict[str, np.ndarray]) -> Figure:
    figure = Figure(figsize=(5, 5))
    axes = figure.subplots()
    for name, probability in probabilities.items():
        RocCurveDisplay.from_predictions(churned, probability, name=name, ax=axes)
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
    axes.set_title("Churn on the holdout: ROC")
    return figure


def calibration_figure(churned: np.ndarray, probabilities: dict[str, np.ndarray]) -> Figure:
    figure = Figure(figsize=(5, 5))
    axes = figure.subplots()
    for name, probability in probabilities.items():
        CalibrationDisplay.from_predictions(churned, probability, n_bins=CALIBRATION_BINS, name=name, ax=axes)
    axes.set_title("Churn on the holdout: calibration")
    return figure


def permutation_importance(score: Scorer, holdout: pd.DataFrame, label: str, features: tuple[str, ...],
                           seed: int) -> dict[str, float]:
    """Per feature, how much the holdout ROC AUC drops when that column is shuffled (mean of a few shuffles).

    The holdout and every shuffled copy are scored in one call: each call of a Keras model
    costs a fixed tenth of a second or so, more than scoring a few thousand rows.
    """
    rng = np.random.default_rng(seed)
    churned = holdout[label].to_numpy()
    copies = [holdout]
    for name in features:
        for _ in range(PERMUTATION_REPEATS):
            shuffled = holdout.copy()
            shuffled[name] = rng.permutation(shuffled[name].to_numpy())
            copies.append(shuffled)
    reference, *shuffles = (roc_auc_score(churned, part)
                            for part in np.split(np.asarray(score(pd.concat(copies, ignore_index=True))), len(copies)))
    return {name: float(reference - np.mean(shuffles[number * PERMUTATION_REPEATS:(number + 1) * PERMUTATION_REPEATS]))
            for number, name in enumerate(features)}


def importance_figure(drops: dict[str, float]) -> Figure:
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    ordered = sorted(drops.items(), key=lambda item: item[1])
    axes.barh([name for name, _ in ordered], [drop for _, drop in ordered])
    axes.set_xlabel("ROC AUC lost when the column is shuffled")
    axes.set_title("Churn model: permutation importance (holdout)")
    figure.tight_layout()
    return figure
