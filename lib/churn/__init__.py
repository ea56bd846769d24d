"""The churn model: labels on gold feature snapshots, training, promotion and scoring."""

# Every holdout score a run logs, in the order shown, and the column heading people read.
METRICS = {"roc_auc": "ROC AUC", "pr_auc": "PR AUC", "log_loss": "log loss", "brier": "Brier"}
SCORES_TABLE = "gold.customer_scores"  # written by scoring.py, read by champion.py (which loads no TensorFlow)
