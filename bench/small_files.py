"""Figures 11 and 12: the files each streaming micro-batch writes, and a gold table's read time after
``BENCH_MICRO_BATCHES`` (200) micro-batches, before and after ``lakehouse maintain``.

A fresh lakehouse root runs ``lakehouse run gold.sales_minute --upstream --mode stream`` against a
local broker, every trigger at one second, while ``lakehouse generate --to-kafka`` publishes at a
steady rate, until ``gold.sales_minute`` has committed that many refreshes. Figure 11 is read from
each table's Delta log afterwards: the data files each streaming commit added (table creation and
commits that add nothing left out). For figure 12 the gold table is copied as it stands (untimed),
the original is maintained (compacted, Z-ordered by its key, vacuumed within retention,
checkpointed) and the two are read in interleaved pairs, each read a new reader of the table: the
Delta log cache cleared first, so that the log's replay counts as it does for Athena or a new job.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from rich.console import Console

from bench.pairs import Comparison, Run, Side, timed_pairs
from bench.progress import pair_printer
from bench.report import Reading
from bench.workspace import REPO, write_conf
from lakehouse.lib import maintenance
from lakehouse.lib.config import Settings, load
from lakehouse.lib.sources.kafka_cluster import create_topics

GOLD = "gold.sales_minute"
TRIGGER = "1 second"
RATE = 100  # messages a second over every topic: a few orders a second reach the gold table
PUBLISH_SECONDS = 300  # each producer's run (it builds its records first); the next one takes another seed
STARTING_SECONDS = 600  # the stream gives up when gold's table is not there by then (2 minutes here)
MOST_SECONDS_PER_BATCH = 60  # or when its micro-batches come slower than this on average (25 s here)
LAYERS = ("bronze", "silver", "quarantine", "gold")
MOST_FILES_PER_BATCH = 2
READ_TARGET = 0.5
TITLE = f"Read of {GOLD} after its micro-batches: maintained vs as the stream left it"


@dataclass(frozen=True)
class FilesPerBatch:
    table: str
    commits: int
    mean: float
    most: int


def micro_batches_wanted() -> int:
    text = os.environ.get("BENCH_MICRO_BATCHES", "200")
    if not text.isdigit() or int(text) < 10:
        raise SystemExit(f"BENCH_MICRO_BATCHES must be a whole number of at least 10, not {text!r}")
    return int(text)


def conf_for(root: Path, bootstrap: str) -> Path:
    conf_file = write_conf(root, env="files")
    settings = yaml.safe_load(conf_file.read_text())
    settings["stream"] = {**settings.get("stream", {}), "trigger_interval": TRIGGER, "gold_trigger_interval": TRIGGER}
    settings["quality"] = {**settings.get("quality", {}), "validate_tables": False}
    suffix = uuid.uuid4().hex[:6]
    settings["kafka"] = {**settings["kafka"], "bootstrap_servers": bootstrap,
                         "topics": {source: f"{topic}-{suffix}" for source, topic in load("local").kafka.topics.items()}}
    conf_file.write_text(yaml.safe_dump(settings, sort_keys=False))
    return conf_file


def commits(table: Path) -> list[Path]:
    """The table's commit files after the one that created it, oldest first."""
    return sorted(path for path in (table / "_delta_log").glob("*.json") if int(path.stem) > 0)


def files_added(commit: Path) -> int:
    return sum(1 for line in commit.read_text().splitlines() if line and "add" in json.loads(line))


def files_per_batch(lakehouse: Path) -> list[FilesPerBatch]:
    """Per table the stream wrote: its commits that added data files, their mean and largest count."""
    counted = []
    for layer in LAYERS:
        for table in sorted(path for path in (lakehouse / layer).glob("*") if (path / "_delta_log").is_dir()):
            added = [n for n in (files_added(commit) for commit in commits(table)) if n]
            if added:
                counted.append(FilesPerBatch(f"{layer}.{table.name}", len(added), statistics.mean(added), max(added)))
    return counted


