"""A type checker run outside the repository resolves ``lakehouse.*`` through the editable install.

The default editable install maps ``lakehouse`` to the repository root with an import hook that only
the interpreter runs; the strict one that ``make setup`` makes links every module into a plain folder
on sys.path, with a ``py.typed`` marker, which mypy (and pyright, and IDEs built on it) follow.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.packaging.conftest import outside_repo

PROBE = """\
from lakehouse.lib.config import load
from lakehouse.lib.generator import generate

settings: int = load("local")
"""


def test_mypy_resolves_lakehouse_imports_from_outside_the_repository(tmp_path: Path) -> None:
    folder = outside_repo(tmp_path)
    (folder / "probe.py").write_text(PROBE)
    done = subprocess.run([sys.executable, "-m", "mypy", "--follow-imports=silent", "--cache-dir", "cache",
                           "probe.py"], cwd=folder, capture_output=True, text=True, timeout=300)
    assert "import-not-found" not in done.stdout and "import-untyped" not in done.stdout, done.stdout
    # The wrong annotation is only an error if mypy knows what load returns.
    assert done.stdout.splitlines()[0] == (
        'probe.py:4: error: Incompatible types in assignment (expression has type "Settings", '
        'variable has type "int")  [assignment]')
