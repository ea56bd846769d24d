"""``lakehouse forget``: a customer leaves every table and every file under the root, and later runs keep them out.

A root of its own gets a small generated data set and one more customer, written by hand with
values found nowhere else: a CRM row, an order, website events (one of them a line that is not
JSON), a review that fails a rule, a search. After the pipeline, ``forget --purge`` and a
look at every file under the lakehouse root (Parquet cell by cell, the rest as bytes), the
customer is nowhere; the landing zone, which the project does not own, still holds them, and
a later run with a new file naming them writes none of their records and counts them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import catalog, config, maintenance, registry
from lakehouse.lib.encryption import decrypt
from lakehouse.lib.erasure import ERASURES, customer_key, forget
from lakehouse.lib.generator import generate
from lakehouse.lib.runner import Pipeline, run_tables
from tests.conftest import restore_catalog
from tests.integration.conftest import CUSTOMER_HEADER, event, land
from tests.privacy.test_secrets import texts

CUSTOMER = "C99777"
PERSONAL = {"id": CUSTOMER, "email": "zebedee.quartermaine@example.org", "first name": "Zebedee",
            "last name": "Quartermaine", "phone": "+44 7700 900777"}
SELECTION = ["silver.customers", "silver.customer_pii", "silver.orders", "silver.clickstream", "silver.reviews", "silver.search",
             "gold.customer_features"]


def order(order_id: str) -> str:
    row = {"order_id": order_id, "customer_id": CUSTOMER, "order_ts": "2026-11-21T09:00:00Z", "status": "placed",
           "currency": "EUR", "total_amount": "20.00", "shipping_country": "GB", "updated_at": "2026-11-21T09:00:00Z"}
    return json.dumps({"op": "c", "ts_ms": 1763715600000, "source": {"table": "orders", "lsn": 1}, "after": row})


def land_the_customer(landing: Path) -> None:
    land(landing, "customers/dt=2026-11-21/forget.csv", [
        CUSTOMER_HEADER,
        f"{CUSTOMER},{PERSONAL['email']},Zebedee,Quartermaine,{PERSONAL['phone']},1980-02-29,GB,Ullapool,IV26 2XY,"
        "2026-01-01T00:00:00Z,true,2026-11-21T00:00:00Z",
    ])
    land(landing, "orders/dt=2026-11-21/forget.jsonl", [order("F-O1")])
    land(landing, "clickstream/dt=2026-11-21/forget.jsonl", [
        event("F-E1", customer_id=CUSTOMER, session_id="S-F"),
        event("F-E2", customer_id=CUSTOMER, session_id="S-F", event_type="checkout_start"),
        f'{{"event_id": "F-E3", "customer_id": "{CUSTOMER}", "event_ts": ',  # cut short: not JSON
    ])
    land(landing, "reviews/dt=2026-11-21/forget.jsonl", [
        json.dumps({"review_id": "F-R1", "product_id": "P00001", "customer_id": CUSTOMER, "rating": "five",
                    "created_ts": "2026-11-21T10:00:00Z"}),
    ])
    land(landing, "search/dt=2026-11-21/forget.jsonl", [
        json.dumps({"search_id": "F-S1", "search_ts": "2026-11-21T10:00:00Z", "session_id": "S-F",
                    "customer_id": CUSTOMER, "query": "tweed cap", "results_count": 3}),
    ])


@pytest.fixture(scope="module")
def root(spark: SparkSession, settings: config.Settings, lake_root: Path) -> Iterator[config.Settings]:
    """Settings of a root of its own; the session's catalog points back at the test run's root afterwards."""
    folder = lake_root / "forget-root"
    paths = settings.paths.model_copy(update={name: str(folder / name)
                                              for name in ("landing", "lakehouse", "report", "logs")})
    own = settings.model_copy(update={"paths": paths})
    generate(Path(paths.landing), customers=20, events=300, days=1, seed=5, progress=False)
    land_the_customer(Path(paths.landing))
    yield own
    for name in maintenance.catalogued(spark):
        if (catalog.registered_location(spark, name) or "").startswith(str(folder)):
            spark.sql(f"DROP TABLE {name}")  # the entry only: the files stay
    restore_catalog(spark, settings, *[name for name in registry.names()
                                       if DeltaTable.isDeltaTable(spark, settings.table_path(name))])


def run(spark: SparkSession, settings: config.Settings, run_id: str, *selection: str) -> dict:
    tables = registry.select(list(selection), upstream=True)
    return {r.table: r for r in run_tables(Pipeline(spark, settings, run_id), tables, "batch")}


def ids(spark: SparkSession, settings: config.Settings, name: str, column: str) -> set[str]:
    return {row[0] for row in spark.read.format("delta").load(settings.table_path(name)).select(column).collect()}


def test_a_forgotten_customer_is_in_no_file_under_the_root_and_stays_out(spark: SparkSession,
                                                                         root: config.Settings) -> None:
    run(spark, root, "forget-before", *SELECTION)
    events_before = ids(spark, root, "silver.clickstream", "event_id")
    orders_before = ids(spark, root, "silver.orders", "order_id")
    assert {"F-E1", "F-E2"} <= events_before and "F-O1" in orders_before
    lakehouse_root = Path(root.paths.lakehouse)
    assert any(PERSONAL["email"] in text for text in texts(lakehouse_root).values())  # the search can find it
    pii = spark.read.format("delta").load(root.table_path("silver.customer_pii")).where(F.col("customer_id") == CUSTOMER)
    opened = decrypt(pii, ["email", "first_name", "last_name", "phone"], root.pii_key()).collect()
    assert [(r.email, r.first_name, r.last_name, r.phone) for r in opened] == [
        (PERSONAL["email"], PERSONAL["first name"], PERSONAL["last name"], PERSONAL["phone"])]
    in_pii = [what for text in texts(Path(root.table_path("silver.customer_pii"))).values()
              for what, value in PERSONAL.items() if what != "id" and value in text]
    assert not in_pii, in_pii  # encrypted in its files

    erased = forget(spark, root, [CUSTOMER], requested_by="dpo@example.com", purge=True)

    assert {name: rows for name, rows in erased.rows_removed.items() if rows} == {
        "bronze.customers": 1, "silver.customers": 1, "silver.customer_pii": 1,
        "bronze.orders": 1, "silver.orders": 1,
        "bronze.clickstream": 3, "silver.clickstream": 2, "quarantine.clickstream": 1,
        "bronze.reviews": 1, "quarantine.reviews": 1,
        "bronze.search": 1, "silver.search": 1,
        "gold.customer_features": 1,
    }
    found = [(what, str(path.relative_to(lakehouse_root))) for path, text in texts(lakehouse_root).items()
             for what, value in PERSONAL.items() if value in text]
    assert not found, found
    landing = texts(Path(root.paths.landing))
    assert all(any(value in text for text in landing.values()) for value in PERSONAL.values())
    assert ids(spark, root, "silver.clickstream", "event_id") == events_before - {"F-E1", "F-E2"}
    assert ids(spark, root, "silver.orders", "order_id") == orders_before - {"F-O1"}

    recorded = spark.read.format("delta").load(root.table_path(ERASURES)).collect()
    assert [(r.customer_key, r.requested_by, r.rows_removed["silver.customers"], r.purged_at is not None)
            for r in recorded] == [(customer_key(CUSTOMER, root.pseudonym_key()), "dpo@example.com", 1, True)]

    land(Path(root.paths.landing), "clickstream/dt=2026-11-22/forget-again.jsonl", [
        event("F-E4", customer_id=CUSTOMER, session_id="S-F2"),
        event("F-E5", customer_id=CUSTOMER, session_id="S-F2", event_type="checkout_start"),
        event("F-ANON", session_id="S-F3"),
    ])
    again = run(spark, root, "forget-after", "silver.clickstream")
    assert (again["bronze.clickstream"].rows_suppressed, again["bronze.clickstream"].rows_written) == (2, 1)
    assert ids(spark, root, "silver.clickstream", "event_id") == events_before - {"F-E1", "F-E2"} | {"F-ANON"}
    bronze = spark.read.format("delta").load(root.table_path("bronze.clickstream"))
    assert bronze.where(F.col("_raw").contains(CUSTOMER)).count() == 0
    assert spark.read.format("delta").load(root.table_path("silver.customers")).where(
        F.col("customer_id") == CUSTOMER).count() == 0


def test_an_id_not_shaped_like_a_customer_id_is_refused_in_one_line(spark: SparkSession,
                                                                    root: config.Settings) -> None:
    with pytest.raises(config.ConfigError, match=r"like C00042, not 'zebedee@example.org'$"):
        forget(spark, root, ["zebedee@example.org"])
