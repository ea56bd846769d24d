"""A real Apache Airflow 3 for the DAGs in dags/: a virtualenv of its own, an AIRFLOW_HOME per test session.

Airflow's pins clash with the project's, so it is installed apart, with uv from the project's
.venv, into ``data/airflow-venv``: once, then reused while its marker holds the same requirements
and constraints. Only Airflow and the Amazon provider, as on MWAA, and never this package: the DAGs
must import without ``lakehouse`` and pyspark. Airflow's constraints file for Python 3.11 is used
when it can be fetched; without it uv resolves the two pinned requirements on its own.

Tests run Airflow's command line, or a script of this folder, with that virtualenv's interpreter;
the metadata database is SQLite in the session's AIRFLOW_HOME, migrated once.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
AIRFLOW_VERSION = "3.3.2"
REQUIREMENTS = [f"apache-airflow=={AIRFLOW_VERSION}", "apache-airflow-providers-amazon==9.39.0"]
CONSTRAINTS_URL = (f"https://raw.githubusercontent.com/apache/airflow/constraints-{AIRFLOW_VERSION}/"
                   "constraints-3.11.txt")
VENV = REPO / "data" / "airflow-venv"
MARKER = VENV / "lakehouse-requirements.txt"
PYTHON = VENV / "bin" / "python"
CLUSTER_ID = "j-TESTCLUSTER"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds a fresh virtualenv or starts Spark (a minute or more)")
    config.addinivalue_line("markers", "dag_run: the daily DAG run end to end (about 9 minutes; make test-dag-run)")


def constraints() -> str | None:
    """Airflow's constraints for this version and Python 3.11, or None where they cannot be fetched."""
    try:
        with urlopen(CONSTRAINTS_URL, timeout=10) as response:
            return response.read().decode()
    except (URLError, OSError):
        return None


@pytest.fixture(scope="session")
def airflow_venv() -> Path:
    """``data/airflow-venv`` holding exactly REQUIREMENTS (under the constraints, when reachable)."""
    pinned = constraints()
    marker = "\n".join([*REQUIREMENTS, "constraints: " + (
        hashlib.sha256(pinned.encode()).hexdigest() if pinned else "unreachable")]) + "\n"
    if MARKER.is_file() and MARKER.read_text() == marker and PYTHON.is_file():
        return VENV
    uv = Path(sys.executable).parent / "uv"
    started = time.monotonic()
    subprocess.run([str(uv), "venv", "--quiet", "--clear", "--python", "3.11", str(VENV)], check=True,
                   capture_output=True, timeout=120)
    install = [str(uv), "pip", "install", "--quiet", "--python", str(PYTHON), *REQUIREMENTS]
    if pinned:
        (VENV / "constraints-3.11.txt").write_text(pinned)
        install += ["--constraint", str(VENV / "constraints-3.11.txt")]
    done = subprocess.run(install, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    MARKER.write_text(marker)
    print(f"\nAirflow virtualenv installed in {time.monotonic() - started:.0f} s: {VENV}")
    return VENV


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    """Airflow's settings for a test: its home, SQLite, dags/ as the one DAG folder, no examples, nothing of
    the project's virtualenv on PATH; the EMR cluster's Variable as Airflow reads one from the environment."""
    return {
        "PATH": f"{VENV / 'bin'}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "JAVA_HOME": os.environ.get("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW_VAR_LAKEHOUSE_EMR_CLUSTER_ID": CLUSTER_ID,
        **extra,
    }


@pytest.fixture(scope="session")
def airflow_home(airflow_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite metadata database in a folder of this session."""
    home = tmp_path_factory.mktemp("airflow-home")
    done = subprocess.run([str(VENV / "bin" / "airflow"), "db", "migrate"], env=airflow_env(home),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return home


def airflow(home: Path, *args: str, timeout: int = 300, **env: str) -> subprocess.CompletedProcess:
    """``airflow <args>`` in the test's home."""
    return subprocess.run([str(VENV / "bin" / "airflow"), *args], env=airflow_env(home, **env), cwd=home,
                          capture_output=True, text=True, timeout=timeout)


def airflow_script(home: Path, script: str, *args: str, timeout: int = 300, **env: str) -> object:
    """Run a script of this folder with Airflow's interpreter; it prints one JSON document, returned here."""
    done = subprocess.run([str(PYTHON), str(Path(__file__).parent / script), *args],
                          env=airflow_env(home, **env), cwd=home, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
