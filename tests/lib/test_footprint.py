"""The peak memory a command reports is its own, not that of the process that started it."""
from __future__ import annotations

import subprocess
import sys

PEAK = "from lakehouse.lib.footprint import python_peak_mb; print(python_peak_mb())"


def test_a_command_started_by_a_large_process_reports_its_own_peak() -> None:
    """Linux carries ``ru_maxrss`` over ``exec``: the bench, holding a generated data set, made every command it
    ran report the bench's memory as the command's own (7,186 MB at 5M events where the command held 335 MB)."""
    held = bytearray(600 * 1024 * 1024)  # the parent's 600 MB, touched so that they are resident
    for offset in range(0, len(held), 4096):
        held[offset] = 1
    done = subprocess.run([sys.executable, "-c", PEAK], capture_output=True, text=True, check=True)
    assert float(done.stdout) < 300, f"the child reported {done.stdout.strip()} MB, its parent holding 600 MB"
    del held
