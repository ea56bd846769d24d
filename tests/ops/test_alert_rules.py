"""The Prometheus alert rules (conf/prometheus/alerts.yaml) pass `promtool check rules`, and their unit tests
(tests/ops/alerts_test.yaml: each alert fires on what it watches, a healthy neighbour stays quiet) pass
`promtool test rules`, with Debian's promtool."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RULES = HERE.parents[1] / "conf" / "prometheus" / "alerts.yaml"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "install Debian's prometheus, which brings promtool (.ci/run does)"
    return found


def test_the_alert_rules_are_valid(promtool: str) -> None:
    done = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 6 rules found" in done.stdout


def test_each_alert_fires_on_what_it_watches_and_only_then(promtool: str) -> None:
    done = subprocess.run([promtool, "test", "rules", "alerts_test.yaml"], cwd=HERE, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
