"""Another root, its own catalog: the README's ``LAKEHOUSE_ROOT=... lakehouse run all`` after a first run elsewhere.

Each command runs as a new process, as a user runs it: a root's catalog lives inside the
root, so a process started on another root never sees the first root's tables, and a root
deleted after a run is simply built again.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, registry
from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.runner import Pipeline, run_tables

from .conftest import land

REPO = Path(__file__).resolve().parents[2]
REQUEST = ('203.0.113.{n} - - [20/Nov/2026:10:{minute:02d}:0{n} +0000] "GET /p/{n} HTTP/1.1" {status} 512 "-" '
           '"agent" 0.1')
LOG_LINES = [REQUEST.format(n=1, minute=15, status=200), REQUEST.format(n=2, minute=15, status=503),
             REQUEST.format(n=3, minute=16, status=200), "not an access log line"]


def last_line(stderr: str) -> str:
    """What the command said last; before it, the JVM may warn about its incubator modules as it starts."""
    assert "Traceback" not in stderr
    return stderr.strip().splitlines()[-1]


def lakehouse(settings: Settings, root: Path, *args: str) -> subprocess.CompletedProcess:
    conf = Path(settings.paths.landing).parent / "conf" / "local"
    env = {**os.environ, "LAKEHOUSE_ROOT": str(root / "lakehouse"), "LAKEHOUSE_LANDING": str(root / "landing")}
    return subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", *args, "--env", str(conf)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=900)


def rows(spark: SparkSession, root: Path, name: str) -> int:
    layer, table = name.split(".")
    return spark.read.format("delta").load(str(root / "lakehouse" / layer / table)).count()


@pytest.fixture(scope="module")
def other_root(settings: Settings, first_run: dict) -> Path:
    """A second root beside the test run's own, which has been run already: only server logs land there."""
    root = Path(settings.paths.landing).parent / "other-root"
    shutil.rmtree(root, ignore_errors=True)
    land(root / "landing", "server_logs/dt=2026-11-20/part-0.log", LOG_LINES)
    return root


def assert_built(spark: SparkSession, root: Path) -> None:
    assert (rows(spark, root, "bronze.server_logs"), rows(spark, root, "silver.server_logs"),
            rows(spark, root, "quarantine.server_logs")) == (4, 3, 1)
    assert rows(spark, root, "gold.server_health_minute") == 2
    assert (root / "lakehouse" / "_catalog" / "metastore_db").is_dir()


def test_a_run_on_another_root_builds_it_with_its_own_catalog(spark: SparkSession, settings: Settings,
                                                              other_root: Path) -> None:
    """A gold table with the tables it reads, on a root whose catalog never saw them."""
    done = lakehouse(settings, other_root, "run", "gold.server_health_minute", "--upstream")
    assert done.returncode == 0, done.stderr
    assert_built(spark, other_root)


def test_a_deleted_root_is_simply_built_again(spark: SparkSession, settings: Settings, other_root: Path) -> None:
    """The catalog went with the root; its tables and the run log are created again (two bronze tables show it)."""
    shutil.rmtree(other_root / "lakehouse")
    done = lakehouse(settings, other_root, "run", "bronze.server_logs", "bronze.clickstream")
    assert done.returncode == 0, done.stderr
    assert rows(spark, other_root, "bronze.server_logs") == 4
    assert rows(spark, other_root, "bronze.clickstream") == 0, "a source folder that is missing is an empty source"
    assert rows(spark, other_root, "ops.runs") == 2


def test_a_table_whose_input_is_not_built_says_what_to_run_first(spark: SparkSession, settings: Settings,
                                                                  other_root: Path) -> None:
    """The one-line error, raised in this process (the command line's exit code 2 for it is tested with the
    settings, tests/lib/test_config.py)."""
    shutil.rmtree(other_root / "lakehouse", ignore_errors=True)
    paths = settings.paths.model_copy(update={"lakehouse": str(other_root / "lakehouse"),
                                              "landing": str(other_root / "landing")})
    catalog._ensured.clear()
    try:
        with pytest.raises(ConfigError) as raised:
            run_tables(Pipeline(spark, settings.model_copy(update={"paths": paths}), "not-built"),
                       [registry.get("silver.server_logs")], "batch")
    finally:
        catalog._ensured.clear()
    assert str(raised.value) == (
        f"silver.server_logs reads bronze.server_logs, which is not built yet at {other_root}/lakehouse/bronze/"
        f"server_logs: run `lakehouse run bronze.server_logs` first, or add --upstream")


def test_a_failed_command_ends_with_one_line_and_its_details_in_a_log(settings: Settings, other_root: Path) -> None:
    shutil.rmtree(other_root / "lakehouse", ignore_errors=True)
    (other_root / "lakehouse").write_text("a file where the root should be")
    done = lakehouse(settings, other_root, "run", "bronze.server_logs")
    assert done.returncode == 1, done.stderr
    error = last_line(done.stderr)
    assert error.startswith("error: ")
    log = Path(error.split("(details: ")[1].split(";")[0])
    assert log.parent == Path(settings.paths.logs) and "Traceback" in log.read_text()
