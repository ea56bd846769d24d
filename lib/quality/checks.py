"""Table-level checks as data: what must hold of a whole stored table, declared beside its rules.

A row rule (``lib/rules.py``) judges one row and splits a batch; a check judges the table a
run leaves behind: how many rows it holds, whether its key is unique and present, how many
rows lack a value, where its values lie, how new its newest row is, and whether what it
points at exists. Every table with a key gets the key's checks from the key itself; the
others are declared with ``@table(checks=[...])``. Each check is one Great Expectations
expectation (``lib/quality/expectations.py``) and one row of ``ops.dq_results`` per
validation, under its ``name``.

``warn`` reports; ``fail`` stops the run once the table is validated (exit 1, a failed run
for PagerDuty). Nothing here imports Great Expectations: layer modules declare checks
without loading it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

Action = Literal["warn", "fail"]


def _figure(value: float) -> str:
    """``0.5`` -> ``0.5``, ``3.0`` -> ``3``, for names that read as the declaration does."""
    return f"{value:g}"


@dataclass(frozen=True, kw_only=True)
class Check(ABC):
    action: Action = "warn"

    @property
    @abstractmethod
    def name(self) -> str:
        """The check's name in ``ops.dq_results`` and in the suite, as the declaration reads."""

    @property
    def counts_rows(self) -> bool:
        """Whether the check names rows that break it (a NULL, a duplicate, a dangling reference), or only
        a figure of the whole table (a count, a mean, the newest time)."""
        return True


@dataclass(frozen=True, kw_only=True)
class RowCount(Check):
    """The table holds between ``low`` and ``high`` rows (no upper bound when ``high`` is None)."""

    low: int
    high: int | None = None

    @property
    def name(self) -> str:
        return (f"row_count_at_least_{self.low}" if self.high is None
                else f"row_count_between_{self.low}_and_{self.high}")

    @property
    def counts_rows(self) -> bool:
        return False


@dataclass(frozen=True, kw_only=True)
class KeyUnique(Check):
    """No two rows share the key; a type-2 history's key includes ``valid_from``."""

    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return "key_is_unique"


@dataclass(frozen=True, kw_only=True)
class NullShare(Check):
    """At most ``at_most`` of the rows lack ``column`` (anonymous sessions: events without a customer); with
    ``at_most=0``, none does, as each column of a key."""

    column: str
    at_most: float = 0

    @property
    def name(self) -> str:
        if self.at_most == 0:
            return f"{self.column}_is_not_null"
        return f"{self.column}_null_share_at_most_{_figure(self.at_most)}"


@dataclass(frozen=True, kw_only=True)
class StatisticBetween(Check):
    """A figure of ``column`` over the whole table (``statistic``: the subclass's) between ``low`` and ``high``."""

    statistic: ClassVar[str]
    column: str
    low: float
    high: float

    @property
    def name(self) -> str:
        return f"{self.column}_{self.statistic}_between_{_figure(self.low)}_and_{_figure(self.high)}"

    @property
    def counts_rows(self) -> bool:
        return False


class MeanBetween(StatisticBetween):
    statistic = "mean"


class MedianBetween(StatisticBetween):
    statistic = "median"


@dataclass(frozen=True, kw_only=True)
class Fresh(Check):
    """The newest ``column`` is at most ``quality.max_age_hours`` old when the table is validated."""

    column: str

    @property
    def name(self) -> str:
        return f"{self.column}_is_fresh"

    @property
    def counts_rows(self) -> bool:
        return False


@dataclass(frozen=True, kw_only=True)
class References(Check):
    """Every non-NULL ``column`` is a ``to_column`` of ``table`` (order items whose order is known)."""

    column: str
    table: str
    to_column: str | None = None

    @property
    def name(self) -> str:
        return f"{self.column}_found_in_{self.table.split('.')[1]}"

    @property
    def target_column(self) -> str:
        return self.to_column or self.column
