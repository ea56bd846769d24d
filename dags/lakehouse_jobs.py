"""The lakehouse's jobs as Airflow tasks: on EMR (MWAA) by default, or on this machine for testing.

Every job comes from ``lakehouse_steps.json`` (``lakehouse deploy airflow --env prod --out dags``,
written from lib/cloud/emr.py), so the DAGs hold no spark-submit line of their own.

The switch is ``RUNNER`` below, and only there: with ``LAKEHOUSE_AIRFLOW_LOCAL`` naming a checkout
with its ``.venv``, each job runs as ``<checkout>/.venv/bin/python <checkout>/jobs/<command>.py``
with the step's own arguments and ``--env $LAKEHOUSE_AIRFLOW_ENV`` (default ``local``), in one task;
otherwise each job is an EMR add-step and a sensor on the cluster whose id the Airflow Variable holds.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.providers.amazon.aws.hooks.emr import EmrHook
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import TaskGroup, Variable

STEPS: dict[str, Any] = json.loads((Path(__file__).parent / "lakehouse_steps.json").read_text())
AWS_CONN_ID = "aws_default"
SUBMIT_TIMEOUT = timedelta(minutes=10)  # one AddJobFlowSteps call
POKE_SECONDS = 60
ACTIVE_STEP_STATES = ["PENDING", "RUNNING"]


class OnEmr:
    """Jobs as EMR steps on the cluster named by the Variable, read when a task runs, never when parsing."""

    env = STEPS["env"]
    cluster_id = "{{ var.value.%s }}" % STEPS["cluster_id_variable"]
    with_deadline = True

    def job(self, dag_id: str, task_id: str, timeout: timedelta) -> TaskGroup:
        """``<task_id>.add_step`` submits the step; ``<task_id>.wait`` follows it until it completes or fails."""
        with TaskGroup(task_id) as group:
            submitted = self.add_step(dag_id, task_id, "add_step")
            waiting = EmrStepSensor(
                task_id="wait", job_flow_id=self.cluster_id, aws_conn_id=AWS_CONN_ID,
                step_id="{{ ti.xcom_pull(task_ids='%s.add_step')[0] }}" % task_id,
                mode="reschedule", poke_interval=POKE_SECONDS, timeout=timeout, execution_timeout=timeout)
            submitted >> waiting
        return group

    def submit(self, dag_id: str, task_id: str) -> EmrAddStepsOperator:
        """Add the job's step and leave it running (the stream): no sensor."""
        return self.add_step(dag_id, task_id, task_id)

    def add_step(self, dag_id: str, task_id: str, operator_id: str) -> EmrAddStepsOperator:
        return EmrAddStepsOperator(task_id=operator_id, job_flow_id=self.cluster_id,
                                   steps=[STEPS["dags"][dag_id][task_id]["step"]], aws_conn_id=AWS_CONN_ID,
                                   execution_timeout=SUBMIT_TIMEOUT)

    def running(self, dag_id: str, task_id: str) -> bool:
        """Whether a step of the same name is pending or running on the cluster."""
        name = STEPS["dags"][dag_id][task_id]["step"]["Name"]
        emr = EmrHook(aws_conn_id=AWS_CONN_ID).conn
        pages = emr.get_paginator("list_steps").paginate(
            ClusterId=Variable.get(STEPS["cluster_id_variable"]), StepStates=ACTIVE_STEP_STATES)
        return any(step["Name"] == name for page in pages for step in page["Steps"])


class OnThisMachine:
    """Jobs as processes of a checkout's virtualenv, on local Spark: the same entry points and arguments.

    Without the DAG's DeadlineAlert: ``airflow dags test`` (3.3.2) builds its scheduler DAG in memory, whose
    deadlines are not the database ids the end of a run looks up, and the finished run fails on them.
    """

    with_deadline = False

    def __init__(self, checkout: str, env: str) -> None:
        self.checkout, self.env = Path(checkout), env

    def command(self, dag_id: str, task_id: str) -> list[str]:
        job = STEPS["dags"][dag_id][task_id]
        return [str(self.checkout / ".venv" / "bin" / "python"), str(self.checkout / job["script"]),
                *job["arguments"], "--env", self.env]

    def job(self, dag_id: str, task_id: str, timeout: timedelta) -> BashOperator:
        return BashOperator(task_id=task_id, bash_command=shlex.join(self.command(dag_id, task_id)),
                            cwd=str(self.checkout), execution_timeout=timeout)

    def submit(self, dag_id: str, task_id: str) -> BashOperator:
        """Start the job and leave it running (a stream), its output in the checkout's data/logs."""
        log = self.checkout / "data" / "logs" / f"airflow-{dag_id}-{task_id}.log"
        started = f"setsid nohup {shlex.join(self.command(dag_id, task_id))} > {shlex.quote(str(log))} 2>&1 &"
        return BashOperator(task_id=task_id, cwd=str(self.checkout), execution_timeout=SUBMIT_TIMEOUT,
                            bash_command=f"mkdir -p {shlex.quote(str(log.parent))} && {started}")

    def running(self, dag_id: str, task_id: str) -> bool:
        found = subprocess.run(["pgrep", "-f", " ".join(self.command(dag_id, task_id))], capture_output=True)
        return found.returncode == 0


LOCAL = os.environ.get("LAKEHOUSE_AIRFLOW_LOCAL")
RUNNER = OnThisMachine(LOCAL, os.environ.get("LAKEHOUSE_AIRFLOW_ENV", "local")) if LOCAL else OnEmr()
