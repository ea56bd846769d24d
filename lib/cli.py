"""The ``lakehouse`` command: generate landing data, run tables, show what is there."""
from __future__ import annotations

import dataclasses
import importlib.util
import sys
import time
import uuid
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

from lakehouse.lib import config, failure

if TYPE_CHECKING:
    from pyspark.sql.types import StructType
    from rich.table import Table as RichTable

    from lakehouse.lib.registry import Table as Declared
    from lakehouse.lib.runner import Pipeline

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Retail lakehouse: landing files to bronze, silver, quarantine and gold Delta tables.")
# Piped output (make, CI logs) gets a width that fits the run table instead of the default 80.
console = Console(width=None if sys.stdout.isatty() else 120)

ENV = typer.Option("local", "--env", help="Configuration to use: conf/<ENV>.yaml")


@dataclasses.dataclass
class Failures:
    """Where a failed command leaves its details: the loaded settings' ``paths.logs`` once known."""

    debug: bool = False
    logs: Path = config.CONF_DIR.parent / "data" / "logs"


failures = Failures()


@app.callback()
def options(debug: bool = typer.Option(False, "--debug", help="Show the whole trace when a command fails")) -> None:
    failures.debug = debug


def load(env: str) -> config.Settings:
    """The settings of ``--env``; a later failure writes its log where they say."""
    settings = config.load(env)
    failures.logs = Path(settings.paths.logs)
    return settings


class RunMode(str, Enum):
    batch = "batch"
    stream = "stream"


def new_run_id() -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


@app.command()
def generate(
    env: str = ENV,
    customers: int = typer.Option(2_000, min=1, help="Customers in the CRM export"),
    events: int = typer.Option(200_000, min=1, help="Clickstream events; other sources scale with it"),
    days: int = typer.Option(7, min=1, help="Days of activity"),
    seed: int = typer.Option(7, help="Same seed, same files"),
    start: datetime = typer.Option("2026-11-20", formats=["%Y-%m-%d"], help="First day (UTC)"),
    bad_rate: float = typer.Option(0.01, min=0, max=0.5, help="Share of records made bad on purpose"),
    history_days: int = typer.Option(120, min=0, help="Days the shop was open before --start: customers buy and "
                                     "leave, and those orders arrive in the database's first snapshot (lakehouse "
                                     "train needs churn.horizon_days and more); with --to-kafka: not used"),
    to_postgres: bool = typer.Option(False, "--to-postgres",
                                     help="Play the orders' change events against the transaction database "
                                          "(oltp.url) at --rate a second for at most --duration seconds"),
    to_kafka: bool = typer.Option(False, "--to-kafka",
                                  help="Publish the event sources to Kafka, not to files (--events: not used)"),
    rate: float = typer.Option(200, min=0.1, help="With --to-kafka: messages a second, over every topic"),
    duration: float = typer.Option(30, min=0.1, help="With --to-kafka: seconds to publish for"),
) -> None:
    """Write a seeded synthetic data set for every source into the landing zone, messy data included
    (with --to-kafka: publish the event sources to their topics instead)."""
    from lakehouse.lib.generator import generate as write_landing
    from lakehouse.lib.summary import print_generation

    settings = load(env)
    if to_postgres:
        _play_orders(settings, customers=customers, events=events, days=days, seed=seed,
                     start=date(start.year, start.month, start.day), bad_rate=bad_rate, rate=rate, duration=duration)
        return
    if to_kafka:
        _publish(settings, customers=customers, days=days, seed=seed, start=date(start.year, start.month,
                 start.day), bad_rate=bad_rate, rate=rate, duration=duration)
        return
    if "://" in settings.paths.landing:
        raise config.ConfigError(f"paths.landing: generate writes local files, not {settings.paths.landing}")
    summary = write_landing(Path(settings.paths.landing), customers=customers, events=events, days=days,
                            seed=seed, start=date(start.year, start.month, start.day), bad_rate=bad_rate,
                            history_days=history_days)
    print_generation(console, summary, settings.paths.landing)


