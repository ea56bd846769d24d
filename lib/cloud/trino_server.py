"""A local Trino on loopback, the engine Amazon Athena runs, reading the lakehouse's Delta tables on S3.

Athena (engine version 3) is Trino; its Delta Lake connector reads a table from its ``_delta_log``
as Athena does. Here a single-node Trino (coordinator and worker in one JVM, Java 24 or later)
reads the local S3 server's buckets through a ``delta`` catalog whose metastore is a folder of files: each
gold table is registered from its location with the connector's ``register_table`` procedure.
One folder holds its configuration, data, pid and log; ``make trino`` resolves the server into
``.trino/`` once.
"""
from __future__ import annotations

import glob
import os
import time
from pathlib import Path
from typing import Any

from lakehouse.lib.config import ConfigError
from lakehouse.lib.loopback import Server, free_port, launch, record, recorded, terminate

REPO = Path(__file__).resolve().parents[2]
VERSION = "476"
HOME = REPO / ".trino" / f"trino-server-{VERSION}"
JAVA_HOMES = "/usr/lib/jvm/temurin-2[4-9]*"  # Trino 476 runs on Java 24 or later; Spark stays on 17
CATALOG = "delta"


def java_home() -> str:
    """``TRINO_JAVA_HOME``, or the newest Temurin 24+ under /usr/lib/jvm."""
    if os.environ.get("TRINO_JAVA_HOME"):
        return os.environ["TRINO_JAVA_HOME"]
    found = sorted(glob.glob(JAVA_HOMES))
    if not found:
        raise ConfigError("Trino needs Java 24 or later: set TRINO_JAVA_HOME (none under /usr/lib/jvm)")
    return found[-1]


def _properties(values: dict[str, Any]) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items())


def configure(folder: Path, port: int, s3_endpoint: str, region: str, access_key: str, secret_key: str,
              metastore: str) -> Path:
    """The server's ``etc`` folder: one node, a small heap, and the ``delta`` catalog on the S3 endpoint, its
    metastore in files at ``metastore`` (an ``s3://`` folder: the connector reads no local files)."""
    etc = folder / "etc"
    (etc / "catalog").mkdir(parents=True, exist_ok=True)
    (etc / "node.properties").write_text(_properties({
        "node.environment": "lakehouse", "node.id": "lakehouse-test", "node.data-dir": folder / "data"}))
    (etc / "jvm.config").write_text("-server\n-Xmx1G\n-XX:+UseG1GC\n-XX:+ExitOnOutOfMemoryError\n"
                                    "-Djdk.attach.allowAttachSelf=true\n")
    (etc / "config.properties").write_text(_properties({
        "coordinator": "true", "node-scheduler.include-coordinator": "true", "http-server.http.port": port,
        "discovery.uri": f"http://127.0.0.1:{port}", "query.max-memory": "512MB",
        "query.max-memory-per-node": "256MB"}))
    (etc / "catalog" / f"{CATALOG}.properties").write_text(_properties({
        "connector.name": "delta_lake", "hive.metastore": "file",
        "hive.metastore.catalog.dir": metastore,
        "delta.register-table-procedure.enabled": "true",
        "fs.native-s3.enabled": "true", "s3.endpoint": s3_endpoint, "s3.region": region,
        "s3.path-style-access": "true", "s3.aws-access-key": access_key, "s3.aws-secret-key": secret_key}))
    return etc


def start(folder: Path, s3_endpoint: str, region: str, access_key: str, secret_key: str, metastore: str,
          timeout: float = 240) -> Server:
    """Start Trino from ``folder`` on a free port; returns once it runs queries."""
    if not (HOME / "bin" / "launcher").is_file():
        raise ConfigError(f"{HOME} is missing: run `make trino` to resolve the Trino server")
    folder = folder.resolve()
    port = free_port()
    etc = configure(folder, port, s3_endpoint, region, access_key, secret_key, metastore)
    command = [str(HOME / "bin" / "launcher"), "run", f"-etc-dir={etc}", f"-data-dir={folder / 'data'}",
               f"-jvm-dir={java_home()}"]
    pid = launch(command, folder, lambda: _answers(Server(folder, port, 0)), timeout,
                 f"Trino on 127.0.0.1:{port}", poll=1)
    record(folder / "server.pid", pid, port)
    return Server(folder, port, pid)


def stop(folder: Path, timeout: float = 30) -> None:
    found = recorded(folder.resolve() / "server.pid", "trino")
    if found:
        terminate(found[0], timeout)


def connect(server: Server) -> Any:
    import trino

    return trino.dbapi.connect(host="127.0.0.1", port=server.port, user="lakehouse", catalog=CATALOG)


def query(server: Server, sql: str, wait: float = 60) -> list[tuple]:
    """The rows of ``sql``; asked again for up to ``wait`` seconds while Trino has no node for it yet (its one
    node announces itself and its catalog a few seconds after the server answers)."""
    from trino.exceptions import TrinoQueryError

    deadline = time.monotonic() + wait
    while True:
        cursor = connect(server).cursor()
        try:
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]
        except TrinoQueryError as error:
            if error.error_name != "NO_NODES_AVAILABLE" or time.monotonic() > deadline:
                raise
        time.sleep(1)


def register(server: Server, schema: str, table: str, location: str) -> None:
    """The Delta table at ``location`` (``s3a://`` read as ``s3://``) as ``delta.<schema>.<table>``."""
    query(server, f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{schema}")
    query(server, f"CALL {CATALOG}.system.register_table(schema_name => '{schema}', table_name => '{table}', "
                  f"table_location => '{location.replace('s3a://', 's3://', 1)}')")


def _answers(server: Server) -> bool:
    try:
        return query(server, "SELECT 1", wait=0) == [(1,)]
    except Exception:  # not listening yet, or starting: Trino answers 503 until its node is active
        return False
