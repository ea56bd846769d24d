"""A local PostgreSQL server on loopback, from the machine's own PostgreSQL (Debian's ``postgresql``).

Production has managed PostgreSQL (the MLflow tracking server's backend, the shop's transaction
database); here one folder holds a server's cluster, its log and its socket (``data/postgres``
for ``make postgres-up``, a temporary folder for a test), so a second command can find it and
stop it. It listens on 127.0.0.1 only and trusts whoever connects there: a stand-in for this
machine's tests and demo, never a shared server. PostgreSQL refuses to run as root, so under
root the cluster belongs to the ``postgres`` user and its commands run as that user.

>>> server = start(Path("/tmp/pg"))        # a free port; waits until it accepts connections
>>> create_database(server, "mlflow")
>>> server.url("mlflow")
'postgresql://postgres@127.0.0.1:.../mlflow'
>>> stop(Path("/tmp/pg")) == server
True
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lakehouse.lib.config import ConfigError
from lakehouse.lib.loopback import free_port, is_free

USER = "postgres"  # the superuser initdb creates, and under root the system user that runs the server
BINARIES = "/usr/lib/postgresql/*/bin"  # where Debian puts initdb and pg_ctl (not on the PATH)


@dataclass(frozen=True)
class Server:
    folder: Path
    port: int

    def url(self, database: str = "postgres", scheme: str = "postgresql") -> str:
        return f"{scheme}://{USER}@127.0.0.1:{self.port}/{database}"


def start(folder: Path, port: int | None = None, timeout: int = 60) -> Server:
    """Start a server on ``127.0.0.1:<port>`` (a free port when None), a new cluster if the folder has none;
    returns once it accepts connections."""
    folder = folder.resolve()
    if running := find(folder):
        raise ConfigError(f"a PostgreSQL server already runs from {folder} on port {running.port}")
    port = port or free_port()
    if not is_free(port):
        raise ConfigError(f"port {port} on 127.0.0.1 is in use: choose another (POSTGRES_PORT=<port> make postgres-up)")
    data = folder / "cluster"
    folder.mkdir(parents=True, exist_ok=True)
    _own(folder)
    if not (data / "PG_VERSION").exists():
        _run("initdb", "--pgdata", str(data), "--username", USER, "--auth", "trust", "--encoding", "UTF8",
             "--no-instructions")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder}"
    _run("pg_ctl", "start", "--pgdata", str(data), "--log", str(folder / "server.log"), "--wait",
         "--timeout", str(timeout), "-o", options)
    (folder / "server.port").write_text(f"{port}\n")
    return Server(folder, port)


def stop(folder: Path) -> Server | None:
    """Stop the server running from ``folder`` (fast shutdown: connections closed); None if none ran."""
    server = find(folder.resolve())
    if server is not None:
        _run("pg_ctl", "stop", "--pgdata", str(server.folder / "cluster"), "--mode", "fast", "--wait")
    return server


def find(folder: Path) -> Server | None:
    """The server running from ``folder``, if one does."""
    try:
        port = int((folder / "server.port").read_text())
    except (OSError, ValueError):
        return None
    status = subprocess.run([_binary("pg_ctl"), "status", "--pgdata", str(folder / "cluster")],
                            capture_output=True, text=True, user=_user())
    return Server(folder, port) if status.returncode == 0 else None


def create_database(server: Server, name: str) -> None:
    """Create database ``name`` unless it exists."""
    psql = [_binary("psql"), "--host", "127.0.0.1", "--port", str(server.port), "--username", USER,
            "--no-psqlrc", "--tuples-only", "--quiet"]
    found = subprocess.run([*psql, "--command", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                           capture_output=True, text=True, check=True)
    if not found.stdout.strip():
        subprocess.run([*psql, "--command", f'CREATE DATABASE "{name}"'], capture_output=True, text=True, check=True)


def _run(command: str, *arguments: str) -> None:
    done = subprocess.run([_binary(command), *arguments], capture_output=True, text=True, user=_user())
    if done.returncode:
        said = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise RuntimeError(f"{command} failed (exit {done.returncode}): {said}")


def _binary(command: str) -> str:
    """The newest installed PostgreSQL's ``command``, else the one on the PATH."""
    found = sorted(glob.glob(f"{BINARIES}/{command}"), key=lambda path: int(path.split("/")[4]))
    path = found[-1] if found else shutil.which(command)
    if not path:
        raise ConfigError(f"no PostgreSQL {command} on this machine: install it (apt-get install postgresql)")
    return path


def _user() -> str | None:
    """Who runs PostgreSQL's commands: this user, or ``postgres`` under root."""
    return USER if os.geteuid() == 0 else None


def _own(folder: Path) -> None:
    """Under root, hand the folder to the ``postgres`` user, who must own a cluster's files."""
    if os.geteuid() == 0:
        account = pwd.getpwnam(USER)
        os.chown(folder, account.pw_uid, account.pw_gid)