def _play_orders(settings: config.Settings, *, customers: int, events: int, days: int, seed: int, start: date,
                 bad_rate: float, rate: float, duration: float) -> None:
    from lakehouse.lib.generator import source_records
    from lakehouse.lib.sources.oltp import apply_changes

    records = source_records(customers=customers, events=events, days=days, seed=seed, start=start,
                             bad_rate=bad_rate)
    changes = records["orders"] + records["order_items"]
    target = settings.oltp.jdbc_url()
    with console.status(f"writing {len(changes):,} order changes to {target}, {rate:g} a second"):
        applied = apply_changes(settings.oltp.dsn(), changes, rate, duration)
    console.print(f"Wrote {applied.written:,} order changes to {target} in {applied.seconds:.1f} s; the database "
                  f"refused {applied.refused:,} (the generator's bad records); {applied.left:,} not reached in "
                  f"--duration {duration:g} s", highlight=False)


@app.command()
def extract(
    table: str = typer.Argument("all", help="orders, order_items or all"),
    env: str = ENV,
) -> None:
    """Append what changed in the transaction database since the last extract to bronze, as change events."""
    from lakehouse.lib import session
    from lakehouse.lib.runner import Pipeline
    from lakehouse.lib.sources.oltp import TABLES, extract_into_bronze

    settings = load(env)
    settings.oltp.jdbc_url()
    chosen = list(TABLES) if table == "all" else [table]
    pipeline = Pipeline(session.start(settings), settings, new_run_id())
    for name in chosen:
        with console.status(f"extracting {name} from {settings.oltp.jdbc_url()}"):
            found, run = extract_into_bronze(pipeline, name)
        console.print(f"{name}: {run.rows_written:,} changes into bronze.{name} (transactions from {found.since} on; "
                      f"the next extract starts at {found.mark})", highlight=False)


def _publish(settings: config.Settings, *, customers: int, days: int, seed: int, start: date, bad_rate: float,
             rate: float, duration: float) -> None:
    """``rate x duration`` messages from the generator's event records (sized to that count, so ``--events``
    does not apply), Kafka's own bad messages among them; what each topic acknowledged, as a table."""
    from rich.table import Table

    from lakehouse.lib.generator import source_records
    from lakehouse.lib.sources.kafka_messages import topic_messages
    from lakehouse.lib.sources.kafka_producer import publish

    kafka = settings.kafka
    count = max(1, round(rate * duration))
    records = source_records(customers=customers, events=count, days=days, seed=seed, start=start,
                             bad_rate=bad_rate)
    messages = topic_messages({source: records[source] for source in kafka.topics}, count, bad_rate, seed)
    doing = f"messages to {kafka.bootstrap_servers}, {rate:g} a second"
    with console.status(f"publishing {count:,} {doing}") as status:
        published = publish(kafka, messages, rate,
                            on_sent=lambda sent: status.update(f"published {sent:,} of {count:,} {doing}"))
    table = Table(title=f"Kafka: {kafka.bootstrap_servers}", title_justify="left")
    for column, justify in (("topic", "left"), ("messages", "right"), ("bytes", "right"),
                            ("Kafka faults among them", "left")):
        table.add_column(column, justify=justify)
    for topic, counts in published.topics.items():
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.faults.items())) or "-"
        table.add_row(topic, f"{counts.messages:,}", f"{counts.bytes:,}", faults)
    console.print(table)
    per_second = published.messages / max(published.seconds, 1e-9)
    console.print(f"Sent {published.messages:,} messages in {published.seconds:.1f} s ({per_second:,.0f} a "
                  f"second); the generator's bad records (--bad-rate {bad_rate:g}) are among them"
                  + (" (interrupted)" if published.interrupted else ""), highlight=False)
    if published.failed:
        raise RuntimeError(f"{published.failed:,} messages were not delivered to {kafka.bootstrap_servers}: "
                           f"{published.first_error or 'no acknowledgement within the flush timeout'}")


kafka_app = typer.Typer(no_args_is_help=True, help="Kafka: a local broker and the event sources' topics.")
app.add_typer(kafka_app, name="kafka")
BROKER_FOLDER = config.CONF_DIR.parent / "data" / "kafka"


