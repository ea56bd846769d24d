"""The machine and software a run measured on, for the report's header."""
from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gb() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 ** 2:.1f} GB"
    return "unknown"


def java_version() -> str:
    try:
        done = subprocess.run(["java", "-version"], capture_output=True, text=True)
    except OSError:
        return "not found"
    return (done.stderr.strip().splitlines() or ["unknown"])[0]


def load_average() -> str:
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def facts() -> list[tuple[str, str]]:
    """(label, value) rows: CPUs, memory, CPU model, OS and the versions that matter."""
    return [
        ("CPUs (nproc)", str(len(os.sched_getaffinity(0)))),
        ("Memory", memory_gb()),
        ("CPU model", cpu_model()),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("Spark (pyspark)", version("pyspark")),
        ("Delta (delta-spark)", version("delta-spark")),
        ("Java", java_version()),
        ("Load average at start (1 / 5 / 15 min)", load_average()),
    ]
