"""Every table declared once: what it reads, its key, rules, checks and write, and one pure transformation.

A layer module declares its table with ``@table(...)`` on a plain function; the
decorator registers the declaration and hands the function back unchanged, so it
stays an ordinary ``DataFrame -> DataFrame`` function to call in a unit test.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from pyspark.sql import DataFrame

from lakehouse.lib.incremental import ByKey
from lakehouse.lib.quality import suite_version
from lakehouse.lib.quality.checks import Check, KeyUnique, NullShare, References
from lakehouse.lib.rules import Rule
from lakehouse.lib.writes import Append, History, Write

LAYERS = ("bronze", "silver", "gold")

Transform = Callable[..., DataFrame]


@dataclass(frozen=True)
class Landing:
    """Files in ``<landing>/<folder>/``, read line by line; CSV files name their header's key column."""

    folder: str
    header_key: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    transform: Transform
    source: Landing | str | tuple[str, ...]
    key: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    write: Write = field(default_factory=Append)
    pseudonyms: Mapping[str, str] = field(default_factory=dict)
    encrypted: tuple[str, ...] = ()  # columns stored encrypted with the personal data key (lib/encryption.py)
    refresh: ByKey | None = None
    checks: tuple[Check, ...] = ()
    event_time: str | None = None  # the column lateness is measured on (stream.sources.<source>.watermark)
    cluster_by: tuple[str, ...] = ()  # the columns reads filter by: Delta's liquid clustering, applied by maintain

    @property
    def layer(self) -> str:
        return self.name.split(".")[0]

    @property
    def short_name(self) -> str:
        return self.name.split(".")[1]

    @property
    def grain(self) -> str:
        """The first line of the transformation's docstring, as plain text (no ``literal`` marks)."""
        return ((self.transform.__doc__ or "").strip().splitlines() or [""])[0].replace("``", "")

    @property
    def inputs(self) -> tuple[str, ...]:
        """The tables this one reads, by name (none for a landing folder)."""
        if isinstance(self.source, Landing):
            return ()
        return (self.source,) if isinstance(self.source, str) else self.source

    @property
    def rules_version(self) -> str:
        """The version of the rules that judge this table's rows, recorded with each quarantined row and result."""
        return suite_version(self.rules)

    @property
    def stored_key(self) -> tuple[str, ...]:
        """The key of the stored table: a type-2 history holds one row per key and version."""
        return (*self.key, "valid_from") if self.key and isinstance(self.write, History) else self.key

    @property
    def checks_read(self) -> tuple[str, ...]:
        """Other tables its checks read (a reference check's table), by name."""
        return tuple(dict.fromkeys(check.table for check in self.checks if isinstance(check, References)))

    @property
    def table_checks(self) -> tuple[Check, ...]:
        """What the stored table must hold after a run: its key unique and never NULL, then the declared checks."""
        key = self.stored_key
        from_key = (KeyUnique(columns=key), *(NullShare(column=column) for column in key)) if key else ()
        return (*from_key, *self.checks)

    @property
    def is_stream(self) -> bool:
        """Landing folders and single tables are read as streams; several inputs are rebuilt together."""
        return not isinstance(self.source, tuple)


_TABLES: dict[str, Table] = {}