@kafka_app.command("up")
def kafka_up(port: int = typer.Option(9092, min=1, max=65535, help="Port on 127.0.0.1 to serve on")) -> None:
    """Start a local Kafka broker (KRaft, data in data/kafka) and wait until it serves; prints its address."""
    from lakehouse.lib.sources import kafka_broker

    with console.status(f"starting a Kafka broker on 127.0.0.1:{port}"):
        broker = kafka_broker.start(BROKER_FOLDER, port)
    console.print(f"Kafka broker at {broker.bootstrap} (pid {broker.pid}, data and log in {broker.folder})\n"
                  f"export LAKEHOUSE_KAFKA_BOOTSTRAP={broker.bootstrap}", highlight=False)


@kafka_app.command("down")
def kafka_down() -> None:
    """Stop the local Kafka broker started by `lakehouse kafka up`."""
    from lakehouse.lib.sources import kafka_broker

    stopped = kafka_broker.stop(BROKER_FOLDER)
    console.print(f"Stopped the Kafka broker at {stopped.bootstrap} (pid {stopped.pid})" if stopped
                  else f"No Kafka broker runs from {BROKER_FOLDER}", highlight=False)


postgres_app = typer.Typer(no_args_is_help=True, help="PostgreSQL: a local server on loopback (data/postgres).")
app.add_typer(postgres_app, name="postgres")
POSTGRES_FOLDER = config.CONF_DIR.parent / "data" / "postgres"
OLTP_DATABASE = "shop"


@postgres_app.command("up")
def postgres_up(port: int = typer.Option(5432, min=1, max=65535, help="Port on 127.0.0.1 to serve on"),
                database: str = typer.Option("lakehouse", help="A database to create in it, if missing")) -> None:
    """Start a local PostgreSQL server (the machine's own, data in data/postgres) and print its address."""
    from lakehouse.lib import postgres_server

    with console.status(f"starting PostgreSQL on 127.0.0.1:{port}"):
        server = postgres_server.start(POSTGRES_FOLDER, port)
        for name in (database, OLTP_DATABASE):
            postgres_server.create_database(server, name)
    console.print(f"PostgreSQL at {server.url(database)} (cluster and log in {server.folder})", highlight=False)
    console.print(f"The shop's transaction database (lakehouse generate --to-postgres, lakehouse extract):\n"
                  f"export LAKEHOUSE_OLTP_URL=jdbc:postgresql://127.0.0.1:{server.port}/{OLTP_DATABASE}",
                  highlight=False, soft_wrap=True)


@postgres_app.command("down")
def postgres_down() -> None:
    """Stop the local PostgreSQL server started by `lakehouse postgres up`."""
    from lakehouse.lib import postgres_server

    stopped = postgres_server.stop(POSTGRES_FOLDER)
    console.print(f"Stopped PostgreSQL on port {stopped.port}" if stopped
                  else f"No PostgreSQL server runs from {POSTGRES_FOLDER}", highlight=False)


s3_app = typer.Typer(no_args_is_help=True, help="S3: a local S3-compatible server on loopback (moto), in memory.")
app.add_typer(s3_app, name="s3")
S3_FOLDER = config.CONF_DIR.parent / "data" / "s3"


@s3_app.command("up")
def s3_up(port: int = typer.Option(9000, min=1, max=65535, help="Port on 127.0.0.1 to serve on"),
          env: str = typer.Option("s3", "--env", help="Configuration whose landing and lakehouse buckets to create")
          ) -> None:
    """Start a local S3-compatible server (moto; buckets in memory, pid and log in data/s3) with the buckets of
    --env's paths; prints its endpoint."""
    from lakehouse.lib.cloud import s3_server

    settings = load(env)
    with console.status(f"starting an S3 server on 127.0.0.1:{port}"):
        server = s3_server.start(S3_FOLDER, port)
        buckets = s3_server.create_buckets(server, settings)
    console.print(f"S3 server at {server.endpoint} (pid {server.pid}, log in {server.folder}) with buckets "
                  f"{', '.join(buckets)}, in memory until `make s3-down`\n"
                  f"export LAKEHOUSE_S3_ENDPOINT={server.endpoint} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local",
                  highlight=False, soft_wrap=True)


