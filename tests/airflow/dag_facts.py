"""Run by Airflow's interpreter (tests/airflow/conftest.py): the DAG folder as Airflow parses it, as JSON.

Parses dags/ as the DAG processor parses a bundle (``BundleDagBag``: the folder on sys.path, so the
DAGs import their helper modules), then, per task: its class, retries and timeouts, and the fields
Airflow renders when the task runs, rendered the way ``airflow tasks render`` renders them (a task
instance of a new run, its template context, the Variable read from the environment).
"""
from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from airflow.cli.commands.task_command import _get_template_context, _get_ti
from airflow.dag_processing.bundles.manager import DagBundlesManager
from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
from airflow.serialization.serialized_objects import DagSerialization

RENDERED = ("steps", "job_flow_id", "bash_command")
LOGICAL_DATE = "2026-12-02T03:00:00+00:00"


def seconds(value: timedelta | float | None) -> float | None:
    return value.total_seconds() if isinstance(value, timedelta) else value


def callbacks(value: object) -> list:
    """A task's callbacks are a list; a DAG's may be one function."""
    return value if isinstance(value, list) else [value] if value else []


def parsed(folder: Path) -> BundleDagBag:
    """The folder as the DAG processor parses its bundle, each DAG serialized into the metadata database."""
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    (bundle,) = manager.get_all_dag_bundles()  # the dags-folder bundle: core.dags_folder
    assert bundle.path == folder, f"{bundle.path} is not {folder}"
    bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name=bundle.name)
    sync_bag_to_db(bag, bundle.name, None)  # a task instance needs its DAG serialized, as the processor does
    return bag


def template_context(dag, task_id: str) -> dict:
    """The context a task of a new run gets, built as ``airflow tasks render`` builds it."""
    scheduler_dag = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    ti, _ = _get_ti(scheduler_dag.get_task(task_id), -1, logical_date_or_run_id=LOGICAL_DATE,
                    create_if_necessary="memory")
    return _get_template_context(ti, dag.get_task(task_id))


def rendered(dag, task_id: str) -> dict[str, object]:
    """The task's fields as rendered for a run; a sensor's raw templates (its step id is the XCom of a run)."""
    task = dag.get_task(task_id)
    if "step_id" in task.template_fields:
        return {"job_flow_id": task.job_flow_id, "step_id": task.step_id}
    context = template_context(dag, task_id)
    task.render_template_fields(context)
    return {name: getattr(context["task"], name) for name in RENDERED if name in task.template_fields}


def facts(folder: Path) -> dict[str, object]:
    bag = parsed(folder)
    dags = {}
    for dag_id, dag in sorted(bag.dags.items()):
        dags[dag_id] = {
            "edges": sorted([task.task_id, after] for task in dag.tasks for after in task.downstream_task_ids),
            "schedule": str(dag.schedule),
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "dagrun_timeout": seconds(dag.dagrun_timeout),
            "on_success_callbacks": len(callbacks(dag.on_success_callback)),
            "deadlines": [{"reference": type(alert.reference).__name__, "interval": seconds(alert.interval),
                           "callback": alert.callback.path, "kwargs": alert.callback.kwargs}
                          for alert in dag.deadline or []],
            "tasks": {task.task_id: {
                "class": type(task).__name__,
                "retries": task.retries,
                "retry_delay": seconds(task.retry_delay),
                "retry_exponential_backoff": task.retry_exponential_backoff,
                "execution_timeout": seconds(task.execution_timeout),
                "sensor_timeout": seconds(getattr(task, "timeout", None)),
                "on_failure_callbacks": len(task.on_failure_callback or []),
                "on_success_callbacks": len(task.on_success_callback or []),
                "rendered": rendered(dag, task.task_id),
            } for task in dag.tasks},
        }
    return {"import_errors": bag.import_errors, "dags": dags}


if __name__ == "__main__":
    print(json.dumps(facts(Path(sys.argv[1])), default=str))
