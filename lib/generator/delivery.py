"""Bad delivery: records and files that arrive twice, late, out of order, empty, cut or misplaced.

The records stay clean here; what goes wrong is how they travel. Copies are
identical to the original (same key), so a pipeline can recognise them as
duplicates; late and out-of-order records are the only copy of their event.
"""
from __future__ import annotations

import random

from lakehouse.lib.generator.files import LandingFile, Row

MIN_TRUNCATED_ROWS = 40
DELIVERY_FAULTS = {
    "clickstream": ("duplicate_in_file", "duplicate_across_files", "late", "empty_file", "truncated_gzip"),
    "search": ("duplicate_in_file", "duplicate_across_files", "late"),
    "inventory": ("duplicate_in_file", "duplicate_across_files", "late"),
    "reviews": ("duplicate_in_file", "duplicate_across_files", "late"),
    "orders": ("out_of_order", "redelivered"),
    "order_items": ("out_of_order", "redelivered"),
    "server_logs": ("empty_file",),
    "customers": ("duplicate_in_file",),
    "fx_rates": ("duplicate_in_file",),
}


def disturb_delivery(rng: random.Random, source: str, files: list[LandingFile], per_kind: int,
                     spoiled: set[int]) -> None:
    """Apply the source's delivery faults to ``per_kind`` clean records each (``spoiled`` ones are left alone)."""
    for kind in DELIVERY_FAULTS.get(source, ()) if files and per_kind else ():
        picks = sorted(_clean_positions(rng, files, spoiled, per_kind), reverse=True)
        if kind == "duplicate_in_file":
            for f, r in picks:
                files[f].rows.insert(rng.randint(r + 1, len(files[f].rows)), _copy(files[f].rows[r]))
                files[f].bad += 1
        elif kind in ("duplicate_across_files", "redelivered"):
            for f, r in picks:
                _deliver(rng, _later_file(rng, files, f), _copy(files[f].rows[r]))
        elif kind == "late":
            for f, r in _movable(files, picks, next_day=True):
                _deliver(rng, _later_file(rng, files, f), files[f].rows.pop(r))
        elif kind == "out_of_order":
            for f, r in _movable(files, picks, next_day=False):
                files[f + 1].rows.insert(0, files[f].rows.pop(r))
                files[f + 1].bad += 1
        elif kind == "empty_file":
            files.append(LandingFile(source, rng.randrange(files[-1].day_index + 1), files[0].fmt))
        elif kind == "truncated_gzip":
            picks = _clean_positions(rng, files, spoiled, max(per_kind, MIN_TRUNCATED_ROWS))
            copies = [_copy(files[f].rows[r]) for f, r in sorted(picks)]
            files.append(LandingFile(source, files[-1].day_index, files[0].fmt, copies, compressed=True,
                                     truncated=True, bad=len(copies)))


def _deliver(rng: random.Random, into: LandingFile, row: Row) -> None:
    into.rows.insert(rng.randint(0, len(into.rows)), row)
    into.bad += 1


def stray_file(rng: random.Random, donor: list[LandingFile], into: str, count: int) -> LandingFile:
    """A file of another source dropped into the wrong folder; its records are copies, so nothing is lost."""
    rows = [row for landing_file in donor for row in landing_file.rows if isinstance(row, dict)]
    picked = rng.sample(rows, min(len(rows), count))
    return LandingFile(into, donor[-1].day_index, "jsonl", [dict(row) for row in picked], bad=len(picked))


def _clean_positions(rng: random.Random, files: list[LandingFile], spoiled: set[int], count: int
                     ) -> list[tuple[int, int]]:
    positions = [(f, r) for f, landing_file in enumerate(files) for r, row in enumerate(landing_file.rows)
                 if id(row) not in spoiled and not isinstance(row, str)]
    return rng.sample(positions, min(count, len(positions)))


def _movable(files: list[LandingFile], picks: list[tuple[int, int]], next_day: bool) -> list[tuple[int, int]]:
    """Picks that have a later file (on a later day, when asked) to go to."""
    last_day = max(landing_file.day_index for landing_file in files)
    return [(f, r) for f, r in picks
            if f + 1 < len(files) and (not next_day or files[f].day_index < last_day)]


def _later_file(rng: random.Random, files: list[LandingFile], index: int) -> LandingFile:
    """One of the next few files on a later day than ``files[index]``, else any later file, else the last."""
    day = files[index].day_index
    later = [f for f in files[index + 1:] if f.rows]
    next_days = [f for f in later if f.day_index > day]
    return rng.choice((next_days or later)[:8]) if later else files[-1]


def _copy(row: Row) -> Row:
    return dict(row) if isinstance(row, dict) else list(row) if isinstance(row, list) else row
