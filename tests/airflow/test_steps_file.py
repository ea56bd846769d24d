"""``lakehouse deploy airflow``: dags/lakehouse_steps.json, what the DAGs submit, from conf/prod.yaml's ``emr:``.

No Airflow here: the file is the DAGs' only source of spark-submit lines, so it is checked against
hand-written lines, and the committed copy against a fresh one.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.packaging.conftest import PACKAGES

REPO = Path(__file__).resolve().parents[2]
CODE = "s3://retail-lakehouse-prod-code/lakehouse"
ZIP = "retail_lakehouse-0.1.0-py3-none-any.zip"
# Per daily task, in the order the DAG runs them: the step's name, the entry point and its arguments.
DAILY = {
    "bronze": ("lakehouse run bronze --mode batch --env prod", "jobs/run.py", ["bronze", "--mode", "batch"]),
    "silver": ("lakehouse run silver --mode batch --env prod", "jobs/run.py", ["silver", "--mode", "batch"]),
    "gold": ("lakehouse run gold --mode batch --env prod", "jobs/run.py", ["gold", "--mode", "batch"]),
    "data_quality": ("lakehouse dq docs --env prod", "jobs/dq.py", []),
    "train": ("lakehouse train --env prod", "jobs/train.py", []),
    "score": ("lakehouse score --env prod", "jobs/score.py", []),
    "maintain": ("lakehouse maintain all --env prod", "jobs/maintain.py", ["all"]),
}


def spark_submit(script: str, arguments: list[str]) -> list[str]:
    return ["spark-submit", "--deploy-mode", "cluster", "--py-files", f"{CODE}/{ZIP}", *PACKAGES,
            f"{CODE}/{script}", *arguments, "--env", "prod"]


def deploy_airflow(out: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "deploy", "airflow", "--env", "prod",
                           "--out", str(out)], cwd=out.parent, capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Wrote {out / 'lakehouse_steps.json'}"
    return json.loads((out / "lakehouse_steps.json").read_text())


def test_the_committed_steps_file_is_what_deploy_airflow_writes_for_prod(tmp_path: Path) -> None:
    deploy_airflow(tmp_path / "dags")
    fresh = (tmp_path / "dags" / "lakehouse_steps.json").read_text()
    assert (REPO / "dags" / "lakehouse_steps.json").read_text() == fresh


def test_each_daily_task_is_its_command_as_one_spark_submit_step_in_order(tmp_path: Path) -> None:
    steps = deploy_airflow(tmp_path / "dags")
    assert (steps["env"], steps["cluster_id_variable"]) == ("prod", "lakehouse_emr_cluster_id")
    daily = steps["dags"]["lakehouse_daily"]
    assert list(daily) == list(DAILY)
    for task_id, (name, script, arguments) in DAILY.items():
        assert daily[task_id] == {"script": script, "arguments": arguments, "step": {
            "Name": name, "ActionOnFailure": "CANCEL_AND_WAIT",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": spark_submit(script, arguments)}}}, task_id
        assert (REPO / script).is_file()


def test_the_stream_step_does_not_cancel_the_steps_behind_it_when_it_fails(tmp_path: Path) -> None:
    steps = deploy_airflow(tmp_path / "dags")
    arguments = ["all", "--mode", "stream"]
    assert steps["dags"]["lakehouse_stream_watchdog"] == {"stream": {"script": "jobs/run.py", "arguments": arguments,
                                                                     "step": {
        "Name": "lakehouse run all --mode stream --env prod", "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": spark_submit("jobs/run.py", arguments)}}}}


def test_an_env_without_emr_settings_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "deploy", "airflow", "--env", "local",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: env 'local' has no emr: section; lakehouse deploy needs one (see conf/prod.yaml)")
    assert not (tmp_path / "lakehouse_steps.json").exists()
