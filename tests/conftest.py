"""One SparkSession with Delta for the whole test run, fast settings, its own catalog and folders."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pyspark.sql import SparkSession

from lakehouse.lib import config, session


@pytest.fixture(scope="session")
def lake_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(scope="session")
def settings(lake_root: Path) -> config.Settings:
    """The local settings, pointed at this run's temporary folders, with test-sized Spark."""
    conf_dir = lake_root / "conf"
    conf_dir.mkdir()
    (conf_dir / "local.yaml").write_text(yaml.safe_dump({
        "paths": {"landing": str(lake_root / "landing"), "lakehouse": str(lake_root / "lakehouse"),
                  "metastore": str(lake_root / "metastore"), "report": str(lake_root / "report")},
        "spark": {"master": "local[2]", "shuffle_partitions": 2, "jars_dir": ".jars",
                  "conf": {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                           "spark.databricks.delta.snapshotPartitions": "2",
                           "spark.default.parallelism": "2", "spark.driver.memory": "2g"}},
        "stream": {"trigger_interval": "1 second"},
        "privacy": {"require_key": False},
    }))
    return config.load("local", conf_dir)


@pytest.fixture(scope="session")
def spark(settings: config.Settings) -> SparkSession:
    spark = session.start(settings)
    yield spark
    spark.stop()
