"""The local stand-ins for production's services (Kafka, S3, PostgreSQL): their ports on 127.0.0.1, and the
process each leaves in its folder's pid file, so that a second command can find it and stop it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence


@dataclass(frozen=True)
class Server:
    """A local server started from ``folder``, listening on ``127.0.0.1:<port>``."""

    folder: Path
    port: int
    pid: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def record(pid_file: Path, pid: int, port: int) -> None:
    pid_file.write_text(f"{pid} {port}\n")


def recorded(pid_file: Path, marker: str) -> tuple[int, int] | None:
    """The process id and port in ``pid_file``, if that process is alive and its command line holds ``marker``
    (a process id reused by another program since is no server); without /proc (not Linux) the file is trusted."""
    try:
        pid, port = (int(part) for part in pid_file.read_text().split())
    except (OSError, ValueError):
        return None
    if not alive(pid):
        return None
    if Path("/proc/self").exists():
        try:
            if marker.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return None
        except OSError:
            return None
    return pid, port


def terminate(pid: int, timeout: float) -> None:
    """SIGTERM, and SIGKILL if the process is still alive after ``timeout`` seconds; returns once it is gone."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # a child of this process that has exited: reaped now
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def launch(command: Sequence[str], folder: Path, answers: Callable[[], bool], timeout: float, what: str,
           poll: float = 0.2) -> int:
    """Start ``command`` in a session of its own, its output in ``folder/server.log``, and return its pid once
    ``answers()``; a process that exits first, or does not answer within ``timeout`` seconds, is killed and the
    error names ``what`` and the log."""
    with (folder / "server.log").open("ab") as log:
        process = subprocess.Popen(list(command), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    deadline = time.monotonic() + timeout
    while not answers():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{what} did not answer: see {folder / 'server.log'}")
        time.sleep(poll)
    return process.pid
