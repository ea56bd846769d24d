"""Run by Airflow's interpreter (tests/airflow/test_paging.py): the daily DAG's paging, as Airflow calls it.

``failure_pages.py <dags> <task_id> <failures> [recovered]``: the task's own ``on_failure_callback``
called with the context Airflow builds for a task instance of a run and the error, ``<failures>`` times
(a task failing on consecutive runs); then the DAG's DeadlineAlert callback, imported from its path
with its kwargs and the context the scheduler sends it (the run, as JSON). With ``recovered``, the
task's ``on_success_callback`` and then the DAG's follow (the next run succeeding).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from airflow.sdk._shared.module_loading import import_string
from dag_facts import callbacks, parsed, template_context


def page(folder: Path, task_id: str, failures: int, recovered: bool) -> dict[str, object]:
    dag = parsed(folder).dags["lakehouse_daily"]
    context = template_context(dag, task_id)
    context["exception"] = RuntimeError("Step s-1 FAILED")
    for _ in range(failures):
        for callback in dag.get_task(task_id).on_failure_callback:
            callback(context)
    (alert,) = dag.deadline
    import_string(alert.callback.path)(**alert.callback.kwargs, context={"dag_run": {"run_id": context["run_id"]}})
    if recovered:
        for callback in [*dag.get_task(task_id).on_success_callback, *callbacks(dag.on_success_callback)]:
            callback(context)
    return {"run_id": context["run_id"]}


if __name__ == "__main__":
    print(json.dumps(page(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:] == ["recovered"])))
