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
    """Per feature, how much the holdout ROC AUC drops when that column is shuffled (mean of a few shuffles)."""
    rng = np.random.default_rng(seed)
    churned = holdout[label].to_numpy()
    reference = roc_auc_score(churned, score(holdout))
    drops = {}
    for name in features:
        losses = []
        for _ in range(PERMUTATION_REPEATS):
            shuffled = holdout.copy()
            shuffled[name] = rng.permutation(shuffled[name].to_numpy())
            losses.append(reference - roc_auc_score(churned, score(shuffled)))
        drops[name] = float(np.mean(losses))
    return drops


def importance_figure(drops: dict[str, float]) -> Figure:
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    ordered = sorted(drops.items(), key=lambda item: item[1])
    axes.barh([name for name, _ in ordered], [drop for _, drop in ordered])
    axes.set_xlabel("ROC AUC lost when the column is shuffled")
    axes.set_title("Churn model: permutation importance (holdout)")
    figure.tight_layout()
    return figure
