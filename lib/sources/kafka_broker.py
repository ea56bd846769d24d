"""A local Kafka broker on loopback (KRaft: broker and controller in one JVM), where production has MSK.

Its jars come from Maven at ``make setup`` (jvm/kafka/pom.xml into ``.kafka/``, a classpath of its own,
never Spark's); its configuration is written here. Everything of one broker sits in one folder: its
``server.properties``, its data, its log and its process id (``data/kafka`` for ``make kafka-up``, a
temporary folder for a test session), so a second command can find it and stop it.

>>> broker = start(Path("/tmp/kafka"))          # a free port; waits until it serves
>>> broker.bootstrap
'127.0.0.1:...'
>>> stop(Path("/tmp/kafka")) == broker
True
"""
from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from lakehouse.lib.config import ConfigError
from lakehouse.lib.loopback import alive, free_port, is_free, record, recorded, terminate

REPO = Path(__file__).resolve().parents[2]
CLASSPATH = REPO / ".kafka"
LOG_CONFIG = REPO / "jvm" / "kafka" / "log4j2.properties"
JVM_OPTIONS = ("-Xms128m", "-Xmx512m", "-Djava.awt.headless=true")
STARTED = "Kafka Server started"  # what kafka.server.KafkaRaftServer logs once it serves clients
NODE_ID = 1


@dataclass(frozen=True)
class Broker:
    folder: Path
    port: int
    pid: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


def start(folder: Path, port: int | None = None, timeout: float = 120) -> Broker:
    """Start a broker serving ``127.0.0.1:<port>`` (a free port when None); returns once it serves."""
    folder = folder.resolve()
    if running := find(folder):
        raise ConfigError(f"a Kafka broker already runs from {folder} at {running.bootstrap} "
                          f"(pid {running.pid})")
    port = port or free_port()
    if not is_free(port):
        raise ConfigError(f"port {port} on 127.0.0.1 is in use: choose another "
                          f"(KAFKA_PORT=<port> make kafka-up)")
    java = _java()
    if not any(CLASSPATH.glob("kafka_2.13-*.jar")):
        raise ConfigError(f"no Kafka jars in {CLASSPATH}: run `make setup` to resolve them")
    folder.mkdir(parents=True, exist_ok=True)
    properties = folder / "server.properties"
    properties.write_text(server_properties(folder / "data", port, free_port()))
    if not (folder / "data" / "meta.properties").exists():
        _format(java, properties, folder / "broker.log")
    with (folder / "broker.log").open("ab") as log:
        offset = log.tell()
        process = subprocess.Popen([java, *JVM_OPTIONS, f"-Dlog4j2.configurationFile={LOG_CONFIG}",
                                    "-cp", f"{CLASSPATH}/*", "kafka.Kafka", str(properties)],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    record(folder / "broker.pid", process.pid, port)
    broker = Broker(folder, port, process.pid)
    _wait_until_serving(broker, offset, timeout)
    return broker


def stop(folder: Path, timeout: float = 60) -> Broker | None:
    """Stop the broker running from ``folder`` (cleanly; killed after ``timeout``); None if none ran."""
    broker = find(folder.resolve())
    if broker is None:
        (folder / "broker.pid").unlink(missing_ok=True)
        return None
    terminate(broker.pid, timeout)
    (broker.folder / "broker.pid").unlink(missing_ok=True)
    return broker


def find(folder: Path) -> Broker | None:
    """The broker whose process id ``folder`` holds, if that process is alive and is this folder's broker."""
    found = recorded(folder / "broker.pid", str(folder / "server.properties"))
    return Broker(folder, port=found[1], pid=found[0]) if found else None


def server_properties(data: Path, port: int, controller_port: int) -> str:
    """One node that is broker and controller, on loopback, sized for one machine; topics are created
    explicitly (``lakehouse kafka create-topics``), as on MSK, never on first use."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": NODE_ID,
        "controller.quorum.voters": f"{NODE_ID}@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": data,
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": 1,
        "offsets.topic.num.partitions": 1,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "transaction.state.log.num.partitions": 1,
        "share.coordinator.state.topic.replication.factor": 1,
        "share.coordinator.state.topic.min.isr": 1,
        "share.coordinator.state.topic.num.partitions": 1,
        "group.initial.rebalance.delay.ms": 0,
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _java() -> str:
    """JDK 17, as Spark runs on: ``$JAVA_HOME/bin/java``, else the ``java`` on the PATH."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        raise ConfigError("no java to run the Kafka broker: install JDK 17 or set JAVA_HOME")
    return java


def cluster_id() -> str:
    """A new cluster id as Kafka writes one: url-safe base64 of a random UUID, never starting with ``-``.

    The storage tool's argument parser would read an id starting with ``-`` as an option (one id in 64).
    """
    while True:
        drawn = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not drawn.startswith("-"):
            return drawn


def _format(java: str, properties: Path, log: Path) -> None:
    """Format the data folder for a new single-node cluster (the storage tool kafka-storage.sh runs)."""
    done = subprocess.run([java, *JVM_OPTIONS, f"-Dlog4j2.configurationFile={LOG_CONFIG}", "-cp",
                           f"{CLASSPATH}/*", "kafka.tools.StorageTool", "format", "-t", cluster_id(),
                           "-c", str(properties)], capture_output=True, text=True)
    with log.open("a") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise RuntimeError(f"formatting the Kafka data folder failed: {last} (log: {log})")


def _wait_until_serving(broker: Broker, offset: int, timeout: float) -> None:
    log = broker.folder / "broker.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with log.open("rb") as text:
            text.seek(offset)
            if STARTED.encode() in text.read():
                return
        if not alive(broker.pid):
            lines = log.read_text(errors="replace").strip().splitlines() or ["no output"]
            (broker.folder / "broker.pid").unlink(missing_ok=True)
            raise RuntimeError(f"the Kafka broker stopped while starting: {lines[-1]} (log: {log})")
        time.sleep(0.25)
    stop(broker.folder)
    raise RuntimeError(f"the Kafka broker did not start within {timeout:.0f} s (log: {log})")
