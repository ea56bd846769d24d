"""The test run's settings and its one SparkSession (pytest-spark's ``spark_session``, from pytest.ini).

The test lakehouse sits at a fixed place, ``data/test/``, wiped when the run starts, because
pytest.ini names its catalog; the settings point every path there.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from pyspark.sql import SparkSession

from lakehouse.lib import config, session

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
