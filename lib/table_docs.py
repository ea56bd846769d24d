"""What a gold table's declaration says about it, read from its module's docstring: its grain and its columns.

Every gold module opens with a docstring holding a ``Grain:`` sentence and a ``Columns``
block (``  name  description``, longer descriptions continued on deeper-indented lines).
Catalogs and BI tools (the Athena DDL, the Tableau data sources) take their descriptions
from here, so a column is described once, beside the code that computes it.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lakehouse.lib import registry
from lakehouse.lib.registry import Table

GRAIN = re.compile(r"Grain:\s*(.*?)(?=\s+(?:Sources?|Key|Updated|Rebuilt):|\n\n|$)", re.DOTALL)
COLUMN = re.compile(r"^  (\w+)\s+(.*)$")
CONTINUED = re.compile(r"^\s{3,}(\S.*)$")


@dataclass(frozen=True)
class TableDoc:
    name: str
    grain: str
    columns: dict[str, str]


def plain(text: str) -> str:
    """Docstring markup out: ``literal`` marks and *emphasis* stars, whitespace collapsed."""
    return " ".join(text.replace("``", "").replace("*", "").split())


def _columns(doc: str) -> dict[str, str]:
    lines = doc.split("\nColumns\n", 1)[1].splitlines() if "\nColumns\n" in doc else []
    columns: dict[str, list[str]] = {}
    for line in lines:
        if not line.strip():
            break
        if match := COLUMN.match(line):
            columns[match.group(1)] = [match.group(2)]
        elif (match := CONTINUED.match(line)) and columns:
            columns[list(columns)[-1]].append(match.group(1))
        else:
            break
    return {name: plain(" ".join(parts)) for name, parts in columns.items()}


def describe(table: Table) -> TableDoc:
    """The grain and column descriptions of ``table``'s module docstring (empty where it has none)."""
    doc = sys.modules[table.transform.__module__].__doc__ or ""
    grain = GRAIN.search(doc)
    return TableDoc(table.name, plain(grain.group(1)) if grain else "", _columns(doc))


def write_per_gold_table(out: Path, suffix: str, render: Callable[[Table], str]) -> list[Path]:
    """``<table><suffix>`` for each gold table into ``out``, as ``render`` makes it; files of tables gone are removed."""
    out.mkdir(parents=True, exist_ok=True)
    tables = registry.select("gold")
    for stale in set(out.glob(f"*{suffix}")) - {out / f"{t.short_name}{suffix}" for t in tables}:
        stale.unlink()
    written = []
    for table in tables:
        path = out / f"{table.short_name}{suffix}"
        path.write_text(render(table))
        written.append(path)
    return written