@s3_app.command("down")
def s3_down() -> None:
    """Stop the local S3 server started by `lakehouse s3 up` (its buckets are gone with it)."""
    from lakehouse.lib.cloud import s3_server

    stopped = s3_server.stop(S3_FOLDER)
    console.print(f"Stopped the S3 server at {stopped.endpoint} (pid {stopped.pid})" if stopped
                  else f"No S3 server runs from {S3_FOLDER}", highlight=False)


@kafka_app.command("create-topics")
def create_topics(env: str = ENV) -> None:
    """Create each event source's topic unless it exists (partitions, replication: the kafka: settings)."""
    from rich.table import Table

    from lakehouse.lib.sources.kafka_cluster import create_topics as create

    settings = load(env)
    topics = create(settings.kafka)
    table = Table(title=f"Kafka topics: {settings.kafka.bootstrap_servers}", title_justify="left")
    for column in ("topic", "source", "partitions", "replication", "state"):
        table.add_column(column)
    for topic in topics:
        table.add_row(topic.name, topic.source, str(topic.partitions), str(topic.replication_factor),
                      "created" if topic.created else "found")
    console.print(table)


def selected(selection: str | list[str], upstream: bool = False) -> list[Declared]:
    """The tables of one selection or several (registry.select); an unknown name is a one-line error."""
    from lakehouse.lib import registry

    try:
        return registry.select(selection, upstream)
    except KeyError as unknown:
        raise config.ConfigError(f"unknown table or layer '{unknown.args[0]}' (try `lakehouse tables`)") from None


@app.command()
def run(
    selections: list[str] = typer.Argument(None, metavar="SELECTION", show_default=False,
                                           help="all (the default), a layer (bronze, silver), a table "
                                                "(silver.orders), or several of these"),
    mode: RunMode = typer.Option(RunMode.batch, help="batch: process what has landed, then stop; stream: keep going"),
    env: str = ENV,
    full_refresh: bool = typer.Option(False, "--full-refresh",
                                      help="Rebuild gold tables whole instead of only what upstream changes touch"),
    upstream: bool = typer.Option(False, "--upstream",
                                  help="Also run every table the selection reads, directly or not, first"),
) -> None:
    """Run tables: each reads what is new upstream, checks it, and writes it once."""
    from lakehouse.lib import footprint, pagerduty, session
    from lakehouse.lib.metrics import published
    from lakehouse.lib.runner import Pipeline, run_tables
    from lakehouse.lib.summary import print_run

    started = time.monotonic()
    settings = load(env)
    selection = " ".join(selections or ["all"])  # how the run is named: in its metrics' group and its page
    tables = selected(selections or "all", upstream)
    pipeline = Pipeline(session.start(settings), settings, new_run_id(), full_refresh=full_refresh)
    try:
        with published(pipeline, mode.value, selection), \
                console.status(f"running {selection} ({mode.value}), run {pipeline.run_id}") as status:
            runs = run_tables(pipeline, tables, mode.value,
                              on_done=lambda r: status.update(f"{r.table} done; running what it unblocked"))
    except Exception as error:
        pagerduty.run_failed(settings, selection, pipeline.run_id, error)
        raise
    pagerduty.run_succeeded(settings, selection)
    print_run(console, runs)
    console.print(f"run {pipeline.run_id}: {footprint.measure(pipeline.spark, started)}")


@app.command()
def maintain(
    selection: str = typer.Argument("all", help="all, a layer (gold, quarantine, ops), or one table (gold.daily_sales)"),
    env: str = ENV,
) -> None:
    """Compact small files (gold Z-ordered by its key, silver clustered by date), vacuum past the layer's
    retention, checkpoint the log."""
    from lakehouse.lib import session
    from lakehouse.lib.maintenance import maintain as maintain_tables
    from lakehouse.lib.summary import print_maintained

    settings = load(env)
    with console.status(f"maintaining {selection}"):
        done = maintain_tables(session.start(settings), settings, selection)
    print_maintained(console, done)


