"""The one typed settings object, read from ``conf/<env>.yaml`` and the environment.

Config says where and how (paths, Spark settings, triggers, thresholds); code says
what. Unknown keys are errors, so a typo never silently falls back to a default.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = PACKAGE_ROOT / "conf"
CONF_VARIABLE = "LAKEHOUSE_CONF"
LOCAL_PSEUDONYM_KEY = "local-development-pseudonym-key"


class ConfigError(Exception):
    """A setting that stops the command; the message is one line saying what to fix."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(Strict):
    landing: str = Field(description="Landing zone root: a local path or s3a://bucket/prefix")
    lakehouse: str = Field(description="Root of the Delta tables: <lakehouse>/<layer>/<table>")
    report: str = Field(description="Folder the summary writes its HTML report to")
    logs: str = Field(description="Folder of the log a failed command writes its details to (local)")

    @field_validator("landing", "lakehouse", "report", "logs")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class Spark(Strict):
    master: str | None = Field(None, description="None under spark-submit, which sets it")
    app_name: str = "retail-lakehouse"
    shuffle_partitions: int = Field(8, ge=1)
    jars_dir: str | None = Field(".jars", description="Folder of resolved JVM jars; None on EMR")
    conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark settings")


# The contract's sources, by landing folder (landing.md).
SOURCES = ("clickstream", "search", "inventory", "orders", "order_items", "customers", "products", "reviews",
           "server_logs", "fx_rates")


INTERVAL = re.compile(r"^(\d+(?:\.\d+)?) ?(millisecond|second|minute|hour)s?$")
UNIT_SECONDS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}


def seconds(interval: str) -> float:
    """``10 seconds``, ``1 minute``, ``500 milliseconds`` (as Spark's ``processingTime`` reads them) in seconds."""
    number, unit = INTERVAL.match(interval.strip()).groups()
    return float(number) * UNIT_SECONDS[unit]


def _an_interval(value: str | None) -> str | None:
    if value is not None and not INTERVAL.match(value.strip()):
        raise ValueError(f"'{value}' is not an interval like '10 seconds' or '1 minute'")
    return value


class SourceStream(Strict):
    """One source's stream over the defaults of ``stream:`` (``max_offsets_per_trigger``: over ``kafka:``'s)."""

    trigger_interval: Annotated[str | None, AfterValidator(_an_interval)] = None
    watermark: Annotated[str | None, AfterValidator(_an_interval)] = None
    max_files_per_trigger: int | None = Field(None, ge=1)
    max_offsets_per_trigger: int | None = Field(None, ge=1)


class Stream(Strict):
    trigger_interval: Annotated[str, AfterValidator(_an_interval)] = "30 seconds"
    gold_trigger_interval: Annotated[str, AfterValidator(_an_interval)] = Field(
        "1 minute", description="How often gold tables refresh while the stream runs")
    max_files_per_trigger: int = Field(1000, ge=1)
    watermark: Annotated[str | None, AfterValidator(_an_interval)] = Field(
        None, description="How far behind the newest event an event may arrive before it is late; None: never late")
    late_events: Literal["count", "quarantine"] = Field(
        "count", description="A late event is written and counted (count) or quarantined as late_beyond_watermark")
    sources: dict[str, SourceStream] = Field(default_factory=dict,
                                             description="Per source (its landing folder), over the defaults")

    @field_validator("sources")
    @classmethod
    def known_sources(cls, value: dict[str, SourceStream]) -> dict[str, SourceStream]:
        if unknown := sorted(set(value) - set(SOURCES)):
            raise ValueError(f"{', '.join(unknown)}: no such source (known: {', '.join(SOURCES)})")
        return value

    def of(self, source: str | None) -> SourceStream:
        """The source's own trigger, watermark and batch sizes, the defaults where it names none (or for no one
        source)."""
        own = self.sources.get(source, SourceStream())
        return own.model_copy(update={
            "trigger_interval": own.trigger_interval or self.trigger_interval,
            "watermark": own.watermark or self.watermark,
            "max_files_per_trigger": own.max_files_per_trigger or self.max_files_per_trigger,
        })


