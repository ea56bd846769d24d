"""The DAG folder as a real Airflow 3 parses it: no import errors, the tasks and their edges, retries,
timeouts and paging, and what each task submits, rendered as Airflow renders it for a run.

Once as on MWAA (EMR steps), once with the local switch (``LAKEHOUSE_AIRFLOW_LOCAL``).
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.airflow.conftest import CLUSTER_ID, DAGS, PYTHON, REPO, airflow_script

DAILY = ["bronze", "silver", "gold", "data_quality", "train", "score", "maintain"]
# Each job's timeout (execution_timeout, and the sensor's timeout), written out by hand.
HOURS = {"bronze": 2, "silver": 2, "gold": 2, "data_quality": 1, "train": 2, "score": 1, "maintain": 2}
LOCAL_COMMANDS = {
    "bronze": "jobs/run.py bronze --mode batch",
    "silver": "jobs/run.py silver --mode batch",
    "gold": "jobs/run.py gold --mode batch",
    "data_quality": "jobs/dq.py",
    "train": "jobs/train.py",
    "score": "jobs/score.py",
    "maintain": "jobs/maintain.py all",
}


@pytest.fixture(scope="module")
def steps() -> dict:
    return json.loads((DAGS / "lakehouse_steps.json").read_text())["dags"]


@pytest.fixture(scope="module")
def on_emr(airflow_home: Path) -> dict:
    return airflow_script(airflow_home, "dag_facts.py", str(DAGS))


@pytest.fixture(scope="module")
def on_this_machine(airflow_home: Path) -> dict:
    return airflow_script(airflow_home, "dag_facts.py", str(DAGS), LAKEHOUSE_AIRFLOW_LOCAL=str(REPO),
                          LAKEHOUSE_AIRFLOW_ENV="dev")


def test_the_dags_import_with_only_airflow_and_the_amazon_provider(on_emr: dict, on_this_machine: dict) -> None:
    absent = subprocess.run([str(PYTHON), "-c", "import importlib.util as u; "
                             "print([m for m in ('lakehouse', 'pyspark') if u.find_spec(m)])"],
                            capture_output=True, text=True, check=True)
    assert absent.stdout.strip() == "[]"
    for parsed in (on_emr, on_this_machine):
        assert parsed["import_errors"] == {}
        assert sorted(parsed["dags"]) == ["lakehouse_daily", "lakehouse_stream_watchdog"]


def test_the_daily_dag_is_each_job_as_an_emr_step_and_its_sensor_one_after_another(on_emr: dict) -> None:
    daily = on_emr["dags"]["lakehouse_daily"]
    assert daily["edges"] == sorted([
        ["bronze.add_step", "bronze.wait"], ["bronze.wait", "silver.add_step"],
        ["silver.add_step", "silver.wait"], ["silver.wait", "gold.add_step"],
        ["gold.add_step", "gold.wait"], ["gold.wait", "data_quality.add_step"],
        ["data_quality.add_step", "data_quality.wait"], ["data_quality.wait", "train.add_step"],
        ["train.add_step", "train.wait"], ["train.wait", "score.add_step"],
        ["score.add_step", "score.wait"], ["score.wait", "maintain.add_step"],
        ["maintain.add_step", "maintain.wait"]])
    assert sorted(daily["tasks"]) == sorted(f"{job}.{part}" for job in DAILY for part in ("add_step", "wait"))


def test_each_emr_task_submits_its_step_of_lakehouse_steps_json_to_the_variables_cluster(on_emr: dict,
                                                                                       steps: dict) -> None:
    tasks = on_emr["dags"]["lakehouse_daily"]["tasks"]
    for job in DAILY:
        submit, wait = tasks[f"{job}.add_step"], tasks[f"{job}.wait"]
        assert (submit["class"], wait["class"]) == ("EmrAddStepsOperator", "EmrStepSensor")
        assert submit["rendered"] == {"steps": [steps["lakehouse_daily"][job]["step"]], "job_flow_id": CLUSTER_ID}
        assert wait["rendered"] == {"job_flow_id": "{{ var.value.lakehouse_emr_cluster_id }}",
                                    "step_id": "{{ ti.xcom_pull(task_ids='%s.add_step')[0] }}" % job}
    watchdog = on_emr["dags"]["lakehouse_stream_watchdog"]
    assert watchdog["tasks"]["stream"]["rendered"] == {"steps": [steps["lakehouse_stream_watchdog"]["stream"]["step"]],
                                                       "job_flow_id": CLUSTER_ID}


def test_every_task_retries_twice_backing_off_times_out_pages_when_it_fails_and_resolves(on_emr: dict) -> None:
    daily = on_emr["dags"]["lakehouse_daily"]
    for job in DAILY:
        submit, wait = daily["tasks"][f"{job}.add_step"], daily["tasks"][f"{job}.wait"]
        for task in (submit, wait):
            assert (task["retries"], task["retry_delay"], task["retry_exponential_backoff"],
                    task["on_failure_callbacks"], task["on_success_callbacks"]) == (2, 300, 2.0, 1, 1)
        assert submit["execution_timeout"] == 600
        assert wait["execution_timeout"] == wait["sensor_timeout"] == HOURS[job] * 3600
    assert (daily["schedule"], daily["catchup"], daily["max_active_runs"], daily["dagrun_timeout"],
            daily["on_success_callbacks"]) == ("0 3 * * *", False, 1, 20 * 3600, 1)
    assert daily["deadlines"] == [{"reference": "DagRunQueuedAtDeadline", "interval": 6 * 3600,
                                   "callback": "lakehouse_paging.deadline_missed",
                                   "kwargs": {"env": "prod", "dag_id": "lakehouse_daily", "deadline": "6:00:00"}}]


def test_the_watchdog_submits_the_stream_only_after_finding_it_stopped(on_emr: dict) -> None:
    watchdog = on_emr["dags"]["lakehouse_stream_watchdog"]
    assert watchdog["edges"] == [["stream_stopped", "stream"]]
    assert (watchdog["tasks"]["stream_stopped"]["class"], watchdog["tasks"]["stream"]["class"]) == (
        "_ShortCircuitDecoratedOperator", "EmrAddStepsOperator")
    assert (watchdog["schedule"], watchdog["max_active_runs"], watchdog["dagrun_timeout"]) == ("0:05:00", 1, 900)
    for task in watchdog["tasks"].values():
        assert (task["retries"], task["on_failure_callbacks"], task["on_success_callbacks"]) == (2, 1, 1)


def test_the_local_switch_runs_each_job_as_one_local_process_with_the_same_arguments(on_this_machine: dict) -> None:
    daily = on_this_machine["dags"]["lakehouse_daily"]
    assert daily["edges"] == sorted([[before, after] for before, after in zip(DAILY, DAILY[1:])])
    assert daily["deadlines"] == []  # airflow dags test 3.3.2 cannot finish a run with one
    python = f"{REPO}/.venv/bin/python"
    for job, command in LOCAL_COMMANDS.items():
        task = daily["tasks"][job]
        assert task["class"] == "BashOperator"
        assert task["rendered"] == {"bash_command": f"{python} {REPO}/{command} --env dev"}
        assert (task["retries"], task["execution_timeout"], task["on_failure_callbacks"]) == (2, HOURS[job] * 3600, 1)
    watchdog = on_this_machine["dags"]["lakehouse_stream_watchdog"]
    assert watchdog["edges"] == [["stream_stopped", "stream"]]
    log = f"{REPO}/data/logs/airflow-lakehouse_stream_watchdog-stream.log"
    assert watchdog["tasks"]["stream"]["rendered"] == {"bash_command": (
        f"mkdir -p {REPO}/data/logs && setsid nohup {python} {REPO}/jobs/run.py all --mode stream --env dev "
        f"> {log} 2>&1 &")}
