"""Figure 7a: how long a fresh Python process takes to get a SparkSession with Delta and the catalog."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.report import Reading
from bench.workspace import REPO

TITLE = "SparkSession start (fresh `python -c`, median of 3)"
STARTS = 3
# Timed from before the imports, as a user's script would pay for them too.
SCRIPT = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from lakehouse.lib import config, session
spark = session.start(config.load("local", Path(sys.argv[1])))
print(time.perf_counter() - started)
spark.stop()
"""


def one_start(conf_dir: Path) -> tuple[float, float]:
    """(seconds to a ready session, seconds for the whole process including the stop)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(conf_dir)], cwd=REPO, capture_output=True,
                          text=True, check=True)
    return float(done.stdout.split()[-1]), time.perf_counter() - started


def measure(conf_dir: Path) -> Reading:
    ready, whole = zip(*(one_start(conf_dir) for _ in range(STARTS)))
    return Reading(TITLE, f"{statistics.median(ready):.1f} s to a ready session, imports included "
                          f"(runs {min(ready):.1f}–{max(ready):.1f} s); {statistics.median(whole):.1f} s "
                          f"for the whole process, stop included")
