"""The batch pipeline with landing and lakehouse on S3 (``s3a://``), against a real S3-compatible server on loopback.

A small generated landing set is uploaded with boto3; ``lakehouse run all --mode batch`` runs as a user runs it
(a process of its own, conf/s3.yaml pointed at the server, credentials from the environment); then the bucket is
read back with tools other than the pipeline's: boto3 for the objects and their encryption, delta-rs for rows,
the standard library for the records that landed, and Trino (Athena's engine) for every gold table.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest
from deltalake import DeltaTable
from pyspark.sql import SparkSession

from lakehouse.lib import registry
from lakehouse.lib.cloud import s3_server, trino_server
from lakehouse.lib.config import Settings
from lakehouse.lib.registry import Landing
from lakehouse.lib.sources.landed import landed_records

from .conftest import AWS_ENV, REGION, REPO, client


def bucket_and_prefix(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3a://").partition("/")
    return bucket, prefix.rstrip("/")


def lakehouse(*args: str, conf: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **AWS_ENV, "LAKEHOUSE_CONF": str(conf)}
    for variable in ("LAKEHOUSE_ROOT", "LAKEHOUSE_LANDING", "LAKEHOUSE_S3_ENDPOINT"):
        env.pop(variable, None)
    return subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory, s3_conf: Path) -> Path:
    """``lakehouse generate`` into a local folder: it writes local files only."""
    folder = tmp_path_factory.mktemp("generated") / "landing"
    done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "generate", "--customers", "20", "--events",
                           "300", "--days", "1"],
                          env={**os.environ, "LAKEHOUSE_LANDING": str(folder)}, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def run(server: s3_server.Server, s3_settings: Settings, s3_conf: Path, landing: Path,
        tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    """The buckets made, the landing set uploaded, the whole pipeline run once on them."""
    s3_server.create_buckets(server, s3_settings)
    s3 = client(server, "s3")
    bucket, prefix = bucket_and_prefix(s3_settings.paths.landing)
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(landing).as_posix()}")
    started = time.monotonic()
    done = lakehouse("run", "all", "--mode", "batch", "--env", "s3", conf=s3_conf,
                     cwd=tmp_path_factory.mktemp("workdir"))
    print(f"lakehouse run all on S3: {time.monotonic() - started:.0f} s")
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def objects(server: s3_server.Server, url: str) -> list[str]:
    bucket, prefix = bucket_and_prefix(url)
    pages = client(server, "s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/")
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def delta_rows(server: s3_server.Server, url: str) -> int:
    """Rows of the Delta table at ``url``, as delta-rs (not Spark) reads them over S3."""
    options = {"AWS_ENDPOINT_URL": server.endpoint, "AWS_REGION": REGION, "AWS_ALLOW_HTTP": "true",
               "AWS_ACCESS_KEY_ID": AWS_ENV["AWS_ACCESS_KEY_ID"],
               "AWS_SECRET_ACCESS_KEY": AWS_ENV["AWS_SECRET_ACCESS_KEY"]}
    return DeltaTable(url.replace("s3a://", "s3://", 1), storage_options=options).to_pyarrow_dataset().count_rows()


def declared_tables() -> list[str]:
    """Every table the declarations make: each declared table, the quarantine of each with rules, the run log."""
    tables = [table.name for table in registry.select("all")]
    quarantines = [f"quarantine.{table.short_name}" for table in registry.checked_tables()]
    return sorted({*tables, *quarantines, "ops.runs"})


def test_every_declared_table_is_a_delta_table_on_s3(run: Any, server: s3_server.Server,
                                                     s3_settings: Settings) -> None:
    keys = set(objects(server, s3_settings.paths.lakehouse))
    _, prefix = bucket_and_prefix(s3_settings.paths.lakehouse)
    missing = [name for name in declared_tables()
               if f"{prefix}/{name.replace('.', '/')}/_delta_log/00000000000000000000.json" not in keys]
    assert not missing, f"no Delta table on S3 for {missing}"


def test_bronze_holds_every_record_that_landed(run: Any, server: s3_server.Server, s3_settings: Settings,
                                               landing: Path) -> None:
    """Counted from the uploaded files with the standard library, read back from S3 with delta-rs."""
    landed = landed_records(landing, registry.csv_header_keys())
    bronze = {table.source.folder: table.name for table in registry.select("bronze")
              if isinstance(table.source, Landing)}
    assert sum(landed[source] for source in bronze) > 300, "the generated set is smaller than asked for"
    rows = {source: delta_rows(server, s3_settings.table_path(name)) for source, name in bronze.items()}
    assert rows == {source: landed[source] for source in bronze}


def test_gold_is_built_on_s3(run: Any, server: s3_server.Server, s3_settings: Settings) -> None:
    assert delta_rows(server, s3_settings.table_path("gold.daily_sales")) > 0
    assert delta_rows(server, s3_settings.table_path("gold.funnel_daily")) > 0


def test_every_data_file_and_log_entry_is_encrypted_with_the_configured_kms_key(
        run: Any, server: s3_server.Server, s3_settings: Settings, kms_key: str) -> None:
    s3 = client(server, "s3")
    bucket, _ = bucket_and_prefix(s3_settings.paths.lakehouse)
    written = [key for key in objects(server, s3_settings.paths.lakehouse)
               if key.endswith(".parquet") or "/_delta_log/" in key and key.endswith(".json")]
    assert any(key.endswith(".parquet") for key in written) and any(key.endswith(".json") for key in written)
    encryption = {(head["ServerSideEncryption"], head.get("SSEKMSKeyId"))
                  for head in (s3.head_object(Bucket=bucket, Key=key) for key in written)}
    assert encryption == {("aws:kms", kms_key)}


@pytest.fixture(scope="module")
def trino(server: s3_server.Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[trino_server.Server]:
    folder = tmp_path_factory.mktemp("trino")
    client(server, "s3").create_bucket(Bucket="trino-metastore",
                                       CreateBucketConfiguration={"LocationConstraint": REGION})
    started = trino_server.start(folder, server.endpoint, REGION, AWS_ENV["AWS_ACCESS_KEY_ID"],
                                 AWS_ENV["AWS_SECRET_ACCESS_KEY"], "s3://trino-metastore/delta")
    try:
        yield started
    finally:
        trino_server.stop(folder)


def spark_on(spark: SparkSession, server: s3_server.Server, bucket: str) -> SparkSession:
    """The test's session reading ``bucket`` from the local server (S3A's per-bucket settings)."""
    hadoop = spark._jsc.hadoopConfiguration()
    for key, value in {"endpoint": server.endpoint, "endpoint.region": REGION, "path.style.access": "true",
                       "connection.ssl.enabled": "false", "access.key": AWS_ENV["AWS_ACCESS_KEY_ID"],
                       "secret.key": AWS_ENV["AWS_SECRET_ACCESS_KEY"],
                       "aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"}.items():
        hadoop.set(f"fs.s3a.bucket.{bucket}.{key}", value)
    return spark


def canonical(value: Any) -> Any:
    """One value as both engines' Python clients give it: instants in UTC, decimals and doubles to 9 places."""
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, float)):
        return round(float(value), 9)
    if isinstance(value, (list, tuple)):
        return tuple(canonical(item) for item in value)
    return value


