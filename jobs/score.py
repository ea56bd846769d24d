"""``spark-submit jobs/score.py --env prod``: ``lakehouse score`` as a Spark job.

Scores every customer with the champion churn model into gold.customer_scores (docs/churn.md), with
the same arguments, one-line errors and exit codes as the command; the Airflow DAG's ``score`` task.
"""
import sys

from lakehouse.lib.cli import main

if __name__ == "__main__":
    sys.argv.insert(1, "score")
    main()
