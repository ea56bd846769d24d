"""``lakehouse deploy airflow``: what the Airflow DAGs in dags/ submit, as one JSON file beside them.

MWAA has neither this package nor pyspark, so the DAGs cannot ask lib/cloud/emr.py for their
spark-submit lines: they read ``dags/lakehouse_steps.json``, written from the conf by this module
and committed with the DAGs. Per DAG and task, in the order the DAG runs them: the entry point and
its arguments (for the DAGs' local switch, which runs the same job on another ``--env``) and the
EMR step itself. The cluster id is not in it: clusters come and go, so the DAGs read it at run
time from the Airflow Variable named here.
"""
from __future__ import annotations

import json
from pathlib import Path

from lakehouse.lib.cloud import emr
from lakehouse.lib.cloud.emr import Job, run_job
from lakehouse.lib.config import Settings

FILE = "lakehouse_steps.json"
CLUSTER_ID_VARIABLE = "lakehouse_emr_cluster_id"

# The daily batch, in order: each task waits for the one before it.
DAILY = {
    "bronze": run_job("bronze", "batch"),
    "silver": run_job("silver", "batch"),
    "gold": run_job("gold", "batch"),
    "data_quality": Job(("dq", "docs")),
    "train": Job(("train",)),
    "score": Job(("score",)),
    "maintain": Job(("maintain",), ("all",)),
}
STREAM = run_job("all", "stream")
# A stream step that fails must not cancel the steps queued behind it: the watchdog submits it again.
STREAM_ACTION_ON_FAILURE = "CONTINUE"


def task(settings: Settings, job: Job, action_on_failure: str | None = None) -> dict[str, object]:
    return {"script": job.script, "arguments": list(job.arguments),
            "step": emr.step(settings, job, action_on_failure)}


def airflow_steps(settings: Settings) -> dict[str, object]:
    """The document the DAGs read: env, the Variable holding the cluster id, and each DAG's tasks in order."""
    return {
        "env": settings.env,
        "cluster_id_variable": CLUSTER_ID_VARIABLE,
        "dags": {
            "lakehouse_daily": {task_id: task(settings, job) for task_id, job in DAILY.items()},
            "lakehouse_stream_watchdog": {"stream": task(settings, STREAM, STREAM_ACTION_ON_FAILURE)},
        },
    }


def write_steps(settings: Settings, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE
    path.write_text(json.dumps(airflow_steps(settings), indent=2) + "\n")
    return path
