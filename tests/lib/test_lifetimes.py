"""The shop's history (``generate --history-days``): customers buy at their own rhythm, some fade out and leave,
and those orders arrive in the database's first snapshot."""
from __future__ import annotations

import collections
import csv
import datetime
import gzip
import json
import random
from pathlib import Path

import pytest

from lakehouse.lib.generator import generate
from lakehouse.lib.generator.clock import DAY_MS
from lakehouse.lib.generator.lifetimes import Lifetime
from lakehouse.lib.generator.people import Crm, build_crm
from lakehouse.lib.generator.run import Run

START = datetime.date(2026, 11, 20)
HISTORY_DAYS = 60
OPENED = datetime.date(2026, 9, 21)  # 60 days before the window
CURRENCIES = 9  # rate_rows: EUR, GBP, JPY, CAD, AUD, CHF, SEK, PLN, and USD on the first date alone


def test_a_leaving_customer_orders_less_over_the_last_four_weeks_then_never_again() -> None:
    """Every other day for 200 days, leaving on day 100: about 36 orders in the 72 days before the fade, about
    half the 14 the fade's 28 days would hold at full rhythm, and none after."""
    leaving = Lifetime(signup_ms=0, orders_per_day=0.5, leaves_ms=100 * DAY_MS)
    days = [ms / DAY_MS for ms in leaving.order_times(random.Random(3), until_ms=200 * DAY_MS)]
    before_fade = sum(day < 72 for day in days)
    in_fade = sum(72 <= day < 100 for day in days)
    assert 28 <= before_fade <= 44
    assert in_fade < 0.75 * before_fade * 28 / 72, "the rhythm falls over the fade"
    assert max(days) < 100
    staying = Lifetime(signup_ms=0, orders_per_day=0.5, leaves_ms=None)
    assert max(ms / DAY_MS for ms in staying.order_times(random.Random(3), until_ms=200 * DAY_MS)) > 190


def test_a_customer_who_has_left_visits_no_more(tmp_path: Path) -> None:
    run = Run(7, START, days=7, history_days=HISTORY_DAYS)
    crm = build_crm(run, 50)
    left = [c for c in crm.customers if crm.has_left(c, run.start_ms)]
    # half leave, between signup (about 25 days after the opening) and 127 days after it: a third of them before
    # the window (day 60), about 8 of 50
    assert 3 <= len(left) <= 20
    rng = random.Random(5)
    visitors = {crm.pick_signed_up(rng, run.start_ms).customer_id for _ in range(2_000)}
    assert visitors and not visitors & {c.customer_id for c in left}
    older = Crm(crm.customers, [1.0] * len(crm.customers))  # no history: nobody has left
    assert not any(older.has_left(c, run.end_ms) for c in older.customers)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    generate(root, customers=200, events=2_000, days=2, start=START, history_days=HISTORY_DAYS, bad_rate=0.0,
             progress=False)
    return root


def records(root: Path, source: str) -> list[dict]:
    found = []
    for path in sorted((root / source).rglob("part-*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            found += [json.loads(line) for line in lines if line.strip()]
    return found


def test_the_shops_orders_since_its_opening_arrive_as_snapshot_reads(history: Path) -> None:
    reads = [r["after"] for r in records(history, "orders") if r["op"] == "r"]
    placed = sorted(datetime.date.fromisoformat(order["order_ts"][:10]) for order in reads)
    assert placed[0] - OPENED < datetime.timedelta(days=7) and placed[-1] < START
    # 200 customers at 0.195 orders a day on average (log-uniform from 1/20 to 1/2), for about 30 days each
    assert 600 < len(reads) < 1_600
    by_number = sorted(reads, key=lambda order: order["order_id"])
    assert [o["order_ts"] for o in by_number] == sorted(o["order_ts"] for o in by_number), "numbered in time order"
    per_customer = collections.Counter(order["customer_id"] for order in reads)
    assert per_customer.most_common(1)[0][1] >= 10, "a keen customer orders every few days"


def test_customers_signed_up_since_the_opening(history: Path) -> None:
    with next((history / "customers").rglob(f"part-*-s7-{START:%Y%m%d}.csv")).open(encoding="utf-8-sig") as f:
        signups = [datetime.date.fromisoformat(row["signup_ts"][:10]) for row in csv.DictReader(f)]
    assert min(signups) >= OPENED
    assert sum(day < OPENED + datetime.timedelta(days=30) for day in signups) > len(signups) / 2, "most come early"


def test_one_backfill_file_holds_every_rate_before_the_window(history: Path) -> None:
    before = sorted((history / "fx_rates").glob("dt=2026-09-*/*.csv")) + sorted(
        (history / "fx_rates").glob("dt=2026-1[01]-*/*.csv"))
    backfill = [path for path in before if path.parent.name < f"dt={START}"]
    assert [path.parent.name for path in backfill] == [f"dt={OPENED}"]
    with backfill[0].open(encoding="utf-8") as f:
        dates = collections.Counter(row["date"] for row in csv.DictReader(f))
    assert len(dates) == HISTORY_DAYS and dates[str(OPENED)] == CURRENCIES
    assert dates[str(START - datetime.timedelta(days=1))] == CURRENCIES - 1
