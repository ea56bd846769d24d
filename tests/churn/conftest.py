"""The shop the churn tests train on: the generator's own history, through the real feature snapshots into Delta.

The timeline is the generator's shop history (``lifetimes.py``), seeded: each customer buys at a
rhythm of their own and half of them leave, buying less over their last weeks, so churn is
learnable from recency against frequency. Its silver tables go through the real
``customer_features_history`` into Delta, once for the package, which training reads.
"""
from __future__ import annotations

import random
from datetime import date
from typing import Iterator

import pytest
from pyspark.sql import SparkSession

from lakehouse.gold.customer_features import customer_features
from lakehouse.gold.customer_features_history import customer_features_history
from lakehouse.lib.config import Churn, Settings
from lakehouse.lib.generator.clock import utc
from lakehouse.lib.generator.lifetimes import draw_lifetimes
from lakehouse.lib.generator.run import Run

from ..gold.conftest import SILVER_SCHEMAS, frame

WINDOW_START = date(2024, 5, 1)
DAYS = 120
CUSTOMERS = 2000
COUNTRIES = ("US", "DE", "FR", "GB")
SCORES = "gold.customer_scores"


def timeline(seed: int = 11) -> dict[str, list[dict]]:
    """Silver rows of the ``DAYS`` of a shop's history before ``WINDOW_START``, as the generator draws them."""
    run = Run(seed, WINDOW_START, days=1, history_days=DAYS)
    rng = random.Random(seed)
    rows: dict[str, list[dict]] = {"customers": [], "orders": [], "order_items": []}
    for number, lifetime in enumerate(draw_lifetimes(run, CUSTOMERS), start=1):
        customer = f"C{number:05d}"
        rows["customers"].append({"customer_id": customer, "customer_key": f"K{number:05d}",
                                  "country": rng.choice(COUNTRIES), "is_current": True,
                                  "signup_ts": f"{utc(lifetime.signup_ms):%Y-%m-%d %H:%M:%S}"})
        for ms in lifetime.order_times(rng, run.start_ms):
            moment = f"{utc(ms):%Y-%m-%d %H:%M:%S}"
            order = f"O{number:05d}-{ms}"
            rows["orders"].append({"order_id": order, "customer_id": customer, "status": "paid", "currency": "USD",
                                   "order_ts": moment, "updated_at": moment, "order_date": moment[:10]})
            rows["order_items"].append({"order_id": order, "line_no": 1, "quantity": 1,
                                        "net_amount": f"{rng.uniform(10, 60):.2f}"})
    return rows


@pytest.fixture(scope="package")
def shop(spark: SparkSession, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings on a root of its own holding the timeline's silver tables and their feature snapshots."""
    root = tmp_path_factory.mktemp("churn") / "lakehouse"
    shop = settings.model_copy(update={
        "paths": settings.paths.model_copy(update={"lakehouse": str(root)}),
        "churn": Churn(horizon_days=30),
    })
    silver = {name: frame(spark, SILVER_SCHEMAS[name], rows) for name, rows in timeline().items()}
    empty = {name: frame(spark, SILVER_SCHEMAS[name], []) for name in ("fx_rates", "reviews", "clickstream")}
    history = customer_features_history(silver["customers"], silver["order_items"], silver["orders"],
                                        empty["fx_rates"], empty["clickstream"], empty["reviews"])
    current = customer_features(silver["customers"], silver["order_items"], silver["orders"], empty["fx_rates"],
                                empty["clickstream"], empty["reviews"])
    tables = {"gold.customer_features_history": history, "gold.customer_features": current,
              "silver.customers": silver["customers"], "silver.orders": silver["orders"]}
    for name, table in tables.items():
        table.write.format("delta").save(shop.table_path(name))
    yield shop
    spark.sql(f"DROP TABLE IF EXISTS {SCORES}")  # scoring registered it in the test run's one catalog
