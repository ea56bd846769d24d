"""Every rule of every silver table with a passing, a failing and a NULL row, and exactly what each fails.

Each table has one hand-made bronze-shaped record that fails no rule: the passing
case. Each rule then has a failing variant (that record with one or two fields
changed) and a NULL variant (the field the rule is about absent), each with the
exact set of rule names it fails, quarantine and warn together, written by hand.
A rule declared without both cases fails ``test_every_rule_has_a_failing_and_a_null_case``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence, Union

import pytest
from pyspark.sql import DataFrame

from lakehouse.bronze.clickstream import FIELDS as CLICKSTREAM
from lakehouse.bronze.customers import FIELDS as CUSTOMERS
from lakehouse.bronze.fx_rates import FIELDS as FX_RATES
from lakehouse.bronze.inventory import FIELDS as INVENTORY
from lakehouse.bronze.products import FIELDS as PRODUCTS
from lakehouse.bronze.reviews import FIELDS as REVIEWS
from lakehouse.bronze.search import FIELDS as SEARCH
from lakehouse.bronze.server_logs import FIELDS as SERVER_LOGS
from lakehouse.lib import registry
from lakehouse.lib.fields import names
from lakehouse.lib.sources.landing import CHANGE_ENVELOPE

from .conftest import failed


@dataclass(frozen=True)
class Unparseable:
    """A line bronze could not read: only the reason, every field absent."""

    error: str


Variant = Union[Mapping[str, object], Unparseable]  # fields changed from the base (None: absent), or a bad line
Case = tuple[Variant, set[str]]  # a variant and the rules it fails
Cases = Mapping[str, tuple[Case, Case]]  # rule name: (failing case, NULL case)
Bronze = Callable[[Sequence[str], Sequence[dict]], DataFrame]  # the ``bronze`` fixture

NOT_JSON = Unparseable("not a JSON object")
NOT_CSV = Unparseable("expected 3 fields, found 2")
NOT_CLF = Unparseable("not a Combined Log Format line")
PARSED = {"_parse_error": None}  # the NULL case of record_is_parseable: the base, parsed

# Envelope attributes of a change event; every other key of a change base is a field of its row image.
ENVELOPE = ("op", "lsn", "ts_ms")


# --- silver.clickstream: a product view by a signed-in visitor (a view carries no order_id) -------------------
CLICKSTREAM_BASE = {"event_id": "E1", "event_ts": "2026-11-20T10:00:00Z", "event_type": "product_view",
                    "session_id": "S1", "customer_id": "C00001", "product_id": "P00001",
                    "page_url": "https://shop.example.com/p/P00001", "referrer": "https://www.example.org/",
                    "device": "mobile", "user_agent": "Mozilla/5.0", "ip": "203.0.113.7"}
# A NULL event_type is event_type_is_present's business alone: the conditional rules hold on it.
NO_EVENT_TYPE = {"event_type_is_present"}
CLICKSTREAM_CASES: Cases = {
    "record_is_parseable": ((NOT_JSON, {"record_is_parseable"}), (PARSED, set())),
    "event_id_is_present": (({"event_id": "  "}, {"event_id_is_present"}),
                            ({"event_id": None}, {"event_id_is_present"})),
    "event_ts_is_present": (({"event_ts": " "}, {"event_ts_is_present"}),
                            ({"event_ts": None}, {"event_ts_is_present"})),
    "event_type_is_present": (({"event_type": ""}, NO_EVENT_TYPE), ({"event_type": None}, NO_EVENT_TYPE)),
    "session_id_is_present": (({"session_id": " "}, {"session_id_is_present"}),
                              ({"session_id": None}, {"session_id_is_present"})),
    "event_ts_is_timestamp": (({"event_ts": "yesterday"}, {"event_ts_is_timestamp"}),
                              ({"event_ts": None}, {"event_ts_is_present"})),
    "event_type_is_known": (({"event_type": "teleport"}, {"event_type_is_known"}),
                            ({"event_type": None}, NO_EVENT_TYPE)),
    "device_is_known": (({"device": "smartwatch"}, {"device_is_known"}), ({"device": None}, set())),
    "customer_id_is_well_formed": (({"customer_id": "12345"}, {"customer_id_is_well_formed"}),
                                   ({"customer_id": None}, set())),
    "product_id_is_well_formed": (({"product_id": "SKU-1"}, {"product_id_is_well_formed"}),
                                  ({"product_id": None}, {"product_id_present_for_product_events"})),
    "product_id_present_for_product_events": (
        ({"event_type": "add_to_cart", "product_id": None}, {"product_id_present_for_product_events"}),
        ({"event_type": "page_view", "product_id": None}, set())),
    # The base has no order_id already, so its NULL case nulls the field the condition reads.
    "order_id_present_for_purchase": (({"event_type": "purchase"}, {"order_id_present_for_purchase"}),
                                      ({"event_type": None}, NO_EVENT_TYPE)),
}

# --- silver.search: a signed-in search that was clicked ------------------------------------------------------
SEARCH_BASE = {"search_id": "Q1", "search_ts": "2026-11-20T10:00:00Z", "session_id": "S1", "customer_id": "C00001",
               "query": "red running shoes", "results_count": "12", "clicked_product_id": "P00001",
               "clicked_position": "3"}
SEARCH_CASES: Cases = {
    "record_is_parseable": ((NOT_JSON, {"record_is_parseable"}), (PARSED, set())),
    "search_id_is_present": (({"search_id": " "}, {"search_id_is_present"}),
                             ({"search_id": None}, {"search_id_is_present"})),
    "search_ts_is_present": (({"search_ts": ""}, {"search_ts_is_present"}),
                             ({"search_ts": None}, {"search_ts_is_present"})),
    "query_is_present": (({"query": "   "}, {"query_is_present"}), ({"query": None}, {"query_is_present"})),
    "search_ts_is_timestamp": (({"search_ts": "soon"}, {"search_ts_is_timestamp"}),
                               ({"search_ts": None}, {"search_ts_is_present"})),
    "results_count_is_integer": (({"results_count": "many"}, {"results_count_is_integer"}),
                                 ({"results_count": None}, set())),
    "clicked_position_is_integer": (({"clicked_position": "first"}, {"clicked_position_is_integer"}),
                                    ({"clicked_position": None}, set())),
    "results_count_not_negative": (({"results_count": "-1"}, {"results_count_not_negative"}),
                                   ({"results_count": None}, set())),
    "clicked_position_at_least_1": (({"clicked_position": "0"}, {"clicked_position_at_least_1"}),
                                    ({"clicked_position": None}, set())),
    "customer_id_is_well_formed": (({"customer_id": "guest"}, {"customer_id_is_well_formed"}),
                                   ({"customer_id": None}, set())),
}

# --- silver.inventory: two units sold, seven left ------------------------------------------------------------
INVENTORY_BASE = {"event_id": "I1", "event_ts": "2026-11-20T10:00:00Z", "product_id": "P00001",
                  "warehouse_id": "W1", "qty_on_hand": "7", "qty_delta": "-2", "reason": "sale"}
INVENTORY_CASES: Cases = {
    "record_is_parseable": ((NOT_JSON, {"record_is_parseable"}), (PARSED, set())),
    "event_id_is_present": (({"event_id": " "}, {"event_id_is_present"}),
                            ({"event_id": None}, {"event_id_is_present"})),
    "event_ts_is_present": (({"event_ts": " "}, {"event_ts_is_present"}),
                            ({"event_ts": None}, {"event_ts_is_present"})),
    "product_id_is_present": (({"product_id": ""}, {"product_id_is_present"}),
                              ({"product_id": None}, {"product_id_is_present"})),
    "warehouse_id_is_present": (({"warehouse_id": " "}, {"warehouse_id_is_present"}),
                                ({"warehouse_id": None}, {"warehouse_id_is_present"})),
    "qty_on_hand_is_present": (({"qty_on_hand": " "}, {"qty_on_hand_is_present"}),
                               ({"qty_on_hand": None}, {"qty_on_hand_is_present"})),
    "event_ts_is_timestamp": (({"event_ts": "not a time"}, {"event_ts_is_timestamp"}),
                              ({"event_ts": None}, {"event_ts_is_present"})),
    "qty_on_hand_is_integer": (({"qty_on_hand": "seven"}, {"qty_on_hand_is_integer"}),
                               ({"qty_on_hand": None}, {"qty_on_hand_is_present"})),
    "qty_delta_is_integer": (({"qty_delta": "minus two"}, {"qty_delta_is_integer"}), ({"qty_delta": None}, set())),
    "qty_on_hand_not_negative": (({"qty_on_hand": "-1"}, {"qty_on_hand_not_negative"}),
                                 ({"qty_on_hand": None}, {"qty_on_hand_is_present"})),
    "reason_is_known": (({"reason": "theft"}, {"reason_is_known"}), ({"reason": None}, set())),
    "product_id_is_well_formed": (({"product_id": "SKU-1"}, {"product_id_is_well_formed"}),
                                  ({"product_id": None}, {"product_id_is_present"})),
}

# --- silver.reviews: a four-star review of a bought product --------------------------------------------------
REVIEWS_BASE = {"review_id": "R1", "product_id": "P00001", "customer_id": "C00001", "order_id": "O1",
                "rating": "4", "title": "Comfy", "body": "Fits well.", "language": "en",
                "created_ts": "2026-11-20T10:00:00Z"}
REVIEWS_CASES: Cases = {
    "record_is_parseable": ((NOT_JSON, {"record_is_parseable"}), (PARSED, set())),
    "review_id_is_present": (({"review_id": " "}, {"review_id_is_present"}),
                             ({"review_id": None}, {"review_id_is_present"})),
    "product_id_is_present": (({"product_id": " "}, {"product_id_is_present"}),
                              ({"product_id": None}, {"product_id_is_present"})),
    "customer_id_is_present": (({"customer_id": ""}, {"customer_id_is_present"}),
                               ({"customer_id": None}, {"customer_id_is_present"})),
    "rating_is_present": (({"rating": " "}, {"rating_is_present"}), ({"rating": None}, {"rating_is_present"})),
    "created_ts_is_present": (({"created_ts": " "}, {"created_ts_is_present"}),
                              ({"created_ts": None}, {"created_ts_is_present"})),
    "rating_is_integer": (({"rating": "four"}, {"rating_is_integer"}),
                          ({"rating": None}, {"rating_is_present"})),
    "created_ts_is_timestamp": (({"created_ts": "last week"}, {"created_ts_is_timestamp"}),
                                ({"created_ts": None}, {"created_ts_is_present"})),
    "rating_between_1_and_5": (({"rating": "6"}, {"rating_between_1_and_5"}),
                               ({"rating": None}, {"rating_is_present"})),
    "product_id_is_well_formed": (({"product_id": "SKU-1"}, {"product_id_is_well_formed"}),
                                  ({"product_id": None}, {"product_id_is_present"})),
    "customer_id_is_well_formed": (({"customer_id": "12345"}, {"customer_id_is_well_formed"}),
                                   ({"customer_id": None}, {"customer_id_is_present"})),
    "language_is_well_formed": (({"language": "English"}, {"language_is_well_formed"}), ({"language": None}, set())),
}

# --- silver.orders: an order paid in euros, as an update event at lsn 42 -------------------------------------
ORDERS_BASE = {"op": "u", "lsn": 42, "ts_ms": "1795165500000",
               "order_id": "O1", "customer_id": "C00001", "order_ts": "2026-11-20T09:00:00Z", "status": "paid",
               "currency": "EUR", "total_amount": "12.50", "shipping_country": "DE",
               "updated_at": "2026-11-20T09:05:00Z"}
ORDERS_CASES: Cases = {
    "record_is_parseable": ((NOT_JSON, {"record_is_parseable"}), (PARSED, set())),
    "order_id_is_present": (({"order_id": " "}, {"order_id_is_present"}),
                            ({"order_id": None}, {"order_id_is_present"})),
    "op_is_present": (({"op": " "}, {"op_is_present"}), ({"op": None}, {"op_is_present"})),
    "lsn_is_present": (({"lsn": " "}, {"lsn_is_present"}), ({"lsn": None}, {"lsn_is_present"})),
    "order_ts_is_timestamp": (({"order_ts": "not a time"}, {"order_ts_is_timestamp"}), ({"order_ts": None}, set())),
    "total_amount_is_amount": (({"total_amount": "12,50"}, {"total_amount_is_amount"}),
                               ({"total_amount": None}, set())),
    "updated_at_is_timestamp": (({"updated_at": "later"}, {"updated_at_is_timestamp"}), ({"updated_at": None}, set())),
    "lsn_is_integer": (({"lsn": "late"}, {"lsn_is_integer"}), ({"lsn": None}, {"lsn_is_present"})),
    "changed_at_is_timestamp": (({"ts_ms": "yesterday"}, {"changed_at_is_timestamp"}), ({"ts_ms": None}, set())),
    "op_is_known": (({"op": "x"}, {"op_is_known"}), ({"op": None}, {"op_is_present"})),
    "status_is_known": (({"status": "lost"}, {"status_is_known"}), ({"status": None}, set())),
    "total_amount_not_negative": (({"total_amount": "-3.00"}, {"total_amount_not_negative"}),
                                  ({"total_amount": None}, set())),
    "currency_is_well_formed": (({"currency": "euro"}, {"currency_is_well_formed"}), ({"currency": None}, set())),
    "shipping_country_is_well_formed": (({"shipping_country": "DEU"}, {"shipping_country_is_well_formed"}),
                                        ({"shipping_country": None}, set())),
    "customer_id_is_well_formed": (({"customer_id": "12345"}, {"customer_id_is_well_formed"}),
                                   ({"customer_id": None}, set())),
}

# --- silver.order_items: three at 10.00 less 5.00 discount, as an update event at lsn 42 ---------------------
ORDER_ITEMS_BASE = {"op": "u", "lsn": 42, "ts_ms": "1795165500000",
                    "order_id": "O1", "line_no": 1, "product_id": "P00001", "quantity": 3, "unit_price": "10.00",
                    "discount": "5.00"}
# A missing factor is its presence rule's business alone: the discount rule holds when it cannot be judged.
NO_QUANTITY = {"quantity_is_present"}
NO_UNIT_PRICE = {"unit_price_is_present"}
ORDER_ITEMS_CASES: Cases = {
    "record_is_parseable": ((NOT_JSON, {"record_is_parseable"}), (PARSED, set())),
    "order_id_is_present": (({"order_id": ""}, {"order_id_is_present"}), ({"order_id": None}, {"order_id_is_present"})),
    "line_no_is_present": (({"line_no": " "}, {"line_no_is_present"}), ({"line_no": None}, {"line_no_is_present"})),
    "product_id_is_present": (({"product_id": " "}, {"product_id_is_present"}),
                              ({"product_id": None}, {"product_id_is_present"})),
    "quantity_is_present": (({"quantity": " "}, NO_QUANTITY), ({"quantity": None}, NO_QUANTITY)),
    "unit_price_is_present": (({"unit_price": " "}, NO_UNIT_PRICE), ({"unit_price": None}, NO_UNIT_PRICE)),
    "op_is_present": (({"op": ""}, {"op_is_present"}), ({"op": None}, {"op_is_present"})),
    "lsn_is_present": (({"lsn": " "}, {"lsn_is_present"}), ({"lsn": None}, {"lsn_is_present"})),
    "line_no_is_integer": (({"line_no": "one"}, {"line_no_is_integer"}),
                           ({"line_no": None}, {"line_no_is_present"})),
    "quantity_is_integer": (({"quantity": "three"}, {"quantity_is_integer"}),
                            ({"quantity": None}, NO_QUANTITY)),
    "unit_price_is_amount": (({"unit_price": "10.001"}, {"unit_price_is_amount"}),
                             ({"unit_price": None}, NO_UNIT_PRICE)),
    "discount_is_amount": (({"discount": "5%"}, {"discount_is_amount"}), ({"discount": None}, set())),
    "lsn_is_integer": (({"lsn": "late"}, {"lsn_is_integer"}), ({"lsn": None}, {"lsn_is_present"})),
    "changed_at_is_timestamp": (({"ts_ms": "yesterday"}, {"changed_at_is_timestamp"}), ({"ts_ms": None}, set())),
    "op_is_known": (({"op": "x"}, {"op_is_known"}), ({"op": None}, {"op_is_present"})),
    "line_no_at_least_1": (({"line_no": 0}, {"line_no_at_least_1"}), ({"line_no": None}, {"line_no_is_present"})),
    # Without its discount, so that a zero line amount breaks only the quantity rule.
    "quantity_at_least_1": (({"quantity": 0, "discount": None}, {"quantity_at_least_1"}),
                            ({"quantity": None}, NO_QUANTITY)),
    "unit_price_not_negative": (({"unit_price": "-1.00", "discount": None}, {"unit_price_not_negative"}),
                                ({"unit_price": None}, NO_UNIT_PRICE)),
    "discount_not_negative": (({"discount": "-1.00"}, {"discount_not_negative"}), ({"discount": None}, set())),
    # 30.00 is the whole line amount and still allowed; one cent more is not.
    "discount_at_most_line_amount": (({"discount": "30.01"}, {"discount_at_most_line_amount"}),
                                     ({"discount": None}, set())),
    "product_id_is_well_formed": (({"product_id": "SKU-1"}, {"product_id_is_well_formed"}),
                                  ({"product_id": None}, {"product_id_is_present"})),
}

# --- silver.customers: a US customer who opted in to marketing -----------------------------------------------
CUSTOMERS_BASE = {"customer_id": "C00001", "email": "ann@example.com", "first_name": "Ann", "last_name": "Lee",
                  "phone": "+1 555 0100", "birth_date": "1990-01-02", "country": "US", "city": "Boston",
                  "postal_code": "02110", "signup_ts": "2025-03-04T05:06:07Z", "marketing_opt_in": "true",
                  "updated_at": "2026-11-20T10:00:00Z"}
CUSTOMERS_CASES: Cases = {
    "record_is_parseable": ((NOT_CSV, {"record_is_parseable"}), (PARSED, set())),
    "customer_id_is_present": (({"customer_id": " "}, {"customer_id_is_present"}),
                               ({"customer_id": None}, {"customer_id_is_present"})),
    "updated_at_is_present": (({"updated_at": ""}, {"updated_at_is_present"}),
                              ({"updated_at": None}, {"updated_at_is_present"})),
    "birth_date_is_date": (({"birth_date": "02/01/1990"}, {"birth_date_is_date"}), ({"birth_date": None}, set())),
    "signup_ts_is_timestamp": (({"signup_ts": "last spring"}, {"signup_ts_is_timestamp"}),
                               ({"signup_ts": None}, set())),
    "marketing_opt_in_is_boolean": (({"marketing_opt_in": "yes"}, {"marketing_opt_in_is_boolean"}),
                                    ({"marketing_opt_in": None}, set())),
    "updated_at_is_timestamp": (({"updated_at": "not a time"}, {"updated_at_is_timestamp"}),
                                ({"updated_at": None}, {"updated_at_is_present"})),
    "customer_id_is_well_formed": (({"customer_id": "X5"}, {"customer_id_is_well_formed"}),
                                   ({"customer_id": None}, {"customer_id_is_present"})),
    "country_is_well_formed": (({"country": "USA"}, {"country_is_well_formed"}), ({"country": None}, set())),
    "email_is_well_formed": (({"email": "not-an-email"}, {"email_is_well_formed"}), ({"email": None}, set())),
}

# --- silver.products: an active pair of shoes at 19.99 USD ---------------------------------------------------
PRODUCTS_BASE = {"product_id": "P00001", "sku": "SKU-00001", "name": "Trail runner", "category": "shoes",
                 "subcategory": "running", "brand": "Acme", "list_price": "19.99", "currency": "USD",
                 "active": "true", "updated_at": "2026-11-20T10:00:00Z"}
PRODUCTS_CASES: Cases = {
    "record_is_parseable": ((NOT_CSV, {"record_is_parseable"}), (PARSED, set())),
    "product_id_is_present": (({"product_id": " "}, {"product_id_is_present"}),
                              ({"product_id": None}, {"product_id_is_present"})),
    "category_is_present": (({"category": ""}, {"category_is_present"}), ({"category": None}, {"category_is_present"})),
    "updated_at_is_present": (({"updated_at": " "}, {"updated_at_is_present"}),
                              ({"updated_at": None}, {"updated_at_is_present"})),
    "list_price_is_amount": (({"list_price": "$19.99"}, {"list_price_is_amount"}), ({"list_price": None}, set())),
    "active_is_boolean": (({"active": "1"}, {"active_is_boolean"}), ({"active": None}, set())),
    "updated_at_is_timestamp": (({"updated_at": "soon"}, {"updated_at_is_timestamp"}),
                                ({"updated_at": None}, {"updated_at_is_present"})),
    "product_id_is_well_formed": (({"product_id": "SKU-00001"}, {"product_id_is_well_formed"}),
                                  ({"product_id": None}, {"product_id_is_present"})),
    "currency_is_well_formed": (({"currency": "usd"}, {"currency_is_well_formed"}), ({"currency": None}, set())),
    "list_price_not_negative": (({"list_price": "-1.00"}, {"list_price_not_negative"}), ({"list_price": None}, set())),
}

# --- silver.fx_rates: one euro in dollars on a day -----------------------------------------------------------
FX_RATES_BASE = {"date": "2026-11-20", "currency": "EUR", "usd_per_unit": "1.08"}
# A missing rate is usd_per_unit_is_present's business alone.
NO_RATE = {"usd_per_unit_is_present"}
FX_RATES_CASES: Cases = {
    "record_is_parseable": ((NOT_CSV, {"record_is_parseable"}), (PARSED, set())),
    "date_is_present": (({"date": " "}, {"date_is_present"}), ({"date": None}, {"date_is_present"})),
    "currency_is_present": (({"currency": ""}, {"currency_is_present"}), ({"currency": None}, {"currency_is_present"})),
    "usd_per_unit_is_present": (({"usd_per_unit": " "}, NO_RATE), ({"usd_per_unit": None}, NO_RATE)),
    "date_is_date": (({"date": "20/11/2026"}, {"date_is_date"}),
                     ({"date": None}, {"date_is_present"})),
    "usd_per_unit_is_number": (({"usd_per_unit": "1,08"}, {"usd_per_unit_is_number"}),
                               ({"usd_per_unit": None}, NO_RATE)),
    "currency_is_well_formed": (({"currency": "eur"}, {"currency_is_well_formed"}),
                                ({"currency": None}, {"currency_is_present"})),
    "usd_per_unit_is_positive": (({"usd_per_unit": "0"}, {"usd_per_unit_is_positive"}),
                                 ({"usd_per_unit": None}, NO_RATE)),
}

# --- silver.server_logs: a quick, successful request for the cart --------------------------------------------
SERVER_LOGS_BASE = {"ip": "203.0.113.7", "ident": "-", "user": "-", "ts": "20/Nov/2026:11:15:30 +0100",
                    "request": "GET /cart HTTP/1.1", "status": "200", "bytes": "512",
                    "referrer": "https://shop.example.com/", "user_agent": "Mozilla/5.0", "request_time": "0.250"}
SERVER_LOGS_CASES: Cases = {
    "record_is_parseable": ((NOT_CLF, {"record_is_parseable"}), (PARSED, set())),
    "ts_is_present": (({"ts": " "}, {"ts_is_present"}), ({"ts": None}, {"ts_is_present"})),
    "request_is_present": (({"request": " "}, {"request_is_present"}), ({"request": None}, {"request_is_present"})),
    "status_is_present": (({"status": ""}, {"status_is_present"}), ({"status": None}, {"status_is_present"})),
    # An ISO time is not the Common Log Format's ``dd/MMM/yyyy:HH:mm:ss Z``.
    "ts_is_timestamp": (({"ts": "2026-11-20T10:15:30Z"}, {"ts_is_timestamp"}),
                        ({"ts": None}, {"ts_is_present"})),
    "status_is_integer": (({"status": "OK"}, {"status_is_integer"}),
                          ({"status": None}, {"status_is_present"})),
    "request_time_is_number": (({"request_time": "fast"}, {"request_time_is_number"}), ({"request_time": None}, set())),
    "status_between_100_and_599": (({"status": "600"}, {"status_between_100_and_599"}),
                                   ({"status": None}, {"status_is_present"})),
}


@dataclass(frozen=True)
class TableCases:
    bronze_fields: tuple[str, ...]
    base: Mapping[str, object]
    cases: Cases
    is_change_feed: bool = False


TABLES: dict[str, TableCases] = {
    "silver.clickstream": TableCases(names(CLICKSTREAM), CLICKSTREAM_BASE, CLICKSTREAM_CASES),
    "silver.search": TableCases(names(SEARCH), SEARCH_BASE, SEARCH_CASES),
    "silver.inventory": TableCases(names(INVENTORY), INVENTORY_BASE, INVENTORY_CASES),
    "silver.reviews": TableCases(names(REVIEWS), REVIEWS_BASE, REVIEWS_CASES),
    "silver.orders": TableCases(names(CHANGE_ENVELOPE), ORDERS_BASE, ORDERS_CASES, is_change_feed=True),
    "silver.order_items": TableCases(names(CHANGE_ENVELOPE), ORDER_ITEMS_BASE, ORDER_ITEMS_CASES, is_change_feed=True),
    "silver.customers": TableCases(names(CUSTOMERS), CUSTOMERS_BASE, CUSTOMERS_CASES),
    "silver.products": TableCases(names(PRODUCTS), PRODUCTS_BASE, PRODUCTS_CASES),
    "silver.fx_rates": TableCases(names(FX_RATES), FX_RATES_BASE, FX_RATES_CASES),
    "silver.server_logs": TableCases(names(SERVER_LOGS), SERVER_LOGS_BASE, SERVER_LOGS_CASES),
}


def envelope(record: Mapping[str, object]) -> dict[str, object]:
    """A Debezium envelope: ``op``, ``lsn`` (in ``source``) and ``ts_ms`` from the record, the rest as ``after``."""
    lsn = {} if record.get("lsn") is None else {"lsn": record["lsn"]}
    source = {"connector": "postgresql", **lsn}
    image = {name: value for name, value in record.items() if name not in (*ENVELOPE, "_parse_error")}
    return {"op": record.get("op"), "ts_ms": record.get("ts_ms"), "source": json.dumps(source), "before": None,
            "after": json.dumps(image), "_parse_error": record.get("_parse_error")}


def bronze_row(table: TableCases, variant: Variant) -> dict[str, object]:
    """The table's base record with the variant's changes, as bronze holds it."""
    if isinstance(variant, Unparseable):
        return {"_parse_error": variant.error}
    record = {**table.base, **variant}
    return envelope(record) if table.is_change_feed else record


def rules_failed_by(bronze: Bronze, table_name: str, variant: Variant) -> set[str]:
    """The rules the one bronze row made from ``variant`` fails.

    One row per call, so each case is checked alone; ``_raw`` (the same on every row the
    fixture builds) serves as the key because a case may null any field, the key included.
    """
    table = TABLES[table_name]
    result = failed(table_name, bronze(table.bronze_fields, [bronze_row(table, variant)]), "_raw")
    assert len(result) == 1
    (rules,) = result.values()
    return rules


CASES = [
    pytest.param(table_name, variant, expected, id=f"{table_name}:{rule}:{kind}")
    for table_name, table in TABLES.items()
    for rule, (failing, null) in table.cases.items()
    for kind, (variant, expected) in (("failing", failing), ("null", null))
]


@pytest.mark.parametrize("table_name", list(TABLES))
def test_the_base_record_fails_no_rule(bronze: Bronze, table_name: str) -> None:
    assert rules_failed_by(bronze, table_name, {}) == set()


@pytest.mark.parametrize(("table_name", "variant", "expected"), CASES)
def test_rule_case(bronze: Bronze, table_name: str, variant: Variant, expected: set[str]) -> None:
    assert rules_failed_by(bronze, table_name, variant) == expected


def test_every_rule_has_a_failing_and_a_null_case() -> None:
    declared = {table.name: {rule.name for rule in table.rules} for table in registry.select("silver") if table.rules}
    covered = {name: set(table.cases) for name, table in TABLES.items()}
    missing = {name: rules - covered.get(name, set()) for name, rules in declared.items()}
    stale = {name: rules - declared.get(name, set()) for name, rules in covered.items()}
    assert {name: rules for name, rules in missing.items() if rules} == {}, "rules without cases"
    assert {name: rules for name, rules in stale.items() if rules} == {}, "cases for rules no table declares"