class Batch(Strict):
    parallel_tables: int = Field(1, ge=1, description="Tables run at once in batch mode, once their inputs are done")


class Privacy(Strict):
    pseudonym_key_env: str = "LAKEHOUSE_PSEUDONYM_KEY"
    pii_key_env: str = Field("LAKEHOUSE_PII_KEY", description="Variable holding silver.customer_pii's AES-256 "
                                                              "data key, base64 (openssl rand -base64 32)")
    pii_kms_key_id: str | None = Field(None, description="AWS KMS key wrapping that data key (envelope "
                                                         "encryption): the variable then holds the wrapped key "
                                                         "that lakehouse new-pii-key prints")
    kms_endpoint: str | None = Field(None, description="A local KMS server's URL; None: AWS's")
    require_key: bool = Field(True, description="False only where fixed development keys are acceptable")


Share = Annotated[float, Field(ge=0, le=1)]


class Quality(Strict):
    """How much of a checked micro-batch may be held back before the run warns, or stops unwritten; how old a
    table's newest row may be; how often a stream validates its tables' checks."""

    max_quarantine_ratio: Share = Field(0.05, description="Share of a micro-batch's rows quarantined above which "
                                                          "on_quarantine_ratio acts")
    max_quarantine_ratio_by_table: dict[str, Share] = Field(
        default_factory=dict, description="The same share for single silver tables (silver.reviews: 0.2)")
    on_quarantine_ratio: Literal["warn", "fail"] = Field(
        "warn", description="warn: the batch is written and the run warns; fail: it stops before writing")

    max_age_hours: float = Field(48, gt=0, description="Age of a table's newest row (its Fresh check) above which "
                                                       "the check is broken")
    max_age_hours_by_table: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict, description="The same age for single tables (silver.fx_rates: 72)")
    validate_tables: bool = Field(True, description="Validate each silver and gold table's checks after its run, in "
                                                    "the background (docs/quality.md)")
    check_every_batches: int = Field(10, ge=1, description="In stream mode, a table's checks are validated in the "
                                                           "background after every this many micro-batches")

    def max_quarantine_share(self, table: str) -> float:
        return self.max_quarantine_ratio_by_table.get(table, self.max_quarantine_ratio)

    def max_age(self, table: str) -> float:
        return self.max_age_hours_by_table.get(table, self.max_age_hours)


class Retention(Strict):
    """Hours a layer's removed files and log entries are kept: how far back its tables can be read.

    A stream or an incremental gold refresh that falls further behind than its input's
    retention can no longer catch up; keep silver above the longest gap between gold runs.
    """

    bronze: float = Field(720, ge=0)
    silver: float = Field(720, ge=0)
    quarantine: float = Field(720, ge=0)
    gold: float = Field(168, ge=0)
    ops: float = Field(720, ge=0)


class Maintenance(Strict):
    retain_hours: Retention = Retention()


class EmrServerless(Strict):
    application_name: str = Field(description="Name of the EMR Serverless application to create")
    execution_role_arn: str = Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
    logs: str = Field(pattern=r"^s3://.+", description="S3 folder for the job runs' driver and executor logs")


class Emr(Strict):
    """Where ``lakehouse deploy`` points EMR: ``make package``'s dist/, copied to ``code`` on S3."""

    release_label: str = Field(pattern=r"^emr-\d+\.\d+\.\d+$")
    code: str = Field(pattern=r"^s3://.+[^/]$", description="S3 folder holding make package's dist/")
    action_on_failure: Literal["CONTINUE", "CANCEL_AND_WAIT", "TERMINATE_CLUSTER"] = "CANCEL_AND_WAIT"
    serverless: EmrServerless


ENDPOINT = re.compile(r"^https?://[^/\s]+/?$")


def _an_endpoint(value: str | None) -> str | None:
    if value is not None and not ENDPOINT.match(value):
        raise ValueError(f"'{value}' is not an endpoint like http://127.0.0.1:9000 or https://host")
    return value


