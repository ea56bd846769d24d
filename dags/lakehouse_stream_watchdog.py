"""Keeps the stream running on EMR: every 5 minutes, submits ``lakehouse run all --mode stream`` again
when no step of that name is pending or running on the cluster.

Paused when first deployed: unpause it where the lakehouse runs as a stream. The stream step runs
beside others only on a cluster that runs steps concurrently (StepConcurrencyLevel 2 or more).
With ``LAKEHOUSE_AIRFLOW_LOCAL`` set, it looks for and starts the stream as a local process instead.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lakehouse_paging
from airflow.sdk import DAG, task
from lakehouse_jobs import RUNNER

DAG_ID = "lakehouse_stream_watchdog"

with DAG(
    dag_id=DAG_ID,
    description="Re-submit the streaming step when it is not running",
    schedule=timedelta(minutes=5),
    start_date=datetime(2026, 12, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    dagrun_timeout=timedelta(minutes=15),
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": 2.0,
        "execution_timeout": timedelta(minutes=5),
        "on_failure_callback": lakehouse_paging.task_failed(RUNNER.env),
        "on_success_callback": lakehouse_paging.task_succeeded(RUNNER.env),
    },
    tags=["lakehouse"],
    doc_md=__doc__,
):
    @task.short_circuit
    def stream_stopped() -> bool:
        """True (go on and submit it) when the stream's step is neither pending nor running."""
        return not RUNNER.running(DAG_ID, "stream")

    stream_stopped() >> RUNNER.submit(DAG_ID, "stream")
