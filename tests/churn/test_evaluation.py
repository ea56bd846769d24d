"""Permutation importance: what the churn model loses when one column is shuffled."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lakehouse.lib.churn.evaluation import PERMUTATION_REPEATS, permutation_importance


def test_only_the_column_the_model_reads_matters_and_one_call_scores_every_shuffle() -> None:
    holdout = pd.DataFrame({"recency_days": np.arange(200.0), "frequency": np.arange(200.0) % 7})
    holdout["churned"] = holdout["recency_days"] >= 100  # recency alone ranks every customer: ROC AUC 1.0
    calls = []

    def score(rows: pd.DataFrame) -> np.ndarray:
        calls.append(len(rows))
        return rows["recency_days"].to_numpy()

    drops = permutation_importance(score, holdout, "churned", ("recency_days", "frequency"), seed=1)

    assert drops["frequency"] == 0.0
    assert 0.3 < drops["recency_days"] <= 1.0, "shuffled, recency ranks about as well as a coin (0.5)"
    assert calls == [200 * (1 + 2 * PERMUTATION_REPEATS)]
