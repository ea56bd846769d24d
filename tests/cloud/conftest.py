"""A real S3-compatible server on loopback for the cloud tests: moto in server mode (S3, KMS and Glue), started
once per test session by the same code as ``make s3-up``, buckets in memory, stopped at the end."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
import yaml

from lakehouse.lib import config
from lakehouse.lib.cloud import s3_server

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
# Any key is accepted by the local server; the SDKs (boto3, S3A's environment provider) want one set.
AWS_ENV = {"AWS_ACCESS_KEY_ID": "cloud-tests", "AWS_SECRET_ACCESS_KEY": "cloud-tests", "AWS_DEFAULT_REGION": REGION}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[s3_server.Server]:
    folder = tmp_path_factory.mktemp("s3-server")
    started = s3_server.start(folder)
    try:
        yield started
    finally:
        s3_server.stop(folder)


def client(server: s3_server.Server, service: str) -> Any:
    return boto3.client(service, endpoint_url=server.endpoint, region_name=REGION,
                        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture(scope="session")
def kms_key(server: s3_server.Server) -> str:
    """A KMS key on the server, by ARN, as conf/prod.yaml names its key."""
    return client(server, "kms").create_key(Description="lakehouse cloud tests")["KeyMetadata"]["Arn"]


@pytest.fixture(scope="session")
def s3_conf(server: s3_server.Server, kms_key: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """conf/s3.yaml as shipped, pointed at this server, with SSE-KMS under the test's key and test-sized Spark:
    a folder for LAKEHOUSE_CONF, holding ``s3.yaml``."""
    folder = tmp_path_factory.mktemp("conf")
    shipped = yaml.safe_load((REPO / "conf" / "s3.yaml").read_text())
    shipped["s3"] = {**shipped["s3"], "endpoint": server.endpoint, "encryption": "SSE-KMS", "kms_key_id": kms_key}
    shipped["spark"] = {**shipped["spark"], "shuffle_partitions": 2, "jars_dir": str(REPO / ".jars"),
                        "conf": {**shipped["spark"]["conf"], "spark.driver.memory": "2g", "spark.ui.enabled": "false"}}
    shipped["athena"] = {**shipped["athena"], "glue_endpoint": server.endpoint}
    shipped["paths"] = {**shipped["paths"], "report": str(folder / "report"), "logs": str(folder / "logs")}
    shipped["quality"] = {**shipped["quality"], "validate_tables": False}  # GX is tested elsewhere
    (folder / "s3.yaml").write_text(yaml.safe_dump(shipped))
    return folder


@pytest.fixture(scope="session")
def s3_settings(s3_conf: Path) -> config.Settings:
    return config.load("s3", s3_conf)