@app.command()
def forget(
    customer_ids: list[str] = typer.Option(..., "--customer-id", help="A customer to erase, as the CRM names them "
                                                                      "(C00042); repeat for several"),
    requested_by: str = typer.Option(None, "--by", help="Who asked, recorded in ops.erasures (default: this user)"),
    purge: bool = typer.Option(False, "--purge", help="Vacuum every table now, so no older version keeps the rows"),
    env: str = ENV,
) -> None:
    """Erase customers from every table, keep them out of later runs, and record the request in ops.erasures."""
    from lakehouse.lib import session
    from lakehouse.lib.erasure import check_ids, forget as erase
    from lakehouse.lib.summary import print_erased

    check_ids(customer_ids)
    settings = load(env)
    settings.pseudonym_key()  # a missing key stops here, before Spark starts
    with console.status(f"erasing {', '.join(customer_ids)}"):
        erased = erase(session.start(settings), settings, customer_ids, requested_by, purge)
    print_erased(console, erased)


@app.command("new-pii-key")
def new_pii_key(env: str = ENV) -> None:
    """Print a new data key for silver.customer_pii wrapped by privacy.pii_kms_key_id, for privacy.pii_key_env."""
    from lakehouse.lib import data_keys

    settings = load(env)
    key_id = settings.privacy.pii_kms_key_id
    if key_id is None:
        raise config.ConfigError(f"privacy.pii_kms_key_id is not set in env '{env}': name the KMS key that wraps "
                                 f"the data key (without one, {settings.privacy.pii_key_env} holds the key itself)")
    wrapped = data_keys.new_wrapped_key(data_keys.kms_client(key_id, settings.privacy.kms_endpoint), key_id)
    print(wrapped)


@app.command()
def dashboard(out: Path = typer.Option(Path("docs/grafana"), help="Folder for retail-lakehouse.json")) -> None:
    """Write the Grafana dashboard (pipeline health, data quality, freshness, streaming lag) as JSON."""
    from lakehouse.lib.dashboard import write

    console.print(f"Grafana dashboard: {write(out)}", highlight=False)


@app.command()
def tables() -> None:
    """List every declared table with its source, key, rules and grain."""
    from lakehouse.lib import registry
    from lakehouse.lib.summary import print_tables

    print_tables(console, registry.select("all"))


@app.command()
def graph(
    env: str = ENV,
    layer: str = typer.Option("", "--layer", help="Only this layer's tables, what they read and where rows go"),
    table: str = typer.Option("", "--table", help="This table with everything upstream and downstream of it"),
    out: Path = typer.Option(None, "--out", help="Folder to write to (default: paths.report)"),
    formats: str = typer.Option("mmd,dot,svg,png", "--formats", help="Comma-separated: mmd, dot, svg, png"),
) -> None:
    """Draw the declared table graph: SVG and PNG (with Graphviz), Mermaid and DOT text."""
    from lakehouse.lib import registry
    from lakehouse.lib.graph import IMAGE_FORMATS, TEXT_FORMATS, can_render, table_graph, write_graph

    if layer and table:
        raise config.ConfigError("--layer and --table: give one of them")
    chosen = [name.strip() for name in formats.split(",") if name.strip()]
    unknown = sorted(set(chosen) - {*TEXT_FORMATS, *IMAGE_FORMATS})
    if unknown or not chosen:
        raise config.ConfigError(f"--formats: {', '.join(unknown) or 'none given'}; choose from mmd, dot, svg, png")
    drawn, name = table_graph(registry.select("all")), "tables"
    try:
        if table:
            drawn, name = drawn.around(table), f"tables-{table}"
        elif layer:
            drawn, name = drawn.layer(layer), f"tables-{layer}"
    except KeyError:
        raise config.ConfigError(f"unknown table or layer '{table or layer}' (try `lakehouse tables`)") from None
    folder = out or Path(load(env).paths.report)
    for path in write_graph(drawn, folder, name, chosen):
        console.print(f"Wrote {path}", highlight=False)
    if not can_render() and set(chosen) & set(IMAGE_FORMATS):
        console.print("Graphviz's dot is not installed, so no SVG or PNG: install graphviz (apt-get install graphviz, "
                      "brew install graphviz) or paste the .mmd into any Mermaid viewer.", highlight=False)