class S3(Strict):
    """How Spark reaches ``s3a://`` paths (lib/session.py makes them ``fs.s3a.*`` settings); secrets never here.

    ``environment`` reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), as a laptop or a
    local S3-compatible server needs; ``default_chain`` is the AWS SDK's own chain, which finds the instance or
    job role on EMR. Every object written is encrypted at rest as ``encryption`` says.
    """

    endpoint: Annotated[str | None, AfterValidator(_an_endpoint)] = Field(
        None, description="An S3-compatible endpoint (http://127.0.0.1:9000); None: AWS's own for the region. "
                          "LAKEHOUSE_S3_ENDPOINT overrides it")
    region: str | None = Field(None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", description="None: the SDK finds it")
    path_style_access: bool = Field(False, description="host/bucket/key instead of bucket.host/key (local servers)")
    credentials: Literal["environment", "default_chain"] = "default_chain"
    encryption: Literal["SSE-S3", "SSE-KMS"] | None = Field(None, description="Server-side encryption of new objects")
    kms_key_id: str | None = Field(None, description="The KMS key of SSE-KMS: its id, ARN or alias ARN")

    @model_validator(mode="after")
    def key_with_kms_only(self) -> S3:
        if self.encryption == "SSE-KMS" and not self.kms_key_id:
            raise ValueError("kms_key_id: SSE-KMS needs the id or ARN of its KMS key")
        if self.kms_key_id and self.encryption != "SSE-KMS":
            raise ValueError("kms_key_id: only SSE-KMS takes a key (set encryption: SSE-KMS, or remove it)")
        return self


# The contract's event sources that may also arrive on Kafka, and their topics (landing.md).
KAFKA_TOPICS = {
    "clickstream": "clickstream",
    "search": "search",
    "inventory": "inventory",
    "orders": "oltp.orders",
    "order_items": "oltp.order_items",
    "reviews": "reviews",
    "server_logs": "server_logs",
}


class Kafka(Strict):
    bootstrap_servers: str | None = Field(None, description="host:port,...; None: the sources are files only")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl: dict[str, str] = Field(default_factory=dict,
                                 description="sasl.* client settings, passed to Spark as kafka.<key>")
    topics: dict[str, str] = Field(default_factory=lambda: dict(KAFKA_TOPICS),
                                   description="Topic per source; the contract's unless named here")
    partitions: int = Field(3, ge=1, description="Partitions of a topic that create-topics creates")
    replication_factor: int = Field(1, ge=1)
    max_offsets_per_trigger: int = Field(100_000, ge=1, description="Default of stream.sources.<source>")
    max_message_bytes: int = Field(512 * 1024, ge=1, description="A longer message is kept in bronze and "
                                                                  "quarantined in silver")

    @field_validator("security_protocol", mode="before")
    @classmethod
    def any_case(cls, value: object) -> object:
        """Kafka's clients read the protocol's name in any case; so does this setting."""
        return value.upper() if isinstance(value, str) else value

    @field_validator("sasl")
    @classmethod
    def sasl_settings_only(cls, value: dict[str, str]) -> dict[str, str]:
        if other := sorted(key for key in value if not key.startswith("sasl.")):
            raise ValueError(f"{', '.join(other)}: only sasl.* client settings belong here")
        return value

    @field_validator("topics")
    @classmethod
    def known_sources(cls, value: dict[str, str]) -> dict[str, str]:
        if unknown := sorted(set(value) - set(KAFKA_TOPICS)):
            raise ValueError(f"{', '.join(unknown)}: no such event source (known: {', '.join(KAFKA_TOPICS)})")
        if blank := sorted(source for source, topic in value.items() if not topic.strip()):
            raise ValueError(f"{', '.join(blank)}: the topic must not be empty")
        return {**KAFKA_TOPICS, **value}

    def spark_options(self, source: str, max_offsets_per_trigger: int | None = None) -> dict[str, str]:
        """Options of Spark's Kafka source for one source's topic, from its first offset on."""
        if not self.bootstrap_servers:
            raise ConfigError(f"kafka.bootstrap_servers is not set, so {source} arrives as files only")
        return {
            "kafka.bootstrap.servers": self.bootstrap_servers,
            "kafka.security.protocol": self.security_protocol,
            **{f"kafka.{key}": value for key, value in self.sasl.items()},
            "subscribe": self.topics[source],
            "startingOffsets": "earliest",
            "maxOffsetsPerTrigger": str(max_offsets_per_trigger or self.max_offsets_per_trigger),
        }


class Oltp(Strict):
    """The shop's transaction database (PostgreSQL), which ``lakehouse extract`` reads its orders from."""

    url: str | None = Field(None, pattern=r"^jdbc:postgresql://[^/]+/[^/?]+$",
                            description="jdbc:postgresql://host:port/database; LAKEHOUSE_OLTP_URL overrides it")
    user: str = "postgres"
    password_env: str = Field("LAKEHOUSE_OLTP_PASSWORD", description="Environment variable holding the password")

    def jdbc_url(self) -> str:
        if not self.url:
            raise ConfigError("oltp.url is not set: set it in conf/<env>.yaml or LAKEHOUSE_OLTP_URL "
                              "(`make postgres-up` prints a local server's address)")
        return self.url

    def jdbc_options(self) -> dict[str, str]:
        password = os.environ.get(self.password_env)
        return {"url": self.jdbc_url(), "user": self.user, "driver": "org.postgresql.Driver",
                **({"password": password} if password else {})}

    def dsn(self) -> str:
        """The same database for Python's psycopg2 (``generate --to-postgres``)."""
        password = os.environ.get(self.password_env)
        login = f"{self.user}:{password}" if password else self.user
        return self.jdbc_url().removeprefix("jdbc:").replace("://", f"://{login}@", 1)


class Athena(Strict):
    """Where analysts query gold: the Glue database Athena names the gold tables in, and how to reach it."""

    database: str = Field("lakehouse", pattern=r"^[a-z0-9_]+$",
                          description="Glue database of the Athena tables (not Spark's own gold database)")
    region: str = "eu-west-1"
    workgroup: str = "primary"
    output_location: str | None = Field(None, description="S3 folder for Athena's query results (s3://...)")
    glue_endpoint: Annotated[str | None, AfterValidator(_an_endpoint)] = Field(
        None, description="The Glue API `lakehouse catalog sync` calls; None: AWS's own for the region")


class Alerting(Strict):
    """Where pages go: PagerDuty's Events API v2; the routing key is a secret, read from the environment only."""

    events_url: str = "https://events.pagerduty.com/v2/enqueue"
    routing_key_env: str = "PAGERDUTY_ROUTING_KEY"
    source: str = Field("retail-lakehouse", description="payload.source of every event")
    timeout_seconds: float = Field(10, gt=0)

    def routing_key(self) -> str | None:
        return os.environ.get(self.routing_key_env) or None


class Metrics(Strict):
    """Prometheus: a stream serves ``/metrics`` on ``port`` while it runs; a batch run pushes to ``pushgateway``."""

    host: str = Field("127.0.0.1", description="Address /metrics listens on (0.0.0.0 for a scraper elsewhere)")
    port: int | None = Field(None, ge=1, le=65535, description="Serve /metrics here while a stream runs; None: not")
    pushgateway: str | None = Field(None, description="host:port of a Pushgateway a batch run pushes to as it ends")
    job: str = Field("lakehouse", description="The job label of pushed metrics")


class Churn(Strict):
    """The churn model: its label, its training, and where MLflow keeps runs and models."""

    horizon_days: int = Field(30, ge=1, description="Churned: no live order in this many days after the as-of date")
    tracking_uri: str | None = Field(None, description="MLflow tracking server; None: SQLite beside the local root")
    artifact_location: str | None = Field(None, description="Where new experiments keep artifacts (s3://...)")
    experiment: str = "churn"
    model_name: str = Field("churn", description="Registered model; versions get aliases challenger and champion")
    seed: int = 7
    epochs: int = Field(80, ge=1)
    batch_size: int = Field(256, ge=1)
    patience: int = Field(6, ge=1, description="Epochs without a better validation loss before training stops")


class Settings(Strict):
    env: str
    paths: Paths
    spark: Spark = Spark()
    stream: Stream = Stream()
    batch: Batch = Batch()
    privacy: Privacy = Privacy()
    quality: Quality = Quality()
    maintenance: Maintenance = Maintenance()
    emr: Emr | None = Field(None, description="Only where jobs run on EMR (lakehouse deploy)")
    s3: S3 = S3()
    kafka: Kafka = Kafka()
    oltp: Oltp = Oltp()
    athena: Athena = Athena()
    alerting: Alerting = Alerting()
    metrics: Metrics = Metrics()
    churn: Churn = Churn()

    def table_path(self, name: str) -> str:
        """``silver.orders`` -> ``<lakehouse>/silver/orders``."""
        layer, table = name.split(".")
        return f"{self.paths.lakehouse.rstrip('/')}/{layer}/{table}"

    @property
    def catalog_path(self) -> str | None:
        """The local catalog of a local root: inside it, so a root never shares its catalog with another.

        A root on S3 is catalogued by the metastore its Spark settings name (Glue on EMR).
        """
        root = self.paths.lakehouse.rstrip("/")
        return None if "://" in root else f"{root}/_catalog"

    @property
    def mlflow_tracking_uri(self) -> str:
        """``churn.tracking_uri``, else a SQLite store beside a local root (``data/mlflow/mlflow.db`` by default)."""
        if self.churn.tracking_uri:
            return self.churn.tracking_uri
        return f"sqlite:///{self._local_mlflow_folder()}/mlflow.db"

    @property
    def mlflow_artifact_location(self) -> str:
        return self.churn.artifact_location or f"{self._local_mlflow_folder()}/artifacts"

    def _local_mlflow_folder(self) -> str:
        root = self.paths.lakehouse.rstrip("/")
        if "://" in root:
            raise ConfigError(f"churn.tracking_uri and churn.artifact_location: a root on {root.split('://')[0]}:// "
                              f"needs a tracking server and an artifact store")
        return f"{root.rsplit('/', 1)[0]}/mlflow"

    def checkpoint_path(self, name: str) -> str:
        return f"{self.paths.lakehouse.rstrip('/')}/_checkpoints/{name}"

    def landing_path(self, source: str) -> str:
        return f"{self.paths.landing.rstrip('/')}/{source}"

    def pseudonym_key(self) -> bytes:
        """The secret of the keyed hash; only the local environment may fall back to a fixed one."""
        key = os.environ.get(self.privacy.pseudonym_key_env, "")
        if key:
            return key.encode()
        if self.privacy.require_key:
            raise ConfigError(
                f"{self.privacy.pseudonym_key_env} is not set: env '{self.env}' needs a pseudonymisation key"
            )
        return LOCAL_PSEUDONYM_KEY.encode()

    def pii_key(self) -> bytes:
        """The data key of the personal data table: 32 bytes, base64 in the environment, or wrapped by
        ``privacy.pii_kms_key_id`` and unwrapped by KMS; only the local environment may fall back to a fixed one."""
        variable = self.privacy.pii_key_env
        text = os.environ.get(variable, "")
        if text and self.privacy.pii_kms_key_id:
            from lakehouse.lib import data_keys

            key_id = self.privacy.pii_kms_key_id
            return data_keys.unwrap(data_keys.kms_client(key_id, self.privacy.kms_endpoint), key_id, text, variable)
        if not text:
            if self.privacy.require_key:
                how = "lakehouse new-pii-key" if self.privacy.pii_kms_key_id else "openssl rand -base64 32"
                raise ConfigError(f"{variable} is not set: env '{self.env}' needs the personal data key ({how})")
            return hashlib.sha256(LOCAL_PSEUDONYM_KEY.encode() + b":pii").digest()
        try:
            key = base64.b64decode(text, validate=True)
        except binascii.Error:
            key = b""
        if len(key) != 32:
            raise ConfigError(f"{variable} must be 32 bytes in base64 (openssl rand -base64 32)")
        return key


Mode = Literal["batch", "stream"]


def conf_dir() -> Traversable:
    """``LAKEHOUSE_CONF`` when set, else the conf the package carries.

    The packaged conf is the folder beside the code (a source checkout, an installed wheel) or,
    when the code is imported from the ``--py-files`` zip, the one inside the zip.
    """
    chosen = os.environ.get(CONF_VARIABLE, "")
    if not chosen:
        return packaged_conf()
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"{CONF_VARIABLE}: {chosen} is not a folder (it should hold <env>.yaml files)")
    return folder


