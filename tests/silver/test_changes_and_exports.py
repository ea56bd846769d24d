"""Silver change-event and export tables: row images, typing, and rules."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from lakehouse.bronze.customers import FIELDS as CUSTOMERS
from lakehouse.bronze.fx_rates import FIELDS as FX_RATES
from lakehouse.bronze.products import FIELDS as PRODUCTS
from lakehouse.bronze.server_logs import FIELDS as SERVER_LOGS
from lakehouse.lib.fields import names
from lakehouse.lib.sources.landing import CHANGE_ENVELOPE
from lakehouse.silver.customers import customers
from lakehouse.silver.order_items import order_items
from lakehouse.silver.orders import orders
from lakehouse.silver.server_logs import server_logs

from .conftest import failed

ORDER = {"order_id": "O1", "customer_id": "C00001", "order_ts": "2026-11-20T23:30:00Z", "status": "paid",
         "currency": "EUR", "total_amount": 12.5, "shipping_country": "DE", "updated_at": "2026-11-20T23:31:00Z"}


def envelope(op: str, lsn: object, before: dict | None = None, after: dict | None = None, **extra: object) -> dict:
    return {"op": op, "ts_ms": "1795217400000", "source": json.dumps({"table": "orders", "lsn": lsn}),
            "before": json.dumps(before) if before else None, "after": json.dumps(after) if after else None, **extra}


def test_order_change_is_typed_with_its_sequence(bronze) -> None:
    row = orders(bronze(names(CHANGE_ENVELOPE), [envelope("u", 42, after=ORDER)])).first()
    assert (row.order_id, row.status, row.total_amount, row.lsn, row.op) == ("O1", "paid", Decimal("12.50"), 42, "u")
    assert row.order_date == date(2026, 11, 20)
    assert row.changed_at == datetime(2026, 11, 20, 23, 30)


def test_a_delete_names_its_key_from_the_before_image(bronze) -> None:
    row = orders(bronze(names(CHANGE_ENVELOPE), [envelope("d", 43, before=ORDER)])).first()
    assert (row.order_id, row.op, row.lsn) == ("O1", "d", 43)


def test_fields_no_one_announced_in_the_row_image_are_rescued(bronze) -> None:
    row = orders(bronze(names(CHANGE_ENVELOPE), [envelope("c", 1, after={**ORDER, "gift_wrap": True})])).first()
    assert json.loads(row._rescued) == {"gift_wrap": "true"}


def test_order_rules(bronze) -> None:
    rows = [envelope("c", 1, after=ORDER),
            envelope("x", 2, after={**ORDER, "order_id": "O2"}),
            envelope("u", "late", after={**ORDER, "order_id": "O3"}),
            envelope("u", 4, after={**ORDER, "order_id": "O4", "status": "lost"}),
            envelope("u", 5, after={**ORDER, "order_id": "O5", "total_amount": -3}),
            envelope("u", 6, after={**ORDER, "order_id": "O6", "total_amount": "12.345"}),
            envelope("u", 7, after={**ORDER, "order_id": "O7", "currency": "euro"})]
    assert failed("silver.orders", bronze(names(CHANGE_ENVELOPE), rows), "order_id") == {
        "O1": set(), "O2": {"op_is_known"}, "O3": {"lsn_is_integer"}, "O4": {"status_is_known"},
        "O5": {"total_amount_not_negative"}, "O6": {"total_amount_is_amount"}, "O7": {"currency_is_well_formed"}}


def test_order_item_net_amount_and_rules(bronze) -> None:
    item = {"order_id": "O1", "line_no": 1, "product_id": "P00001", "quantity": 3, "unit_price": "10.00",
            "discount": "5.00"}
    rows = [envelope("c", 1, after=item),
            envelope("c", 2, after={**item, "line_no": 2, "quantity": 0}),
            envelope("c", 3, after={**item, "line_no": 3, "discount": "31.00"}),
            envelope("c", 4, after={**item, "line_no": 4, "quantity": "two"})]
    assert order_items(bronze(names(CHANGE_ENVELOPE), rows[:1])).first().net_amount == Decimal("25.00")
    result = failed("silver.order_items", bronze(names(CHANGE_ENVELOPE), rows), "line_no")
    assert result == {1: set(), 2: {"quantity_at_least_1", "discount_at_most_line_amount"},
                      3: {"discount_at_most_line_amount"},
                      4: {"quantity_is_integer"}}


CUSTOMER = {"customer_id": "C00001", "email": " Ann@Example.COM ", "country": "US", "marketing_opt_in": "true",
            "birth_date": "1990-01-02", "updated_at": "2026-11-20T10:00:00Z"}


def test_customer_email_is_normalised_before_it_is_hashed(bronze) -> None:
    row = customers(bronze(names(CUSTOMERS), [CUSTOMER])).first()
    assert (row.email, row.marketing_opt_in, row.birth_date) == ("ann@example.com", True, date(1990, 1, 2))


def test_customer_rules(bronze) -> None:
    rows = [CUSTOMER, {**CUSTOMER, "customer_id": "C2", "marketing_opt_in": "maybe"},
            {**CUSTOMER, "customer_id": "C3", "birth_date": "1990-13-45"},
            {**CUSTOMER, "customer_id": "C4", "updated_at": None},
            {**CUSTOMER, "customer_id": "X5", "country": "USA", "email": "not-an-email"}]
    assert failed("silver.customers", bronze(names(CUSTOMERS), rows), "customer_id") == {
        "C00001": set(), "C2": {"marketing_opt_in_is_boolean"}, "C3": {"birth_date_is_date"},
        "C4": {"updated_at_is_present"},
        "X5": {"customer_id_is_well_formed", "country_is_well_formed", "email_is_well_formed"}}


def test_product_and_fx_rules(bronze) -> None:
    product = {"product_id": "P00001", "category": "shoes", "list_price": "19.99", "currency": "USD",
               "updated_at": "2026-11-20T10:00:00Z"}
    rows = [product, {**product, "product_id": "P2", "list_price": "-1"}, {**product, "product_id": "P3",
                                                                          "category": None}]
    assert failed("silver.products", bronze(names(PRODUCTS), rows), "product_id") == {
        "P00001": set(), "P2": {"list_price_not_negative"}, "P3": {"category_is_present"}}
    rates = [{"date": "2026-11-20", "currency": "EUR", "usd_per_unit": "1.08"},
             {"date": "2026-11-20", "currency": "GBP", "usd_per_unit": "0"},
             {"date": "2026-11-20", "currency": "JPY", "usd_per_unit": None}]
    assert failed("silver.fx_rates", bronze(names(FX_RATES), rates), "currency") == {
        "EUR": set(), "GBP": {"usd_per_unit_is_positive"}, "JPY": {"usd_per_unit_is_present"}}


def test_server_log_request_is_split_and_typed(bronze) -> None:
    line = {"ip": "203.0.113.7", "ts": "20/Nov/2026:11:15:30 +0100", "request": "GET /cart?x=1 HTTP/1.1",
            "status": "503", "bytes": "-", "referrer": "-", "user_agent": 'curl \\"x\\"', "request_time": "0.250"}
    row = server_logs(bronze(names(SERVER_LOGS), [line])).first()
    assert (row.ts, row.minute) == (datetime(2026, 11, 20, 10, 15, 30), datetime(2026, 11, 20, 10, 15))
    assert (row.method, row.path, row.protocol, row.status) == ("GET", "/cart?x=1", "HTTP/1.1", 503)
    assert (row.bytes_sent, row.referrer, row.user_agent, row.response_ms) == (0, None, 'curl "x"', 250.0)


@pytest.mark.parametrize("rate", ["NaN", "Infinity", "-Infinity"])
def test_a_rate_that_is_no_number_is_not_positive_but_unreadable(bronze, rate: str) -> None:
    rows = [{"date": "2026-11-20", "currency": "EUR", "usd_per_unit": rate}]
    assert failed("silver.fx_rates", bronze(names(FX_RATES), rows), "currency") == {"EUR": {"usd_per_unit_is_number"}}


def test_a_change_time_beyond_year_9999_is_unreadable_not_a_failed_batch(bronze) -> None:
    event = {**envelope("u", 9, after=ORDER), "ts_ms": "99999999999999999"}
    assert failed("silver.orders", bronze(names(CHANGE_ENVELOPE), [event]), "order_id") == {
        "O1": {"changed_at_is_timestamp"}}
