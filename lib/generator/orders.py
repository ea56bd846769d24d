"""Orders as the transaction database sees them: rows inserted, updated, deleted over time.

Each order is placed, paid, shipped and delivered (some cancelled, some
returned days later, a few deleted); each of those is a row change. Totals
always equal the sum of the order's lines, in the order's currency.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from lakehouse.lib.generator.catalog import Catalog
from lakehouse.lib.generator.clickstream import Purchase
from lakehouse.lib.generator.clock import DAY_MS, HOUR_MS, MINUTE_MS, iso_ms, utc
from lakehouse.lib.generator.fx_rates import usd_per_unit
from lakehouse.lib.generator.people import Crm
from lakehouse.lib.generator.run import Run

CURRENCY_BY_COUNTRY = {"US": "USD", "CA": "USD", "AU": "USD", "GB": "GBP"}
ABROAD = ("DE", "FR", "NL", "ES", "IT", "GB", "US")
PRIOR_DAYS = 4
DISCOUNT_SHARES = (0.05, 0.1, 0.15, 0.2, 0.25)


@dataclass(frozen=True)
class Change:
    """One row change in the transaction database, before it is wrapped for delivery."""
    ms: int
    table: str
    op: str
    before: dict[str, object] | None
    after: dict[str, object] | None


@dataclass(frozen=True)
class OrderFacts:
    """What other sources (stock, reviews) need to know about an order."""
    order_id: str
    customer_id: str
    country: str
    placed_ms: int
    lines: tuple[tuple[str, int], ...]
    milestones: dict[str, int]


def prior_purchases(run: Run, catalog: Catalog, crm: Crm, count: int) -> list[Purchase]:
    """Orders placed in the days before the window: the database's initial snapshot reads them."""
    rng = run.rng("prior-orders")
    purchases = []
    for number in range(1, count + 1):
        placed = run.start_ms - rng.randrange(1, PRIOR_DAYS * DAY_MS)
        lines = _basket(rng, catalog)
        customer = crm.pick_signed_up(rng, placed)
        purchases.append(Purchase(run.order_id(number), customer.customer_id, placed, lines))
    return purchases


def history_purchases(run: Run, catalog: Catalog, crm: Crm) -> list[Purchase]:
    """Every order of the shop's history, each customer buying at their lifetime's rhythm, numbered in time
    order; the database's initial snapshot reads them."""
    rng = run.rng("history-orders")
    placed = sorted((ms, customer_id) for customer_id, lifetime in crm.lifetimes.items()
                    for ms in lifetime.order_times(rng, run.start_ms))
    return [Purchase(run.order_id(number), customer_id, ms, _basket(rng, catalog))
            for number, (ms, customer_id) in enumerate(placed, start=1)]


def _basket(rng: random.Random, catalog: Catalog) -> tuple[tuple[str, int], ...]:
    """One to three products, most often one of each."""
    lines = {catalog.pick(rng).product_id: rng.choice((1, 1, 1, 2)) for _ in range(rng.choice((1, 1, 2, 3)))}
    return tuple(lines.items())


def order_history(run: Run, catalog: Catalog, crm: Crm, purchases: list[Purchase]
                  ) -> tuple[list[Change], list[OrderFacts]]:
    """Every row change of every order up to the end of the window, in commit order."""
    rng = run.rng("orders")
    customers = {c.customer_id: c for c in crm.customers}
    changes: list[tuple[int, int, Change]] = []
    facts = []
    for purchase in purchases:
        home = customers[purchase.customer_id].country
        country = home if rng.random() < 0.95 else rng.choice(ABROAD)
        milestones = _milestones(rng, purchase.ms)
        facts.append(OrderFacts(purchase.order_id, purchase.customer_id, country, purchase.ms, purchase.lines,
                                milestones))
        for change in _row_changes(rng, run, catalog, purchase, country, milestones):
            if change.ms < run.end_ms:
                changes.append((change.ms, len(changes), change))
    changes.sort(key=lambda item: item[:2])
    return [change for _, _, change in changes], facts


