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


def jvm_peak_mb(spark: SparkSession) -> float:
    """The JVM's high-water resident memory (VmHWM), read from /proc; 0 where that is not available."""
    gateway = getattr(spark.sparkContext, "_gateway", None)
    process = getattr(gateway, "proc", None)
    try:
        with open(f"/proc/{process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (AttributeError, OSError):
        pass
    return 0.0


def measure(spark: SparkSession, started: float) -> Footprint:
    python_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Footprint(time.monotonic() - started, python_peak, jvm_peak_mb(spark))
