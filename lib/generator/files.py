"""Landing files: how records are cut into day folders and parts, and how a file lands.

A file is written under a hidden temporary name in its folder and renamed into
place, so a reader never sees half a file; a file that already exists is left
alone, because landed files are never modified.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from lakehouse.lib.generator.run import Run

Row = dict[str, object] | list[str] | str  # a JSON record, a CSV row, or a line exactly as it is written
COMPRESSED_EVERY = 3  # every third JSON Lines or log file is gzip-compressed
TRUNCATED_SHARE = 0.6  # share of a truncated gzip file's bytes that survive
_to_json = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(frozen=True)
class CsvLayout:
    """How an exporter writes a CSV file; every layout gives valid RFC 4180 records.

    ``order`` lists the header's columns in the order this file writes them (rows stay
    in the header's order until written, so a fault's cell index keeps naming its
    column); ``joined_at`` is the row where a second export, with its own header, was
    appended to the file, as ``cat`` of two exports leaves it.
    """
    line_end: str = "\n"
    bom: bool = False
    final_newline: bool = True
    order: Sequence[str] | None = None
    joined_at: int | None = None


@dataclass
class LandingFile:
    source: str
    day_index: int
    fmt: str  # "jsonl", "csv" or "log"
    rows: list[Row] = field(default_factory=list)
    compressed: bool = False
    truncated: bool = False
    header: Sequence[str] | None = None
    bad: int = 0  # records in this file made bad or delivered badly on purpose
    layout: CsvLayout = CsvLayout()

    def content(self) -> bytes:
        """The bytes as they land: text, gzip-compressed (mtime 0, so reproducible), maybe cut short."""
        data = self._text().encode("utf-8")
        if not self.compressed:
            return data
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        return packed[:int(len(packed) * TRUNCATED_SHARE)] if self.truncated else packed

    def _text(self) -> str:
        if not self.rows:
            return ""
        if self.fmt == "csv":
            return self._csv_text()
        return "\n".join(row if isinstance(row, str) else _to_json(row) for row in self.rows) + "\n"

    def _csv_text(self) -> str:
        layout, header = self.layout, list(self.header or ())
        positions = [header.index(name) for name in layout.order] if layout.order else list(range(len(header)))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=layout.line_end)
        writer.writerow([header[i] for i in positions])
        for number, row in enumerate(self.rows):
            if number == layout.joined_at:
                writer.writerow([header[i] for i in positions])
            if isinstance(row, str):
                buffer.write(row + layout.line_end)
            else:  # a row of the wrong width (a bad one) is written as it is: its columns are unknown
                writer.writerow([row[i] for i in positions] if len(row) == len(header) else row)
        text = buffer.getvalue()
        text = text if layout.final_newline else text.removesuffix(layout.line_end)
        return "\ufeff" + text if layout.bom else text


def files_by_day(run: Run, source: str, fmt: str, timed_rows: list[tuple[int, Row]], parts: int
                 ) -> list[LandingFile]:
    """Each day's records (in time order) cut into ``parts`` files, as hourly exports would be."""
    by_day: list[list[Row]] = [[] for _ in range(run.days)]
    for ms, row in timed_rows:
        by_day[min(max(run.day_index(ms), 0), run.days - 1)].append(row)
    files = []
    for day_index, rows in enumerate(by_day):
        size = -(-len(rows) // parts) if rows else 0
        for part in range(parts):
            chunk = rows[part * size:(part + 1) * size] if size else []
            compressed = fmt != "csv" and (day_index * parts + part) % COMPRESSED_EVERY == COMPRESSED_EVERY - 1
            files.append(LandingFile(source, day_index, fmt, chunk, compressed=compressed))
    return [f for f in files if f.rows]


def file_names(run: Run, files: list[LandingFile]) -> list[Path]:
    """``<source>/dt=YYYY-MM-DD/part-NNNNN-<tag>.<ext>``, parts numbered per source and day."""
    numbers: dict[tuple[str, int], int] = {}
    names = []
    for landing_file in files:
        key = (landing_file.source, landing_file.day_index)
        part = numbers.get(key, 0)
        numbers[key] = part + 1
        suffix = landing_file.fmt + (".gz" if landing_file.compressed else "")
        names.append(Path(landing_file.source, f"dt={run.date(landing_file.day_index).isoformat()}",
                          f"part-{part:05d}-{run.tag}.{suffix}"))
    return names


def land(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` atomically; False when the file had already landed."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    hidden = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    hidden.write_bytes(content)
    os.replace(hidden, path)
    return True
