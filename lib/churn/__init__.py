"""The churn model: labels on gold feature snapshots, training, promotion and scoring."""

METRICS = ("roc_auc", "pr_auc", "log_loss", "brier")  # every holdout score a run logs, in the order shown
