"""inventory_current: the latest movement per product and warehouse, by hand."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.inventory_current import LOW_STOCK_THRESHOLD, inventory_current

Build = Callable[..., DataFrame]
EXPECTED = ("product_id string, warehouse_id string, qty_on_hand int, last_event_ts timestamp, "
            "last_event_id string, low_stock boolean")


def test_inventory_current(silver: Build, rows: Build) -> None:
    assert LOW_STOCK_THRESHOLD == 10
    inventory = silver(
        "inventory",
        {"event_id": "e1", "product_id": "P1", "warehouse_id": "W1", "event_ts": "2024-03-01 10:00:00",
         "qty_on_hand": 50, "_ingested_at": "2024-03-01 10:01:00"},
        {"event_id": "e3", "product_id": "P1", "warehouse_id": "W1", "event_ts": "2024-03-01 12:00:00",
         "qty_on_hand": 8, "_ingested_at": "2024-03-01 12:01:00"},
        # arrived last but happened earlier: not the latest
        {"event_id": "e2", "product_id": "P1", "warehouse_id": "W1", "event_ts": "2024-03-01 11:00:00",
         "qty_on_hand": 30, "_ingested_at": "2024-03-03 00:00:00"},
        # two movements at the same instant: the greater event_id wins
        {"event_id": "e6", "product_id": "P1", "warehouse_id": "W2", "event_ts": "2024-03-01 09:00:00",
         "qty_on_hand": 15},
        {"event_id": "e5", "product_id": "P1", "warehouse_id": "W2", "event_ts": "2024-03-01 09:00:00",
         "qty_on_hand": 12},
        {"event_id": "e7", "product_id": "P2", "warehouse_id": "W1", "event_ts": "2024-03-02 09:00:00",
         "qty_on_hand": 10},
    )

    expected = rows(
        EXPECTED,
        {"product_id": "P1", "warehouse_id": "W1", "qty_on_hand": 8, "last_event_ts": "2024-03-01 12:00:00",
         "last_event_id": "e3", "low_stock": True},
        {"product_id": "P1", "warehouse_id": "W2", "qty_on_hand": 15, "last_event_ts": "2024-03-01 09:00:00",
         "last_event_id": "e6", "low_stock": False},
        # exactly at the threshold is not low
        {"product_id": "P2", "warehouse_id": "W1", "qty_on_hand": 10, "last_event_ts": "2024-03-02 09:00:00",
         "last_event_id": "e7", "low_stock": False},
    )
    assert_df_equality(inventory_current(inventory), expected, ignore_row_order=True, ignore_nullable=True)
