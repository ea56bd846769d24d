"""The registry's aliases: every new version is ``challenger``; it becomes ``champion`` only when it beats the
current champion on the same holdout (by ROC AUC), or when there is no champion yet."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.metrics import roc_auc_score

CHAMPION = "champion"
CHALLENGER = "challenger"

HoldoutScore = Callable[[str], float]  # a model URI -> its ROC AUC on the holdout


@dataclass(frozen=True)
class Decision:
    version: str
    promoted: bool
    challenger_roc_auc: float
    champion_version: str | None  # the champion before the decision
    champion_roc_auc: float | None

    @property
    def summary(self) -> str:
        if self.champion_version is None:
            return f"version {self.version} is the first champion"
        verdict = "beats" if self.promoted else "does not beat"
        return (f"version {self.version} ({self.challenger_roc_auc:.3f}) {verdict} champion version "
                f"{self.champion_version} ({self.champion_roc_auc:.3f}) on the same holdout")

    def as_params(self) -> dict[str, str]:
        return {"promotion.decision": CHAMPION if self.promoted else CHALLENGER,
                "promotion.previous_champion": self.champion_version or "none"}

    def as_metrics(self) -> dict[str, float]:
        metrics = {"promotion.challenger_roc_auc": self.challenger_roc_auc}
        if self.champion_roc_auc is not None:
            metrics["promotion.champion_roc_auc"] = self.champion_roc_auc
        return metrics


def champion_version(client: MlflowClient, model_name: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(model_name, CHAMPION).version)
    except MlflowException:
        return None


def decide(client: MlflowClient, model_name: str, version: str, challenger_roc_auc: float,
           holdout_score: HoldoutScore) -> Decision:
    """Alias the new version ``challenger``, then ``champion`` too if it is strictly better than the champion."""
    client.set_registered_model_alias(model_name, CHALLENGER, version)
    current = champion_version(client, model_name)
    champion_roc_auc = None if current is None else holdout_score(f"models:/{model_name}/{current}")
    promoted = champion_roc_auc is None or challenger_roc_auc > champion_roc_auc
    if promoted:
        client.set_registered_model_alias(model_name, CHAMPION, version)
    return Decision(version, promoted, challenger_roc_auc, current, champion_roc_auc)


def holdout_scorer(features: pd.DataFrame, churned: np.ndarray) -> HoldoutScore:
    """Scores a registered version on the holdout's ``features`` through its pyfunc, as scoring would load it."""

    def score(uri: str) -> float:
        return float(roc_auc_score(churned, mlflow.pyfunc.load_model(uri).predict(features)))

    return score
