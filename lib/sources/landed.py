"""The records that have landed, counted in plain Python: an independent count to check bronze against.

The pipeline reads the landing zone with Spark; this module reads it with the
standard library alone (no Spark), so "landed records = bronze rows" checks the
pipeline rather than repeating it. It counts what bronze keeps: every line of a
line-based source (JSON Lines, access logs), blank lines included, and every
record of a CSV source but its header rows. A truncated gzip file counts the
lines that decompressed whole before its data ran out, as Spark's text reader
yields them.

>>> landed_records(Path("data/landing"), {"customers": "customer_id"})["customers"]  # doctest: +SKIP
2183
"""
from __future__ import annotations

import collections
import csv
import gzip
import io
from pathlib import Path
from typing import Iterator, Mapping

CHUNK_BYTES = 1 << 16


def landed_records(landing: Path, csv_keys: Mapping[str, str]) -> collections.Counter[str]:
    """Records per source folder of ``landing``; ``csv_keys`` maps each CSV source to its key column.

    Sources not in ``csv_keys`` are line-based. Every folder found is counted, and
    so is every CSV source; a source without a folder counts 0 (and, being a
    ``Counter``, so does any name not in it).
    """
    found = [p.name for p in landing.iterdir() if p.is_dir() and not _hidden(p.name)] if landing.is_dir() else []
    counts: collections.Counter[str] = collections.Counter()
    for source in sorted({*found, *csv_keys}):
        key = csv_keys.get(source)
        counts[source] = sum(_csv_records(path, key) if key else _lines(path) for path in _files(landing / source))
    return counts


def _hidden(name: str) -> bool:
    """Spark lists no file or folder whose name starts with ``.`` or ``_``."""
    return name.startswith((".", "_"))


def _files(folder: Path) -> Iterator[Path]:
    """Every regular file below ``folder`` that Spark reads, at any depth."""
    for path in folder.rglob("*"):
        if path.is_file() and not any(_hidden(part) for part in path.relative_to(folder).parts):
            yield path


def _opened(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _lines(path: Path) -> int:
    """Lines ending in ``\\n``, ``\\r\\n`` or ``\\r`` (``bytes.splitlines``), a last one without an end included."""
    count, last = 0, b""
    with _opened(path) as stream:
        try:
            while chunk := stream.read1(CHUNK_BYTES):
                ends = chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
                count, last = count + ends - (last == b"\r" and chunk.startswith(b"\n")), chunk[-1:]
        except EOFError:  # truncated gzip: the line the data ran out in is lost, a last "\r" could be "\r\n"
            return count - (last == b"\r")
    return count + (last not in (b"", b"\n", b"\r"))


def _csv_records(path: Path, key: str) -> int:
    """CSV records as the csv module reads them; a row with a cell naming the key column is a header."""
    count = 0
    with io.TextIOWrapper(_opened(path), encoding="utf-8-sig", errors="replace", newline="") as text:
        try:
            for row in csv.reader(text):  # a blank line is the record []
                count += not any(cell.replace("\ufeff", "").strip() == key for cell in row)
        except EOFError:  # truncated gzip: the records that decompressed whole
            pass
    return count
