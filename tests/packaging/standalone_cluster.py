"""A Spark standalone cluster on loopback: one master and its workers, each a process of Spark's own classes.

The processes are those a cluster runs (``spark-class ...deploy.master.Master`` and ``...worker.Worker``), from
the ``bin/`` and ``jars/`` the pyspark package ships, so a job submitted to it goes through the master, and its
tasks run in executors that the workers start, as on a real cluster.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse.lib.loopback import free_port

START_TIMEOUT = 90  # seconds for the master and every worker to be up, on a busy 2-core machine


@dataclass(frozen=True)
class StandaloneCluster:
    url: str  # spark://127.0.0.1:<port>, what spark-submit's --master takes
    web_ui: str  # http://127.0.0.1:<port>: the master's status, as JSON under /json/
    work_dirs: tuple[Path, ...]  # each worker's: an application's executors write their files under it

    def status(self) -> dict[str, Any]:
        """The master's view of its workers and applications (running and completed)."""
        with urllib.request.urlopen(f"{self.web_ui}/json/", timeout=10) as response:
            return json.load(response)


@contextmanager
def standalone_cluster(spark_home: Path, folder: Path, env: dict[str, str], workers: int = 2, cores: int = 1,
                       memory: str = "1g") -> Iterator[StandaloneCluster]:
    """Start a master and ``workers`` workers on 127.0.0.1, wait until all are registered, stop all at the end.

    ``env`` is the daemons' environment (Java's home, the PATH); the executors they start inherit it.
    """
    port, web_port = free_port(), free_port()
    url = f"spark://127.0.0.1:{port}"
    env = {**env, "SPARK_HOME": str(spark_home), "SPARK_LOCAL_IP": "127.0.0.1"}
    work_dirs = tuple(folder / f"worker-{number}" for number in range(workers))
    with ExitStack() as stack:
        processes = [stack.enter_context(_spark_class(
            spark_home, env, folder / "master.log", "org.apache.spark.deploy.master.Master",
            "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(web_port)))]
        for work_dir in work_dirs:
            work_dir.mkdir(parents=True)
            processes.append(stack.enter_context(_spark_class(
                spark_home, env, work_dir.with_suffix(".log"), "org.apache.spark.deploy.worker.Worker", url,
                "--host", "127.0.0.1", "--webui-port", str(free_port()), "--cores", str(cores),
                "--memory", memory, "--work-dir", str(work_dir))))
        cluster = StandaloneCluster(url, f"http://127.0.0.1:{web_port}", work_dirs)
        _wait_for_workers(cluster, workers, processes, folder)
        yield cluster


@contextmanager
def _spark_class(spark_home: Path, env: dict[str, str], log: Path, main: str,
                 *args: str) -> Iterator[subprocess.Popen]:
    """One daemon in a process group of its own, so that stopping it also stops the executors it started."""
    with log.open("wb") as output:
        process = subprocess.Popen([str(spark_home / "bin" / "spark-class"), main, *args], env=env,
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process's group (a daemon shuts down its executors, a driver its JVM), SIGKILL to what is
    left after 15 seconds. The process must lead its group (``start_new_session=True``)."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=15)
            os.killpg(process.pid, 0)  # the daemon is gone: does anything of its group remain?
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def _wait_for_workers(cluster: StandaloneCluster, expected: int, processes: list[subprocess.Popen],
                      folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    alive: list[str] = []
    while time.monotonic() < deadline:
        exited = [process.args for process in processes if process.poll() is not None]
        assert not exited, f"exited while starting: {exited}; logs in {folder}"
        try:
            alive = [worker["id"] for worker in cluster.status()["workers"] if worker["state"] == "ALIVE"]
        except OSError:  # the master's web UI is not listening yet
            alive = []
        if len(alive) == expected:
            return
        time.sleep(0.5)
    raise AssertionError(f"{len(alive)} of {expected} workers alive after {START_TIMEOUT} s; logs in {folder}")
