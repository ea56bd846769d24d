"""The churn model: labels on gold feature snapshots, training, promotion and scoring."""
