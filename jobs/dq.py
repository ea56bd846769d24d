"""``spark-submit jobs/dq.py --env prod``: ``lakehouse dq docs`` as a Spark job.

Validates each silver table's rules and stored checks with Great Expectations, records the results
in ops.dq_results and rebuilds the Data Docs (docs/quality.md); the Airflow DAG's ``data_quality`` task.
"""
import sys

from lakehouse.lib.cli import main

if __name__ == "__main__":
    sys.argv[1:1] = ["dq", "docs"]
    main()
