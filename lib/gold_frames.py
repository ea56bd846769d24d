"""A gold table as a pandas DataFrame, read with delta-rs: what the notebooks explore.

A notebook reads gold the way Athena or Trino would, through the Delta log, with no
JVM: a Spark session would cost each notebook's kernel some 15 seconds, and a local
root's catalog (Derby) admits one JVM at a time, so a notebook could not read while a
job runs. The root comes from the settings, so ``LAKEHOUSE_ENV`` (which
``conf/<env>.yaml``), ``LAKEHOUSE_CONF`` and ``LAKEHOUSE_ROOT`` point a notebook at any
lakehouse without editing it.

    >>> from lakehouse.lib.gold_frames import gold_frame, notebook_settings
    >>> gold_frame(notebook_settings(), "gold.daily_sales").head()  # doctest: +SKIP
"""
from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa
from deltalake import DeltaTable

from lakehouse.lib import config
from lakehouse.lib.churn import SCORES_TABLE

ENV_VARIABLE = "LAKEHOUSE_ENV"


def notebook_settings() -> config.Settings:
    """The settings of ``LAKEHOUSE_ENV`` (default ``local``), with the environment's path overrides."""
    return config.load(os.environ.get(ENV_VARIABLE) or "local")


def gold_frame(settings: config.Settings, name: str) -> pd.DataFrame:
    """Every row of the gold table ``name`` (``gold.daily_sales``), decimals as floats for pandas and matplotlib.

    Raises ``ConfigError`` with the command to run when the table is not gold or not built yet.
    """
    if not name.startswith("gold."):
        raise config.ConfigError(f"{name}: notebooks read gold tables only (gold.<table>)")
    path = settings.table_path(name)
    if not DeltaTable.is_deltatable(path):
        builds = "lakehouse score" if name == SCORES_TABLE else f"lakehouse run {name} --upstream"
        raise config.ConfigError(f"{name} is not built at {path}: run `{builds}` first")
    table = DeltaTable(path).to_pyarrow_table()
    return table.cast(_decimals_as_floats(table.schema)).to_pandas()


def _decimals_as_floats(schema: pa.Schema) -> pa.Schema:
    """Money is ``decimal(18,2)`` in gold; pandas would hold it as Python objects, which neither sums fast nor
    plots. A float64 keeps every cent of a notebook's sums (15 significant digits)."""
    return pa.schema([field.with_type(pa.float64()) if pa.types.is_decimal(field.type) else field
                      for field in schema])
