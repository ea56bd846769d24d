"""How long a command took and the most memory it held: the Python driver and Spark's JVM together."""
from __future__ import annotations

import resource
import time
from dataclasses import dataclass

from pyspark.sql import SparkSession


@dataclass(frozen=True)
class Footprint:
    seconds: float
    python_peak_mb: float
    jvm_peak_mb: float

    @property
    def peak_mb(self) -> float:
        return self.python_peak_mb + self.jvm_peak_mb

    def __str__(self) -> str:
        return (f"{self.seconds:.0f} s, peak memory {self.peak_mb / 1024:.2f} GB "
                f"(JVM {self.jvm_peak_mb:,.0f} MB + Python {self.python_peak_mb:,.0f} MB)")


def peak_mb(pid: int | str) -> float | None:
    """A process's high-water resident memory (VmHWM), read from /proc; None where that is not available."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def jvm_peak_mb(spark: SparkSession) -> float:
    """The JVM's peak resident memory; 0 where that is not available."""
    gateway = getattr(spark.sparkContext, "_gateway", None)
    process = getattr(gateway, "proc", None)
    return (peak_mb(process.pid) if process is not None else None) or 0.0


def python_peak_mb() -> float:
    """This process's own peak resident memory. Not ``ru_maxrss`` where /proc has it: Linux carries that over
    ``exec`` from the process that started this one, so a command started by a large process (the bench, a
    notebook) reported its parent's memory as its own."""
    own = peak_mb("self")
    return own if own is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(spark: SparkSession, started: float) -> Footprint:
    return Footprint(time.monotonic() - started, python_peak_mb(), jvm_peak_mb(spark))