def streamed(folder: Path, bootstrap: str, batches: int, console: Console) -> Settings:
    """A stream run until the gold table has committed ``batches`` refreshes after its creation."""
    conf_file = conf_for(folder, bootstrap)
    settings = load(conf_file.stem, conf_file.parent)
    create_topics(settings.kafka)
    command = [sys.executable, "-m", "lakehouse.lib.cli"]
    env = str(conf_file.with_suffix(""))
    environment = {**os.environ, "LAKEHOUSE_KAFKA_BOOTSTRAP": bootstrap}
    gold = Path(settings.table_path(GOLD))
    with open(folder / "stream.log", "w") as log:
        pipeline = subprocess.Popen([*command, "run", GOLD, "--upstream", "--mode", "stream", "--env", env],
                                    cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT)
    deadline, created = time.monotonic() + STARTING_SECONDS, False
    producer, seed = None, 0
    try:
        while (done := len(commits(gold)) if gold.is_dir() else 0) < batches:
            if pipeline.poll() is not None:
                raise RuntimeError(f"the stream ended (exit {pipeline.returncode}) after {done} of {GOLD}'s batches")
            if not created and gold.is_dir():
                deadline, created = time.monotonic() + batches * MOST_SECONDS_PER_BATCH, True
            if time.monotonic() > deadline:
                raise RuntimeError(f"{GOLD} took {done} of {batches} micro-batches by the deadline ({STARTING_SECONDS} s "
                                   f"to create it, {MOST_SECONDS_PER_BATCH} s a batch after that); see {folder}")
            if producer is None or producer.poll() is not None:
                seed += 1
                with open(folder / f"publish-{seed}.log", "w") as log:
                    producer = subprocess.Popen(
                        [*command, "generate", "--to-kafka", "--rate", str(RATE), "--duration", str(PUBLISH_SECONDS),
                         "--seed", str(seed), "--env", env],
                        cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT)
            console.log(f"{GOLD}: {done} of {batches} micro-batches")
            time.sleep(10)
    finally:
        if producer is not None:
            producer.send_signal(signal.SIGTERM)
            producer.wait(60)
        pipeline.send_signal(signal.SIGTERM)
        pipeline.wait(300)
    return settings


def read_once(spark: SparkSession, path: str) -> Run:
    def read() -> object:
        spark._jvm.org.apache.spark.sql.delta.DeltaLog.clearCache()
        return spark.read.format("delta").load(path).groupBy("date").agg(F.sum("orders"), F.sum("units")).collect()

    return read


def measure(spark: SparkSession, folder: Path, bootstrap: str, pairs: int, console: Console
            ) -> tuple[Comparison, list[Reading]]:
    """Figure 12 (the read before and after maintain, in pairs) and figure 11 (files per micro-batch)."""
    batches = micro_batches_wanted()
    settings = streamed(folder, bootstrap, batches, console)
    counted = files_per_batch(Path(settings.paths.lakehouse))
    path = settings.table_path(GOLD)
    before = folder / "before-maintain"
    shutil.copytree(path, before)
    maintained = maintenance.maintain_table(spark, settings, GOLD)
    console.log(f"maintained {GOLD}: {maintained.files_before} files to {maintained.files_after}, "
                f"{maintained.log_entries_before} log entries to {maintained.log_entries_after}")
    baseline, candidate = (Side(name, lambda pair, where=where: read_once(spark, where))
                           for name, where in (("as the stream left it", str(before)), ("maintained", path)))
    before_seconds, after_seconds = timed_pairs(pairs, baseline, candidate, on_pair=pair_printer(console, TITLE, pairs))
    notes = (f"{GOLD} after {batches} micro-batches: {maintained.files_before} data files and "
             f"{maintained.log_entries_before} log entries before maintain, {maintained.files_after} and "
             f"{maintained.log_entries_after} after",)
    read = Comparison(TITLE, f"{GOLD} as {batches} micro-batches left it, read by a new reader",
                      "the same after lakehouse maintain", READ_TARGET, before_seconds, after_seconds, notes)
    return read, [files_reading(counted, batches)]


def files_reading(counted: list[FilesPerBatch], batches: int) -> Reading:
    most = max(count.most for count in counted)
    verdict = "PASS" if most <= MOST_FILES_PER_BATCH else "MISS"
    tables = "; ".join(f"{count.table} {count.mean:.1f} (most {count.most}, {count.commits} commits)"
                       for count in counted)
    return Reading(f"Data files written per streaming micro-batch, per table (run {GOLD} --upstream, triggers "
                   f"{TRIGGER}, until {batches} gold micro-batches; target at most {MOST_FILES_PER_BATCH})",
                   f"most {most} ({verdict}); mean per table: {tables}")
