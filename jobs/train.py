"""``spark-submit jobs/train.py --env prod``: ``lakehouse train`` as a Spark job.

Trains the churn model on gold's feature snapshots and promotes it only when better (docs/churn.md),
with the same arguments, one-line errors and exit codes as the command; the Airflow DAG's ``train`` task.
"""
import sys

from lakehouse.lib.cli import main

if __name__ == "__main__":
    sys.argv.insert(1, "train")
    main()
