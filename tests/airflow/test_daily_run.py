"""``airflow dags test lakehouse_daily`` end to end with the local switch: each job of the DAG runs its
entry point on local Spark, on a small generated landing set in a folder of the test, through to
gold.customer_scores.

The churn model trains on the generator's 120 days of order history, for a few epochs only.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
import yaml
from deltalake import DeltaTable

from tests.airflow.conftest import REPO, airflow

pytestmark = [pytest.mark.slow, pytest.mark.dag_run]  # `make test-dag-run`; `make test` leaves it out

DAILY = ["bronze", "silver", "gold", "data_quality", "train", "score", "maintain"]
GOLD = ["basket_size_daily", "cohort_retention_weekly", "customer_features", "customer_features_history",
        "daily_sales", "funnel_daily", "inventory_current", "product_performance_daily", "sales_minute",
        "search_terms_daily", "server_health_minute", "customer_scores"]
LOGICAL_DATE = "2026-12-02"


@pytest.fixture(scope="module")
def conf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout's ``local.yaml`` in a folder of its own (LAKEHOUSE_CONF), every path in the test's folder,
    Spark sized for tests, two tables at once, few epochs; then a small landing set generated there."""
    folder = tmp_path_factory.mktemp("lake")
    settings = yaml.safe_load((REPO / "conf" / "local.yaml").read_text())
    settings["paths"] = {name: str(folder / name) for name in ("landing", "lakehouse", "report", "logs")}
    settings["spark"].update({"shuffle_partitions": 2, "jars_dir": str(REPO / ".jars")})
    settings["spark"]["conf"]["spark.driver.memory"] = "2g"
    settings.update({"batch": {"parallel_tables": 2}, "churn": {"epochs": 20}})
    settings["quality"]["validate_tables"] = False
    (folder / "conf").mkdir()
    (folder / "conf" / "local.yaml").write_text(yaml.safe_dump(settings))
    made = subprocess.run([str(REPO / ".venv" / "bin" / "lakehouse"), "generate", "--customers", "300",
                           "--events", "2000", "--days", "1"], capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "LAKEHOUSE_CONF": str(folder / "conf")}, cwd=folder)
    assert made.returncode == 0, made.stderr
    return folder / "conf"


def stop_jobs(conf: Path) -> None:
    """End the job processes this test's DAG run started (BashOperator gives each a session of its own, so
    they outlive an ``airflow dags test`` stopped at its timeout): those whose LAKEHOUSE_CONF is ``conf``."""
    marker = f"LAKEHOUSE_CONF={conf}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            started_here = marker in environ.read_bytes().split(b"\0")
        except OSError:
            continue
        if started_here:
            os.kill(int(environ.parent.name), signal.SIGTERM)


def airflow_json(home: Path, *args: str) -> list[dict]:
    """A listing of Airflow's command line as JSON: its last line (warnings come first, on standard output)."""
    done = airflow(home, *args, "-o", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_daily_dag_runs_every_job_locally_through_to_the_churn_scores(airflow_home: Path, conf: Path) -> None:
    lake = conf.parent / "lakehouse"
    try:
        done = airflow(airflow_home, "dags", "test", "lakehouse_daily", LOGICAL_DATE, timeout=1200,
                       LAKEHOUSE_AIRFLOW_LOCAL=str(REPO), LAKEHOUSE_CONF=str(conf))
    finally:
        stop_jobs(conf)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    runs = airflow_json(airflow_home, "dags", "list-runs", "lakehouse_daily")
    (run,) = [run for run in runs if run["logical_date"].startswith(LOGICAL_DATE)]
    assert run["state"] == "success"
    states = airflow_json(airflow_home, "tasks", "states-for-dag-run", "lakehouse_daily", run["run_id"])
    assert {state["task_id"]: state["state"] for state in states} == {job: "success" for job in DAILY}
    for table in GOLD:
        assert (lake / "gold" / table / "_delta_log").is_dir(), table
    features = DeltaTable(str(lake / "gold" / "customer_features")).to_pyarrow_table(columns=["customer_key"])
    scores = DeltaTable(str(lake / "gold" / "customer_scores")).to_pyarrow_table(
        columns=["customer_key", "model_name", "model_version"])
    assert sorted(scores["customer_key"].to_pylist()) == sorted(features["customer_key"].to_pylist())
    assert set(zip(scores["model_name"].to_pylist(), scores["model_version"].to_pylist())) == {("churn", 1)}