def _milestones(rng: random.Random, placed: int) -> dict[str, int]:
    """When the order reaches each status; a deleted order stops where it was deleted."""
    at = {"placed": placed}
    if rng.random() < 0.03:
        at["cancelled"] = placed + rng.randint(10 * MINUTE_MS, 6 * HOUR_MS)
    else:
        at["paid"] = placed + rng.randint(MINUTE_MS, 20 * MINUTE_MS)
        if rng.random() < 0.02:
            at["cancelled"] = at["paid"] + rng.randint(HOUR_MS, 24 * HOUR_MS)
        else:
            at["shipped"] = at["paid"] + rng.randint(4 * HOUR_MS, 36 * HOUR_MS)
            at["delivered"] = at["shipped"] + rng.randint(24 * HOUR_MS, 96 * HOUR_MS)
            if rng.random() < 0.06:
                at["returned"] = at["delivered"] + rng.randint(DAY_MS, 5 * DAY_MS)
    if rng.random() < 0.012:
        deleted = placed + rng.randint(2 * HOUR_MS, 12 * HOUR_MS)
        at = {status: ms for status, ms in at.items() if ms < deleted}
        at["deleted"] = deleted
    if "paid" in at and "shipped" in at and rng.random() < 0.015:
        at["discounted"] = at["paid"] + rng.randint(0, at["shipped"] - at["paid"] - 1)
    return at


@dataclass
class _Line:
    """An order line in integer cents of the order's currency, so totals add up exactly."""
    line_no: int
    product_id: str
    quantity: int
    unit_cents: int
    discount_cents: int

    @property
    def net_cents(self) -> int:
        return self.quantity * self.unit_cents - self.discount_cents

    def row(self, order_id: str, as_text: bool) -> dict[str, object]:
        return {"order_id": order_id, "line_no": self.line_no, "product_id": self.product_id,
                "quantity": self.quantity, "unit_price": _money(self.unit_cents, as_text),
                "discount": _money(self.discount_cents, as_text)}


def _row_changes(rng: random.Random, run: Run, catalog: Catalog, purchase: Purchase, country: str,
                 milestones: dict[str, int]) -> list[Change]:
    currency = CURRENCY_BY_COUNTRY.get(country, "EUR")
    rate = usd_per_unit(run.seed, currency, utc(purchase.ms).date())
    as_text = rng.random() < 0.12
    lines = []
    for line_no, (product_id, quantity) in enumerate(purchase.lines, start=1):
        unit = round(catalog.price_cents_at(catalog.product(product_id), purchase.ms) / rate)
        discount = round(quantity * unit * rng.choice(DISCOUNT_SHARES)) if rng.random() < 0.2 else 0
        lines.append(_Line(line_no, product_id, quantity, unit, discount))
    order: dict[str, object] = {
        "order_id": purchase.order_id, "customer_id": purchase.customer_id, "order_ts": iso_ms(purchase.ms),
        "status": "placed", "currency": currency, "total_amount": _money(sum(line.net_cents for line in lines), as_text),
        "shipping_country": country, "updated_at": iso_ms(purchase.ms)}
    item_rows = [line.row(purchase.order_id, as_text) for line in lines]
    changes = [Change(purchase.ms, "orders", "c", None, order)]
    changes += [Change(purchase.ms, "order_items", "c", None, row) for row in item_rows]
    for status, ms in sorted(milestones.items(), key=lambda item: item[1]):
        before = order
        if status == "deleted":
            changes.append(Change(ms, "orders", "d", order, None))
            changes += [Change(ms, "order_items", "d", row, None) for row in item_rows]
        elif status == "discounted":
            first = lines[0]
            extra = first.unit_cents // 10  # a goodwill discount from customer service
            first.discount_cents = min(first.quantity * first.unit_cents, first.discount_cents + extra)
            changes.append(Change(ms, "order_items", "u", item_rows[0], first.row(purchase.order_id, as_text)))
            item_rows[0] = changes[-1].after
            total = _money(sum(line.net_cents for line in lines), as_text)
            order = {**order, "total_amount": total, "updated_at": iso_ms(ms)}
            changes.append(Change(ms, "orders", "u", before, order))
        elif status != "placed":
            order = {**order, "status": status, "updated_at": iso_ms(ms)}
            changes.append(Change(ms, "orders", "u", before, order))
    return _as_snapshot(run, changes) if purchase.ms < run.start_ms else changes


def _as_snapshot(run: Run, changes: list[Change]) -> list[Change]:
    """An order older than the window arrives as snapshot reads of its rows as they stood at the start."""
    current: dict[tuple[str, object], Change] = {}
    later = []
    for change in changes:
        row = change.after or change.before or {}
        key = (change.table, row.get("line_no"))
        if change.ms < run.start_ms:
            current[key] = change
        else:
            later.append(change)
    reads = [Change(run.start_ms, c.table, "r", None, c.after) for c in current.values() if c.op != "d"]
    return reads + later


def _money(cents: int, as_text: bool) -> float | str:
    """Two decimals at most: a JSON number, or a decimal string as some exports write it."""
    return f"{cents // 100}.{cents % 100:02d}" if as_text else cents / 100
