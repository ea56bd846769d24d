"""The SparkSession: Delta, the catalog, and settings every table relies on."""
from __future__ import annotations

import glob
import os
import sys

from pyspark.sql import SparkSession

from lakehouse.lib.config import CONF_DIR, S3, ConfigError, Settings

LOG_CONFIG = str(CONF_DIR / "log4j2.properties")  # the package's own, installed or in a checkout

# Settings the pipeline's correctness depends on, whatever the environment.
REQUIRED_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    # A truncated gzip file keeps the lines that decompressed instead of failing the run.
    "spark.sql.files.ignoreCorruptFiles": "true",
    # JSON objects with a repeated key keep the last value rather than failing the batch.
    "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
    # Tables that run at once share the cores fairly, each in a pool of its own.
    "spark.scheduler.mode": "FAIR",
}


# The AWS SDK v2 credential providers S3A is given for each choice of ``s3.credentials``.
CREDENTIALS = {
    "environment": "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
    "default_chain": "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
}
# Hadoop's names for the server-side encryption of ``s3.encryption``.
ENCRYPTION = {"SSE-S3": "AES256", "SSE-KMS": "SSE-KMS"}


def s3a_conf(s3: S3) -> dict[str, str]:
    """The ``spark.hadoop.fs.s3a.*`` settings of the ``s3:`` section: every ``s3a://`` path reads and writes so."""
    conf = {
        "fs.s3a.aws.credentials.provider": CREDENTIALS[s3.credentials],
        "fs.s3a.path.style.access": str(s3.path_style_access).lower(),
        **({"fs.s3a.endpoint": s3.endpoint.rstrip("/")} if s3.endpoint else {}),
        **({"fs.s3a.endpoint.region": s3.region} if s3.region else {}),
        **({"fs.s3a.encryption.algorithm": ENCRYPTION[s3.encryption]} if s3.encryption else {}),
        **({"fs.s3a.encryption.key": s3.kms_key_id} if s3.kms_key_id else {}),
    }
    return {f"spark.hadoop.{key}": value for key, value in conf.items()}


def jars(jars_dir: str) -> list[str]:
    found = sorted(glob.glob(os.path.join(jars_dir, "*.jar")))
    if not found:
        raise ConfigError(f"spark.jars_dir: no jars in {jars_dir}; run `make setup` to resolve them")
    return found


def _under_spark_submit() -> bool:
    """Whether spark-submit started this driver: pyspark then joins the JVM spark-submit already runs (it hands
    over the gateway's port), whose master and classpath its command line chose and no later setting changes."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def start(settings: Settings) -> SparkSession:
    """Start (or return) the session for these settings; with local jars it needs no network.

    Under spark-submit its ``--master`` and ``--jars``/``--packages`` win over ``spark.master`` and
    ``spark.jars_dir``, so one conf serves both the ``lakehouse`` command and a job submitted to a cluster.
    """
    builder = SparkSession.builder.appName(settings.spark.app_name)
    if not _under_spark_submit():
        builder = _launched_here(builder, settings)
    conf = {
        "spark.sql.shuffle.partitions": str(settings.spark.shuffle_partitions),
        **_local_catalog(settings.catalog_path),
        **s3a_conf(settings.s3),
        **settings.spark.conf,
        **REQUIRED_CONF,
    }
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _launched_here(builder: SparkSession.Builder, settings: Settings) -> SparkSession.Builder:
    """The master and jars of a JVM this process launches itself, as the conf says."""
    if settings.spark.master:
        builder = builder.master(settings.spark.master)
    if settings.spark.jars_dir:
        builder = builder.config("spark.jars", ",".join(jars(settings.spark.jars_dir)))
    if (settings.spark.master or "").startswith("local"):
        # Python workers of a local Spark run this interpreter, with the project's packages (pandas UDFs, MLflow).
        # A Python driver's SparkContext reads PYSPARK_PYTHON (spark.pyspark.python only reaches spark-submit).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return builder


def _local_catalog(catalog: str | None) -> dict[str, str]:
    """A Derby metastore in the root's own ``_catalog`` folder, so tables stay registered across sessions."""
    if catalog is None:
        return {"spark.driver.extraJavaOptions": f"-Dlog4j.configurationFile={LOG_CONFIG}"}
    os.makedirs(catalog, exist_ok=True)
    return {
        "spark.sql.warehouse.dir": os.path.join(catalog, "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={os.path.join(catalog, 'metastore_db')};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={catalog} -Dlog4j.configurationFile={LOG_CONFIG}",
    }
