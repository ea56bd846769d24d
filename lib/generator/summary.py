"""What a generation run landed, per source."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, NamedTuple


class SourceCounts(NamedTuple):
    files: int
    records: int  # lines or rows, CSV headers excluded
    bad: int  # records made bad or delivered badly on purpose (duplicates included)


@dataclass(frozen=True)
class GenerationSummary:
    sources: Mapping[str, SourceCounts]

    @property
    def totals(self) -> SourceCounts:
        return SourceCounts(*(sum(column) for column in zip(*self.sources.values(), (0, 0, 0))))
