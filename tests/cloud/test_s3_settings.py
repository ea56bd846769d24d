"""The ``s3:`` settings: what Spark's S3A is told, and a bad setting stopping the command with one line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lakehouse.lib import config
from lakehouse.lib.config import S3, ConfigError
from lakehouse.lib.session import s3a_conf

REPO = Path(__file__).resolve().parents[2]
PATHS = {"landing": "s3a://landing/l", "lakehouse": "s3a://lake/h", "report": "r", "logs": "g"}


def test_a_local_server_with_sse_s3_and_keys_from_the_environment() -> None:
    s3 = S3(endpoint="http://127.0.0.1:9000", region="eu-west-1", path_style_access=True, credentials="environment",
            encryption="SSE-S3")
    assert s3a_conf(s3) == {
        "spark.hadoop.fs.s3a.aws.credentials.provider":
            "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.endpoint": "http://127.0.0.1:9000",
        "spark.hadoop.fs.s3a.endpoint.region": "eu-west-1",
        "spark.hadoop.fs.s3a.encryption.algorithm": "AES256",
    }


def test_aws_itself_with_sse_kms_and_the_default_chain() -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:alias/lake"
    assert s3a_conf(S3(encryption="SSE-KMS", kms_key_id=key)) == {
        "spark.hadoop.fs.s3a.aws.credentials.provider":
            "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
        "spark.hadoop.fs.s3a.path.style.access": "false",
        "spark.hadoop.fs.s3a.encryption.algorithm": "SSE-KMS",
        "spark.hadoop.fs.s3a.encryption.key": key,
    }


def test_the_environment_names_the_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s3.yaml").write_text(yaml.safe_dump({"paths": PATHS, "s3": {"endpoint": "http://127.0.0.1:9000"}}))
    monkeypatch.setenv("LAKEHOUSE_S3_ENDPOINT", "http://127.0.0.1:9123")
    assert config.load("s3", tmp_path).s3.endpoint == "http://127.0.0.1:9123"


def test_prod_encrypts_with_its_kms_key_and_finds_credentials_on_emr() -> None:
    prod = config.load("prod").s3
    assert (prod.encryption, prod.credentials, prod.endpoint) == ("SSE-KMS", "default_chain", None)
    assert prod.kms_key_id.startswith("arn:aws:kms:eu-west-1:")


BAD = [
    ({"encryption": "SSE-KMS"}, "s3: value error, kms_key_id: sse-kms needs the id or arn of its kms key"),
    ({"encryption": "SSE-S3", "kms_key_id": "k"}, "s3: value error, kms_key_id: only sse-kms takes a key "
                                                   "(set encryption: sse-kms, or remove it)"),
    ({"encryption": "AES256"}, "s3.encryption: input should be 'sse-s3' or 'sse-kms'"),
    ({"endpiont": "http://127.0.0.1:9000"}, "s3.endpiont: extra inputs are not permitted"),
    ({"endpoint": "127.0.0.1:9000"}, "s3.endpoint: value error, '127.0.0.1:9000' is not an endpoint like "
                                     "http://127.0.0.1:9000 or https://host"),
    ({"credentials": "keys"}, "s3.credentials: input should be 'environment' or 'default_chain'"),
]


@pytest.mark.parametrize(("s3", "message"), BAD)
def test_a_bad_s3_setting_is_one_line(s3: dict[str, str], message: str, tmp_path: Path) -> None:
    (tmp_path / "s3.yaml").write_text(yaml.safe_dump({"paths": PATHS, "s3": s3}))
    with pytest.raises(ConfigError) as raised:
        config.load("s3", tmp_path)
    assert str(raised.value) == f"{tmp_path}/s3.yaml: {message}"


def test_the_command_stops_on_it_with_that_line_and_exit_code_2(tmp_path: Path) -> None:
    (tmp_path / "s3.yaml").write_text(yaml.safe_dump({"paths": PATHS, "s3": {"encryption": "SSE-KMS"}}))
    env = {**os.environ, "LAKEHOUSE_CONF": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "run", "all", "--env", "s3"], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: {tmp_path}/s3.yaml: {BAD[0][1]}"]
