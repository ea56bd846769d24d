"""BENCHMARKS.md: a run measuring some figures rewrites theirs and keeps every other section as it was."""
from datetime import datetime, timezone

from bench.pairs import Comparison
from bench.report import BenchRun, Reading, scaling_section, sections, streaming_section, with_section, write

RUN = BenchRun("make bench-ratios", datetime(2026, 12, 5, 22, 0, tzinfo=timezone.utc), 60.0, 1, "tiny", "0.1")


def figure(title: str, candidate: float) -> Comparison:
    return Comparison(title, "plain", "pipeline", 1.5, (2.0,), (candidate,))


def test_a_ratios_run_keeps_the_streaming_and_scaling_sections(tmp_path):
    report = tmp_path / "BENCHMARKS.md"
    write(report, RUN, [("CPUs (nproc)", "2")], [figure("Bronze ingest", 6.0)], [Reading("start", "5 s")], [
        streaming_section(RUN, figure("Kafka vs files", 3.0), [Reading("latency", "12 s at 1,000 a second")]),
        scaling_section(RUN, Reading("Seconds per million", "75.4 s at 5M"))])
    earlier = report.read_text()

    write(report, RUN, [("CPUs (nproc)", "2")], [figure("Bronze ingest", 2.0)], [Reading("start", "4 s")],
          sections(earlier))
    text = report.read_text()

    assert "| 1 | Bronze ingest | ≤ 1.50x | 1.00x |" in text and "3.00x" not in text.split("## Streaming")[0]
    assert "| latency | 12 s at 1,000 a second |" in text
    assert "| Seconds per million | 75.4 s at 5M |" in text
    assert text.index("## Streaming") < text.index("## Scaling") < text.index("## Machine")
    assert text.count("## Streaming") == 1 and text.count("## Scaling") == 1


def test_with_section_replaces_only_its_own_section():
    report = "# B\n\n## Streaming\n\nold stream\n\n## Scaling\n\nold scaling\n\n## Machine\n\n| a | b |\n"
    replaced = with_section(report, "## Streaming\n\nnew stream\n")
    assert replaced == "# B\n\n## Streaming\n\nnew stream\n\n## Scaling\n\nold scaling\n\n## Machine\n\n| a | b |\n"
    assert sections(replaced) == ["## Streaming\n\nnew stream\n", "## Scaling\n\nold scaling\n"]
