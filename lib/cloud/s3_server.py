"""A local S3-compatible server on loopback (moto in server mode), where ``s3a://`` runs without AWS.

Production keeps landing and tables on Amazon S3; here ``moto_server`` answers the same S3 (and
KMS, Glue) API on ``127.0.0.1``, its buckets in memory only: stopping it forgets them. One folder
holds its pid, port and log (``data/s3`` for ``make s3-up``, a temporary folder for a test), so a
second command can find it and stop it. Any access key is accepted; the AWS SDKs want one set.

>>> server = start(Path("/tmp/s3"))        # a free port; waits until it answers
>>> server.endpoint
'http://127.0.0.1:...'
>>> stop(Path("/tmp/s3")) == server
True
"""
from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path

from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.loopback import Server, free_port, is_free, launch, record, recorded, terminate

MOTO_SERVER = Path(sys.executable).parent / "moto_server"  # installed with the test extra (moto[server])


def start(folder: Path, port: int | None = None, timeout: float = 60) -> Server:
    """Start ``moto_server`` on ``127.0.0.1:<port>`` (a free port when None); returns once it answers."""
    folder = folder.resolve()
    if running := find(folder):
        raise ConfigError(f"an S3 server already runs from {folder} at {running.endpoint}")
    if not MOTO_SERVER.is_file():
        raise ConfigError(f"{MOTO_SERVER} is missing: install the test extra (make setup)")
    port = port or free_port()
    if not is_free(port):
        raise ConfigError(f"port {port} on 127.0.0.1 is in use: choose another (S3_PORT=<port> make s3-up)")
    folder.mkdir(parents=True, exist_ok=True)
    pid = launch([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], folder,
                 lambda: _answers(Server(folder, port, 0)), timeout, f"moto_server on 127.0.0.1:{port}")
    record(folder / "server.pid", pid, port)
    return Server(folder, port, pid)


def create_buckets(server: Server, settings: Settings) -> list[str]:
    """The buckets of ``settings``' ``s3a://`` landing and lakehouse roots, created on ``server`` if missing."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name=settings.s3.region or "us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
    buckets = sorted({root.split("://", 1)[1].split("/", 1)[0]
                      for root in (settings.paths.landing, settings.paths.lakehouse) if root.startswith("s3a://")})
    owned = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    for bucket in sorted(set(buckets) - owned):
        where = {} if s3.meta.region_name == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": s3.meta.region_name}}
        s3.create_bucket(Bucket=bucket, **where)
    return buckets


def stop(folder: Path, timeout: float = 10) -> Server | None:
    """Stop the server running from ``folder`` (its buckets are gone with it); None if none ran."""
    server = find(folder.resolve())
    if server is None:
        return None
    terminate(server.pid, timeout)
    (server.folder / "server.pid").unlink(missing_ok=True)
    return server


def find(folder: Path) -> Server | None:
    """The server running from ``folder``, if one does (a pid file left by a server gone is no server)."""
    found = recorded(folder / "server.pid", "moto_server")
    return Server(folder, port=found[1], pid=found[0]) if found else None


def _answers(server: Server) -> bool:
    try:
        with urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False
