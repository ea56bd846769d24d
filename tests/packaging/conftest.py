"""The package as a user gets it: ``make package`` into a folder outside the repository, the wheel
installed into a fresh virtualenv there, and commands run from there, with no LAKEHOUSE_* set.

Building the virtualenv installs pyspark and the rest with uv (as ``make setup`` does) from its cache: seconds
once ``make setup`` has filled it, once per test session; those tests are marked ``slow`` (``-m "not slow"``
leaves them out).
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.standalone_cluster import StandaloneCluster, standalone_cluster

REPO = Path(__file__).resolve().parents[2]
# What jvm/pom.xml asks a cluster for, written out by hand.
JARS = [
    "io.delta:delta-spark_2.13:4.0.1",
    "org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.2",
    "software.amazon.msk:aws-msk-iam-auth:2.3.2",
    "org.postgresql:postgresql:42.7.14",
]
EXCLUDED = [
    "org.scala-lang:scala-library", "org.antlr:antlr4-runtime", "org.apache.spark:spark-tags_2.13",
    "org.lz4:lz4-java", "org.xerial.snappy:snappy-java", "com.google.code.findbugs:jsr305",
    "org.slf4j:slf4j-api",
]
PACKAGES = ["--packages", ",".join(JARS), "--exclude-packages", ",".join(EXCLUDED)]
JAVA_HOME = os.environ.get("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds a fresh virtualenv or starts Spark (a minute or more)")


def outside_repo(folder: Path) -> Path:
    assert REPO not in folder.resolve().parents, f"{folder} should be outside the repository"
    return folder


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``make package`` builds, written to a folder of this test session."""
    folder = outside_repo(tmp_path_factory.mktemp("package")) / "dist"
    done = subprocess.run(["make", "--no-print-directory", "package", f"DIST={folder}"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.fixture(scope="session")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("*.whl")
    return found


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv outside the repository with the wheel (and its dependencies) installed."""
    folder = outside_repo(tmp_path_factory.mktemp("venv"))
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=120)
    uv = Path(sys.executable).parent / "uv"
    done = subprocess.run([str(uv), "pip", "install", "--quiet", "--python", str(folder / "bin" / "python"),
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.fixture(scope="module")
def cluster(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    """A Spark standalone master and two workers (1 core, 1 GB each) on loopback, of the virtualenv's pyspark:
    the same Spark that submits the jobs to it."""
    (spark_home,) = venv.glob("lib/python*/site-packages/pyspark")
    with standalone_cluster(spark_home, outside_repo(tmp_path_factory.mktemp("cluster")), command_env(venv)) as up:
        yield up


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return outside_repo(tmp_path)


def command_env(venv: Path, **extra: str) -> dict[str, str]:
    """A clean environment: the virtualenv first on PATH, Java, and nothing of the repository's."""
    return {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "JAVA_HOME": JAVA_HOME,
            "HOME": os.environ.get("HOME", "/tmp"), "COLUMNS": "200", **extra}
