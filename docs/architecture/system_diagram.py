"""The lakehouse's system diagram: the AWS deployment, its local stand-ins, and the exception paths.

Draws two pictures with mingrammer's ``diagrams`` (Graphviz's ``dot`` underneath) from the boxes and
arrows declared below, and writes ``docs/architecture.md`` from the same declarations, so that the
pictures, the table of boxes and the exception paths in words cannot drift apart:

- ``system-aws.png``: the target deployment on AWS (S3, MSK, EMR, MWAA, Glue, Athena, Tableau, MLflow
  with TensorFlow, Prometheus, Grafana, PagerDuty, Great Expectations, the Delta layers);
- ``system-local.png``: the same boxes as the stand-ins ``make demo`` and ``make test`` use on one
  machine, "(issue N)" marking a stand-in that is not built yet.

Grey arrows are the normal data flow, red dashed ones the exception paths. The pictures are palette
PNGs (128 colours are plenty for flat icons and text), so they stay small enough to commit.
Rebuild both pictures and the page (Graphviz's ``dot`` must be on PATH) with::

    make diagrams
    .venv/bin/python docs/architecture/system_diagram.py --out docs/architecture   # the same
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from diagrams import Cluster, Diagram, Edge, Node
from diagrams.aws.analytics import EMR, Athena, EMRCluster, GlueDataCatalog, ManagedStreamingForKafka
from diagrams.aws.general import User as AwsUser
from diagrams.aws.management import AmazonManagedWorkflowsApacheAirflow
from diagrams.aws.ml import TensorflowOnAWS
from diagrams.aws.security import KeyManagementService
from diagrams.aws.storage import SimpleStorageServiceS3Bucket
from diagrams.generic.storage import Storage
from diagrams.onprem.analytics import Hive, Spark, Tableau, Trino
from diagrams.onprem.client import Client, User
from diagrams.onprem.database import PostgreSQL
from diagrams.onprem.mlops import Mlflow
from diagrams.onprem.monitoring import Grafana, Prometheus
from diagrams.onprem.queue import Kafka
from diagrams.onprem.security import Vault
from diagrams.programming.flowchart import Decision
from diagrams.programming.language import Bash, Python
from diagrams.saas.alerting import Pagerduty
from PIL import Image

PICTURES = {"aws": "system-aws", "local": "system-local"}
TITLES = {"aws": "The retail lakehouse on AWS (target)",
          "local": "The retail lakehouse on one machine: make demo, make test"}
DOC = "architecture.md"
TABLE_GRAPH = "tables.svg"  # written by `lakehouse graph`, not by this script
BUILT = "built today"
RED = "#C0392B"
COLOURS = 128


NOT_HERE = "not run here (no AWS account)"


def planned(issue: int) -> str:
    return f"planned, issue {issue}"


class Group(NamedTuple):
    """A cluster of boxes, titled for each picture."""

    aws: str
    local: str
    colour: str


class Side(NamedTuple):
    """A box as one picture draws it, and as the table on the page describes it."""

    label: str
    icon: type[Node] | None  # None: a Delta layer, drawn as a plain coloured box
    text: str


@dataclass(frozen=True)
class Box:
    """One box, in both pictures: what it is, its AWS service, its local stand-in, what exists today."""

    key: str
    group: str
    what: str
    aws: Side
    local: Side
    status: str
    fill: str = ""  # a Delta layer's colour


def layer(name: str, what: str, status: str, fill: str) -> Box:
    """A Delta layer: the same plain box in both pictures, on S3 or under ./data/lakehouse."""
    return Box(name, "lake", what, Side(name, None, f"Delta tables under `s3a://<bucket>/<prefix>/{name}/`"),
               Side(name, None, f"Delta tables under `data/lakehouse/{name}/`"), status, fill)


class Arrow(NamedTuple):
    src: str
    dst: str  # a box, or a group: then the arrow ends on the cluster's border
    label: str = ""
    only: str = ""  # "aws" or "local": the arrow is in that picture only
    back: bool = False  # runs against the reading direction, so it does not place boxes


@dataclass(frozen=True)
class ExceptionPath:
    """An exception path: red arrows in the pictures, and what happens in words."""

    name: str
    happens: str
    ends_up: str
    told: str
    status: str
    arrows: tuple[Arrow, ...]


GROUPS = {
    "sources": Group("Sources", "Sources", "#EAF2F8"),
    "run": Group("Amazon EMR + MWAA", "Spark on this machine", "#F4ECF7"),
    "lake": Group("Delta Lake on S3", "Delta Lake under ./data/lakehouse", "#FEF9E7"),
    "serve": Group("Catalog and BI", "Catalog and readers", "#E9F7EF"),
    "ml": Group("Churn model", "Churn model", "#E8F8F5"),
    "watch": Group("Monitoring and alerting", "Monitoring and alerting", "#FDEDEC"),
    "privacy": Group("Privacy", "Privacy", "#F2F3F4"),
}

BOXES = [
    Box("landing", "sources", "landing zone: every source's files as exported",
        Side("landing zone\non S3", SimpleStorageServiceS3Bucket,
             "an S3 bucket, read through `s3a://` paths"),
        Side("./data/landing/\nor moto's S3", Storage,
             "files under `data/landing/`, or `s3a://` on moto's S3 server on loopback (`make s3-up`)"),
        f"{BUILT}: local files, and S3 on moto (the tests run the whole pipeline there)"),
    Box("kafka", "sources", "event stream: clickstream, search, inventory, reviews, server logs",
        Side("Amazon MSK", ManagedStreamingForKafka, "Amazon MSK, IAM authentication"),
        Side("Kafka (KRaft)\nmake kafka-up", Kafka,
             "a Kafka broker in KRaft mode on loopback (`make kafka-up`), fed by `generate --to-kafka`"),
        f"broker, topics, producer and reading into bronze {BUILT}"),
    Box("shop_db", "sources", "the shop's transaction database: orders and order items",
        Side("PostgreSQL\n(CDC to MSK)", PostgreSQL,
             "PostgreSQL, its changes published to MSK (Debezium on MSK Connect)"),
        Side("PostgreSQL\nlakehouse extract", PostgreSQL,
             "PostgreSQL on loopback (`make postgres-up`), changes pulled over JDBC (`lakehouse extract`)"),
        f"{BUILT}: change tracking, `generate --to-postgres`, the JDBC extract"),
    Box("orchestrate", "run", "schedules the daily batch, watches the streaming job",
        Side("MWAA\n(Airflow DAGs)", AmazonManagedWorkflowsApacheAirflow,
             "Amazon MWAA: the daily DAG and the stream's watchdog"),
        Side("make demo\nairflow dags test", Bash,
             "`make demo`, the steps in order; the DAGs loaded by a real Airflow 3 in the tests, run end to end "
             "by `make test-dag-run`"),
        f"`make demo` and the DAGs (daily batch, stream watchdog) {BUILT}; on MWAA {NOT_HERE}"),
    Box("batch", "run", "processes what has landed, then stops (`availableNow`)",
        Side("EMR batch job", EMRCluster,
             "an EMR step or EMR Serverless job: `lakehouse run all --mode batch`"),
        Side("Spark batch\n--mode batch", Spark, "local Spark: `lakehouse run all --mode batch`"),
        f"{BUILT} locally and with `spark-submit` on a Spark standalone cluster (tests/packaging); EMR steps and "
        f"job runs written by `lakehouse deploy`; on EMR {NOT_HERE}"),
    Box("stream", "run", "the same table declarations, kept running (`processingTime`)",
        Side("EMR streaming job", EMR, "a long-running EMR job: `lakehouse run all --mode stream`"),
        Side("Spark stream\n--mode stream", Spark, "local Spark: `lakehouse run all --mode stream`"),
        f"{BUILT} locally, from files and Kafka, gold refreshed beside it; on EMR {NOT_HERE}"),
    layer("bronze", "every record as it came, unparseable ones included (append-only)",
          f"{BUILT}, on local files and on S3", "#E8C39E"),
    Box("rules", "lake", "each table's rules, evaluated together in one pass: the row split",
        Side("Great Expectations\nsuites + rules", Decision,
             "the rules, with Great Expectations suites, table-level checks and data docs"),
        Side("rules (lib/rules.py)\nGX suites + docs", Decision,
             "the rules in `lib/rules.py`; GX suites and data docs by `lakehouse dq docs`"),
        f"rules, quarantine, table-level checks, replay, GX suites and data docs {BUILT}"),
    layer("silver", "typed, validated, deduplicated, changes applied, personal data pseudonymised",
          f"{BUILT}, on local files and on S3", "#D5DBDB"),
    layer("quarantine", "the rows that failed a rule, with the name of every rule they failed",
          f"{BUILT}, on local files and on S3", "#F5B7B1"),
    layer("gold", "business tables at their grain; churn features and scores",
          f"{BUILT}, on local files and on S3", "#F7DC6F"),
    layer("ops", "run log (`ops.runs`), rule results (`ops.dq_results`), erasure audit (`ops.erasures`)",
          f"run log and erasure audit {BUILT}", "#AED6F1"),
    Box("catalog", "serve", "the table catalog: `<layer>.<table>` names for SQL and other engines",
        Side("Glue Data\nCatalog", GlueDataCatalog, "the AWS Glue Data Catalog"),
        Side("Derby metastore\n<root>/_catalog", Hive,
             "a Derby metastore in `<root>/_catalog/`, one per root"),
        f"Derby and `lakehouse catalog sync` to Glue (tested on moto's Glue) {BUILT}"),
    Box("query", "serve", "a second engine reading gold as Delta, without Spark",
        Side("Athena", Athena, "Amazon Athena"),
        Side("delta-rs (tests)\nTrino (issue 11)", Trino,
             "delta-rs in the tests; Trino on loopback (issue 11)"),
        f"delta-rs {BUILT}; Athena DDL in `docs/athena/` {BUILT}; Trino 476 reading gold on the local S3 {BUILT}"),
    Box("bi", "serve", "what analysts look at",
        Side("Tableau", Tableau, "Tableau, through Athena"),
        Side("summary and\nHTML report", Python, "`lakehouse summary` and `data/report/index.html`"),
        f"summary, report, and the Tableau data source with its Athena connection (`docs/tableau.md`) {BUILT}"),
    Box("model", "ml", "the churn model, trained on gold features, scoring every customer into gold",
        Side("TensorFlow\non EMR", TensorflowOnAWS,
             "a TensorFlow model: `lakehouse train` and `lakehouse score` on EMR"),
        Side("TensorFlow\n(local Spark)", TensorflowOnAWS,
             "the same model: `lakehouse train` and `lakehouse score` on local Spark (`make demo`)"),
        f"{BUILT} locally; on EMR {NOT_HERE}"),
    Box("mlflow", "ml", "tracks every run, registers the model (champion, challenger)",
        Side("MLflow server\nS3 artifacts", Mlflow,
             "an MLflow tracking server: PostgreSQL backend, S3 artifacts"),
        Side("MLflow, SQLite", Mlflow, "a local MLflow store: SQLite, artifacts under `data/`; in the tests also "
             "`mlflow server` over a PostgreSQL on loopback"),
        f"{BUILT}; S3 artifacts set in `conf/prod.yaml`, {NOT_HERE}"),
    Box("metrics", "watch", "metrics per table and stream, alert rules",
        Side("Prometheus\nalert rules", Prometheus,
             "Prometheus: scrapes the streaming jobs, a Pushgateway for batch"),
        Side("local Prometheus\nPushgateway", Prometheus,
             "a Prometheus on loopback scraping a test stream, a Pushgateway for a batch run"),
        f"metrics, the scrape, the push and the alert rules (tested with promtool) {BUILT}"),
    Box("dashboards", "watch", "pipeline health, data quality, freshness, streaming lag",
        Side("Grafana", Grafana, "Grafana dashboards"),
        Side("Grafana as code\nmake dashboards", Grafana, "the dashboards built as code and checked in the tests"),
        f"{BUILT} (grafana-foundation-sdk)"),
    Box("paging", "watch", "who is told that something broke",
        Side("PagerDuty", Pagerduty, "PagerDuty, Events API v2"),
        Side("terminal + log\nPagerDuty events", Client,
             "one line in the terminal, the trace under `data/logs/`; PagerDuty events when a routing key is "
             "set (a local stand-in of the Events API in tests)"),
        f"one-line error, log and PagerDuty {BUILT}"),
    Box("keys", "privacy", "keys: pseudonyms (keyed hash), encryption of personal data",
        Side("KMS: S3 and\nPII keys", KeyManagementService,
             "AWS KMS: SSE-KMS on S3, envelope keys for personal data"),
        Side("keys from the\nenvironment", Vault, "keys from the environment (`LAKEHOUSE_PSEUDONYM_KEY`)"),
        f"pseudonyms, the encrypted `silver.customer_pii` and its data key wrapped by KMS "
        f"(`lakehouse new-pii-key`, tested on moto's KMS) {BUILT}"),
    Box("erasure", "privacy", "a customer's right to erasure",
        Side("erasure request", AwsUser, "`lakehouse forget` run as a job"),
        Side("lakehouse forget", User, "`lakehouse forget --customer-id C...`"),
        f"erasure, suppression and `--purge` {BUILT}"),
]

FLOWS = [
    Arrow("landing", "bronze", "files"),
    Arrow("kafka", "bronze", "topics"),
    Arrow("shop_db", "kafka", "change events", only="aws"),
    Arrow("shop_db", "bronze", "JDBC extract", only="local"),
    Arrow("orchestrate", "batch", "runs"),
    Arrow("orchestrate", "stream", "watches"),
    Arrow("batch", "bronze", "declarations"),
    Arrow("stream", "bronze", "same declarations"),
    Arrow("bronze", "rules"),
    Arrow("rules", "silver", "valid rows"),
    Arrow("silver", "gold"),
    Arrow("gold", "catalog", "registered"),
    Arrow("gold", "query", "Delta"),
    Arrow("query", "bi", only="aws"),
    Arrow("gold", "bi", "summary", only="local"),
    Arrow("gold", "model", "features"),
    Arrow("model", "mlflow", "runs, model"),
    Arrow("mlflow", "gold", "customer_scores", back=True),
    Arrow("stream", "metrics", "metrics"),
    Arrow("metrics", "dashboards"),
    Arrow("keys", "silver", "pseudonymise"),
]

# Invisible arrows that only place boxes: privacy beside the layers it guards, not before the sources.
PLACEMENT = [Arrow("batch", "keys"), Arrow("batch", "erasure")]

EXCEPTIONS = [
    ExceptionPath(
        "A row fails a rule",
        "a table's rules are evaluated together, in one pass; a record that did not parse, has a wrong "
        "type or fails a `quarantine` rule is held back, a `warn` rule only marks the kept row",
        "`quarantine.<table>`, with the original text, the name of every rule it failed, the run and "
        "the time; the counts in `ops.runs` and `ops.dq_results`",
        "whoever reads the run's table or the summary (\"Quarantine by rule\", \"Nothing lost\"); above "
        "`quality.max_quarantine_ratio`, an alert",
        f"{BUILT}, the threshold's alert rule and page too",
        (Arrow("rules", "quarantine", "fails a rule"),)),
    ExceptionPath(
        "A run fails",
        "an error or a broken `fail` rule stops the table's run: nothing of the failed batch is written, "
        "and a batch retried after a crash is not written twice",
        "a row in `ops.runs` with status `failed` and the error; the whole trace in a log file under "
        "`data/logs/`",
        "the operator: one line and exit code 1 in the terminal today; in production MWAA retries, then "
        "PagerDuty pages",
        f"{BUILT}, Airflow's retries and the page too",
        (Arrow("batch", "ops", "failed run"), Arrow("batch", "paging", "alert"))),
    ExceptionPath(
        "A stream stalls or lags",
        "Prometheus sees the input rate fall behind processing, Kafka consumer lag grow or a gold table "
        "go stale, and its alert rule fires",
        "a PagerDuty incident with a stable dedup key (a repeat opens no second one), resolved when the "
        "stream recovers; the MWAA watchdog restarts the streaming job",
        "the on-call engineer, paged",
        f"the alert rules and pages {BUILT}; the watchdog DAG {BUILT}, its restart not exercised in the tests",
        (Arrow("metrics", "paging", "stalled: page"),)),
    ExceptionPath(
        "A customer asks to be erased",
        "`lakehouse forget --customer-id C...` removes the customer from every table (bronze records, silver "
        "and the PII table, quarantine, gold features and scores) and refreshes gold from the deletes; a "
        "suppression list keeps later runs from bringing them back from landing; after the retention, or at "
        "once with `--purge`, a vacuum removes the bytes from the files",
        "nothing of the customer under the root; one row in `ops.erasures` (who, when, what; the customer "
        "only as their pseudonym)",
        "the privacy officer, through `ops.erasures`",
        BUILT,
        (Arrow("erasure", "lake", "erase from every layer"),)),
]

GRAPH = {"pad": "0.3", "nodesep": "0.35", "ranksep": "0.8", "fontsize": "24", "labelloc": "t",
         "splines": "spline", "compound": "true", "dpi": "72"}
NODE = {"fontsize": "14"}
EDGE = {"fontsize": "13"}
CLUSTER = {"fontsize": "14", "margin": "14"}
LAYER = {"shape": "box", "style": "rounded,filled", "fixedsize": "true", "width": "1.5", "height": "0.6",
         "labelloc": "c", "fontsize": "16"}
EXCEPTION = {"color": RED, "fontcolor": RED, "style": "dashed", "penwidth": "2"}


def draw(side: str, path: Path) -> None:
    """One picture: the boxes as ``side`` ("aws" or "local") names them, the flows, the exceptions."""
    with Diagram(TITLES[side], filename=str(path), outformat="png", show=False, direction="LR",
                 graph_attr=GRAPH, node_attr=NODE, edge_attr=EDGE):
        nodes: dict[str, Node] = {}
        for key, group in GROUPS.items():
            with Cluster(getattr(group, side), graph_attr=CLUSTER | {"bgcolor": group.colour}):
                for box in BOXES:
                    if box.group == key:
                        nodes[box.key] = node(box, side)
        for arrow in FLOWS:
            if arrow.only in ("", side):
                same_group = group_of(arrow.src) == group_of(arrow.dst)
                connect(nodes, arrow, side, weight="5" if same_group else "1")
        for arrow in PLACEMENT:
            connect(nodes, arrow, side, style="invis")
        for exception in EXCEPTIONS:
            for arrow in exception.arrows:
                connect(nodes, arrow, side, **EXCEPTION)
    shrink(path.with_suffix(".png"))


def node(box: Box, side: str) -> Node:
    label, icon, _ = getattr(box, side)
    if icon is None:
        return Node(label, nodeid=box.key, fillcolor=box.fill, **LAYER)
    return icon(label, nodeid=box.key)


def group_of(key: str) -> str:
    return next(box.group for box in BOXES if box.key == key)


def connect(nodes: dict[str, Node], arrow: Arrow, side: str, **style: str) -> None:
    """Draw ``arrow``; one that points at a group ends on that cluster's border."""
    dst = arrow.dst
    if dst in GROUPS:
        style["lhead"] = f"cluster_{getattr(GROUPS[dst], side)}"
        dst = next(box.key for box in BOXES if box.group == arrow.dst)
    if arrow.back:
        style["constraint"] = "false"
    nodes[arrow.src] >> Edge(label=arrow.label, **style) >> nodes[dst]


