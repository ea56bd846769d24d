"""The daily batch: bronze -> silver -> gold -> data quality -> train -> score -> maintain, on EMR.

Each job is a step of ``lakehouse_steps.json`` submitted to the cluster and followed to its end
(lakehouse_jobs.py; with ``LAKEHOUSE_AIRFLOW_LOCAL`` set, one local process each). The jobs are
idempotent (a batch processes what has landed and not been processed yet), so a failed task is
retried twice, with exponential backoff (5 to 10, then 10 to 20 minutes later: Airflow adds
jitter); after its last try it pages PagerDuty, and its next success resolves the incident.
Airflow 3 has no SLAs: a run still going ``DEADLINE`` after it was queued pages through a
DeadlineAlert (resolved when the run succeeds), and one past ``dagrun_timeout`` is failed, well
before the next day's.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lakehouse_paging
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback, chain
from lakehouse_jobs import RUNNER, STEPS

DAG_ID = "lakehouse_daily"
# The longest each job may take (execution_timeout), with room over what it takes on prod's data.
TIMEOUTS = {
    "bronze": timedelta(hours=2),
    "silver": timedelta(hours=2),
    "gold": timedelta(hours=2),
    "data_quality": timedelta(hours=1),
    "train": timedelta(hours=2),
    "score": timedelta(hours=1),
    "maintain": timedelta(hours=2),
}
DEADLINE = timedelta(hours=6)

with DAG(
    dag_id=DAG_ID,
    description="bronze -> silver -> gold -> data quality -> train -> score -> maintain",
    schedule="0 3 * * *",  # 03:00 UTC, after the night's exports have landed
    start_date=datetime(2026, 12, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=20),
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=DEADLINE,
        callback=SyncCallback(lakehouse_paging.deadline_missed,
                              kwargs={"env": RUNNER.env, "dag_id": DAG_ID, "deadline": str(DEADLINE)}),
    ) if RUNNER.with_deadline else None,
    on_success_callback=lakehouse_paging.run_succeeded(RUNNER.env, DAG_ID),
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": lakehouse_paging.task_failed(RUNNER.env),
        "on_success_callback": lakehouse_paging.task_succeeded(RUNNER.env),
    },
    tags=["lakehouse"],
    doc_md=__doc__,
):
    chain(*(RUNNER.job(DAG_ID, task_id, TIMEOUTS[task_id]) for task_id in STEPS["dags"][DAG_ID]))
