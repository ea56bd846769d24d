"""The `make demo` figure compares the run step with issue 12's target of 60 s."""
from bench.demo_run import described
from lakehouse.lib.footprint import Footprint


def demo_output(run_seconds: float) -> str:
    """What `make demo` prints, its run step's line as `lakehouse run` writes it."""
    line = f"run 20261206-0100-ab12: {Footprint(run_seconds, 340.0, 3288.0)}"
    return f"generated 2,242 records\n{line}\ntrain: {Footprint(41, 899.0, 907.0)}\n"


def test_a_run_step_within_a_minute_passes() -> None:
    assert "run step 58 s (target ≤ 60 s: PASS), peak memory 3.54 GB (JVM 3,288 MB + Python 340 MB)" in (
        described(240.4, demo_output(58.2)))


def test_a_run_step_over_a_minute_misses() -> None:
    assert described(400, demo_output(178)).startswith(
        "400 s for the whole `make demo` (generate, run, train, score, graph, summary); run step 178 s "
        "(target ≤ 60 s: MISS)")