def shrink(png: Path) -> None:
    """Rewrite ``png`` with a palette of ``COLOURS`` colours: a third of Graphviz's true-colour size."""
    with Image.open(png) as picture:
        palette = picture.convert("RGB").quantize(colors=COLOURS, dither=Image.Dither.NONE)
    palette.save(png, optimize=True)


def markdown(links: dict[str, str]) -> str:
    """docs/architecture.md: the pictures, how to read them, every box, every exception path."""
    lines = [
        "<!-- Generated by `make diagrams` (docs/architecture/system_diagram.py): do not edit by hand. -->",
        "# Architecture",
        "",
        "*This page is generated by `make diagrams` from `docs/architecture/system_diagram.py`, with the "
        "pictures: do not edit it by hand; change the script and run `make diagrams`.*",
        "",
        "## The system on AWS",
        "",
        f"![{TITLES['aws']}]({links['aws']})",
        "",
        "## The same system on one machine",
        "",
        f"![{TITLES['local']}]({links['local']})",
        "",
        "How to read them:",
        "- Left to right is the data's way: sources land in bronze, the rules split silver from "
        "quarantine, gold feeds BI and the churn model, which scores back into gold.",
        "- Grey arrows are the normal flow; red dashed arrows are the exception paths listed below.",
        "- Both pictures hold the same boxes: the second names what stands in for each AWS service on one "
        "machine, \"(issue N)\" marking a stand-in that is not built yet.",
        "",
        "## The boxes",
        "",
        "The pictures show the target system; the last column says what exists today.",
        "",
        "| box | what it is | on AWS | on one machine | status |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {box.key} | {box.what} | {box.aws.text} | {box.local.text} | {box.status} |"
              for box in BOXES]
    lines += ["", "## Exception paths", "", "The red dashed arrows, in words.", ""]
    for number, exception in enumerate(EXCEPTIONS, 1):
        lines += [
            f"{number}. **{exception.name}** ({exception.status}).",
            f"   - What happens: {exception.happens}.",
            f"   - Where it ends up: {exception.ends_up}.",
            f"   - Who is told: {exception.told}.",
        ]
    lines += [
        "",
        "## The table graph",
        "",
        f"[The table graph]({links['tables']}) is drawn from the table declarations by `lakehouse graph`, "
        "never by hand: every source and table, and the arrows of what reads what.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder for the pictures (default: this script's folder)")
    parser.add_argument("--doc", type=Path, help=f"the page to write (default: {DOC} beside --out)")
    args = parser.parse_args(argv)
    out: Path = args.out
    doc: Path = args.doc or out.parent / DOC
    if shutil.which("dot") is None:
        print("error: Graphviz's dot is not on PATH (apt-get install graphviz)", file=sys.stderr)
        raise SystemExit(2)
    out.mkdir(parents=True, exist_ok=True)
    doc.parent.mkdir(parents=True, exist_ok=True)
    for side, name in PICTURES.items():
        draw(side, out / name)
    folder = Path(os.path.relpath(out.resolve(), doc.resolve().parent)).as_posix()
    links = {side: f"{folder}/{name}.png" for side, name in PICTURES.items()}
    doc.write_text(markdown(links | {"tables": f"{folder}/{TABLE_GRAPH}"}), encoding="utf-8")


if __name__ == "__main__":
    main()