def packaged_conf() -> Traversable:
    """The conf the package carries: beside the code, or inside the ``--py-files`` zip it is imported from."""
    return CONF_DIR if CONF_DIR.is_dir() else resources.files("lakehouse") / "conf"


def load(env: str = "local", conf: Traversable | None = None) -> Settings:
    """Read ``<env>.yaml`` from ``conf`` (default: ``conf_dir()``), apply environment overrides, validate."""
    conf = conf_dir() if conf is None else conf
    if not conf.is_dir():
        raise ConfigError(f"no configuration folder {conf}: set {CONF_VARIABLE} to a folder of <env>.yaml")
    path = conf / f"{env}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.name[:-5] for p in conf.iterdir() if p.name.endswith(".yaml")))
        raise ConfigError(f"no configuration '{env}': {path} does not exist (known: {known})")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    raw = {"env": env, **raw}
    paths = dict(raw.get("paths") or {})
    for variable, key in (("LAKEHOUSE_ROOT", "lakehouse"), ("LAKEHOUSE_LANDING", "landing")):
        if os.environ.get(variable):
            paths[key] = os.environ[variable]
    base = relative_base(conf)
    raw["paths"] = _resolve_local(paths, base)
    if isinstance(raw.get("spark") or {}, dict):
        spark = {"jars_dir": Spark.model_fields["jars_dir"].default, **(raw.get("spark") or {})}
        raw["spark"] = _resolve_local(spark, base, keys={"jars_dir"})
    bootstrap = os.environ.get("LAKEHOUSE_KAFKA_BOOTSTRAP")
    if bootstrap and isinstance(raw.get("kafka") or {}, dict):
        raw["kafka"] = {**(raw.get("kafka") or {}), "bootstrap_servers": bootstrap}
    endpoint = os.environ.get("LAKEHOUSE_S3_ENDPOINT")
    if endpoint and isinstance(raw.get("s3") or {}, dict):
        raw["s3"] = {**(raw.get("s3") or {}), "endpoint": endpoint}
    oltp = os.environ.get("LAKEHOUSE_OLTP_URL")
    if oltp and isinstance(raw.get("oltp") or {}, dict):
        raw["oltp"] = {**(raw.get("oltp") or {}), "url": oltp}
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg'].lower()}") from None


def relative_base(conf: Traversable) -> Path:
    """What relative local paths are relative to: the folder holding the conf folder (the repository, for a
    checkout's ``conf/``), or the working directory for the conf inside an installed package or a zip."""
    installed = conf == CONF_DIR and not (PACKAGE_ROOT / "setup.py").is_file()
    return conf.parent if isinstance(conf, Path) and not installed else Path.cwd()


def _resolve_local(paths: dict[str, object], base: Path, keys: set[str] | None = None) -> dict[str, object]:
    """Relative local paths (all values, or those of ``keys``) made absolute against ``base``."""
    resolved: dict[str, object] = {}
    for key, value in paths.items():
        chosen = keys is None or key in keys
        if chosen and isinstance(value, str) and value and "://" not in value and not os.path.isabs(value):
            value = str((base / value).resolve())
        resolved[key] = value
    return resolved
