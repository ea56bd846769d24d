"""The committed system diagram is what ``docs/architecture/system_diagram.py`` draws.

The script runs into a temporary folder; its pictures must be PNGs small enough to commit, and the page
it writes must be the committed ``docs/architecture.md``, byte for byte (run ``make diagrams`` when not).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "docs" / "architecture" / "system_diagram.py"
COMMITTED = REPO / "docs" / "architecture.md"
PICTURES = ("system-aws.png", "system-local.png")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 150_000  # each picture; today's are about 80 kB

pytestmark = pytest.mark.skipif(shutil.which("dot") is None,
                                reason="Graphviz's `dot` is not on PATH (apt-get install graphviz)")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The script's run into <tmp>/architecture, which writes the page to <tmp>/architecture.md."""
    out = tmp_path_factory.mktemp("docs") / "architecture"
    run = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    return run, out


def test_the_script_exits_0(drawn: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    run, _ = drawn
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("name", PICTURES)
def test_each_picture_is_a_small_png(drawn: tuple[subprocess.CompletedProcess[str], Path], name: str) -> None:
    _, out = drawn
    for picture in (out / name, SCRIPT.parent / name):  # the one drawn now and the one committed
        assert picture.read_bytes()[:8] == PNG_SIGNATURE, f"{picture} is not a PNG"
        assert picture.stat().st_size < MAX_BYTES, f"{picture}: {picture.stat().st_size} bytes"


def test_the_committed_page_is_the_generated_one(drawn: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = drawn
    generated = (out.parent / "architecture.md").read_bytes()
    assert generated == COMMITTED.read_bytes(), "docs/architecture.md is stale: run `make diagrams`"
