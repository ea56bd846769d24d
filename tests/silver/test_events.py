"""Silver event tables: typing, UTC, derived columns, and each rule passing, failing and on NULL."""
from __future__ import annotations

from datetime import date, datetime

from lakehouse.bronze.clickstream import FIELDS as CLICKSTREAM
from lakehouse.bronze.inventory import FIELDS as INVENTORY
from lakehouse.bronze.reviews import FIELDS as REVIEWS
from lakehouse.bronze.search import FIELDS as SEARCH
from lakehouse.lib.fields import names
from lakehouse.silver.clickstream import clickstream
from lakehouse.silver.search import search

from .conftest import failed

EVENT = {"event_id": "E1", "event_ts": "2026-11-20T23:30:00-02:00", "event_type": "product_view",
         "session_id": "S1", "product_id": "P00001", "device": "mobile", "customer_id": "C00001"}


def test_clickstream_times_are_utc_and_dated_in_utc(bronze) -> None:
    row = clickstream(bronze(names(CLICKSTREAM), [EVENT])).first()
    assert row.event_ts == datetime(2026, 11, 21, 1, 30)
    assert row.event_date == date(2026, 11, 21)


def test_clickstream_rules(bronze) -> None:
    rows = [
        EVENT,
        {**EVENT, "event_id": "E2", "event_type": "teleport"},
        {**EVENT, "event_id": "E3", "event_type": None},
        {**EVENT, "event_id": "E4", "product_id": None},
        {**EVENT, "event_id": "E5", "event_type": "purchase", "product_id": None},
        {**EVENT, "event_id": "E6", "event_ts": "not a time"},
        {**EVENT, "event_id": "E7", "customer_id": "12345"},
        {**EVENT, "event_id": "E8", "device": "fridge"},
        {**EVENT, "event_id": "E9", "device": None, "customer_id": None, "event_type": "page_view"},
    ]
    result = failed("silver.clickstream", bronze(names(CLICKSTREAM), rows), "event_id")
    assert result == {
        "E1": set(),
        "E2": {"event_type_is_known"},
        "E3": {"event_type_is_present"},
        "E4": {"product_id_present_for_product_events"},
        "E5": {"order_id_present_for_purchase"},
        "E6": {"event_ts_is_timestamp"},
        "E7": {"customer_id_is_well_formed"},
        "E8": {"device_is_known"},
        "E9": set(),
    }


def test_an_unparseable_line_fails_record_is_parseable(bronze) -> None:
    rows = [{"_parse_error": "not a JSON object"}]
    result = failed("silver.clickstream", bronze(names(CLICKSTREAM), rows), "event_id")
    assert "record_is_parseable" in result[None]


def test_search_query_is_normalised_and_blank_is_missing(bronze) -> None:
    rows = [{"search_id": "Q1", "search_ts": "2026-11-20T10:00:00Z", "query": "  Red   Running SHOES "},
            {"search_id": "Q2", "search_ts": "2026-11-20T10:00:00Z", "query": "   "}]
    normalised = {r.search_id: r.query_normalised for r in search(bronze(names(SEARCH), rows)).collect()}
    assert normalised == {"Q1": "red running shoes", "Q2": None}
    assert failed("silver.search", bronze(names(SEARCH), rows), "search_id")["Q2"] == {"query_is_present"}


def test_search_rules(bronze) -> None:
    base = {"search_ts": "2026-11-20T10:00:00Z", "query": "shoes"}
    rows = [{**base, "search_id": "Q1", "results_count": "0", "clicked_position": None},
            {**base, "search_id": "Q2", "results_count": "-1"},
            {**base, "search_id": "Q3", "clicked_position": "0"},
            {**base, "search_id": "Q4", "results_count": "many"}]
    assert failed("silver.search", bronze(names(SEARCH), rows), "search_id") == {
        "Q1": set(), "Q2": {"results_count_not_negative"}, "Q3": {"clicked_position_at_least_1"},
        "Q4": {"results_count_is_integer"}}


def test_review_rules(bronze) -> None:
    base = {"product_id": "P00001", "customer_id": "C00001", "created_ts": "2026-11-20T10:00:00Z", "language": "en"}
    rows = [{**base, "review_id": "R1", "rating": "5"},
            {**base, "review_id": "R2", "rating": "five"},
            {**base, "review_id": "R3", "rating": "7"},
            {**base, "review_id": "R4", "rating": None},
            {**base, "review_id": "R5", "rating": "4", "language": "english"}]
    assert failed("silver.reviews", bronze(names(REVIEWS), rows), "review_id") == {
        "R1": set(), "R2": {"rating_is_integer"}, "R3": {"rating_between_1_and_5"},
        "R4": {"rating_is_present"}, "R5": {"language_is_well_formed"}}


def test_inventory_rules(bronze) -> None:
    base = {"event_ts": "2026-11-20T10:00:00Z", "product_id": "P00001", "warehouse_id": "W1", "reason": "sale"}
    rows = [{**base, "event_id": "I1", "qty_on_hand": "3"},
            {**base, "event_id": "I2", "qty_on_hand": "-1"},
            {**base, "event_id": "I3", "qty_on_hand": "3", "reason": "theft"},
            {**base, "event_id": "I4", "qty_on_hand": None}]
    assert failed("silver.inventory", bronze(names(INVENTORY), rows), "event_id") == {
        "I1": set(), "I2": {"qty_on_hand_not_negative"}, "I3": {"reason_is_known"}, "I4": {"qty_on_hand_is_present"}}
