"""Stock movements per product and warehouse: sales, restocks, returns and count corrections.

Movements are replayed in time order per product and warehouse, so every
``qty_on_hand`` is the previous one plus ``qty_delta`` and never drops below
zero: a warehouse running low is restocked within the day.
"""
from __future__ import annotations

import heapq
import random
import uuid

from lakehouse.lib.generator.catalog import Catalog
from lakehouse.lib.generator.clock import DAY_MS, HOUR_MS, iso_ms
from lakehouse.lib.generator.orders import OrderFacts
from lakehouse.lib.generator.run import Run

WAREHOUSES = ("W1", "W2", "W3", "W4")
REORDER_POINT = 8
Queued = tuple[int, int, str, str, str, int]  # ms, tie-break, product_id, warehouse_id, reason, signed quantity


def warehouse_for(rng: random.Random, country: str) -> str:
    """US east and west coast, the EU hub in the Netherlands, and the UK."""
    if country in ("US", "CA"):
        return rng.choice(("W1", "W2"))
    if country == "AU":
        return "W2"
    return "W4" if country == "GB" else "W3"


def stock_movements(run: Run, catalog: Catalog, orders: list[OrderFacts], adjustments: int
                    ) -> list[tuple[int, dict[str, object]]]:
    """(event ms, record) for every stock movement inside the window: sales and returns of the orders,
    morning deliveries, stock-count corrections, and restocks of what runs low."""
    rng = run.rng("inventory")
    queue: list[Queued] = []
    for order in orders:
        warehouse = warehouse_for(rng, order.country)
        for product_id, quantity in order.lines:
            sold_at = order.placed_ms + rng.randint(500, 5000)
            _push(queue, sold_at, product_id, warehouse, "sale", -quantity)
            for status in ("cancelled", "returned", "deleted"):
                if status in order.milestones:
                    reason = "return" if status == "returned" else "adjustment"
                    _push(queue, order.milestones[status] + rng.randint(HOUR_MS, 20 * HOUR_MS), product_id,
                          warehouse, reason, quantity)
    for day in range(run.days):
        for warehouse in WAREHOUSES:
            morning = run.start_ms + day * DAY_MS + 5 * HOUR_MS
            for product in rng.sample(catalog.products, max(1, len(catalog.products) // 25)):
                _push(queue, morning + rng.randrange(3 * HOUR_MS), product.product_id, warehouse, "restock",
                      rng.choice((24, 36, 48, 60, 120)))
    for _ in range(adjustments):
        _push(queue, run.start_ms + rng.randrange(run.days * DAY_MS), catalog.pick(rng).product_id,
              rng.choice(WAREHOUSES), "adjustment", rng.choice((-3, -2, -1, -1, 1, 1, 2, 5)))
    return _replay(rng, run, queue)


def _push(queue: list[Queued], ms: int, product_id: str, warehouse: str, reason: str, delta: int) -> None:
    heapq.heappush(queue, (ms, len(queue), product_id, warehouse, reason, delta))


def _replay(rng: random.Random, run: Run, queue: list[Queued]) -> list[tuple[int, dict[str, object]]]:
    """Apply movements in time order, restocking a warehouse that runs low."""
    on_hand: dict[tuple[str, str], int] = {}
    last_ms: dict[tuple[str, str], int] = {}
    records = []
    counter = len(queue)
    while queue:
        ms, _, product_id, warehouse, reason, delta = heapq.heappop(queue)
        if not run.start_ms <= ms < run.end_ms:
            continue
        key = (product_id, warehouse)
        stock = on_hand.get(key, rng.randint(15, 120))
        if stock + delta < 0:
            restocked_at = max(last_ms.get(key, run.start_ms), ms - rng.randint(HOUR_MS, 3 * HOUR_MS)) + 1
            stock += 60
            records.append(_record(rng, min(restocked_at, ms - 1), key, stock, 60, "restock"))
        stock += delta
        on_hand[key], last_ms[key] = stock, ms
        records.append(_record(rng, ms, key, stock, delta, reason))
        if reason == "sale" and stock < REORDER_POINT:
            counter += 1
            heapq.heappush(queue, (ms + rng.randint(4 * HOUR_MS, 20 * HOUR_MS), counter, product_id, warehouse,
                                   "restock", rng.choice((40, 60, 100, 150))))
    records.sort(key=lambda item: item[0])
    return records


def _record(rng: random.Random, ms: int, key: tuple[str, str], on_hand: int, delta: int, reason: str
            ) -> tuple[int, dict[str, object]]:
    return ms, {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "event_ts": iso_ms(ms),
        "product_id": key[0],
        "warehouse_id": key[1],
        "qty_on_hand": on_hand,
        "qty_delta": delta,
        "reason": reason,
    }