@app.command()
def status(
    env: str = ENV,
    watch: float = typer.Option(0, min=0, help="Redraw every this many seconds until Ctrl-C (0: once)"),
) -> None:
    """Per table: last commit and its age, rows in the last minute, a stream's input and processing rates."""
    from rich.live import Live

    from lakehouse.lib import session
    from lakehouse.lib.status import table_status
    from lakehouse.lib.summary import status_table

    settings = load(env)
    spark = session.start(settings)

    def drawn() -> RichTable:
        found = table_status(spark, settings, datetime.now(timezone.utc))
        return status_table(found, datetime.now(timezone.utc))  # ages once every log is read: none negative

    if not watch:
        console.print(drawn())
        return
    with Live(drawn(), console=console, auto_refresh=False) as live:
        try:
            while True:
                time.sleep(watch)
                live.update(drawn(), refresh=True)
        except KeyboardInterrupt:
            pass


@app.command()
def summary(env: str = ENV) -> None:
    """Revenue, funnel, empty searches, server errors, quarantine and rows per layer; also as an HTML report."""
    from lakehouse.lib import registry, session
    from lakehouse.lib.sources.landed import landed_records
    from lakehouse.lib.report import write_report
    from lakehouse.lib.story import read_story
    from lakehouse.lib.summary import print_story

    settings = load(env)
    if "://" in settings.paths.report:
        raise config.ConfigError(f"paths.report: the report is a local file, not {settings.paths.report}")
    landed = (None if "://" in settings.paths.landing
              else landed_records(Path(settings.paths.landing), registry.csv_header_keys()))
    spark = session.start(settings)
    story = read_story(spark, landed)
    if importlib.util.find_spec("mlflow") is not None:  # the `ml` extra, for the churn model
        from lakehouse.lib.churn.champion import read_champion

        story = dataclasses.replace(story, champion=read_champion(spark, settings))
    print_story(console, story, settings)
    console.print(f"Report: {write_report(story, settings).as_uri()}", highlight=False)


@app.command()
def train(env: str = ENV) -> None:
    """Train the churn model on gold's feature snapshots, track it in MLflow, promote it only when better."""
    from lakehouse.lib import footprint, session
    from lakehouse.lib.churn.training import train as train_churn
    from lakehouse.lib.summary import print_trained

    started = time.monotonic()
    settings = load(env)
    spark = session.start(settings)
    with console.status("training the churn model (Keras) and its baseline"):
        trained = train_churn(spark, settings, f"train-{new_run_id()}")
    print_trained(console, trained)
    console.print(f"train: {footprint.measure(spark, started)}")


@app.command()
def score(env: str = ENV) -> None:
    """Score every customer of gold.customer_features with the champion churn model into gold.customer_scores."""
    from lakehouse.lib import session
    from lakehouse.lib.churn.scoring import score as score_customers
    from lakehouse.lib.summary import print_scored

    settings = load(env)
    spark = session.start(settings)
    with console.status("scoring every customer with the champion churn model"):
        scored = score_customers(spark, settings)
    print_scored(console, scored)


deploy = typer.Typer(no_args_is_help=True, help="Write the JSON that runs make package's jobs on EMR, or from Airflow.")
app.add_typer(deploy, name="deploy")
DEPLOY_OUT = typer.Option(Path("dist/emr"), "--out", help="Folder to write the JSON to")


def known_selection(selection: str) -> str:
    selected(selection)
    return selection


def write_json(folder: Path, name: str, document: dict[str, object]) -> None:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"Wrote {folder / name}", highlight=False)


@deploy.command("emr-steps")
def emr_steps(
    env: str = ENV,
    run: list[str] = typer.Option(["all"], "--run", help="What each step runs, in order; repeat for more steps"),
    mode: RunMode = typer.Option(RunMode.batch, help="batch or stream, as in lakehouse run"),
    out: Path = DEPLOY_OUT,
) -> None:
    """EMR on EC2: one spark-submit step per --run, for AddJobFlowSteps (boto3 add_job_flow_steps)."""
    from lakehouse.lib.cloud import emr

    settings = load(env)
    selections = [known_selection(item) for item in run]
    write_json(out, "emr-steps.json", emr.steps(settings, selections, mode.value))


