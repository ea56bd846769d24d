"""The test run's settings and its one SparkSession (pytest-spark's ``spark_session``, from pytest.ini).

The test lakehouse sits at a fixed place, ``data/test/``, wiped when the run starts, because
pytest.ini names its catalog; the settings point every path there. Its data set (tests/integration/conftest.py)
is generated and run through bronze and silver once (``first_run``), and through gold once (``gold_built``),
for the integration and the notebook tests alike.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, config, registry, runlog, session
from lakehouse.lib.generator import generate
from lakehouse.lib.runlog import TableRun
from tests.integration.conftest import hand_written_bad_input, run, run_gold

# Python workers (pandas UDFs, MLflow's spark_udf) run this interpreter, as lib/session.py sets for local Spark
# (pytest-spark starts the session without it).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

REPO = Path(__file__).resolve().parent.parent
TEST_ROOT = REPO / "data" / "test"


@pytest.fixture(scope="session")
def lake_root() -> Path:
    shutil.rmtree(TEST_ROOT, ignore_errors=True)
    TEST_ROOT.mkdir(parents=True)
    return TEST_ROOT


@pytest.fixture(scope="session")
def settings(lake_root: Path) -> config.Settings:
    """The local settings, pointed at this run's folders, with test-sized Spark."""
    conf_dir = lake_root / "conf"
    conf_dir.mkdir()
    (conf_dir / "local.yaml").write_text(yaml.safe_dump({
        "paths": {name: str(lake_root / name) for name in ("landing", "lakehouse", "report", "logs")},
        "spark": {"master": "local[2]", "shuffle_partitions": 2, "conf": {"spark.ui.showConsoleProgress": "false"}},
        "stream": {"trigger_interval": "1 second"},
        # Two tables at once, as prod runs four: the runner's concurrent path is the tested one, and on the tests'
        # small tables it set up the first run in 102 s instead of 117 s.
        "batch": {"parallel_tables": 2},
        "privacy": {"require_key": False},
        # Tables' checks are validated by the tests about them (tests/lib/test_table_checks.py), not after every run.
        "quality": {"validate_tables": False},
    }))
    return config.load("local", conf_dir)


@pytest.fixture(scope="session")
def spark(settings: config.Settings, spark_session: SparkSession) -> SparkSession:
    """pytest-spark's session, once checked to be the session lib/session.py would start for ``settings``."""
    for key, value in session.REQUIRED_CONF.items():
        assert spark_session.conf.get(key) == value, f"pytest.ini spark_options: {key} should be {value}"
    catalog = Path(settings.catalog_path)
    warehouse = spark_session.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
    assert Path(warehouse).resolve() == (catalog / "warehouse").resolve(), "pytest.ini: catalog of the test root"
    return spark_session


@pytest.fixture(scope="session")
def first_run(spark: SparkSession, settings: config.Settings) -> dict[str, TableRun]:
    landing = Path(settings.paths.landing)
    generate(landing, customers=60, events=1500, days=2, seed=11, progress=False)
    hand_written_bad_input(landing)
    return run(spark, settings, "first")


@pytest.fixture(scope="session")
def gold_built(spark: SparkSession, settings: config.Settings, first_run: dict) -> dict[str, TableRun]:
    built = run_gold(spark, settings, "gold-full")
    assert built["gold.daily_sales"].rows_written == spark.table("gold.daily_sales").count() > 0
    return built


def restore_catalog(spark: SparkSession, settings: config.Settings, *names: str) -> None:
    """Point the session's one catalog back at the test run's own root for the tables ``names`` (with their
    quarantines and companions) and the run log, after a test ran them on a root of its own: later tests read
    the run's tables by name."""
    from lakehouse.lib.runner import Pipeline

    catalog._ensured.clear()
    pipeline = Pipeline(spark, settings, "restore-catalog")
    for name in names:
        pipeline.prepare(registry.get(name))
    for name, schema in ((runlog.RUNS, runlog.RUNS_SCHEMA), (runlog.DQ_RESULTS, runlog.DQ_SCHEMA),
                         (runlog.SUITE_VERSIONS, runlog.SUITE_VERSIONS_SCHEMA)):
        catalog.ensure(spark, settings, name, schema)
