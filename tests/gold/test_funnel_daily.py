"""funnel_daily: sessions per step, per event date and device; expected counts worked out by hand."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.funnel_daily import funnel_daily

Build = Callable[..., DataFrame]
EXPECTED = ("date date, device string, sessions bigint, product_view_sessions bigint, add_to_cart_sessions bigint, "
            "checkout_sessions bigint, purchase_sessions bigint, conversion_rate double")


def event(event_id: str, session_id: str, event_type: str, at: str, device: str | None,
          ingested: str | None = None) -> dict[str, object]:
    return {"event_id": event_id, "session_id": session_id, "event_type": event_type, "event_ts": at,
            "event_date": at[:10], "device": device, "_ingested_at": ingested or at}


def test_funnel_daily(silver: Build, rows: Build) -> None:
    clickstream = silver(
        "clickstream",
        # S1 spans midnight UTC: it counts on 03-01 (viewed) and on 03-02 (cart, checkout, purchase).
        event("e01", "S1", "page_view", "2024-03-01 23:50:00", "desktop"),
        event("e02", "S1", "product_view", "2024-03-01 23:55:00", "desktop"),
        event("e03", "S1", "add_to_cart", "2024-03-02 00:05:00", "desktop"),
        event("e04", "S1", "checkout_start", "2024-03-02 00:10:00", "desktop"),
        event("e05", "S1", "purchase", "2024-03-02 00:12:00", "desktop"),
        # S2's purchase arrived two days late: it still counts on the day it happened.
        event("e06", "S2", "product_view", "2024-03-01 10:00:00", "mobile"),
        event("e07", "S2", "add_to_cart", "2024-03-01 10:05:00", "mobile"),
        event("e08", "S2", "purchase", "2024-03-01 10:30:00", "mobile", ingested="2024-03-03 08:00:00"),
        # S3 never names a device.
        event("e09", "S3", "page_view", "2024-03-01 12:00:00", None),
        # S4 names its device from its second event on.
        event("e10", "S4", "page_view", "2024-03-01 13:00:00", None),
        event("e11", "S4", "page_view", "2024-03-01 13:01:00", "mobile"),
        event("e12", "S5", "checkout_start", "2024-03-01 14:00:00", "desktop"),
    )

    result = funnel_daily(clickstream)

    expected = rows(
        EXPECTED,
        # S1 (viewed), S5 (checkout)
        {"date": "2024-03-01", "device": "desktop", "sessions": 2, "product_view_sessions": 1,
         "add_to_cart_sessions": 0, "checkout_sessions": 1, "purchase_sessions": 0, "conversion_rate": 0.0},
        # S2 (viewed, cart, purchase), S4 (page views only)
        {"date": "2024-03-01", "device": "mobile", "sessions": 2, "product_view_sessions": 1,
         "add_to_cart_sessions": 1, "checkout_sessions": 0, "purchase_sessions": 1, "conversion_rate": 0.5},
        {"date": "2024-03-01", "device": "unknown", "sessions": 1, "product_view_sessions": 0,
         "add_to_cart_sessions": 0, "checkout_sessions": 0, "purchase_sessions": 0, "conversion_rate": 0.0},
        {"date": "2024-03-02", "device": "desktop", "sessions": 1, "product_view_sessions": 0,
         "add_to_cart_sessions": 1, "checkout_sessions": 1, "purchase_sessions": 1, "conversion_rate": 1.0},
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)