@deploy.command("emr-serverless")
def emr_serverless(
    application_id: str = typer.Option(..., "--application-id", help="The id create-application returned"),
    selection: str = typer.Argument("all", help="all, a layer, or one table, as in lakehouse run"),
    env: str = ENV,
    mode: RunMode = typer.Option(RunMode.batch, help="batch or stream, as in lakehouse run"),
    out: Path = DEPLOY_OUT,
) -> None:
    """EMR Serverless: the CreateApplication and StartJobRun requests, for --cli-input-json."""
    from lakehouse.lib.cloud import emr

    settings = load(env)
    run = emr.start_job_run(settings, application_id, known_selection(selection), mode.value)
    write_json(out, "emr-serverless-create-application.json", emr.create_application(settings))
    write_json(out, "emr-serverless-start-job-run.json", run)


@deploy.command("airflow")
def deploy_airflow(
    env: str = typer.Option("prod", "--env", help="Configuration whose emr: the DAGs submit to"),
    out: Path = typer.Option(Path("dags"), "--out", help="The DAG folder to write lakehouse_steps.json into"),
) -> None:
    """Airflow on MWAA: each DAG task's EMR step (and its job, for local runs) into dags/lakehouse_steps.json."""
    from lakehouse.lib.cloud.airflow import write_steps

    console.print(f"Wrote {write_steps(load(env), out)}", highlight=False)


dq = typer.Typer(no_args_is_help=True, help="Data quality: the silver rules as Great Expectations suites.")
app.add_typer(dq, name="dq")


@dq.command("docs")
def dq_docs(env: str = ENV) -> None:
    """Build GX Data Docs: each silver table's rules validated on its bronze input, its key on the table."""
    from lakehouse.lib import session
    from lakehouse.lib.quality import project_folder
    from lakehouse.lib.quality.expectations import build_docs

    settings = load(env)
    project_folder(settings)  # a report folder on S3 stops here, before Spark starts
    run_id = new_run_id()
    docs = build_docs(session.start(settings), settings, run_id)
    if docs.not_built:
        console.print(f"Not validated, not built yet (lakehouse run all): {', '.join(docs.not_built)}",
                      highlight=False)
    suites = len(docs.validated) + len(docs.not_built)
    console.print(f"Validated {len(docs.validated)} of {suites} suites; {docs.recorded} table-level results "
                  f"in ops.dq_results, run {run_id}.", highlight=False)
    console.print(f"Data Docs: {docs.index}", highlight=False)


catalog_app = typer.Typer(no_args_is_help=True,
                          help="The gold tables for analysts: the Glue catalog, Athena DDL, Tableau data sources.")
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("athena-ddl")
def catalog_athena_ddl(env: str = typer.Option("prod", "--env", help="Configuration whose paths and athena: to use"),
                       out: Path = typer.Option(Path("docs/athena"), help="Folder for one <table>.sql each")) -> None:
    """Write CREATE EXTERNAL TABLE statements that let Athena read each gold table as Delta."""
    from lakehouse.lib.cloud.athena import write_ddl

    written = write_ddl(load(env), out)
    console.print(f"{len(written)} Athena DDL files in {out}", highlight=False)


@catalog_app.command("tableau")
def catalog_tableau(env: str = typer.Option("prod", "--env", help="Configuration whose athena: to connect to"),
                    out: Path = typer.Option(Path("docs/tableau"), help="Folder for one <table>.tds each")) -> None:
    """Write a Tableau data source per gold table over Athena, its columns described from the declarations."""
    from lakehouse.lib.cloud.tableau import write_data_sources

    settings = load(env)
    written = write_data_sources(settings, gold_schemas(), out)
    console.print(f"{len(written)} Tableau data sources in {out}", highlight=False)


