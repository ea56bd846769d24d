"""A seeded, realistic synthetic data set for every landing source, messy data included.

Plain Python, no Spark: the shop (customers, products) comes from the seed, the
window's activity from the seed and the start date, and every file is written
in the format of the landing contract (docs/generator.md says what and how).

>>> from pathlib import Path
>>> summary = generate(Path("/tmp/landing"), customers=50, events=2_000, days=2, progress=False)
>>> summary.totals.files > 0
True
"""
from __future__ import annotations

import datetime
import pathlib
from typing import Callable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lakehouse.lib.generator.access_log import access_log_lines
from lakehouse.lib.generator.catalog import build_catalog
from lakehouse.lib.generator.changes import change_events
from lakehouse.lib.generator.clickstream import browse
from lakehouse.lib.generator.delivery import DELIVERY_FAULTS, disturb_delivery, stray_file
from lakehouse.lib.generator.exports import customer_files, fx_files, product_files
from lakehouse.lib.generator.files import LandingFile, Row, file_names, files_by_day, land
from lakehouse.lib.generator.inventory import stock_movements
from lakehouse.lib.generator.mess import RECORD_FAULTS, spoil_records
from lakehouse.lib.generator.orders import history_purchases, order_history, prior_purchases
from lakehouse.lib.generator.people import build_crm
from lakehouse.lib.generator.reviews import reviews
from lakehouse.lib.generator.run import Run
from lakehouse.lib.generator.search import Searcher
from lakehouse.lib.generator.summary import GenerationSummary, SourceCounts

__all__ = ["GenerationSummary", "SourceCounts", "generate", "source_records"]

SOURCES = ("clickstream", "search", "inventory", "orders", "order_items", "customers", "products", "fx_rates",
           "reviews", "server_logs")
EVENT_FILES_PER_DAY = 4
REVIEW_FILES_PER_DAY = 2
MAX_STRAY_RECORDS = 20
FEW_OF_A_KIND = {"long_string", "empty_file"}  # a handful make the point, so they take no share of the budget


def generate(
    landing: pathlib.Path,
    *,
    customers: int = 2_000,
    events: int = 200_000,
    days: int = 7,
    seed: int = 7,
    start: datetime.date = datetime.date(2026, 11, 20),
    bad_rate: float = 0.01,
    history_days: int = 0,
    progress: bool = True,
) -> GenerationSummary:
    """Land ``days`` days of data from ``start`` under ``landing``; files already there are kept as they are.

    ``events`` is the number of clean clickstream events; the other event sources
    scale from it and from ``customers``. ``bad_rate`` is the share of records
    made bad, spread over every kind of bad input in the landing contract.
    ``history_days`` > 0 opens the shop that many days before ``start``: its
    customers sign up from then on, buy at rhythms of their own and some leave
    (``lifetimes.py``), and the orders of those days arrive in the database's
    first snapshot. With 0 the shop is older and the snapshot holds a few days.
    """
    columns = (TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not progress) as bar:
        tasks = {source: bar.add_task(source, total=None) for source in SOURCES}
        run, planned = _planned_files(customers, events, days, seed, start, bad_rate, history_days)
        counts = {}
        for source in SOURCES:
            bar.update(tasks[source], total=len(planned[source]))
            counts[source] = _land_source(pathlib.Path(landing), run, planned[source],
                                          lambda: bar.advance(tasks[source]))
    return GenerationSummary(counts)


def source_records(
    *,
    customers: int = 2_000,
    events: int = 200_000,
    days: int = 7,
    seed: int = 7,
    start: datetime.date = datetime.date(2026, 11, 20),
    bad_rate: float = 0.01,
    history_days: int = 0,
) -> dict[str, list[Row]]:
    """Every source's records in landing order, bad ones included, as ``generate`` lands them, in memory:
    what a publisher sends instead of files (``lakehouse generate --to-kafka``).

    A truncated gzip file is a fault of files alone, so its records (copies of others) are left out.
    """
    _, planned = _planned_files(customers, events, days, seed, start, bad_rate, history_days)
    return {source: [row for landing_file in planned[source] if not landing_file.truncated
                     for row in landing_file.rows] for source in SOURCES}


