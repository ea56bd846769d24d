"""The package on a real Spark standalone cluster: ``spark-submit --master spark://... jobs/run.py`` writes the
same tables as ``lakehouse run`` in local mode, from one landing zone, with one conf.

The run is ``silver.customers gold.server_health_minute --upstream``: landing files through bronze (CSV and
access-log lines), silver (rules, the quarantine, personal data pseudonymised with the key broadcast to the
executors) to gold, five tables and their quarantines. ``run all`` took some nine minutes for both runs on two
cores, ``gold.daily_sales --upstream`` (nine tables) four, most of it each table's fixed cost, and shows nothing
more about the cluster; the other tests run every table in local mode.

The conf's ``spark.master: local[2]`` is what the local run uses; under spark-submit the command line's master
wins (lib/session.py), so the job registers with the master and its tasks run in the workers' executors.
"""
from __future__ import annotations

import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml
from pyspark.sql import SparkSession

from tests.packaging.conftest import REPO, command_env
from tests.packaging.standalone_cluster import StandaloneCluster, stop_process_group

pytestmark = pytest.mark.slow

LAYERS = ("bronze", "silver", "quarantine", "gold")
# Values that say when, or in which run, a row was written rather than what it holds; every other column
# (the landing file of each bronze and quarantined row included: both runs read one landing zone) must be equal.
RUN_COLUMNS = {"_ingested_at", "run_id", "quarantined_at"}
# But silver's _origin: a change event delivered twice with the same sequence (lsn) keeps either copy, as
# ApplyChanges ranks changes by their sequence alone, so which file it names depends on the order tasks end in.
NOT_COMPARED = {layer: RUN_COLUMNS | ({"_origin"} if layer == "silver" else set()) for layer in LAYERS}
# A small set: one day, no history days before it.
GENERATE = ["--customers", "20", "--events", "2000", "--days", "1", "--history-days", "0", "--seed", "7"]
# Every table the run writes must have rows, or equal tables would prove little.
EMPTY: list[str] = []
RUN = ["silver.customers", "gold.server_health_minute", "--upstream", "--env", "local"]
REGISTER_TIMEOUT = 300  # seconds from spark-submit to the master listing the job; 20-60 s here
RUN_TIMEOUT = 1200  # seconds; run all took 750-780 s on the shared 2 cores at load 20


def sized_conf(workdir: Path) -> Path:
    """A local.yaml sized for tests, like tests/conftest.py's: few partitions, the tables' checks not validated
    after each run (tests/lib/test_table_checks.py covers them), independent tables run two at a time."""
    folder = workdir / "conf"
    folder.mkdir()
    (folder / "local.yaml").write_text(yaml.safe_dump({
        "paths": {"landing": "landing", "lakehouse": "lakehouse", "report": "report", "logs": "logs"},
        "spark": {"master": "local[2]", "shuffle_partitions": 2, "jars_dir": str(REPO / ".jars"),
                  "conf": {"spark.driver.memory": "2g", "spark.ui.showConsoleProgress": "false",
                           "spark.databricks.delta.snapshotPartitions": "2"}},
        "batch": {"parallel_tables": 2},
        "privacy": {"require_key": False},
        "quality": {"validate_tables": False, "max_age_hours": 8760},
    }))
    return folder


def delta_tables(root: Path) -> dict[str, Path]:
    """Every Delta table of the four layers under ``root``, by ``<layer>.<folder>``."""
    return {f"{layer}.{log.parent.name}": log.parent for layer in LAYERS
            for log in sorted((root / layer).glob("*/_delta_log"))}


def contents(spark: SparkSession, table: Path) -> list[str]:
    """The table's rows, without the columns its layer leaves out, as sorted text: equal lists, equal tables."""
    frame = spark.read.format("delta").load(str(table))
    kept = sorted(set(frame.columns) - NOT_COMPARED[table.parent.name])
    return sorted(repr(row) for row in frame.select(*kept).collect())


def registered_application(cluster: StandaloneCluster, submitted: subprocess.Popen) -> str:
    """The id of the application the submitted job registered with the master; fails early if it does not, as a
    job that ran in local mode never does."""
    deadline = time.monotonic() + REGISTER_TIMEOUT
    while time.monotonic() < deadline:
        status = cluster.status()
        applications = [app["id"] for app in status["activeapps"] + status["completedapps"]]
        if applications or submitted.poll() is not None:
            assert len(applications) == 1, f"the master lists {applications}, not the one submitted job (cluster.log says why)"
            return applications[0]
        time.sleep(1)
    raise AssertionError(f"no application registered with the master in {REGISTER_TIMEOUT} s")


def test_the_batch_pipeline_on_a_standalone_cluster_writes_what_local_mode_writes(
        venv: Path, dist: Path, cluster: StandaloneCluster, workdir: Path, spark: SparkSession) -> None:
    # The executors' Python workers run the virtualenv's interpreter; the driver listens on loopback too.
    env = command_env(venv, LAKEHOUSE_CONF=str(sized_conf(workdir)), PYSPARK_PYTHON=str(venv / "bin" / "python"),
                      SPARK_LOCAL_IP="127.0.0.1")
    made = subprocess.run([str(venv / "bin" / "lakehouse"), "generate", *GENERATE], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    (archive,) = dist.glob("*.zip")
    jars = ",".join(str(jar) for jar in sorted((REPO / ".jars").glob("*.jar")))
    runs = {
        "local": [str(venv / "bin" / "lakehouse"), "run", *RUN],
        "cluster": [str(venv / "bin" / "spark-submit"), "--master", cluster.url, "--driver-memory", "2g",
                    "--jars", jars,
                    "--py-files", str(archive), str(dist / "jobs" / "run.py"), *RUN],
    }
    # Both at once: on a small set each run mostly waits on its driver, so together they take little longer.
    with ExitStack() as stack:
        started = {name: subprocess.Popen(command, cwd=workdir, stderr=subprocess.STDOUT, start_new_session=True,
                                          stdout=stack.enter_context((workdir / f"{name}.log").open("w")),
                                          env={**env, "LAKEHOUSE_ROOT": str(workdir / name)})
                   for name, command in runs.items()}
        for process in started.values():  # whatever fails below, no run outlives the test
            stack.callback(stop_process_group, process)
        application = registered_application(cluster, started["cluster"])
        for process in started.values():
            process.wait(timeout=RUN_TIMEOUT)
    for name, process in started.items():
        assert process.returncode == 0, f"{name} run:\n{(workdir / f'{name}.log').read_text()[-5000:]}"

    finished = {app["id"]: (app["name"], app["state"]) for app in cluster.status()["completedapps"]}
    assert finished == {application: ("retail-lakehouse", "FINISHED")}
    for work_dir in cluster.work_dirs:  # each worker started an executor for it, which ran tasks
        executors = list((work_dir / application).glob("*/stderr"))
        assert executors and "Finished task" in executors[0].read_text(), f"no task ran under {work_dir}"

    local, on_cluster = delta_tables(workdir / "local"), delta_tables(workdir / "cluster")
    assert {name.split(".")[0] for name in local} == set(LAYERS)
    assert sorted(on_cluster) == sorted(local)
    rows = {name: contents(spark, path) for name, path in local.items()}
    assert sorted(name for name, written in rows.items() if not written) == EMPTY
    assert [name for name, path in on_cluster.items() if contents(spark, path) != rows[name]] == []
