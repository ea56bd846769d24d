"""The bench's own landing data, settings, catalog and lakehouses, all under ``data/bench/``.

Nothing the bench writes touches ``data/landing``, ``data/lakehouse`` or the developer's
catalog: the settings are the repository's ``conf/local.yaml`` with every path moved
under the bench folder, which is wiped at the start of each run.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, config, runlog
from lakehouse.lib.generator import GenerationSummary, generate
from lakehouse.lib.registry import Table
from lakehouse.lib.runner import Pipeline

REPO = Path(__file__).resolve().parent.parent
BENCH_ROOT = REPO / "data" / "bench"
# Variables that would move the bench's landing or lakehouse onto someone's real data.
PATH_OVERRIDES = ("LAKEHOUSE_ROOT", "LAKEHOUSE_LANDING")


@dataclass(frozen=True)
class DataSize:
    """A fixed synthetic data set, landed in ``<bench>/landing-<name>``."""

    name: str
    customers: int
    events: int
    days: int = 7
    seed: int = 7
    history_days: int = 0

    def __str__(self) -> str:
        history = f", history_days={self.history_days}" if self.history_days else ""
        return (f"generate(customers={self.customers:_}, events={self.events:_}, days={self.days}, "
                f"seed={self.seed}{history})")


def write_conf(root: Path, env: str = "local") -> Path:
    """``conf/local.yaml`` with every path under ``root`` and the repository's jars; returns the file
    (``<root>/conf/<env>.yaml``)."""
    settings = yaml.safe_load((REPO / "conf" / "local.yaml").read_text())
    settings["paths"] = {key: str(root / key) for key in settings["paths"]}
    settings["spark"]["jars_dir"] = config.load("local").spark.jars_dir  # the repository's, made absolute
    conf_file = root / "conf" / f"{env}.yaml"
    conf_file.parent.mkdir(parents=True, exist_ok=True)
    conf_file.write_text(yaml.safe_dump(settings, sort_keys=False))
    return conf_file


def without_path_overrides() -> None:
    """Forget LAKEHOUSE_ROOT and LAKEHOUSE_LANDING in this process and the commands it starts."""
    for variable in PATH_OVERRIDES:
        os.environ.pop(variable, None)


def create(root: Path = BENCH_ROOT) -> config.Settings:
    """A wiped bench folder and its settings."""
    shutil.rmtree(root, ignore_errors=True)
    return config.load("local", write_conf(root).parent)


def landed(settings: config.Settings, size: DataSize) -> tuple[config.Settings, GenerationSummary]:
    """The settings with their landing zone moved to a freshly generated data set of this size."""
    landing = Path(settings.paths.landing).parent / f"landing-{size.name}"
    summary = generate(landing, customers=size.customers, events=size.events, days=size.days, seed=size.seed,
                       history_days=size.history_days, progress=False)
    paths = settings.paths.model_copy(update={"landing": str(landing)})
    return settings.model_copy(update={"paths": paths}), summary


def at_lakehouse(settings: config.Settings, lakehouse: Path) -> config.Settings:
    """The same settings with every table (and streaming checkpoint) under ``lakehouse``."""
    return settings.model_copy(update={"paths": settings.paths.model_copy(update={"lakehouse": str(lakehouse)})})


def runs_folder(settings: config.Settings) -> Path:
    """Where the lakehouses and outputs of single measurements go: beside the bench's landing zone."""
    return Path(settings.paths.landing).parent / "runs"


def forget_tables(spark: SparkSession) -> None:
    """Drop every catalog entry (external tables: the files stay) and what ``catalog.ensure`` remembers.

    ``SHOW TABLES`` rather than ``spark.catalog.listTables``, which loads each table and fails on
    an entry whose folder a previous measurement has already removed.
    """
    for database in spark.sql("SHOW DATABASES").collect():
        for entry in spark.sql(f"SHOW TABLES IN `{database[0]}`").collect():
            if not entry.isTemporary:
                spark.sql(f"DROP TABLE IF EXISTS `{database[0]}`.`{entry.tableName}`")
    catalog._ensured.clear()


def point_catalog_at(spark: SparkSession, settings: config.Settings, tables: Iterable[Table]) -> None:
    """Register ``tables`` and the run log at this lakehouse, as an earlier run there would have left them.

    ``catalog._ensured`` is cleared afterwards, so a timed run checks the catalog as a new process would.
    """
    forget_tables(spark)
    pipeline = Pipeline(spark, settings, "bench-setup")
    for table in tables:
        pipeline.prepare(table)
    catalog.ensure(spark, settings, runlog.RUNS, runlog.RUNS_SCHEMA)
    catalog.ensure(spark, settings, runlog.DQ_RESULTS, runlog.DQ_SCHEMA)
    catalog.ensure(spark, settings, runlog.SUITE_VERSIONS, runlog.SUITE_VERSIONS_SCHEMA)
    catalog._ensured.clear()
