"""Figure 7b: the whole ``make demo``, its time and the run step's peak memory (only with BENCH_DEMO=1).

The demo runs in a subprocess on its own folders: a copy of ``conf/local.yaml`` with every
path (landing, lakehouse, catalog, report) under the bench folder, passed as ``ENV`` (the
command line reads ``conf/<ENV>.yaml``, and an absolute ENV names the file itself), with
LAKEHOUSE_ROOT and LAKEHOUSE_LANDING set to the same folders. The developer's ``data/``
and catalog are not touched.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from bench.report import Reading
from bench.workspace import REPO, write_conf

TITLE = "`make demo`: wall time and peak memory"
TARGET_SECONDS = 60  # issue 12: the run step on this machine, for the default data set
SWITCH = "BENCH_DEMO"
# Printed by `lakehouse run` (lib/cli.py, lib/footprint.py).
RUN_LINE = re.compile(r"run \S+: (\d+) s, peak memory ([\d.]+) GB \(JVM ([\d,]+) MB \+ Python ([\d,]+) MB\)")


def demo_environment(folder: Path) -> dict[str, str]:
    return {**os.environ, "LAKEHOUSE_ROOT": str(folder / "lakehouse"), "LAKEHOUSE_LANDING": str(folder / "landing")}


def described(seconds: float, output: str) -> str:
    found = RUN_LINE.search(output)
    if not found:
        return f"{seconds:.0f} s for the whole `make demo`; its run step printed no time and memory line"
    run_seconds, peak_gb, jvm_mb, python_mb = found.groups()
    result = "PASS" if int(run_seconds) <= TARGET_SECONDS else "MISS"
    return (f"{seconds:.0f} s for the whole `make demo` (generate, run, train, score, graph, summary); run step "
            f"{run_seconds} s (target ≤ {TARGET_SECONDS} s: {result}), peak memory {peak_gb} GB (JVM {jvm_mb} MB "
            f"+ Python {python_mb} MB)")


def measure(folder: Path) -> Reading:
    if os.environ.get(SWITCH) != "1":
        return Reading(TITLE, f"not measured (set {SWITCH}=1)")
    conf_file = write_conf(folder, env="demo")
    started = time.perf_counter()
    done = subprocess.run(["make", "demo", f"ENV={conf_file.with_suffix('')}"], cwd=REPO,
                          env=demo_environment(folder), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Reading(TITLE, f"failed after {seconds:.0f} s (exit {done.returncode}): {last}")
    return Reading(TITLE, described(seconds, done.stdout))
