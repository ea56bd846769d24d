"""Envelope encryption of the personal data key against a real KMS API (moto's server): the key KMS wraps is
printed by `lakehouse new-pii-key`, unwrapped at each run, and a key wrapped under another KMS key is refused."""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lakehouse.lib import config
from lakehouse.lib.cloud import s3_server

from .conftest import AWS_ENV, REPO, client

VARIABLE = "LAKEHOUSE_PII_KEY"


@pytest.fixture
def kms_conf(server: s3_server.Server, kms_key: str, tmp_path: Path) -> Path:
    """conf/s3.yaml with the personal data key wrapped by the test's KMS key on the local server."""
    shipped = yaml.safe_load((REPO / "conf" / "s3.yaml").read_text())
    shipped["privacy"] = {**shipped.get("privacy", {}), "require_key": True, "pii_kms_key_id": kms_key,
                          "kms_endpoint": server.endpoint}
    (tmp_path / "s3.yaml").write_text(yaml.safe_dump(shipped))
    return tmp_path


def new_pii_key(conf: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **AWS_ENV, "LAKEHOUSE_CONF": str(conf)}
    return subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "new-pii-key", "--env", "s3"], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_a_run_unwraps_the_key_kms_made_and_the_clear_key_is_never_printed(
        server: s3_server.Server, kms_key: str, kms_conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = new_pii_key(kms_conf)
    assert made.returncode == 0, made.stderr
    wrapped = made.stdout.strip()
    clear = client(server, "kms").decrypt(CiphertextBlob=base64.b64decode(wrapped), KeyId=kms_key)["Plaintext"]
    assert len(clear) == 32
    assert base64.b64encode(clear).decode() not in made.stdout + made.stderr
    for variable, value in {**AWS_ENV, VARIABLE: wrapped}.items():
        monkeypatch.setenv(variable, value)
    assert config.load("s3", kms_conf).pii_key() == clear


def test_a_key_wrapped_under_another_kms_key_stops_the_run_with_one_line(
        server: s3_server.Server, kms_conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kms = client(server, "kms")
    other = kms.create_key(Description="not the lakehouse's")["KeyMetadata"]["Arn"]
    foreign = base64.b64encode(kms.generate_data_key(KeyId=other, KeySpec="AES_256")["CiphertextBlob"]).decode()
    for variable, value in {**AWS_ENV, VARIABLE: foreign}.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(config.ConfigError, match=f"^{VARIABLE}: KMS key .* does not unwrap it") as refused:
        config.load("s3", kms_conf).pii_key()
    assert "\n" not in str(refused.value)


def test_new_pii_key_without_a_kms_key_says_what_to_set(tmp_path: Path) -> None:
    (tmp_path / "s3.yaml").write_text((REPO / "conf" / "s3.yaml").read_text())
    refused = new_pii_key(tmp_path)
    assert refused.returncode != 0
    assert "privacy.pii_kms_key_id is not set" in refused.stderr + refused.stdout
