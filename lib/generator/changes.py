"""Row changes wrapped as change-data-capture events, in the envelope Debezium emits.

The log position (``source.lsn``) follows commit order across both tables, as
a database's write-ahead log does; ``ts_ms`` is when the connector read the
change, a moment after the commit.
"""
from __future__ import annotations

from lakehouse.lib.generator.orders import Change
from lakehouse.lib.generator.run import Run


def change_events(run: Run, changes: list[Change]) -> dict[str, list[tuple[int, dict[str, object]]]]:
    """Per table, (ts_ms, envelope) in log order."""
    rng = run.rng("change-capture")
    events: dict[str, list[tuple[int, dict[str, object]]]] = {"orders": [], "order_items": []}
    read_ms = 0
    for position, change in enumerate(changes, start=1):
        read_ms = max(read_ms, change.ms + rng.randint(40, 1500))
        events[change.table].append((read_ms, {
            "op": change.op,
            "ts_ms": read_ms,
            "source": {"table": change.table, "lsn": run.lsn_base + position},
            "before": change.before,
            "after": change.after,
        }))
    return events