def table(
    name: str,
    *,
    source: Landing | str | tuple[str, ...],
    key: Sequence[str] = (),
    rules: Sequence[Rule] = (),
    write: Write | None = None,
    pseudonyms: Mapping[str, str] | None = None,
    encrypted: Sequence[str] = (),
    refresh: ByKey | None = None,
    checks: Sequence[Check] = (),
    event_time: str | None = None,
    cluster_by: Sequence[str] = (),
) -> Callable[[Transform], Transform]:
    """Declare ``name`` (``layer.table``) as built by the decorated function.

    ``source`` is a landing folder, one table read as a stream, or several tables whose
    current contents the function receives as arguments, in that order. Such a table is
    rebuilt whole, or, with ``refresh``, only where what changed upstream touches it.
    ``checks`` are what the stored table must hold after each run, besides its key's.
    ``event_time`` is the column an event's lateness is measured on, against its source's watermark.
    ``cluster_by`` names the columns the table's readers filter by (a silver table's date, which gold's
    refreshes select); ``lakehouse maintain`` lays its files out by them (Delta's liquid clustering).
    ``pseudonyms`` (output column -> input column) are stored as keyed hashes, ``encrypted`` columns encrypted.
    """

    def declare(transform: Transform) -> Transform:
        if name in _TABLES and _TABLES[name].transform is not transform:
            raise ValueError(f"table {name} is declared twice")
        _TABLES[name] = Table(
            name=name,
            transform=transform,
            source=source,
            key=tuple(key),
            rules=tuple(rules),
            write=write or Append(),
            pseudonyms=dict(pseudonyms or {}),
            encrypted=tuple(encrypted),
            refresh=refresh,
            checks=tuple(checks),
            event_time=event_time,
            cluster_by=tuple(cluster_by),
        )
        return transform

    return declare


def _discover() -> None:
    for layer in LAYERS:
        package = importlib.import_module(f"lakehouse.{layer}")
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"lakehouse.{layer}.{module.name}")


def get(name: str) -> Table:
    _discover()
    if name not in _TABLES:
        raise KeyError(name)
    return _TABLES[name]


def checked_tables() -> list[Table]:
    """The silver tables that declare rules: the ones with a quarantine and a suite."""
    return [table for table in select("silver") if table.rules]


def validated_tables() -> list[Table]:
    """The silver and gold tables with table-level checks: a key, or declared ones."""
    return [table for table in select("all") if table.layer != "bronze" and table.table_checks]


def select(selection: str | Sequence[str] = "all", upstream: bool = False) -> list[Table]:
    """``all``, a layer (``silver``) or one table (``silver.orders``), or several of these, upstream tables first.

    With ``upstream``, every table the chosen ones read, directly or not, is chosen too
    (dbt's ``+model``): ``gold.daily_sales`` with its silver and bronze tables.
    """
    _discover()
    picked: dict[str, Table] = {}
    for one in [selection] if isinstance(selection, str) else selection:
        if one == "all":
            found = list(_TABLES.values())
        elif one in LAYERS:
            found = [t for t in _TABLES.values() if t.layer == one]
        elif one in _TABLES:
            found = [_TABLES[one]]
        else:
            raise KeyError(one)
        picked.update((t.name, t) for t in found)
    chosen = list(picked.values())
    if upstream:
        chosen = _with_inputs(chosen)
    return _upstream_first(chosen)


def _with_inputs(chosen: list[Table]) -> list[Table]:
    found: dict[str, Table] = {}
    waiting = list(chosen)
    while waiting:
        table = waiting.pop()
        if table.name not in found:
            found[table.name] = table
            waiting.extend(_TABLES[name] for name in table.inputs)
    return list(found.values())


def _upstream_first(chosen: list[Table]) -> list[Table]:
    """Order tables so that every table comes after the chosen tables it reads."""
    wanted = {t.name for t in chosen}
    ordered: list[Table] = []
    placed: set[str] = set()

    def place(t: Table, path: tuple[str, ...]) -> None:
        if t.name in placed:
            return
        if t.name in path:
            raise ValueError(f"tables read each other in a cycle: {' -> '.join((*path, t.name))}")
        for name in t.inputs:
            if name in wanted:
                place(_TABLES[name], (*path, t.name))
        placed.add(t.name)
        ordered.append(t)

    layer_rank = {layer: rank for rank, layer in enumerate(LAYERS)}
    for t in sorted(chosen, key=lambda t: (layer_rank[t.layer], t.name)):
        place(t, ())
    return ordered


def csv_header_keys() -> dict[str, str]:
    """Landing folder -> the key column that marks a header row, for every CSV source."""
    return {t.source.folder: t.source.header_key for t in select("bronze")
            if isinstance(t.source, Landing) and t.source.header_key}


def names() -> list[str]:
    _discover()
    return sorted(_TABLES)