@catalog_app.command("sync")
def catalog_sync(env: str = typer.Option("prod", "--env", help="Configuration whose paths and athena: to use")) -> None:
    """Register every gold table in the Glue Data Catalog (athena.database), for Athena to read as Delta."""
    from lakehouse.lib.cloud import glue

    settings = load(env)
    synced = glue.sync(settings, gold_schemas(), glue.client(settings))
    for outcome in ("created", "updated", "unchanged"):
        names = [item.name for item in synced if item.outcome == outcome]
        if names:
            console.print(f"{outcome}: {', '.join(names)}", highlight=False)
    console.print(f"{len(synced)} gold tables in Glue database {settings.athena.database} "
                  f"({settings.athena.region})", highlight=False)


def gold_schemas() -> dict[str, StructType]:
    """Each gold table's stored columns, derived from the declarations on a local session of their own."""
    from lakehouse.lib import registry, session
    from lakehouse.lib.runner import Pipeline

    local = config.load("local", config.packaged_conf())  # whatever LAKEHOUSE_CONF holds: only Spark is needed
    pipeline = Pipeline(session.start(local), local, new_run_id())
    return {table.name: pipeline.stored_schema(table) for table in registry.select("gold")}


quarantine_app = typer.Typer(no_args_is_help=True, help="Quarantine: what is held back, why, and replaying it.")
app.add_typer(quarantine_app, name="quarantine")
QUARANTINED = typer.Argument(..., help="A silver table with rules: reviews, silver.reviews or quarantine.reviews")
RULE = typer.Option(None, "--rule", help="Only the rows that failed this rule")


def quarantine_pipeline(env: str) -> Pipeline:
    """The settings of ``env``, a session and a run id of its own: what each quarantine command works with."""
    from lakehouse.lib import session
    from lakehouse.lib.runner import Pipeline

    settings = load(env)
    return Pipeline(session.start(settings), settings, new_run_id())


@quarantine_app.command("summary")
def quarantine_summary(env: str = ENV) -> None:
    """Rows held and replayed, by table, rule and the day they were quarantined."""
    from lakehouse.lib.quality import quarantine
    from lakehouse.lib.summary import print_quarantine_summary

    print_quarantine_summary(console, quarantine.summary(quarantine_pipeline(env)).toPandas())


@quarantine_app.command("show")
def quarantine_show(table: str = QUARANTINED, rule: str = RULE,
                    limit: int = typer.Option(20, "--limit", min=1, help="Rows to show, newest first"),
                    env: str = ENV) -> None:
    """Held rows of one table: the rules they failed, when, and the text they arrived with."""
    from lakehouse.lib.quality import quarantine
    from lakehouse.lib.summary import print_held_rows

    checked = quarantine.checked_table(table)
    rows = quarantine.show(quarantine_pipeline(env), checked, rule, limit).toPandas()
    print_held_rows(console, f"Held in quarantine.{checked.short_name}" + (f", rule {rule}" if rule else ""), rows)


@quarantine_app.command("replay")
def quarantine_replay(table: str = QUARANTINED, rule: str = RULE, env: str = ENV) -> None:
    """Re-check held rows against the current rules; promote the ones that pass into silver, exactly once."""
    from lakehouse.lib.quality import quarantine
    from lakehouse.lib.summary import print_replayed

    checked = quarantine.checked_table(table)
    pipeline = quarantine_pipeline(env)
    with console.status(f"replaying quarantine.{checked.short_name}, run {pipeline.run_id}"):
        replayed = quarantine.replay(pipeline, checked, rule)
    print_replayed(console, replayed)


def main() -> None:
    """Entry point: every failure ends with one line. A bad setting exits 2; anything else exits 1,
    its trace in a log file under ``paths.logs`` (``--debug`` prints it instead)."""
    try:
        app()
    except config.ConfigError as error:
        _fail(str(error), 2)
    except Exception as error:
        if failures.debug:
            raise
        _fail(f"{failure.headline(error)} (details: {failure.write_log(error, failures.logs)}; "
              f"--debug prints them)", 1)


def _fail(message: str, code: int) -> None:
    """One line on standard error, as text: Spark's ``[ERROR_CLASS]`` is not rich markup."""
    Console(stderr=True, soft_wrap=True).print(Text.assemble(("error: ", "bold red"), message), highlight=False)
    sys.exit(code)


if __name__ == "__main__":
    main()