def test_trino_reads_every_gold_table_with_the_rows_spark_reads(run: Any, server: s3_server.Server,
                                                                 s3_settings: Settings, spark: SparkSession,
                                                                 trino: trino_server.Server) -> None:
    """Athena's engine (Trino 476, its Delta Lake connector, the table registered from its location) against
    Spark, table by table, row by row."""
    bucket, _ = bucket_and_prefix(s3_settings.paths.lakehouse)
    reader = spark_on(spark, server, bucket)
    differing, with_rows = {}, set()
    for table in registry.select("gold"):
        location = s3_settings.table_path(table.name)
        trino_server.register(trino, "gold", table.short_name, location)
        stored = reader.read.format("delta").load(location)
        columns = ", ".join(f'"{column}"' for column in stored.columns)
        in_trino = sorted(map(canonical, trino_server.query(trino, f"SELECT {columns} FROM delta.gold.{table.short_name}")),
                          key=repr)
        in_spark = sorted((canonical(tuple(row)) for row in stored.collect()), key=repr)
        with_rows |= {table.name} if in_spark else set()
        if in_trino != in_spark:
            differing[table.name] = (len(in_trino), len(in_spark), in_trino[:1], in_spark[:1])
    assert not differing
    assert {"gold.daily_sales", "gold.funnel_daily", "gold.customer_features"} <= with_rows, with_rows
