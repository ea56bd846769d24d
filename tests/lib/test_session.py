"""The session a command starts: a local Spark's Python workers run the command's own interpreter."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKER_INTERPRETER = """
import pandas as pd
from pyspark.sql.functions import pandas_udf
from lakehouse.lib import config, session

spark = session.start(config.load("local"))

@pandas_udf("string")
def interpreter(ids: pd.Series) -> pd.Series:
    import sys
    return ids.map(lambda _: sys.executable)

print(spark.range(1).select(interpreter("id")).first()[0])
"""


def test_a_local_sessions_python_workers_run_the_commands_interpreter(tmp_path: Path) -> None:
    """As ``lakehouse score`` needs for MLflow's spark_udf: a worker on the PATH's python3 has no pandas."""
    env = {key: value for key, value in os.environ.items() if key != "PYSPARK_PYTHON"}
    env.update(LAKEHOUSE_ROOT=str(tmp_path / "lakehouse"), LAKEHOUSE_LANDING=str(tmp_path / "landing"))
    done = subprocess.run([sys.executable, "-c", WORKER_INTERPRETER], capture_output=True, text=True, env=env,
                          timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == sys.executable
