"""Training against an MLflow tracking server backed by PostgreSQL, as ``conf/dev.yaml`` and ``conf/prod.yaml``
configure it (``churn.tracking_uri``): a real PostgreSQL on loopback and ``mlflow server`` over it."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator
from urllib.request import urlopen

import psycopg2
import pytest
from mlflow import MlflowClient
from pyspark.sql import SparkSession

from lakehouse.lib import postgres_server
from lakehouse.lib.churn.training import train
from lakehouse.lib.config import Settings
from lakehouse.lib.loopback import free_port


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(1)


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, postgres_server.Server]]:
    """``mlflow server`` on a free port, its runs and registry in PostgreSQL, its artifacts served from a folder."""
    cluster = Path(tempfile.mkdtemp(prefix="lakehouse-postgres-"))  # outside root's private /tmp/pytest-of-root
    folder = tmp_path_factory.mktemp("tracking")
    postgres = postgres_server.start(cluster)
    server = None
    try:
        postgres_server.create_database(postgres, "mlflow")
        url = f"http://127.0.0.1:{free_port()}"
        with (folder / "server.log").open("w") as log:
            server = subprocess.Popen([sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
                                       postgres.url("mlflow", "postgresql+psycopg2"), "--artifacts-destination", str(folder / "artifacts"),
                                       "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1], "--workers", "1"],
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_healthy(url, server, folder / "server.log")
        yield url, postgres
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        postgres_server.stop(cluster)
        shutil.rmtree(cluster, ignore_errors=True)


def test_training_tracks_and_registers_on_a_server_whose_store_is_postgresql(
        spark: SparkSession, shop: Settings, tracking_server: tuple[str, postgres_server.Server]) -> None:
    url, postgres = tracking_server
    churn = shop.churn.model_copy(update={"tracking_uri": url, "artifact_location": "mlflow-artifacts:/churn"})
    on_server = shop.model_copy(update={"churn": churn})

    trained = train(spark, on_server, "on the tracking server")

    client = MlflowClient(url)
    assert client.get_run(trained.run_id).data.metrics["roc_auc"] == trained.model["roc_auc"]
    assert {a.path for a in client.list_artifacts(trained.run_id, "plots")} >= {"plots/roc.png"}
    assert client.get_model_version_by_alias("churn", "champion").run_id == trained.run_id
    with psycopg2.connect(postgres.url("mlflow")) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT name FROM runs WHERE run_uuid = %s", (trained.run_id,))
        assert cursor.fetchall() == [("on the tracking server",)], "the run is a row of PostgreSQL"
        cursor.execute("SELECT version FROM model_versions WHERE name = 'churn'")
        assert cursor.fetchall() == [(1,)]