def _planned_files(customers: int, events: int, days: int, seed: int, start: datetime.date,
                   bad_rate: float, history_days: int) -> tuple[Run, dict[str, list[LandingFile]]]:
    """Every source's files as they will land: the clean records cut into day files, then made bad."""
    _check(customers, events, days, bad_rate, history_days)
    run = Run(seed, start, days, history_days)
    planned = _clean_files(run, customers, events)
    _make_mess(run, planned, bad_rate)
    return run, planned


def _check(customers: int, events: int, days: int, bad_rate: float, history_days: int) -> None:
    if customers < 1 or events < 1 or days < 1 or history_days < 0 or not 0 <= bad_rate <= 0.5:
        raise ValueError("need customers >= 1, events >= 1, days >= 1, history_days >= 0 and 0 <= bad_rate <= 0.5")


def _clean_files(run: Run, customers: int, events: int) -> dict[str, list[LandingFile]]:
    """Every source's records, cut into day files, before anything goes wrong."""
    catalog = build_catalog(run, max(20, customers // 4))
    crm = build_crm(run, customers)
    before = (history_purchases(run, catalog, crm) if run.history_days
              else prior_purchases(run, catalog, crm, max(3, events // 4_000)))
    browsing = browse(run, catalog, crm, Searcher(catalog), events, first_order=len(before) + 1)
    purchases = before + browsing.purchases
    changes, orders = order_history(run, catalog, crm, purchases)
    captured = change_events(run, changes)
    timed = {
        "clickstream": ("jsonl", browsing.events),
        "search": ("jsonl", browsing.searches),
        "inventory": ("jsonl", stock_movements(run, catalog, orders, adjustments=events // 400)),
        "orders": ("jsonl", captured["orders"]),
        "order_items": ("jsonl", captured["order_items"]),
        "server_logs": ("log", access_log_lines(run, browsing.events)),
    }
    planned = {source: files_by_day(run, source, fmt, rows, EVENT_FILES_PER_DAY)
               for source, (fmt, rows) in timed.items()}
    written_reviews = reviews(run, catalog, crm, orders, max(10, events // 80))
    planned["reviews"] = files_by_day(run, "reviews", "jsonl", written_reviews, REVIEW_FILES_PER_DAY)
    planned["customers"] = customer_files(run, crm)
    planned["products"] = product_files(catalog)
    planned["fx_rates"] = fx_files(run)
    return planned


def _make_mess(run: Run, planned: dict[str, list[LandingFile]], bad_rate: float) -> None:
    """Spread ``bad_rate`` of each source's records over the kinds of bad input that source can suffer."""
    if bad_rate <= 0:
        return
    reviews_count = sum(len(f.rows) for f in planned["reviews"])
    stray_count = min(MAX_STRAY_RECORDS, max(1, round(bad_rate * reviews_count)))
    stray = stray_file(run.rng("mess/stray"), planned["reviews"], "search", stray_count)
    for source, files in planned.items():
        records = sum(len(f.rows) for f in files)
        kinds = {fault.kind for fault in RECORD_FAULTS.get(source, ())} | set(DELIVERY_FAULTS.get(source, ()))
        if not kinds:
            continue
        per_kind = max(1, round(bad_rate * records / max(1, len(kinds - FEW_OF_A_KIND))))
        rng = run.rng(f"mess/{source}")
        spoiled = spoil_records(rng, source, files, per_kind)
        disturb_delivery(rng, source, files, per_kind, spoiled)
    planned["search"].append(stray)


def _land_source(landing: pathlib.Path, run: Run, files: list[LandingFile], advance: Callable[[], None]
                 ) -> SourceCounts:
    """Land each file that is not there yet; the counts are of what this call wrote."""
    written = records = bad = 0
    for name, landing_file in zip(file_names(run, files), files):
        if land(landing / name, landing_file.content()):
            written, records, bad = written + 1, records + len(landing_file.rows), bad + landing_file.bad
        advance()
    return SourceCounts(written, records, bad)
