"""No secret in what a run leaves behind: its output, logs, Spark's event log (the Spark UI's record of every
plan), the catalog and the tables.

A command runs as a user runs it, with known values in every secret the lakehouse reads from the
environment, Spark's event log on (EMR keeps one for its persistent UI), and a table with
pseudonyms, whose keyed hash is the place a key could end up in a plan. Then every file under the
root is read: Parquet files cell by cell (their pages are compressed), the rest as bytes. A key is
also looked for as HMAC's padded forms of it, which reveal it as plainly.
"""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from lakehouse.lib import config
from lakehouse.lib.pseudonyms import BLOCK
from tests.ops.test_pagerduty import Receiver, receiver  # noqa: F401 (receiver: a fixture)

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "LAKEHOUSE_PSEUDONYM_KEY": "pk-41d8cd98f00b204e9800998ecf8427e",
    "LAKEHOUSE_PII_KEY": base64.b64encode(b"pii-data-key-0123456789abcdef-32").decode(),
    "LAKEHOUSE_OLTP_PASSWORD": "oltp-pw-5ebe2294ecd0e0f08eab7690d2a6ee69",
    "PAGERDUTY_ROUTING_KEY": "R0UT1NGK3Y0123456789abcdefABCDEF",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def forms(secret: str) -> list[str]:
    """The secret as text and hex, HMAC's inner and outer padded keys made from it, as hex; a key given in
    base64 also as its bytes in hex."""
    raw = secret.encode()
    padded = [bytes(b ^ pad for b in raw.ljust(BLOCK, b"\0")).hex() for pad in (0x36, 0x5C)]
    key = base64.b64decode(secret) if secret.endswith("=") else None
    decoded = [key.hex(), key.decode("latin-1")] if key else []
    return [secret, raw.hex(), *padded, *decoded]


def texts(root: Path) -> dict[Path, str]:
    """Every file under ``root`` as text: a Parquet file's cells and metadata, any other file's bytes."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            found[path] = " ".join([str(table.schema.metadata), *(str(v) for c in table.columns for v in c.to_pylist())])
        else:
            found[path] = path.read_bytes().decode("latin-1")
    return found


def conf(root: Path, events_url: str) -> str:
    """conf/local.yaml with every path under ``root``, Spark's event log written there, uncompressed, and
    pages sent to ``events_url``."""
    settings = yaml.safe_load((REPO / "conf" / "local.yaml").read_text())
    settings["paths"] = {key: str(root / key) for key in settings["paths"]}
    settings["spark"]["jars_dir"] = config.load("local").spark.jars_dir
    (root / "events").mkdir(parents=True)
    settings["spark"]["conf"].update({"spark.eventLog.enabled": "true", "spark.eventLog.dir": str(root / "events"),
                                      "spark.eventLog.compress": "false"})
    settings["privacy"] = {"require_key": True}
    settings["alerting"] = {"events_url": events_url}
    (root / "conf").mkdir()
    (root / "conf" / "secrets.yaml").write_text(yaml.safe_dump(settings))
    return str(root / "conf" / "secrets")


def lakehouse(root: Path, env: str, *args: str) -> str:
    variables = {**{k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}, **SECRETS}
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", *args, "--env", env], cwd=REPO,
                          env=variables, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_a_run_with_every_secret_set_leaves_none_of_them_anywhere(tmp_path: Path,
                                                                  receiver: tuple[Receiver, str]) -> None:
    root = tmp_path / "root"
    env = conf(root, receiver[1])
    said = lakehouse(root, env, "generate", "--customers", "30", "--events", "200", "--days", "1")
    said += lakehouse(root, env, "run", "silver.customers", "silver.customer_pii", "--upstream")
    said += lakehouse(root, env, "status")
    assert [event["event_action"] for event in receiver[0].events] == ["resolve"]  # the routing key was used
    files = texts(root)
    event_logs = "".join(text for path, text in files.items() if root / "events" in path.parents)
    assert "sha2" in event_logs and "silver/customers" in event_logs  # the pseudonymising plan is in there
    assert "aesEncrypt" in event_logs  # and the encrypting one (Spark's physical name for aes_encrypt)
    leaked = [(name, str(path.relative_to(root)) if path else "the command's output")
              for name, secret in SECRETS.items() for form in forms(secret)
              for path, text in [(None, said), *files.items()] if form.lower() in text.lower()]
    assert not leaked, leaked
