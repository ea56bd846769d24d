"""Late events: never dropped; written and counted, or quarantined as late_beyond_watermark.

With a one-hour watermark on clickstream, a first run keeps events up to 12:00; a second
run, in a new pipeline as after a restart, gets one event before 11:00 (late), one after
(on time) and a newer one. Each policy is run on a lakehouse of its own.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline, run_tables
from tests.conftest import restore_catalog

from .conftest import land

TABLES = ("bronze.clickstream", "silver.clickstream")


def click(event_id: str, at: str) -> str:
    return json.dumps({"event_id": event_id, "event_ts": f"2026-11-21T{at}:00Z", "event_type": "page_view",
                       "session_id": "S-LATE", "device": "mobile"})


@pytest.fixture(params=["count", "quarantine"])
def runs(request: pytest.FixtureRequest, spark: SparkSession, settings: Settings,
         tmp_path: Path) -> Iterator[tuple[Settings, dict]]:
    """Both runs under one policy; the second run's figures by table."""
    paths = settings.paths.model_copy(update={"landing": str(tmp_path / "landing"),
                                              "lakehouse": str(tmp_path / "lakehouse")})
    stream = settings.stream.model_copy(update={"watermark": "1 hour", "late_events": request.param})
    root = settings.model_copy(update={"paths": paths, "stream": stream})
    catalog._ensured.clear()
    landing = Path(root.paths.landing)
    tables = [registry.get(name) for name in TABLES]
    land(landing, "clickstream/part-0.jsonl", [click("E1", "10:00"), click("E2", "12:00")])
    run_tables(Pipeline(spark, root, "late-1"), tables, "batch")
    land(landing, "clickstream/part-1.jsonl", [click("E3", "10:30"), click("E4", "11:30"), click("E5", "12:30")])
    second = run_tables(Pipeline(spark, root, "late-2"), tables, "batch")  # a new pipeline: the watermark is read
    yield root, {run.table: run for run in second}
    restore_catalog(spark, settings, *TABLES)


def rows(spark: SparkSession, root: Settings, name: str) -> list:
    return spark.read.format("delta").load(root.table_path(name)).collect()


def test_a_late_event_is_counted_and_kept_or_quarantined_never_dropped(spark: SparkSession,
                                                                       runs: tuple[Settings, dict]) -> None:
    root, second = runs
    silver = sorted(r.event_id for r in rows(spark, root, "silver.clickstream"))
    held = {r.event_id: r.failed_rules for r in rows(spark, root, "quarantine.clickstream")}
    assert second["silver.clickstream"].rows_late == 1
    if root.stream.late_events == "count":
        assert (silver, held) == (["E1", "E2", "E3", "E4", "E5"], {})
    else:
        assert (silver, held) == (["E1", "E2", "E4", "E5"], {"E3": ["late_beyond_watermark"]})
    assert second["silver.clickstream"].rows_read == 3
